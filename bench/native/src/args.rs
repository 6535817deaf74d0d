// Command-line options: `--name value` pairs after the mode. Every mistake is one line that
// says what was wrong and what to do.
use std::collections::HashMap;
use std::net::{Ipv4Addr, ToSocketAddrs};

pub struct Options {
    mode: &'static str,
    values: HashMap<String, String>,
}

impl Options {
    /// Parses `args` (after the mode); `known` lists the options this mode takes.
    pub fn parse(mode: &'static str, args: &[String], known: &[&str]) -> Result<Options, String> {
        let mut values = HashMap::new();
        let mut rest = args.iter();
        while let Some(arg) = rest.next() {
            let Some(name) = arg.strip_prefix("--").filter(|n| known.contains(n)) else {
                return Err(format!("{mode} does not take \"{arg}\" (it takes {})", known.iter().map(|n| format!("--{n}")).collect::<Vec<_>>().join(", ")));
            };
            let Some(value) = rest.next() else {
                return Err(format!("--{name} needs a value"));
            };
            if values.insert(name.to_string(), value.clone()).is_some() {
                return Err(format!("--{name} is given twice"));
            }
        }
        Ok(Options { mode, values })
    }

    pub fn text(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    pub fn required(&self, name: &str) -> Result<&str, String> {
        self.text(name).ok_or_else(|| format!("{} needs --{name}", self.mode))
    }

    /// A finite number ≥ 0.
    pub fn number(&self, name: &str, fallback: f64) -> Result<f64, String> {
        match self.text(name) {
            None => Ok(fallback),
            Some(text) => text.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0).ok_or_else(|| format!("--{name} must be a number ≥ 0, got \"{text}\"")),
        }
    }

    /// A whole number ≥ `min`.
    pub fn count(&self, name: &str, fallback: usize, min: usize) -> Result<usize, String> {
        match self.text(name) {
            None => Ok(fallback),
            Some(text) => text.parse::<usize>().ok().filter(|v| *v >= min).ok_or_else(|| format!("--{name} must be a whole number ≥ {min}, got \"{text}\"")),
        }
    }

    pub fn port(&self, name: &str, fallback: Option<u16>) -> Result<u16, String> {
        match (self.text(name), fallback) {
            (None, Some(port)) => Ok(port),
            (None, None) => Err(format!("{} needs --{name}", self.mode)),
            (Some(text), _) => text.parse::<u16>().map_err(|_| format!("--{name} must be a port number (0–65535), got \"{text}\"")),
        }
    }

    /// --host as an IPv4 address (a name is resolved once, here).
    pub fn host(&self) -> Result<Ipv4Addr, String> {
        let text = self.text("host").unwrap_or("127.0.0.1");
        if let Ok(ip) = text.parse::<Ipv4Addr>() {
            return Ok(ip);
        }
        let resolved = (text, 0).to_socket_addrs().map_err(|e| format!("--host {text}: {e}"))?;
        resolved
            .filter_map(|a| match a.ip() {
                std::net::IpAddr::V4(ip) => Some(ip),
                std::net::IpAddr::V6(_) => None,
            })
            .next()
            .ok_or_else(|| format!("--host {text} has no IPv4 address (this program speaks IPv4 only)"))
    }
}

#[cfg(test)]
mod tests {
    use super::Options;

    fn parse(args: &[&str]) -> Result<Options, String> {
        Options::parse("floor", &args.iter().map(|s| s.to_string()).collect::<Vec<_>>(), &["port", "pings"])
    }

    #[test]
    fn mistakes_are_one_line() {
        assert!(parse(&["--bogus", "1"]).err().unwrap().starts_with("floor does not take \"--bogus\""));
        assert_eq!(parse(&["--port"]).err().unwrap(), "--port needs a value");
        assert_eq!(parse(&["--port", "1", "--port", "2"]).err().unwrap(), "--port is given twice");
        let options = parse(&["--port", "70000", "--pings", "-1"]).unwrap();
        assert!(options.port("port", None).unwrap_err().contains("port number"));
        assert!(options.count("pings", 0, 0).unwrap_err().contains("whole number"));
        assert_eq!(parse(&[]).unwrap().port("port", None).unwrap_err(), "floor needs --port");
    }
}
