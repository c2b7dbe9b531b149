//! **[all](crate::_documentation::flow) mcp-doctor — the report.** What a
//! run finds: each finding is a [`Check`] (a step 1–8, a title, PASS / WARN /
//! FAIL / SKIP, one line of evidence, and for a WARN or FAIL the rule and the
//! fix); the whole run is a [`Report`], printed for a person
//! ([`Report::render`], grouped by step, coloured on a terminal) or as JSON
//! for CI ([`Report::to_json`]).
//!
//! ```text
//!   4. Authorization server metadata (RFC 8414)
//!     PASS  PKCE S256: S256
//!     FAIL  issuer equals its URL: https://old.example, fetched for https://h.example
//!           fix: RFC 8414 §3.3: issuer must be identical to the URL the metadata …
//!           remote-mcp: set PUBLIC_URL=https://h.example (the origin users reach; …)
//! ```
//!
//! # Where this sits
//! A leaf: the checks add findings through [`super::context::Doctor`], and
//! [`super::run::run`] returns the [`Report`] the binary prints.

use serde_json::{Value, json};

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// As claude.ai needs it.
    Pass,
    /// Works, but risky or against a SHOULD.
    Warn,
    /// claude.ai (or the spec) will not accept this.
    Fail,
    /// Not checked, and why (loopback, nothing to sign in with, an earlier failure).
    Skip,
}

impl Status {
    fn word(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
            Status::Skip => "SKIP",
        }
    }
}

/// One finding: a line of the report.
#[derive(Debug, Clone)]
pub struct Check {
    /// The step of the report (1–8, see the module docs).
    pub step: u8,
    /// What was checked, e.g. `resource equals the URL`.
    pub title: String,
    /// The outcome.
    pub status: Status,
    /// One line of evidence: the status, the header, the field.
    pub evidence: String,
    /// For WARN/FAIL: the rule and what to change, for any server.
    pub fix: Option<String>,
    /// For WARN/FAIL: what to change on a server built with this crate.
    pub ours: Option<String>,
    /// How long the request behind the evidence took, if there was one.
    pub ms: Option<u64>,
}

/// The titles of the eight steps.
const STEPS: [&str; 8] = [
    "The URL",
    "Unauthenticated request: the 401 challenge",
    "Protected resource metadata (RFC 9728)",
    "Authorization server metadata (RFC 8414)",
    "Registration, authorization, token errors",
    "Sign-in to a token, then MCP",
    "Timing",
    "What claude.ai trips on besides the spec",
];

/// The whole run: every check, the timings, the URL.
#[derive(Debug, Clone)]
pub struct Report {
    /// The URL checked.
    pub url: String,
    /// The checks, in the order they ran.
    pub checks: Vec<Check>,
    /// Every request: (what, milliseconds).
    pub timings: Vec<(String, u64)>,
}

impl Report {
    /// Whether any check failed (exit code 1).
    pub fn failed(&self) -> bool {
        self.checks.iter().any(|c| c.status == Status::Fail)
    }

    fn count(&self, status: Status) -> usize {
        self.checks.iter().filter(|c| c.status == status).count()
    }

    /// The report as JSON, for CI: `{url, ok, summary, checks, timings}`.
    pub fn to_json(&self) -> Value {
        let checks: Vec<Value> = self
            .checks
            .iter()
            .map(|c| {
                json!({
                    "step": c.step, "title": c.title, "status": c.status.word().to_ascii_lowercase(),
                    "evidence": c.evidence, "fix": c.fix, "remote_mcp": c.ours, "ms": c.ms,
                })
            })
            .collect();
        let timings: Vec<Value> = self
            .timings
            .iter()
            .map(|(what, ms)| json!({"request": what, "ms": ms}))
            .collect();
        json!({
            "url": self.url,
            "ok": !self.failed(),
            "summary": {"pass": self.count(Status::Pass), "warn": self.count(Status::Warn),
                        "fail": self.count(Status::Fail), "skip": self.count(Status::Skip)},
            "checks": checks,
            "timings": timings,
        })
    }

    /// The report for a person, grouped by step; ANSI colours when `color`.
    pub fn render(&self, color: bool) -> String {
        let paint = |status: Status, text: &str| -> String {
            if !color {
                return text.to_string();
            }
            let code = match status {
                Status::Pass => "32",
                Status::Warn => "33",
                Status::Fail => "1;31",
                Status::Skip => "2",
            };
            format!("\x1b[{code}m{text}\x1b[0m")
        };
        let mut out = format!("mcp-doctor {} — as claude.ai will use it\n", self.url);
        for (i, title) in STEPS.iter().enumerate() {
            let step = i as u8 + 1;
            let checks: Vec<&Check> = self.checks.iter().filter(|c| c.step == step).collect();
            if checks.is_empty() {
                continue;
            }
            out.push_str(&format!("\n{step}. {title}\n"));
            for c in checks {
                let ms = c.ms.map(|ms| format!(" ({ms} ms)")).unwrap_or_default();
                out.push_str(&format!(
                    "  {}  {}: {}{ms}\n",
                    paint(c.status, c.status.word()),
                    c.title,
                    c.evidence
                ));
                if let Some(fix) = &c.fix {
                    out.push_str(&format!("        fix: {fix}\n"));
                }
                if let Some(ours) = &c.ours {
                    out.push_str(&format!("        remote-mcp: {ours}\n"));
                }
            }
        }
        let first = self.checks.iter().find(|c| c.status == Status::Fail);
        out.push_str(&format!(
            "\n{} passed, {} warnings, {} failed, {} skipped",
            self.count(Status::Pass),
            self.count(Status::Warn),
            self.count(Status::Fail),
            self.count(Status::Skip)
        ));
        match first {
            Some(c) => out.push_str(&format!(
                " — {} first: [{}] {}\n",
                paint(Status::Fail, "FAIL"),
                c.step,
                c.title
            )),
            None => out.push_str(" — nothing claude.ai would refuse\n"),
        }
        out
    }
}
