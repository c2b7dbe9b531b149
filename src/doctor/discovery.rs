//! **[1–6](crate::_documentation::flow) mcp-doctor, the challenge and metadata sections — the challenge
//! and discovery.** The client's half of arrows `[1]`–`[6]`, taken as
//! claude.ai takes them, each answer checked against what claude.ai and the
//! spec need.
//!
//! ```text
//!   1  the URL (super::host): https, path, port 443, a public IPv4 address
//!   2  [1]–[2]   POST URL (no token) → 401 WWW-Authenticate: Bearer resource_metadata="…"
//!                (and again as Claude-User: a WAF must not tell them apart)
//!   3  [3]–[4]   GET /.well-known/oauth-protected-resource{path}, and the root form
//!   4  [5]–[6]   GET {issuer}/.well-known/oauth-authorization-server (super::metadata)
//! ```
//!
//! # Spec
//! * RFC 9728 §3 (well-known URIs), §3.3 (`resource` must equal the URL),
//!   §5.1 (`resource_metadata` in the challenge).
//! * MCP 2025-11-25 *Protected Resource Metadata Discovery Requirements*
//!   (the header, then the path form, then the root form).
//!
//! # Where this sits
//! Called by [`super::run::run`]; runs [`super::host`] first and
//! [`super::metadata`] last; what it finds goes to [`super::signin`]. The
//! URL comparisons are [`super::urls`]'s, the `initialize` body
//! [`super::rpc`]'s.

use super::report::Section;
use serde_json::Value;

use super::context::{Doctor, Found};
use super::metadata::{authorization_server, get_document};
use super::probe::{Url, excerpt};
use super::rpc::initialize_body;
use super::urls::{elsewhere, plain_http, public_url_fix, url_difference};

/// Runs the sections from `Section::Url` to `Section::ServerMetadata`: the authorization server's metadata and the scopes to
/// ask for, when the server has them.
pub fn run(d: &mut Doctor, found: &mut Found) -> Option<(Value, Vec<String>)> {
    super::host::check_url(d);
    let challenge = challenge(d, found)?;
    if found.open {
        for section in [
            Section::ResourceMetadata,
            Section::ServerMetadata,
            Section::Registration,
        ] {
            d.skip(
                section,
                "OAuth",
                "the server answers without a token: no sign-in to check",
            );
        }
        return None;
    }
    let (as_url, scopes) = protected_resource(d, challenge.as_deref());
    let Some(as_url) = as_url else {
        d.skip(
            Section::ServerMetadata,
            "authorization server metadata",
            "no authorization server to look at",
        );
        return None;
    };
    let meta = authorization_server(d, &as_url)?;
    Some((meta, scopes))
}

