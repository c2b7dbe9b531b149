//! **[all](crate::_documentation::flow) mcp-doctor — the state of one run.**
//! [`Doctor`] is what every check takes: the command line, the URL, the
//! client ([`super::probe::Probe`]) and the findings so far, with one method
//! per outcome ([`Doctor::pass`], [`Doctor::warn`], [`Doctor::fail`],
//! [`Doctor::skip`]) that scrubs every known secret from the texts before
//! they are kept. [`Found`] is what discovery and the sign-in hand to the
//! MCP checks (reachable or open, the token, the refresh token, the
//! registered [`Client`], the endpoints).
//!
//! ```text
//!   discovery ─▶ signin ─▶ Found { token, refresh, client, endpoints } ─▶ mcp
//!        └─────────┴── d.pass / d.warn / d.fail / d.skip ──▶ Vec<Check>
//! ```
//!
//! # Where this sits
//! A leaf under every check module; [`super::run::run`] builds the
//! [`Doctor`] and turns its findings into the [`super::report::Report`].

use super::options::Options;
use super::probe::{Probe, Url};
use super::report::{Check, Section, Status};
use crate::crypto::secret::Secret;

/// The state of one run: the client, the findings so far, and what the
/// earlier steps found out for the later ones.
pub struct Doctor<'a> {
    /// The command line.
    pub options: &'a Options,
    /// The URL as the user pastes it.
    pub url: Url,
    /// The client.
    pub probe: Probe,
    /// The findings so far.
    pub checks: Vec<Check>,
    /// The server refused claude.ai's `Accept: */*` (named once): later MCP
    /// requests send the JSON/SSE pair, so that one mistake is not reported
    /// again on every step.
    pub strict_accept: bool,
}

impl Doctor<'_> {
    /// Records a finding, its texts scrubbed of every known secret. `fix`:
    /// the rule and the fix, and this crate's setting if one applies.
    pub fn add(
        &mut self,
        section: Section,
        status: Status,
        title: &str,
        evidence: &str,
        fix: Option<(&str, Option<&str>)>,
        ms: Option<u64>,
    ) {
        let check = Check {
            section,
            title: title.to_string(),
            status,
            evidence: self.probe.scrub(evidence),
            fix: fix.map(|(f, _)| self.probe.scrub(f)),
            ours: fix.and_then(|(_, o)| o).map(|o| self.probe.scrub(o)),
            ms,
        };
        self.checks.push(check);
    }

    /// A PASS.
    pub fn pass(&mut self, section: Section, title: &str, evidence: &str, ms: Option<u64>) {
        self.add(section, Status::Pass, title, evidence, None, ms);
    }

    /// A WARN with its fix (and this crate's setting, if one applies).
    pub fn warn(
        &mut self,
        section: Section,
        title: &str,
        evidence: &str,
        fix: &str,
        ours: Option<&str>,
        ms: Option<u64>,
    ) {
        self.add(
            section,
            Status::Warn,
            title,
            evidence,
            Some((fix, ours)),
            ms,
        );
    }

    /// A FAIL with its fix (and this crate's setting, if one applies).
    pub fn fail(
        &mut self,
        section: Section,
        title: &str,
        evidence: &str,
        fix: &str,
        ours: Option<&str>,
        ms: Option<u64>,
    ) {
        self.add(
            section,
            Status::Fail,
            title,
            evidence,
            Some((fix, ours)),
            ms,
        );
    }

    /// A SKIP and why.
    pub fn skip(&mut self, section: Section, title: &str, why: &str) {
        self.add(section, Status::Skip, title, why, None, None);
    }
}

/// The OAuth client the doctor registered (or claude.ai's CIMD client id).
#[derive(Debug, Clone)]
pub struct Client {
    /// `client_id`.
    pub id: String,
    /// `client_secret`, for `client_secret_post`/`client_secret_basic`.
    pub secret: Option<Secret>,
    /// `token_endpoint_auth_method`.
    pub method: String,
}

/// What the sections before the MCP checks found out, for them.
#[derive(Debug, Default)]
pub struct Found {
    /// Whether the server answered at all.
    pub reachable: bool,
    /// Whether `/mcp` answered without a token (an open server).
    pub open: bool,
    /// The access token, if one was obtained (or given).
    pub token: Option<Secret>,
    /// The refresh token of that grant.
    pub refresh: Option<Secret>,
    /// The registered client.
    pub client: Option<Client>,
    /// The AS's token endpoint.
    pub token_endpoint: Option<String>,
    /// The AS's revocation endpoint.
    pub revocation_endpoint: Option<String>,
}
