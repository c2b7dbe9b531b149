//! **[all](crate::_documentation::flow) mcp-doctor — the report.** What a
//! run finds: each finding is a [`Check`] (a [`Section`], a title, PASS / WARN /
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
    /// The section of the report it belongs to.
    pub section: Section,
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

/// The sections of the report, in the order of the flow: each names the
/// arrows of docs/FLOW.md it checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    /// The URL itself, before any arrow.
    Url,
    /// `[1]`–`[2]`: the request without a token and its 401 challenge.
    Challenge,
    /// `[3]`–`[4]`: the protected resource metadata.
    ResourceMetadata,
    /// `[5]`–`[6]`: the authorization server metadata.
    ServerMetadata,
    /// `[7]`–`[27]`: registration, `/authorize` and `/token`, refusals first.
    Registration,
    /// `[12]`–`[33]`: a sign-in to a token, then MCP with it.
    SignIn,
    /// Every arrow: how long the server takes.
    Timing,
    /// What claude.ai trips on besides the specifications.
    ClaudeAi,
}

impl Section {
    /// Every section, in report order.
    pub const ALL: [Section; 8] = [
        Section::Url,
        Section::Challenge,
        Section::ResourceMetadata,
        Section::ServerMetadata,
        Section::Registration,
        Section::SignIn,
        Section::Timing,
        Section::ClaudeAi,
    ];

    /// The heading the report prints: the arrows, then what is checked.
    pub fn heading(self) -> &'static str {
        match self {
            Section::Url => "The URL",
            Section::Challenge => "[1]–[2] Unauthenticated request: the 401 challenge",
            Section::ResourceMetadata => "[3]–[4] Protected resource metadata (RFC 9728)",
            Section::ServerMetadata => "[5]–[6] Authorization server metadata (RFC 8414)",
            Section::Registration => "[7]–[27] Registration, authorization, token errors",
            Section::SignIn => "[12]–[33] Sign-in to a token, then MCP",
            Section::Timing => "Timing",
            Section::ClaudeAi => "What claude.ai trips on besides the spec",
        }
    }

    /// Its name in the JSON report.
    pub fn name(self) -> &'static str {
        match self {
            Section::Url => "url",
            Section::Challenge => "challenge",
            Section::ResourceMetadata => "resource_metadata",
            Section::ServerMetadata => "server_metadata",
            Section::Registration => "registration",
            Section::SignIn => "sign_in",
            Section::Timing => "timing",
            Section::ClaudeAi => "claude_ai",
        }
    }
}

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
                    "section": c.section.name(), "title": c.title, "status": c.status.word().to_ascii_lowercase(),
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
        for section in Section::ALL {
            let checks: Vec<&Check> = self
                .checks
                .iter()
                .filter(|c| c.section == section)
                .collect();
            if checks.is_empty() {
                continue;
            }
            out.push_str(&format!("\n{}\n", section.heading()));
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
                " — {} first: {} — {}\n",
                paint(Status::Fail, "FAIL"),
                c.section.heading(),
                c.title
            )),
            None => out.push_str(" — nothing claude.ai would refuse\n"),
        }
        out
    }
}
