//! **[all](crate::_documentation::flow) mcp-doctor — check any remote MCP
//! server the way claude.ai will, and say exactly what to fix.** The library
//! half of `cargo run --bin mcp-doctor -- https://host/mcp`: it takes the
//! client's side of every arrow of docs/FLOW.md against a server it does not
//! know (ours or one built with any other SDK), and reports each step as
//! PASS / WARN / FAIL / SKIP with one line of evidence and, when something is
//! wrong, the rule and the fix.
//!
//! ```text
//!   1 the URL            https, port, path, where the host resolves      (before [1])
//!   2 the challenge      POST without a token → 401 + resource_metadata   [1]–[2]
//!   3 resource metadata  path and root forms, `resource`, AS list         [3]–[4]
//!   4 AS metadata        RFC 8414 then OpenID form, issuer, S256, grants  [5]–[6]
//!   5 registration       DCR as claude.ai, /authorize, bogus /token       [7]–[12], [26]
//!   6 a token, then MCP  password form / --token / single user, discover,
//!                        initialize, tools/list, GET, refresh             [13]–[15], [25]–[31]
//!   7 timing             every request; the first one (a cold start?)
//!   8 claude.ai's quirks port, private hosts, redirects, 406, Claude-User,
//!                        claude.com callback, schema sizes and shapes
//! ```
//!
//! Each finding is a [`Check`]; the whole run is a [`Report`], printed for a
//! person ([`Report::render`]) or as JSON ([`Report::to_json`]). A failed
//! check names, besides the spec rule, the setting of *this* crate that fixes
//! it (`PUBLIC_URL`, …) on a separate `remote-mcp:` line, for readers who
//! run it.
//!
//! # Loopback
//! The host checks (a public IPv4 address, port 443, HTTPS) are about what
//! claude.ai's cloud can reach. A loopback URL (`localhost`, `127.0.0.1`,
//! `[::1]`) is a local test: those checks are SKIPped with a message instead
//! of failing, and everything else runs as usual. `--via ORIGIN` checks a
//! public URL while sending the requests to a local copy (a container before
//! its deploy): `mcp-doctor https://svc.example/mcp --via http://127.0.0.1:8080`.
//!
//! # Spec
//! * MCP 2025-11-25 *Authorization* (discovery order, PKCE S256, `resource`),
//!   *Transports* (Streamable HTTP, GET → 405 or a stream); MCP 2026-07-28
//!   *Versioning* (`server/discover` and the fallback to `initialize`).
//! * RFC 9728 §3, §3.3, §5.1; RFC 8414 §2, §3, §3.3; RFC 7591 §3; RFC 6749
//!   §5.2; RFC 7636 §4; OAuth 2.1 §4.3.1 (refresh rotation).
//!
//! # Where this sits
//! [`run`] drives [`host`], [`discovery`] and [`metadata`] (steps 1–4),
//! [`signin`] and [`register`] (step 5 and the sign-in, with [`form`] for
//! `--password`), [`mcp`], [`tools`] and [`timing`] (steps 6–8), all through
//! [`probe`], which sends every request with [`crate::outbound`]. The binary `src/bin/mcp-doctor.rs` only parses the
//! command line ([`Options::parse`]), prints and exits.
//!
//! # Not implemented (on purpose)
//! * Calling a tool unasked: tools may change things. `--call NAME=JSON`
//!   calls one, and checks its result.
//! * Following a redirect to an upstream identity provider: a person must
//!   sign in there; pass `--token` to check the rest.
//! * A Client ID Metadata Document of the doctor's own: it cannot host one
//!   the server could fetch. It signs in with a DCR registration when the
//!   server offers DCR (claude.ai would pick CIMD when both are on), and
//!   checks that `/authorize` takes claude.ai's own CIMD client id.

pub mod discovery;
pub mod form;
pub mod host;
pub mod mcp;
pub mod metadata;
pub mod probe;
pub mod register;
pub mod signin;
pub mod timing;
pub mod tools;

use std::time::Duration;

use serde_json::{Value, json};

use crate::crypto::secret::Secret;
use probe::{Probe, Url};

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

/// What to check and how: the command line.
#[derive(Debug, Clone)]
pub struct Options {
    /// The MCP endpoint as a user pastes it into claude.ai.
    pub url: String,
    /// `--password`: the password of a password consent form.
    pub password: Option<Secret>,
    /// `--token`: an access token obtained another way.
    pub token: Option<Secret>,
    /// `--json`: print JSON instead of the report.
    pub json: bool,
    /// `--via ORIGIN`: send every request for the URL's host there instead.
    pub via: Option<String>,
    /// `--timeout SECS`: the deadline of each request (default 10 s).
    pub timeout: Duration,
    /// `--pause SECS`: wait, then time one more request (a cold start).
    pub pause: Option<Duration>,
    /// `--call NAME=JSON`: call this tool with these arguments.
    pub call: Option<(String, Value)>,
    /// `--no-color` (also `NO_COLOR`): never colour the report.
    pub no_color: bool,
}

/// The usage text, printed on a usage error (exit 2) and for `--help`.
pub const USAGE: &str = "\
usage: mcp-doctor URL [--password PW] [--token T] [--json]
                      [--via ORIGIN] [--timeout SECS] [--pause SECS]
                      [--call NAME=JSON] [--no-color]

