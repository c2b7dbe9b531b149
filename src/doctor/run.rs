//! **[all](crate::_documentation::flow) mcp-doctor — one run, in the order
//! claude.ai takes the steps.** [`run`] builds the client and the
//! [`Doctor`] from the command line, then walks the flow: discovery
//! (`[1]`–`[6]`), registration and the sign-in (`[7]`–`[27]`), MCP with the
//! token (`[28]`–`[33]`), each handing what it found to the next, and
//! returns the [`Report`], one [`Section`](super::Section) of it per part.
//!
//! ```text
//!   Options ─▶ Probe + Doctor
//!     discovery::run  [1]–[6] ─▶ (AS metadata, scopes)   or stop: open / unreachable
//!     signin::run     [7]–[27], the sign-in ─▶ Found { token, refresh, client }
//!     mcp::run        [28]–[33] with the token, then the timing
//!   ─▶ Report { url, checks, timings }
//! ```
//!
//! # Where this sits
//! Called by `src/bin/mcp-doctor.rs` (as `remote_mcp::doctor::run`); the top
//! of the doctor's modules, importing the three step modules
//! [`super::discovery`], [`super::signin`] and [`super::mcp`].

use super::context::{Doctor, Found};
use super::options::Options;
use super::probe::{Probe, Url};
use super::report::Report;
use super::{discovery, mcp, signin};

/// Runs every check against `options.url` and returns the report. Never
/// panics on anything the server does: every failure is a
/// [`Check`](super::report::Check).
pub fn run(options: &Options) -> Report {
    let url = Url::parse(&options.url).unwrap_or(Url {
        scheme: "https".into(),
        host: "invalid".into(),
        explicit_port: None,
        rest: "/".into(),
    });
    let via = options.via.as_deref().and_then(Url::parse);
    let mut probe = Probe::new(url.clone(), via, options.timeout);
    for secret in options.password.iter().chain(options.token.iter()) {
        probe.remember(secret);
    }
    let mut doctor = Doctor {
        options,
        url,
        probe,
        checks: Vec::new(),
        strict_accept: false,
    };
    let mut found = Found::default();
    if let Some((meta, scopes)) = discovery::run(&mut doctor, &mut found) {
        signin::run(&mut doctor, &meta, &scopes, &mut found);
    }
    if found.token.is_none() {
        found.token.clone_from(&options.token);
    }
    mcp::run(&mut doctor, found);
    Report {
        url: options.url.clone(),
        checks: doctor.checks,
        timings: doctor.probe.timings,
    }
}
