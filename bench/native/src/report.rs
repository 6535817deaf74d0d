// What the modes print: one JSON object per line on stdout ({"event":"listening"|"result"|"error",…}),
// as bench/ceiling/main.ts's children do, so scripts/lib/native.mjs reads both the same way.
use std::io::Write;

/// A flat JSON object, built field by field.
pub struct JsonObject(String);

impl JsonObject {
    pub fn new() -> JsonObject {
        JsonObject(String::from("{"))
    }

    fn key(&mut self, name: &str) {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        self.0.push_str(&quote(name));
        self.0.push(':');
    }

    pub fn str(mut self, name: &str, value: &str) -> JsonObject {
        self.key(name);
        self.0.push_str(&quote(value));
        self
    }

    pub fn int(mut self, name: &str, value: u64) -> JsonObject {
        self.key(name);
        self.0.push_str(&value.to_string());
        self
    }

    /// A finite number (NaN and infinities, which JSON cannot hold, become 0).
    pub fn num(mut self, name: &str, value: f64) -> JsonObject {
        self.key(name);
        self.0.push_str(&if value.is_finite() { value.to_string() } else { "0".into() });
        self
    }

    /// A value that is already JSON text.
    pub fn raw(mut self, name: &str, json: &str) -> JsonObject {
        self.key(name);
        self.0.push_str(json);
        self
    }

    pub fn finish(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Prints one event line and flushes it (the parent reads lines as they come).
pub fn emit(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

pub fn emit_error(message: &str) {
    emit(&JsonObject::new().str("event", "error").str("message", message).finish());
}

/// The sample at quantile `q` of sorted `samples`, as bench/ceiling/floor-client.ts picks it.
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((q * sorted.len() as f64).floor() as usize).min(sorted.len() - 1)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_objects() {
        let line = JsonObject::new().str("event", "error").str("message", "a \"b\"\n\u{1}").int("n", 3).num("x", 0.5).num("nan", f64::NAN).finish();
        assert_eq!(line, r#"{"event":"error","message":"a \"b\"\n\u0001","n":3,"x":0.5,"nan":0}"#);
    }

    #[test]
    fn percentiles_as_the_js_floor() {
        let samples: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&samples, 0.5), 51.0);
        assert_eq!(percentile(&samples, 0.99), 100.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }
}
