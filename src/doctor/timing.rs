//! **[all](crate::_documentation::flow) mcp-doctor, the timing section.** Every
//! request the doctor sent was timed ([`super::probe::Probe::timings`]); this
//! step reads them: the first request against the median of the rest (a
//! cold start: Cloud Run starting an instance), the slowest request, and with
//! `--pause SECS` one more request after the server sat idle.
//!
//! ```text
//!   first 2400 ms, median 12 ms  → WARN: a cold start (keep an instance warm)
//!   slowest over 5 s             → WARN: claude.ai gives up on slow steps
//!   --pause 600 → POST URL       → the first request after ten idle minutes
//! ```
//!
//! # Where this sits
//! Called last by [`super::mcp::run`].

use super::context::Doctor;
use super::report::Section;
use super::rpc::initialize_body;

/// `Section::Timing`: the first request against the rest, the slowest, and `--pause`.
pub fn timing(d: &mut Doctor) {
    let times: Vec<u64> = d.probe.timings.iter().map(|(_, ms)| *ms).collect();
    let Some(&first) = times.first() else { return };
    let mut rest: Vec<u64> = times[1..].to_vec();
    rest.sort_unstable();
    let median = rest.get(rest.len() / 2).copied().unwrap_or(first);
    let evidence = format!(
        "{} requests; the first {first} ms, median of the rest {median} ms",
        times.len()
    );
    if first > 2000 && first > 3 * median.max(1) {
        d.warn(
            Section::Timing,
            "the first request (a cold start?)",
            &evidence,
            "a slow first request is a cold start: claude.ai may time out \
                while an instance starts (Cloud Run: --min-instances=1 or \
                startup CPU boost)",
            None,
            Some(first),
        );
    } else {
        d.pass(
            Section::Timing,
            "the first request (a cold start?)",
            &evidence,
            Some(first),
        );
    }
    if let Some((label, ms)) = d.probe.timings.iter().max_by_key(|(_, ms)| *ms).cloned() {
        if ms > 5000 {
            d.warn(
                Section::Timing,
                "the slowest request",
                &format!("{label}: {ms} ms"),
                "claude.ai gives up on slow sign-in steps: keep each request well under 5 s",
                None,
                Some(ms),
            );
        } else {
            d.pass(
                Section::Timing,
                "the slowest request",
                &format!("{label}: {ms} ms"),
                Some(ms),
            );
        }
    }
    if let Some(pause) = d.options.pause {
        std::thread::sleep(pause);
        let url = d.options.url.clone();
        let body = initialize_body(50).to_string();
        let headers = [("Content-Type", "application/json"), ("Accept", "*/*")];
        let title = format!("a request after {} s idle", pause.as_secs_f64());
        match d.probe.call(
            "POST URL after the pause",
            "POST",
            &url,
            &headers,
            body.as_bytes(),
        ) {
            Ok(g) if g.ms > 2000 && g.ms > 3 * median.max(1) => d.warn(
                Section::Timing,
                &title,
                &format!("{} ms (median {median} ms)", g.ms),
                "the server is slow after a pause (scaled to zero?): \
                    claude.ai's first call may time out; keep one instance warm",
                None,
                Some(g.ms),
            ),
            Ok(g) => d.pass(Section::Timing, &title, &format!("{} ms", g.ms), Some(g.ms)),
            Err(e) => d.fail(
                Section::Timing,
                &title,
                &e,
                "the server stopped answering after a pause",
                None,
                None,
            ),
        }
    }
}
