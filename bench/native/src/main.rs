// wse-native: the native yardstick of wse-bench (README.md beside Cargo.toml). Three modes do
// what the JavaScript floor, flood writer and sink do, with the least work compiled code allows.
mod args;
mod base64;
mod counters;
mod floor;
mod floor_reader;
mod flood;
mod frame;
mod http;
mod lifecycle;
mod report;
mod sha1;
mod sink;
mod slab;
mod sys;
mod wse;

use args::Options;
use std::time::Duration;

const USAGE: &str = "\
wse-native: the native (compiled) yardstick of wse-bench. Prints JSON lines on stdout
({\"event\":\"listening\"|\"result\"|\"error\",...}); exits when its stdin (a pipe or terminal)
closes, or at its deadline.

  wse-native floor --port P --token JWT [--host 127.0.0.1] [--path /wse?compression=false&protocol_version=1]
                   [--connections 100] [--batch 500] [--pings 0] [--warmup-connections 1000]
                   [--warmup 1] [--duration 5]
      The raw-client floor of bench/ceiling/floor-client.ts: connections opened in batches,
      then `pings` sequential pings each (one untimed round, one timed). Deadline: warm-up +
      duration + 30 s.
  wse-native flood --port P [--host 127.0.0.1] [--connections 100] [--warmup 1] [--duration 5]
                   [--frames-per-write 362]
      The ceiling's writer (bench/ceiling/flood-client.ts): pre-built masked frames of the
      175-byte trading message written as fast as the sockets take them, for warm-up + duration s.
  wse-native sink [--host 127.0.0.1] [--port 0] [--max-message-size 1048576] [--deadline 3600]
      A WSE sink server: upgrade, server_ready, frame headers validated, messages counted,
      application pings answered with PONG in order, RFC pings with pongs, close handshake;
      GET /stats answers like the embedded server (transport \"native\", mode \"sink\").
      It does NOT verify JWTs (any token is accepted), does not check UTF-8 in text messages,
      sends no server_hello, heartbeat or idle close.
";

/// Seconds a child may take beyond warm-up + duration, as bench/ceiling/main.ts allows.
const GRACE_SEC: f64 = 30.0;

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let Some(mode) = argv.first().map(String::as_str) else {
        eprint!("{USAGE}");
        std::process::exit(2);
    };
    if mode == "--help" || mode == "-h" || argv.iter().any(|a| a == "--help") {
        print!("{USAGE}");
        return;
    }
    let rest = &argv[1..];
    let outcome = match mode {
        "floor" => floor(rest),
        "flood" => flood(rest),
        "sink" => sink(rest),
        other => Err(Usage(format!("the first argument must be floor, flood or sink, got \"{other}\""))),
    };
    match outcome {
        Ok(()) => {}
        Err(Usage(message)) => {
            eprintln!("wse-native: {message} (see wse-native --help)");
            std::process::exit(2);
        }
    }
}

/// A mistake in the command line: one line on stderr, exit 2.
struct Usage(String);

impl From<String> for Usage {
    fn from(message: String) -> Usage {
        Usage(message)
    }
}

/// Runs a mode's work after its options were accepted: a failure is an error event, exit 1.
fn finish(result: Result<String, String>) -> Result<(), Usage> {
    match result {
        Ok(line) => {
            report::emit(&line);
            std::process::exit(0);
        }
        Err(message) => {
            report::emit_error(&message);
            std::process::exit(1);
        }
    }
}

/// Starts the watchers every mode has.
fn start_watchers(mode: &'static str, deadline_sec: f64) {
    lifecycle::exit_when_parent_goes();
    lifecycle::exit_at_deadline(mode, deadline_sec);
    sys::raise_fd_limit();
}

fn floor(args: &[String]) -> Result<(), Usage> {
    let o = Options::parse("floor", args, &["host", "port", "token", "path", "connections", "batch", "pings", "warmup-connections", "warmup", "duration"])?;
    let token = o.required("token")?.to_string();
    if token.is_empty() || token.bytes().any(|b| b <= b' ' || b == 0x7f || b == b';') {
        return Err(Usage("--token must be a JWT: no spaces, semicolons or control characters".into()));
    }
    let path = o.text("path").unwrap_or("/wse?compression=false&protocol_version=1").to_string();
    if !path.starts_with('/') || path.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err(Usage(format!("--path must start with / and hold no spaces or control characters, got \"{path}\"")));
    }
    let options = floor::FloorOptions {
        host: o.host()?,
        port: o.port("port", None)?,
        path,
        token,
        connections: o.count("connections", 100, 1)?,
        batch_size: o.count("batch", 500, 1)?,
        pings: o.count("pings", 0, 0)?,
        timeout: Duration::from_secs(10),
        warmup_connections: o.count("warmup-connections", 1000, 0)?,
    };
    start_watchers("floor", o.number("warmup", 1.0)? + o.number("duration", 5.0)? + GRACE_SEC);
    finish(floor::run_floor(&options))
}

fn flood(args: &[String]) -> Result<(), Usage> {
    let o = Options::parse("flood", args, &["host", "port", "connections", "warmup", "duration", "frames-per-write"])?;
    let frames_per_write = o.count("frames-per-write", 362, 1)?;
    let payload = frame_payload();
    let burst = frame::masked_text_frames(payload, [0x37, 0xfa, 0x21, 0x3d], frames_per_write);
    let write_sec = o.number("warmup", 1.0)? + o.number("duration", 5.0)?;
    let options = flood::FloodOptions {
        host: o.host()?,
        port: o.port("port", None)?,
        connections: o.count("connections", 100, 1)?,
        write_sec,
        frame_bytes: burst.len() / frames_per_write,
        burst,
    };
    start_watchers("flood", write_sec + GRACE_SEC);
    finish(flood::run_flood(&options))
}

/// The ~175-byte trading message of the throughput test (core/wse/messages.ts TRADING_MESSAGE).
fn frame_payload() -> &'static [u8] {
    br#"{"t":"trade_update","p":{"symbol":"ES","side":"buy","price":5234.75,"qty":2,"ts":"2026-02-23T14:30:00.123Z","account":"acc_01HQ3","tags":["momentum","breakout"],"score":0.87}}"#
}

fn sink(args: &[String]) -> Result<(), Usage> {
    let o = Options::parse("sink", args, &["host", "port", "max-message-size", "deadline"])?;
    let deadline = o.number("deadline", 3600.0)?;
    if deadline <= 0.0 {
        return Err(Usage("--deadline must be a number of seconds > 0".into()));
    }
    let options = sink::SinkOptions { host: o.host()?, port: o.port("port", Some(0))?, max_message: o.count("max-message-size", 1024 * 1024, 1)? as u64 };
    start_watchers("sink", deadline);
    match sink::run_sink(&options) {
        Ok(()) => Ok(()),
        Err(message) => finish(Err(message)),
    }
}
