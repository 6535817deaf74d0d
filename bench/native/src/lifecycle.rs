// How a child of a benchmark driver ends: when its parent goes away (its stdin, a pipe the
// parent holds, reaches end of file) or at its deadline, whichever comes first, like the JS
// ceiling children (bench/ceiling/main.ts). Both are watched from a thread of their own, so the
// event loops stay free of them.
use crate::report::emit_error;
use std::io::{IsTerminal, Read};
use std::os::unix::fs::FileTypeExt;
use std::time::Duration;

/// Exits (code 2) when stdin closes. Only a pipe, socket or terminal is watched: a regular
/// file or /dev/null ends at once and says nothing about the parent.
pub fn exit_when_parent_goes() {
    let watched = std::io::stdin().is_terminal()
        || std::fs::metadata("/proc/self/fd/0").is_ok_and(|m| m.file_type().is_fifo() || m.file_type().is_socket());
    if !watched {
        return;
    }
    std::thread::spawn(|| {
        let mut stdin = std::io::stdin();
        let mut scratch = [0u8; 256];
        loop {
            match stdin.read(&mut scratch) {
                Ok(0) => std::process::exit(2),
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => std::process::exit(2),
            }
        }
    });
}

/// Exits (code 3, with an error line) if the run is still going after `seconds`.
pub fn exit_at_deadline(mode: &'static str, seconds: f64) {
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs_f64(seconds));
        emit_error(&format!("{mode} did not finish within {seconds} s"));
        std::process::exit(3);
    });
}
