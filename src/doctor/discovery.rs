//! **[1–6](crate::_documentation::flow) mcp-doctor, steps 2–4 — the challenge
//! and discovery.** The client's half of arrows `[1]`–`[6]`, taken as
//! claude.ai takes them, each answer checked against what claude.ai and the
//! spec need.
//!
//! ```text
//!   1  the URL (super::host): https, path, port 443, a public IPv4 address
//!   2  [1]–[2]   POST URL (no token) → 401 WWW-Authenticate: Bearer resource_metadata="…"
//!                (and again as Claude-User: a WAF must not tell them apart)
//!   3  [3]–[4]   GET /.well-known/oauth-protected-resource{path}, and the root form
//!   4  [5]–[6]   GET {issuer}/.well-known/oauth-authorization-server, then openid-configuration
//! ```
//!
//! # Spec
//! * RFC 9728 §3 (well-known URIs), §3.3 (`resource` must equal the URL),
//!   §5.1 (`resource_metadata` in the challenge).
//! * RFC 8414 §3 (path-inserted form), §3.3 (`issuer` identical to the URL it
//!   came from); MCP 2025-11-25 *Authorization Server Metadata Discovery*
//!   (the probe order) and *Authorization Code Protection* (S256).
//!
//! # Where this sits
//! Called by [`super::run`]; what it finds goes to [`super::signin`].

use serde_json::{Value, json};

use super::Doctor;
use super::probe::{Url, excerpt};
use super::signin::Found;

/// The fix line for a URL the server got wrong, for this crate.
fn public_url_fix(url: &Url) -> String {
    format!(
        "set PUBLIC_URL={} (the origin users reach; the endpoint is PUBLIC_URL + /mcp)",
        url.origin()
    )
}

/// Runs steps 1–4: the authorization server's metadata and the scopes to
/// ask for, when the server has them.
pub fn run(d: &mut Doctor, found: &mut Found) -> Option<(Value, Vec<String>)> {
    super::host::check_url(d);
    let challenge = challenge(d, found)?;
    if found.open {
        for step in [3, 4, 5] {
            d.skip(
                step,
                "OAuth",
                "the server answers without a token: no sign-in to check",
            );
        }
        return None;
    }
    let (as_url, scopes) = protected_resource(d, challenge.as_deref());
    let Some(as_url) = as_url else {
        d.skip(
            4,
            "authorization server metadata",
            "no authorization server to look at",
        );
        return None;
    };
    let meta = authorization_server(d, &as_url)?;
    Some((meta, scopes))
}

/// The JSON-RPC body of claude.ai's first legacy request.
pub fn initialize_body(id: u64) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "mcp-doctor", "version": env!("CARGO_PKG_VERSION")}}})
}