/// `Section::Challenge`, `[1]`–`[2]`: `None` when the server cannot be reached at all;
/// else the challenge's `resource_metadata` (if any).
fn challenge(d: &mut Doctor, found: &mut Found) -> Option<Option<String>> {
    let url = d.options.url.clone();
    let body = initialize_body(1).to_string();
    let headers = [
        ("Content-Type", "application/json"),
        ("Accept", "application/json, text/event-stream"),
    ];
    let got = match d.probe.call(
        "POST URL (no token)",
        "POST",
        &url,
        &headers,
        body.as_bytes(),
    ) {
        Ok(got) => got,
        Err(e) => {
            d.fail(
                Section::Challenge,
                "the server answers",
                &e,
                "claude.ai would say \"Couldn't reach the MCP server\": check \
                    the URL, DNS, TLS and that the server is running",
                None,
                None,
            );
            return None;
        }
    };
    found.reachable = true;
    // Section::ClaudeAi: the same request as claude.ai's connector (User-Agent Claude-User).
    let ua = [
        ("Content-Type", "application/json"),
        ("Accept", "application/json, text/event-stream"),
        ("User-Agent", super::probe::CLAUDE_USER_AGENT),
    ];
    match d.probe.call(
        "POST URL (no token, Claude-User)",
        "POST",
        &url,
        &ua,
        body.as_bytes(),
    ) {
        Ok(c) if c.status == got.status => d.pass(
            Section::ClaudeAi,
            "Claude-User answered like others",
            &format!("{} both ways", c.status),
            Some(c.ms),
        ),
        Ok(c) => d.fail(
            Section::ClaudeAi,
            "Claude-User answered like others",
            &format!(
                "{} for User-Agent Claude-User, {} for others",
                c.status, got.status
            ),
            "a WAF or bot rule (\"block AI bots\") treats claude.ai \
                differently: allow it on /mcp, /.well-known/*, /authorize, \
                /token, /register",
            None,
            Some(c.ms),
        ),
        Err(e) => d.fail(
            Section::ClaudeAi,
            "Claude-User answered like others",
            &format!("no answer for User-Agent Claude-User: {e}"),
            "a WAF or bot rule drops claude.ai's requests: allow its User-Agent",
            None,
            None,
        ),
    }
    let ms = Some(got.ms);
    match got.status {
        401 => {}
        200..=299 => {
            found.open = true;
            d.warn(
                Section::Challenge,
                "401 without a token",
                &format!("{}: the server answers without a token", got.status),
                "anyone with the URL can use this server; claude.ai connects \
                    without sign-in. Fine on purpose; else require OAuth (a 401 \
                    with resource_metadata)",
                Some(
                    "set ADMIN_PASSWORD (a sign-in form) or an upstream IdP; an \
                    open server on a public URL needs MCP_ALLOW_ANYONE=1",
                ),
                ms,
            );
            return Some(None);
        }
        300..=399 => {
            let location = got
                .header("location")
                .unwrap_or("(no Location)")
                .to_string();
            let slash = location.trim_end_matches('/') == url.trim_end_matches('/')
                || location.ends_with(&format!("{}/", d.url.path()));
            d.fail(
                if slash {
                    Section::ClaudeAi
                } else {
                    Section::Challenge
                },
                "no redirect on the endpoint",
                &format!("{} → {location}", got.status),
                "claude.ai does not follow redirects on the MCP URL (a 307 to \
                    /mcp/ is a classic): serve exactly the URL users paste",
                None,
                ms,
            );
            return Some(None);
        }
        406 => {
            d.fail(
                Section::ClaudeAi,
                "no 406 on claude.ai's Accept",
                "406 Not Acceptable",
                "accept any Accept header (claude.ai sends */*); answer JSON or SSE",
                None,
                ms,
            );
            return Some(None);
        }
        s => {
            let what = if got.is_html() {
                format!("{s}, an HTML page{}", got.title())
            } else {
                format!("{s} {}", excerpt(&got.text(), 80))
            };
            let fix = match s {
                403 => {
                    "a 403 before any token: a WAF, an IP allow-list or an \
                        Origin/Host check blocks the request"
                }
                404 | 405 => {
                    "no MCP endpoint at this path: check the URL (our examples serve /mcp)"
                }
                _ => {
                    "answer an unauthenticated POST with 401 and \
                        WWW-Authenticate: Bearer resource_metadata=\"…\" (MCP \
                        2025-11-25 Authorization)"
                }
            };
            d.fail(
                Section::Challenge,
                "401 without a token",
                &what,
                fix,
                None,
                ms,
            );
            return Some(None);
        }
    }
    let challenge = got
        .headers_named("www-authenticate")
        .find(|v| v.trim_start().to_ascii_lowercase().starts_with("bearer"))
        .map(str::to_string);
    let Some(challenge) = challenge else {
        d.fail(
            Section::Challenge,
            "WWW-Authenticate: Bearer",
            "a 401 without a Bearer challenge",
            "every 401 needs WWW-Authenticate: Bearer \
                resource_metadata=\"<url>\" (RFC 9728 §5.1, MCP 2025-06-18)",
            None,
            ms,
        );
        return Some(None);
    };
    d.pass(
        Section::Challenge,
        "401 without a token",
        "401 with a Bearer challenge",
        ms,
    );
    let metadata = auth_param(&challenge, "resource_metadata");
    match &metadata {
        None => d.fail(
            Section::Challenge,
            "resource_metadata in the challenge",
            &excerpt(&challenge, 100),
            "add \
                resource_metadata=\"<origin>/.well-known/oauth-protected-resource<path>\" \
                to the 401 (RFC 9728 §5.1); claude.ai starts its discovery \
                there",
            None,
            ms,
        ),
        Some(m) => match Url::parse(m) {
            None => d.fail(
                Section::Challenge,
                "resource_metadata in the challenge",
                &format!("{m:?} is not an absolute URL"),
                "resource_metadata must be an absolute https:// URL (RFC 9728 \
                    §5.1)",
                Some(&public_url_fix(&d.url)),
                ms,
            ),
            Some(u) if u.origin() == d.url.origin() => d.pass(
                Section::Challenge,
                "resource_metadata in the challenge",
                m,
                None,
            ),
            Some(u) if u.host == d.url.host && u.scheme != d.url.scheme => d.fail(
                Section::Challenge,
                "resource_metadata in the challenge",
                &format!(
                    "{m} is {}:// while the URL is {}://",
                    u.scheme, d.url.scheme
                ),
                "the server builds its URLs from the plain-HTTP request \
                    behind an HTTPS front end (Cloud Run, a load balancer): \
                    configure its public https:// URL",
                Some(&public_url_fix(&d.url)),
                ms,
            ),
            Some(u) => d.warn(
                Section::Challenge,
                "resource_metadata in the challenge",
                &format!("{m} is on another origin ({})", u.origin()),
                "allowed (RFC 9728), but usually a wrong public URL: make it \
                    the origin users reach unless the metadata really lives \
                    there",
                Some(&public_url_fix(&d.url)),
                ms,
            ),
        },
    }
    Some(metadata)
}

