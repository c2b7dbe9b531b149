//! **[all](crate::_documentation::flow) Every arrow — one log line per
//! request.** On a real connector the request log is the only diagnostic there
//! is (claude.ai shows an `ofid_…` reference and nothing else), so every
//! request leaves exactly one line on stderr: method, path, status and
//! duration. Never a query string, a header value or a body: those carry codes,
//! tokens and passwords.
//!
//! When `K_SERVICE` is set (Cloud Run), the line is a JSON object that Cloud
//! Logging understands (`severity`, `message`, `httpRequest`); elsewhere it is
//! plain text.
//!
//! # Where this sits
//! Called by [`crate::http::server`] after each response is written.

use std::sync::OnceLock;
use std::time::Duration;

fn json_logs() -> bool {
    static JSON: OnceLock<bool> = OnceLock::new();
    *JSON.get_or_init(|| std::env::var_os("K_SERVICE").is_some())
}

/// Logs one answered request. `path` must be the path only (no query string).
pub fn request(method: &str, path: &str, status: u16, elapsed: Duration) {
    // u64 formats faster than u128 and holds 584 000 years of microseconds.
    let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
    let line = if json_logs() {
        let line = serde_json::json!({
            "severity": if status >= 500 { "ERROR" } else if status >= 400 { "WARNING" } else { "INFO" },
            "message": format!("{method} {path} {status} {}.{:03}ms", micros / 1000, micros % 1000),
            "httpRequest": {
                "requestMethod": method,
                "requestUrl": path,
                "status": status,
                "latency": format!("{}.{:06}s", micros / 1_000_000, micros % 1_000_000),
            },
        });
        format!("{line}\n")
    } else {
        format!(
            "{method} {path} {status} {}.{:03}ms\n",
            micros / 1000,
            micros % 1000
        )
    };
    write_line(&line);
}

/// Logs a server event (start-up, warnings, errors) that is not a request.
pub fn event(severity: &str, message: &str) {
    let line = if json_logs() {
        format!(
            "{}\n",
            serde_json::json!({ "severity": severity, "message": message })
        )
    } else {
        format!("[{}] {message}\n", severity.to_ascii_lowercase())
    };
    write_line(&line);
}

/// Writes a whole line with one `write` to stderr. `eprintln!` with several
/// arguments writes each formatted piece separately (stderr is unbuffered):
/// ten system calls per request line, measured at 15% of the server's CPU
/// under load (docs/PERFORMANCE.md). A line formatted first and printed as a
/// single argument is one `write`, which also keeps lines from different
/// threads whole. (`eprint!` rather than `stderr().write_all`, so that
/// `cargo test` still captures the lines.)
fn write_line(line: &str) {
    eprint!("{line}");
}