/// Step 2: `[1]`–`[2]`. `None` when the server cannot be reached at all;
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
                2,
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
    // Step 8: the same request as claude.ai's connector (User-Agent Claude-User).
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
            8,
            "Claude-User answered like others",
            &format!("{} both ways", c.status),
            Some(c.ms),
        ),
        Ok(c) => d.fail(
            8,
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
            8,
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
                2,
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
                if slash { 8 } else { 2 },
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
                8,
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
            d.fail(2, "401 without a token", &what, fix, None, ms);
            return Some(None);
        }
    }
    let challenge = got
        .headers_named("www-authenticate")
        .find(|v| v.trim_start().to_ascii_lowercase().starts_with("bearer"))
        .map(str::to_string);
    let Some(challenge) = challenge else {
        d.fail(
            2,
            "WWW-Authenticate: Bearer",
            "a 401 without a Bearer challenge",
            "every 401 needs WWW-Authenticate: Bearer \
                resource_metadata=\"<url>\" (RFC 9728 §5.1, MCP 2025-06-18)",
            None,
            ms,
        );
        return Some(None);
    };
    d.pass(2, "401 without a token", "401 with a Bearer challenge", ms);
    let metadata = auth_param(&challenge, "resource_metadata");
    match &metadata {
        None => d.fail(
            2,
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
                2,
                "resource_metadata in the challenge",
                &format!("{m:?} is not an absolute URL"),
                "resource_metadata must be an absolute https:// URL (RFC 9728 \
                    §5.1)",
                Some(&public_url_fix(&d.url)),
                ms,
            ),
            Some(u) if u.origin() == d.url.origin() => {
                d.pass(2, "resource_metadata in the challenge", m, None)
            }
            Some(u) if u.host == d.url.host && u.scheme != d.url.scheme => d.fail(
                2,
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
                2,
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

/// GETs a metadata document: the JSON object, or why not (a FAIL's evidence).
fn get_document(d: &mut Doctor, label: &str, url: &str) -> (Result<Value, String>, Option<u64>) {
    match d
        .probe
        .call(label, "GET", url, &[("Accept", "application/json")], b"")
    {
        Err(e) => (Err(e), None),
        Ok(got) if got.status != 200 => {
            let loc = got
                .header("location")
                .map(|l| format!(" → {l}"))
                .unwrap_or_default();
            (
                Err(format!(
                    "{}{loc}{}",
                    got.status,
                    if got.is_html() {
                        format!(", an HTML page{}", got.title())
                    } else {
                        String::new()
                    }
                )),
                Some(got.ms),
            )
        }
        Ok(got) => (
            got.json().and_then(|v| {
                if v.is_object() {
                    Ok(v)
                } else {
                    Err("not a JSON object".into())
                }
            }),
            Some(got.ms),
        ),
    }
}

/// Whether an advertised URL is plain http:// where clients need https://:
/// anywhere but loopback, and on loopback too when the checked URL is https://
/// (a front end terminating TLS, simulated with `--via`).
fn plain_http(advertised: &Url, checked: &Url) -> bool {
    advertised.scheme != "https" && (!advertised.is_loopback() || checked.scheme == "https")
}

/// This crate's fix when an advertised URL is on another origin than the one
/// users reach (its `PUBLIC_URL` is wrong), else `None`.
fn elsewhere(advertised: &str, checked: &Url) -> Option<String> {
    Url::parse(advertised)
        .filter(|u| u.origin() != checked.origin())
        .map(|_| public_url_fix(checked))
}

/// How `a` differs from `b` as claude.ai compares URLs, `None` when equal.
fn url_difference(a: &str, b: &str) -> Option<&'static str> {
    let norm = |s: &str| Url::parse(s).map(|u| format!("{}{}", u.origin(), u.rest));
    match (norm(a), norm(b)) {
        (Some(x), Some(y)) if x == y => None,
        (Some(x), Some(y)) if x.trim_end_matches('/') == y.trim_end_matches('/') => Some("slash"),
        (Some(x), Some(y))
            if x.split_once("://").map(|p| p.1) == y.split_once("://").map(|p| p.1) =>
        {
            Some("scheme")
        }
        _ => Some("other"),
    }
}

/// Step 3: `[3]`–`[4]`. The authorization server to ask, and the scopes to request.
fn protected_resource(d: &mut Doctor, from_header: Option<&str>) -> (Option<String>, Vec<String>) {
    let origin = d.url.origin();
    let path = d.url.path().trim_end_matches('/').to_string();
    let path_form = format!("{origin}/.well-known/oauth-protected-resource{path}");
    let root_form = format!("{origin}/.well-known/oauth-protected-resource");
    let mut chosen: Option<Value> = None;
    if let Some(h) = from_header.filter(|h| *h != path_form && *h != root_form) {
        match get_document(d, "GET resource_metadata", h) {
            (Ok(v), ms) => {
                d.pass(3, "the document resource_metadata names", h, ms);
                chosen = Some(v);
            }
            (Err(e), ms) => {
                let ours = elsewhere(h, &d.url);
                d.fail(
                    3,
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
                d.pass(3, &format!("metadata, {name}"), u, ms);
                any = true;
                if chosen.is_none() {
                    chosen = Some(v);
                }
            }
            (Err(e), ms) if i == 0 || !any => d.fail(
                3,
                &format!("metadata, {name}"),
                &format!("{u}: {e}"),
                "serve RFC 9728 metadata at \
                    /.well-known/oauth-protected-resource + the endpoint's path, \
                    and at the root; claude.ai probes both",
                None,
                ms,
            ),
            (Err(e), ms) => d.warn(
                3,
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
            3,
            "resource equals the URL",
            "no \"resource\" field",
            "RFC 9728 §2: \"resource\" is required and must be the URL \
            clients use",
            Some(&public_url_fix(&d.url)),
            None,
        ),
        Some(r) => match url_difference(r, &expected) {
            None => d.pass(3, "resource equals the URL", r, None),
            Some("slash") => d.warn(
                3,
                "resource equals the URL",
                &format!("{r} vs {expected}: a trailing slash apart"),
                "claude.ai's connector strips the slash, and RFC 9728 §3.3 \
                    compares exactly: make both the same URL without one",
                None,
                None,
            ),
            Some("scheme") => d.fail(
                3,
                "resource equals the URL",
                &format!("{r}, but clients use {expected}"),
                "the server sits behind an HTTPS front end (Cloud Run, a load \
                    balancer) and advertises http://: configure its public \
                    https:// URL (RFC 9728 §3.3)",
                Some(&public_url_fix(&d.url)),
                None,
            ),
            Some(_) => d.fail(
                3,
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
            3,
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
            3,
            "authorization_servers",
            &format!("{first:?} is not an http(s) URL"),
            "list the issuer URL of the authorization server",
            Some(&public_url_fix(&d.url)),
            None,
        ),
        Some(u) if plain_http(&u, &d.url) => d.fail(
            3,
            "authorization_servers",
            &format!("{first} is http://"),
            "every authorization server endpoint must be HTTPS (MCP \
                Authorization, communication security); behind an HTTPS \
                front end configure the public https:// URL",
            Some(&public_url_fix(&d.url)),
            None,
        ),
        Some(_) => d.pass(3, "authorization_servers", &servers.join(", "), None),
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

/// Step 4: `[5]`–`[6]`. The metadata document, if one was found.
fn authorization_server(d: &mut Doctor, issuer: &str) -> Option<Value> {
    let u = Url::parse(issuer)?;
    let (o, p) = (u.origin(), u.path().trim_end_matches('/').to_string());
    let candidates = if p.is_empty() {
        vec![
            format!("{o}/.well-known/oauth-authorization-server"),
            format!("{o}/.well-known/openid-configuration"),
        ]
    } else {
        vec![
            format!("{o}/.well-known/oauth-authorization-server{p}"),
            format!("{o}/.well-known/openid-configuration{p}"),
            format!("{o}{p}/.well-known/openid-configuration"),
        ]
    };
    let mut tried = Vec::new();
    let mut meta = None;
    for (i, c) in candidates.iter().enumerate() {
        match get_document(d, "GET AS metadata", c) {
            (Ok(v), ms) => {
                if i == 0 {
                    d.pass(4, "metadata found (RFC 8414 form)", c, ms)
                } else {
                    d.warn(
                        4,
                        "metadata found (RFC 8414 form)",
                        &format!("only at {c} ({})", tried.join("; ")),
                        "MCP 2025-06-18 clients read only the RFC 8414 form: serve \
                            /.well-known/oauth-authorization-server too",
                        None,
                        ms,
                    )
                }
                meta = Some(v);
                break;
            }
            (Err(e), _) => tried.push(format!("{c}: {e}")),
        }
    }
    let Some(meta) = meta else {
        let ours = elsewhere(issuer, &d.url);
        d.fail(
            4,
            "metadata found",
            &tried.join("; "),
            "serve RFC 8414 metadata at \
            /.well-known/oauth-authorization-server (+ the issuer's \
            path), without authentication",
            ours.as_deref(),
            None,
        );
        return None;
    };
    match meta["issuer"].as_str() {
        None => d.fail(
            4,
            "issuer equals its URL",
            "no \"issuer\"",
            "RFC 8414 §2: issuer is required",
            Some(&public_url_fix(&d.url)),
            None,
        ),
        Some(i) if i == issuer => d.pass(4, "issuer equals its URL", i, None),
        Some(i) => {
            let scheme = url_difference(i, issuer) == Some("scheme");
            d.fail(
                4,
                "issuer equals its URL",
                &format!("{i}, fetched for {issuer}"),
                if scheme {
                    "the server sits behind an HTTPS front end and advertises \
                    http://: configure its public https:// URL (RFC 8414 §3.3)"
                } else {
                    "RFC 8414 §3.3: issuer must be identical to the URL the \
                    metadata was derived from (authorization_servers[0]), byte \
                    for byte"
                },
                Some(&public_url_fix(&d.url)),
                None,
            );
        }
    }
    let mut insecure = Vec::new();
    for field in [
        "authorization_endpoint",
        "token_endpoint",
        "registration_endpoint",
        "revocation_endpoint",
    ] {
        if let Some(e) = meta[field].as_str() {
            if Url::parse(e).is_none_or(|x| plain_http(&x, &d.url)) {
                insecure.push(format!("{field} {e}"));
            }
        } else if field == "authorization_endpoint" || field == "token_endpoint" {
            insecure.push(format!("no {field}"));
        }
    }
    if insecure.is_empty() {
        d.pass(
            4,
            "endpoints over HTTPS",
            "authorization, token (and registration, revocation)",
            None,
        );
    } else {
        d.fail(
            4,
            "endpoints over HTTPS",
            &insecure.join(", "),
            "every authorization server endpoint must be an https:// URL \
            (MCP Authorization, communication security)",
            Some(&public_url_fix(&d.url)),
            None,
        );
    }
    let list = |f: &str| -> Vec<String> {
        meta[f]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let pkce = list("code_challenge_methods_supported");
    if pkce.iter().any(|m| m == "S256") {
        d.pass(4, "PKCE S256", &pkce.join(", "), None);
    } else {
        d.fail(
            4,
            "PKCE S256",
            &format!("code_challenge_methods_supported: {:?}", pkce),
            "MCP clients refuse to go on without \"S256\" in \
                code_challenge_methods_supported (MCP 2025-11-25, \
                Authorization Code Protection)",
            None,
            None,
        );
    }
    let responses = list("response_types_supported");
    if responses.iter().any(|r| r == "code") {
        d.pass(4, "response type code", "code", None)
    } else {
        d.fail(
            4,
            "response type code",
            &format!("{responses:?}"),
            "RFC 8414 §2: list \"code\" in response_types_supported",
            None,
            None,
        )
    }
    let grants = list("grant_types_supported");
    if grants.is_empty() {
        d.warn(
            4,
            "grants authorization_code + refresh_token",
            "grant_types_supported absent (RFC 8414 default: authorization_code, implicit)",
            "list [\"authorization_code\", \"refresh_token\"]: claude.ai relies on refresh tokens",
            None,
            None,
        );
    } else if grants.iter().any(|g| g == "authorization_code")
        && grants.iter().any(|g| g == "refresh_token")
    {
        d.pass(
            4,
            "grants authorization_code + refresh_token",
            &grants.join(", "),
            None,
        );
    } else {
        d.warn(
            4,
            "grants authorization_code + refresh_token",
            &grants.join(", "),
            "support and list authorization_code and refresh_token (OAuth \
            2.1; claude.ai refreshes)",
            None,
            None,
        );
    }
    let mut methods = list("token_endpoint_auth_methods_supported");
    if methods.is_empty() {
        methods.push("client_secret_basic".into()); // RFC 8414 §2 default
    }
    let dcr = meta["registration_endpoint"].as_str().is_some();
    let cimd = meta["client_id_metadata_document_supported"] == true
        && methods.iter().any(|m| m == "none");
    let has = |m: &str| methods.iter().any(|x| x == m);
    let evidence = format!(
        "registration_endpoint {}, CIMD {}, auth methods {}",
        if dcr { "yes" } else { "no" },
        if cimd { "yes" } else { "no" },
        methods.join(" ")
    );
    if cimd || (dcr && has("none") && has("client_secret_post")) {
        d.pass(4, "a registration claude.ai can use", &evidence, None);
    } else if dcr {
        d.warn(
            4,
            "a registration claude.ai can use",
            &evidence,
            "claude.ai has registered with client_secret_post (and Claude \
                Desktop with none): accept and list both, or advertise \
                client_id_metadata_document_supported",
            None,
            None,
        );
    } else {
        d.warn(
            4,
            "a registration claude.ai can use",
            &evidence,
            "no DCR and no CIMD: users must paste a client id and secret \
                in claude.ai's Advanced settings; offer DCR or CIMD for the \
                normal flow",
            None,
            None,
        );
    }
    Some(meta)
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

    #[test]
    fn urls_differ_by_slash_scheme_or_more() {
        assert_eq!(url_difference("https://H/mcp", "https://h/mcp"), None);
        assert_eq!(
            url_difference("https://h/mcp/", "https://h/mcp"),
            Some("slash")
        );
        assert_eq!(
            url_difference("http://h/mcp", "https://h/mcp"),
            Some("scheme")
        );
        assert_eq!(
            url_difference("https://other/mcp", "https://h/mcp"),
            Some("other")
        );
    }
}