Checks the remote MCP server at URL (e.g. https://host/mcp) the way claude.ai
uses it, and says what to fix. Exit 0: nothing failed; 1: something failed;
2: usage error.

  --password PW    sign in on the server's password form (as a browser would)
  --token T        use this access token instead of signing in
  --json           one JSON document instead of the report
  --via ORIGIN     send the requests to ORIGIN (e.g. http://127.0.0.1:8080),
                   checking URL as clients will see it behind an HTTPS front end
  --timeout SECS   deadline of each request (default 10)
  --pause SECS     after the checks, wait SECS and time one more request
  --call NAME=JSON call tool NAME with these arguments and check the result
  --no-color       no colour even on a terminal (NO_COLOR is honoured too)

A loopback URL (localhost, 127.0.0.1) is a local test: the checks of what
claude.ai's cloud can reach are skipped with a message instead of failing.
The password may also come from the environment, MCP_DOCTOR_PASSWORD, where
other users of the machine cannot read it (they can read a command line).";

impl Options {
    /// Parses the arguments after the program name. `Err` is the message of a
    /// usage error (exit 2); `--help` is an error whose message is the usage.
    pub fn parse(args: &[String]) -> Result<Options, String> {
        let mut options = Options {
            url: String::new(),
            password: None,
            token: None,
            json: false,
            via: None,
            timeout: Duration::from_secs(10),
            pause: None,
            call: None,
            no_color: false,
        };
        let mut url = None;
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let mut value = |name: &str| {
                it.next()
                    .cloned()
                    .ok_or_else(|| format!("{name} needs a value"))
            };
            let seconds = |name: &str, v: String| {
                v.parse::<f64>()
                    .ok()
                    .filter(|s| s.is_finite() && *s > 0.0 && *s <= 3600.0)
                    .map(Duration::from_secs_f64)
                    .ok_or_else(|| format!("{name}: {v:?} is not a number of seconds (0-3600)"))
            };
            match arg.as_str() {
                "-h" | "--help" => return Err(USAGE.to_string()),
                "--password" => options.password = Some(Secret::new(value("--password")?)),
                "--token" => options.token = Some(Secret::new(value("--token")?)),
                "--json" => options.json = true,
                "--no-color" => options.no_color = true,
                "--via" => {
                    let v = value("--via")?;
                    Url::parse(&v)
                        .ok_or_else(|| format!("--via: {v:?} is not an http(s) origin"))?;
                    options.via = Some(v);
                }
                "--timeout" => options.timeout = seconds("--timeout", value("--timeout")?)?,
                "--pause" => options.pause = Some(seconds("--pause", value("--pause")?)?),
                "--call" => {
                    let v = value("--call")?;
                    let (name, args) = v.split_once('=').unwrap_or((v.as_str(), "{}"));
                    let args: Value = serde_json::from_str(args)
                        .ok()
                        .filter(Value::is_object)
                        .ok_or_else(|| {
                            format!("--call: the arguments of {name} must be a JSON object")
                        })?;
                    options.call = Some((name.to_string(), args));
                }
                other if other.starts_with('-') => return Err(format!("unknown option {other}")),
                other if url.is_none() => url = Some(other.to_string()),
                other => return Err(format!("one URL only (also got {other:?})")),
            }
        }
        let url = url.ok_or("the URL of the MCP endpoint is missing")?;
        if Url::parse(&url).is_none() {
            return Err(format!("{url:?} is not an http:// or https:// URL"));
        }
        if options.password.is_some() && options.token.is_some() {
            return Err("--password and --token exclude each other".into());
        }
        options.url = url;
        Ok(options)
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
        step: u8,
        status: Status,
        title: &str,
        evidence: &str,
        fix: Option<(&str, Option<&str>)>,
        ms: Option<u64>,
    ) {
        let check = Check {
            step,
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
    pub fn pass(&mut self, step: u8, title: &str, evidence: &str, ms: Option<u64>) {
        self.add(step, Status::Pass, title, evidence, None, ms);
    }

    /// A WARN with its fix (and this crate's setting, if one applies).
    pub fn warn(
        &mut self,
        step: u8,
        title: &str,
        evidence: &str,
        fix: &str,
        ours: Option<&str>,
        ms: Option<u64>,
    ) {
        self.add(step, Status::Warn, title, evidence, Some((fix, ours)), ms);
    }

    /// A FAIL with its fix (and this crate's setting, if one applies).
    pub fn fail(
        &mut self,
        step: u8,
        title: &str,
        evidence: &str,
        fix: &str,
        ours: Option<&str>,
        ms: Option<u64>,
    ) {
        self.add(step, Status::Fail, title, evidence, Some((fix, ours)), ms);
    }

    /// A SKIP and why.
    pub fn skip(&mut self, step: u8, title: &str, why: &str) {
        self.add(step, Status::Skip, title, why, None, None);
    }
}

/// The fix line, for this crate, when a server advertises the wrong URL.
pub fn public_url_fix(url: &Url) -> String {
    format!(
        "set PUBLIC_URL={} (the origin users reach; the endpoint is PUBLIC_URL + /mcp)",
        url.origin()
    )
}

/// Runs every check against `options.url` and returns the report. Never
/// panics on anything the server does: every failure is a [`Check`].
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
    let mut found = signin::Found::default();
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
