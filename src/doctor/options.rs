//! **[all](crate::_documentation::flow) mcp-doctor — the command line.**
//! What to check and how: the URL as a user pastes it into claude.ai, and the
//! options ([`USAGE`]) that sign in (`--password`, `--token`), redirect the
//! requests (`--via`), bound them (`--timeout`), time a cold start
//! (`--pause`), call a tool (`--call`) and shape the output (`--json`,
//! `--no-color`). [`Options::parse`] reads them; a usage error is an `Err`
//! with its message (exit 2).
//!
//! # Where this sits
//! A leaf: `src/bin/mcp-doctor.rs` parses the arguments here and hands the
//! [`Options`] to [`super::run::run`]; every check reads them through
//! [`super::context::Doctor::options`].

use std::time::Duration;

use serde_json::Value;

use super::probe::Url;
use crate::crypto::secret::Secret;

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