/// The value of `name="…"` (or `name=token`) in a `WWW-Authenticate` value.
pub fn auth_param(challenge: &str, name: &str) -> Option<String> {
    let lower = challenge.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find(name) {
        let at = from + i;
        let before = lower[..at].chars().last();
        let rest = challenge[at + name.len()..].trim_start();
        if matches!(before, None | Some(' ') | Some(',')) && rest.starts_with('=') {
            let value = rest[1..].trim_start();
            return Some(match value.strip_prefix('"') {
                Some(q) => q.split('"').next().unwrap_or("").to_string(),
                None => value.split([',', ' ']).next().unwrap_or("").to_string(),
            });
        }
        from = at + name.len();
    }
    None
}

/// `Section::ResourceMetadata`, `[3]`–`[4]`: The authorization server to ask, and the scopes to request.
fn protected_resource(d: &mut Doctor, from_header: Option<&str>) -> (Option<String>, Vec<String>) {
    let origin = d.url.origin();
    let path = d.url.path().trim_end_matches('/').to_string();
    let path_form = format!("{origin}/.well-known/oauth-protected-resource{path}");
    let root_form = format!("{origin}/.well-known/oauth-protected-resource");
    let mut chosen: Option<Value> = None;
    if let Some(h) = from_header.filter(|h| *h != path_form && *h != root_form) {
        match get_document(d, "GET resource_metadata", h) {
            (Ok(v), ms) => {
                d.pass(
                    Section::ResourceMetadata,
                    "the document resource_metadata names",
                    h,
                    ms,
                );
                chosen = Some(v);
            }
            (Err(e), ms) => {
                let ours = elsewhere(h, &d.url);
                d.fail(
                    Section::ResourceMetadata,
                    "the document resource_metadata names",
                    &format!("{h}: {e}"),
                    "serve the protected resource metadata (JSON) where the 401 \
                        says, without authentication",
                    ours.as_deref(),
                    ms,
                )
            }
        }
    }
    let forms = [
        ("path form", path_form.clone()),
        ("root form", root_form.clone()),
    ];
    let mut any = chosen.is_some();
    for (i, (name, u)) in forms.iter().enumerate() {
        if i == 0 && path.is_empty() {
            continue; // an endpoint at the root: the two forms are one URL
        }
        match get_document(d, &format!("GET PRM {name}"), u) {
            (Ok(v), ms) => {
                d.pass(
                    Section::ResourceMetadata,
                    &format!("metadata, {name}"),
                    u,
                    ms,
                );
                any = true;
                if chosen.is_none() {
                    chosen = Some(v);
                }
            }
            (Err(e), ms) if i == 0 || !any => d.fail(
                Section::ResourceMetadata,
                &format!("metadata, {name}"),
                &format!("{u}: {e}"),
                "serve RFC 9728 metadata at \
                    /.well-known/oauth-protected-resource + the endpoint's path, \
                    and at the root; claude.ai probes both",
                None,
                ms,
            ),
            (Err(e), ms) => d.warn(
                Section::ResourceMetadata,
                &format!("metadata, {name}"),
                &format!("{u}: {e}"),
                "clients that drop the path probe the root form too: serve \
                    the same document there",
                None,
                ms,
            ),
        }
    }
    let Some(doc) = chosen else {
        return (None, Vec::new());
    };
    let expected = d.options.url.clone();
    match doc["resource"].as_str() {
        None => d.fail(
            Section::ResourceMetadata,
            "resource equals the URL",
            "no \"resource\" field",
            "RFC 9728 §2: \"resource\" is required and must be the URL \
            clients use",
            Some(&public_url_fix(&d.url)),
            None,
        ),
        Some(r) => match url_difference(r, &expected) {
            None => d.pass(
                Section::ResourceMetadata,
                "resource equals the URL",
                r,
                None,
            ),
            Some("slash") => d.warn(
                Section::ResourceMetadata,
                "resource equals the URL",
                &format!("{r} vs {expected}: a trailing slash apart"),
                "claude.ai's connector strips the slash, and RFC 9728 §3.3 \
                    compares exactly: make both the same URL without one",
                None,
                None,
            ),
            Some("scheme") => d.fail(
                Section::ResourceMetadata,
                "resource equals the URL",
                &format!("{r}, but clients use {expected}"),
                "the server sits behind an HTTPS front end (Cloud Run, a load \
                    balancer) and advertises http://: configure its public \
                    https:// URL (RFC 9728 §3.3)",
                Some(&public_url_fix(&d.url)),
                None,
            ),
            Some(_) => d.fail(
                Section::ResourceMetadata,
                "resource equals the URL",
                &format!("{r}, but clients use {expected}"),
                "clients compare them (RFC 9728 §3.3) and stop on a mismatch \
                    (\"resource mismatch\"): advertise exactly the URL users \
                    paste",
                Some(&public_url_fix(&d.url)),
                None,
            ),
        },
    }
    let servers: Vec<String> = doc["authorization_servers"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let Some(first) = servers.first().cloned() else {
        d.fail(
            Section::ResourceMetadata,
            "authorization_servers",
            "missing or empty",
            "MCP requires at least one entry in authorization_servers (RFC 9728 §2)",
            None,
            None,
        );
        return (None, Vec::new());
    };
    match Url::parse(&first) {
        None => d.fail(
            Section::ResourceMetadata,
            "authorization_servers",
            &format!("{first:?} is not an http(s) URL"),
            "list the issuer URL of the authorization server",
            Some(&public_url_fix(&d.url)),
            None,
        ),
        Some(u) if plain_http(&u, &d.url) => d.fail(
            Section::ResourceMetadata,
            "authorization_servers",
            &format!("{first} is http://"),
            "every authorization server endpoint must be HTTPS (MCP \
                Authorization, communication security); behind an HTTPS \
                front end configure the public https:// URL",
            Some(&public_url_fix(&d.url)),
            None,
        ),
        Some(_) => d.pass(
            Section::ResourceMetadata,
            "authorization_servers",
            &servers.join(", "),
            None,
        ),
    }
    let scopes = doc["scopes_supported"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    (Some(first), scopes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_parameters_are_read_quoted_or_not() {
        let c = r#"Bearer error="invalid_token", resource_metadata="https://h/.well-known/oauth-protected-resource/mcp", scope=mcp"#;
        assert_eq!(
            auth_param(c, "resource_metadata").as_deref(),
            Some("https://h/.well-known/oauth-protected-resource/mcp")
        );
        assert_eq!(auth_param(c, "scope").as_deref(), Some("mcp"));
        assert_eq!(auth_param("Bearer realm=\"x\"", "resource_metadata"), None);
    }
}
