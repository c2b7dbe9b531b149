//! **[all](crate::_documentation::flow) Every arrow — the server narrates the
//! flow (`MCP_TRACE=1`).** With `MCP_TRACE=1` in the environment, every request
//! the router answers leaves one extra line on stderr that names the arrow of
//! [docs/FLOW.md](crate::_documentation::flow) it is, with the same numbers:
//!
//! ```text
//! [12] C→S GET /authorize client=mcp_client.eyJ…lQ redirect=localhost S256 scope=mcp → [13] 200 login/consent form
//! [14] C→S POST /authorize client=mcp_client.eyJ…lQ redirect=localhost S256 scope=mcp password=(given) action=allow → [15] 302 redirect_uri?code=mcp_code.eyJ…aA&state&iss
//! [26] C→S POST /token grant_type=authorization_code client=mcp_client.eyJ…lQ code=mcp_code.eyJ…aA code_verifier=(43 chars) → [27] 200 access_token=mcp_at.eyJ…BA refresh_token=mcp_rt.eyJ…Pw expires_in=28800
//! [28] C→S POST /mcp Bearer mcp_at.eyJ…BA tools/call whoami → [29] 200 JSON-RPC answer (application/json, or an SSE stream)
//! ```
//!
//! A newcomer opens FLOW.md, runs `MCP_TRACE=1 cargo run --example quickstart`
//! (or `--example walkthrough`), connects a client, and reads the same numbers
//! in both places. A request that is not an arrow (`/health`, a CORS
//! preflight, a path we do not serve) is narrated with `[-]`; an answer that
//! leaves the flow (an OAuth error, a 401 for a bad token) is marked `✗`.
//!
//! # What is shown, and what never is
//! Only *facts* are shown: the method and path, the parameter names a step
//! is about, public values (a `client_name`, a redirect URI's host, a scope,
//! a JSON-RPC method, an error code), and every secret **shortened** by
//! [`shorten`] to its kind and its first three and last two characters
//! (`mcp_at.eyJ…BA`). A
//! password, a `code_verifier`, a client secret and a cookie are never shown
//! at all, only that they were given. Tool arguments are never shown.
//! Control characters are escaped (`\u{a}`), since decoded values come from
//! strangers and a raw line end would forge a trace line.
//!
//! # Where this sits
//! An extension: read it after the core. Called by [`crate::router::route`]
//! around the `match`, so that no handler knows it exists: [`Asked::of`]
//! reads the request before it is handed on, and [`line()`] formats the
//! exchange once the answer came back. Which arrow a request is, the router's
//! `match` says ([`crate::arrow::Arrow`]); which arrow the answer is,
//! [`Arrow::answered_by`]. This module only chooses the facts worth showing
//! and formats them; the test `tests/trace.rs` runs a real flow and checks
//! the numbers come out in order. The request log line of
//! [`crate::log::request`] is written as usual.

use std::sync::OnceLock;

use crate::arrow::Arrow;
use crate::http::{Body, Request, Response};
use crate::oauth::client::is_document_url;
use crate::oauth::encoding::Params;

/// Whether `MCP_TRACE` is set to something other than empty or `0`. Read once.
pub fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| {
        std::env::var("MCP_TRACE").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
    })
}

/// A secret as a trace may show it: the first three and the last two
/// characters, joined by `…`; a value of 12 characters or fewer becomes `…`
/// alone. Our signed values start with a short public kind (`mcp_at.`,
/// `mcp_rt.`, `mcp_code.`, `mcp_client.`), which is kept so that a reader can
/// tell an access token from a refresh token. Long enough to tell two tokens
/// apart, far too short to use one.
///
/// ```
/// use remote_mcp::ext::trace::shorten;
///
/// assert_eq!(shorten("mcp_at.eyJhdWQiOiJodHRwOi8vbG9jYWxob3N0.dKtknfTPDxQx"), "mcp_at.eyJ…Qx");
/// assert_eq!(shorten("Zt3f9a8b7c6d5e4f3a2b1c0d"), "Zt3…0d");
/// assert_eq!(shorten("hunter2"), "…");
/// ```
pub fn shorten(secret: &str) -> String {
    let (kind, rest) = match secret.split_once('.') {
        Some((kind, rest))
            if kind.len() <= 12
                && kind.starts_with("mcp_")
                && kind.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') =>
        {
            (&secret[..=kind.len()], rest)
        }
        _ => ("", secret),
    };
    let chars: Vec<char> = rest.chars().collect();
    if chars.len() <= 12 {
        return format!("{kind}…");
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 2..].iter().collect();
    format!("{kind}{head}…{tail}")
}

/// What a request asked, reduced to the facts a trace may show. Built before
/// the request is handed to its handler, because the handler consumes it.
#[derive(Debug, Clone)]
pub struct Asked {
    method: String,
    path: String,
    /// Query string and form body, decoded (empty when not a form).
    params: Params,
    /// The JSON body, when there is one.
    json: Option<serde_json::Value>,
    /// `Authorization: Bearer …` shortened, if present.
    bearer: Option<String>,
}

impl Asked {
    /// Reads the safe facts of `request`.
    pub fn of(request: &Request) -> Asked {
        let mut params = Params::parse(&request.query).unwrap_or_default();
        let content_type = request.header("Content-Type").unwrap_or("");
        let mut json = None;
        if content_type.starts_with("application/x-www-form-urlencoded") {
            if let Ok(form) = Params::parse_body(&request.body) {
                params.merge(&form);
            }
        } else if !request.body.is_empty() {
            json = serde_json::from_slice(&request.body).ok();
        }
        let authorization = request.header("Authorization");
        let bearer = authorization
            .and_then(|a| a.strip_prefix("Bearer "))
            .map(|t| shorten(t.trim()));
        Asked {
            method: request.method.clone(),
            path: request.path.clone(),
            params,
            json,
            bearer,
        }
    }

    fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name)
    }
}

/// Prints the trace line for one exchange on stderr.
pub fn narrate(arrow: Option<Arrow>, asked: &Asked, response: &Response) {
    eprintln!("{}", line(arrow, asked, response));
}

/// The trace line for one exchange: the request arrow's number (`[-]` when
/// the request is not an arrow), what was asked, then the answer arrow's
/// number (or `✗` when the answer leaves the flow) and what was answered.
///
/// ```
/// use remote_mcp::arrow::Arrow;
/// use remote_mcp::ext::trace::{Asked, line};
/// use remote_mcp::http::{Request, Response};
///
/// let request = Request::new("GET", "/.well-known/oauth-authorization-server");
/// let asked = Asked::of(&request);
/// let response = Response::json(200, &serde_json::json!({"issuer": "http://localhost:8080"}));
/// assert_eq!(
///     line(Some(Arrow::ServerMetadataRequest), &asked, &response),
///     "[5] C→S GET /.well-known/oauth-authorization-server → [6] 200 authorization server metadata (RFC 8414)"
/// );
/// ```
pub fn line(arrow: Option<Arrow>, asked: &Asked, response: &Response) -> String {
    let facts = arrow.map(|a| request_facts(a, asked)).unwrap_or_default();
    let answer = arrow.and_then(|a| a.answered_by(response));
    let said = answer_facts(arrow, answer, response);
    let number = match arrow {
        // One request, two arrows: the authorization request whose client id
        // is a metadata document URL.
        Some(Arrow::AuthorizeWithDocumentUrl) => "[9+12]".to_string(),
        Some(a) => a.to_string(),
        None => "[-]".to_string(),
    };
    let answer_number = match (arrow, answer) {
        (None, _) => "[-]".to_string(),
        (Some(_), Some(answer)) => answer.to_string(),
        (Some(_), None) => "✗".to_string(),
    };
    let mut out = format!("{number} C→S {} {}", asked.method, asked.path);
    for fact in facts {
        out.push(' ');
        out.push_str(&fact);
    }
    out.push_str(" → ");
    out.push_str(&answer_number);
    out.push(' ');
    out.push_str(&response.status.to_string());
    if !said.is_empty() {
        out.push(' ');
        out.push_str(&said);
    }
    escape_controls(&out)
}

/// The line with every control character (and the Unicode line separators
/// and bidirectional overrides) written as `\u{…}`. Facts are decoded from
/// what a stranger sent (`%0A` in a `client_name`, `%2B%0D` in a scope), and
/// a raw line end would let them print a forged trace line of their own.
fn escape_controls(line: &str) -> String {
    let unsafe_char = |c: char| {
        c.is_control()
            || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    };
    if !line.contains(unsafe_char) {
        return line.to_string();
    }
    let mut out = String::with_capacity(line.len() + 16);
    for c in line.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// The facts worth showing for a request of this arrow.
fn request_facts(arrow: Arrow, a: &Asked) -> Vec<String> {
    let mut facts = Vec::new();
    match arrow {
        Arrow::McpWithoutToken if a.method == "POST" => {
            facts.push("(no token)".to_string());
            facts.extend(rpc_facts(a));
        }
        Arrow::ToolCall if a.method == "POST" => {
            facts.push(match &a.bearer {
                Some(t) => format!("Bearer {t}"),
                None => "Authorization: (not Bearer)".to_string(),
            });
            facts.extend(rpc_facts(a));
        }
        Arrow::Register => {
            if let Some(doc) = &a.json {
                if let Some(name) = doc["client_name"].as_str() {
                    facts.push(format!("client_name={name:?}"));
                }
                if let Some(uris) = doc["redirect_uris"].as_array() {
                    let hosts: Vec<String> = uris
                        .iter()
                        .filter_map(|u| u.as_str())
                        .map(redirect_host)
                        .collect();
                    facts.push(format!("redirect={}", hosts.join(",")));
                }
                if let Some(method) = doc["token_endpoint_auth_method"].as_str() {
                    facts.push(format!("auth={method}"));
                }
            }
        }
        Arrow::Authorize | Arrow::AuthorizeWithDocumentUrl => facts.extend(authorize_facts(a)),
        Arrow::AuthorizeWithSession => {
            facts.extend(authorize_facts(a));
            facts.push("cookie=mcp_session".to_string());
        }
        Arrow::Allow => {
            facts.extend(authorize_facts(a));
            if a.param("password").is_some() {
                facts.push("password=(given)".to_string());
            }
            if let Some(action) = a.param("action") {
                facts.push(format!("action={action}"));
            }
        }
        Arrow::UpstreamCallback => {
            if let Some(code) = a.param("code") {
                facts.push(format!("code={}", shorten(code)));
            }
        }
        Arrow::TokenRequest | Arrow::RefreshRequest => {
            facts.push(format!(
                "grant_type={}",
                a.param("grant_type").unwrap_or("(none)")
            ));
            facts.extend(client_fact(a));
            for secret in ["code", "refresh_token"] {
                if let Some(v) = a.param(secret) {
                    facts.push(format!("{secret}={}", shorten(v)));
                }
            }
            if let Some(v) = a.param("code_verifier") {
                facts.push(format!("code_verifier=({} chars)", v.len()));
            }
            if a.param("client_secret").is_some() {
                facts.push("client_secret=(given)".to_string());
            }
        }
        Arrow::Revoke => {
            if let Some(v) = a.param("token") {
                facts.push(format!("token={}", shorten(v)));
            }
            if let Some(hint) = a.param("token_type_hint") {
                facts.push(format!("hint={hint}"));
            }
        }
        _ => {}
    }
    facts
}

/// What the answer says: for an answer arrow, its facts; for an answer that
/// leaves the flow (`answer` is `None`), why.
fn answer_facts(request: Option<Arrow>, answer: Option<Arrow>, r: &Response) -> String {
    let body: Option<serde_json::Value> = serde_json::from_slice(r.body_bytes()).ok();
    let error = || {
        body.as_ref()
            .and_then(|b| b["error"].as_str())
            .unwrap_or_default()
            .to_string()
    };
    let Some(answer) = answer else {
        return match request {
            Some(Arrow::ToolCall) if matches!(r.status, 401 | 403) => challenge(r),
            Some(Arrow::ToolCall) => rpc_answer(body.as_ref()),
            Some(
                Arrow::Authorize
                | Arrow::AuthorizeWithDocumentUrl
                | Arrow::Allow
                | Arrow::AuthorizeWithSession,
            ) => authorize_refusal(r),
            _ => error(),
        };
    };
    match answer {
        Arrow::Challenge => challenge(r),
        Arrow::ToolAnswer if matches!(r.body, Body::Deferred(_)) => {
            "JSON-RPC answer (application/json, or an SSE stream)".to_string()
        }
        Arrow::ToolAnswer => rpc_answer(body.as_ref()),
        Arrow::ResourceMetadata => "protected resource metadata (RFC 9728)".to_string(),
        Arrow::ServerMetadata => "authorization server metadata (RFC 8414)".to_string(),
        Arrow::Registration => {
            let mut said = String::new();
            if let Some(b) = &body {
                if let Some(id) = b["client_id"].as_str() {
                    said.push_str(&format!("client_id={}", shorten(id)));
                }
                if b.get("client_secret").is_some() {
                    said.push_str(" client_secret=(issued)");
                }
            }
            said
        }
        Arrow::ConsentForm => "login/consent form".to_string(),
        Arrow::CodeRedirect | Arrow::SessionCodeRedirect | Arrow::SingleUserCodeRedirect => {
            code_redirect(r)
        }
        Arrow::ToUpstream => format!(
            "to the IdP: {}",
            redirect_host(r.header("Location").unwrap_or(""))
        ),
        Arrow::ResumeAuthorize => {
            let cookie = if r.header("Set-Cookie").is_some() {
                " + Set-Cookie"
            } else {
                ""
            };
            format!(
                "/authorize?… (resume){cookie}; {} / {} S→I code → token happened inside",
                Arrow::UpstreamTokenRequest,
                Arrow::UpstreamToken
            )
        }
        Arrow::Tokens | Arrow::RotatedTokens => {
            let mut said = Vec::new();
            if let Some(b) = &body {
                for name in ["access_token", "refresh_token"] {
                    if let Some(t) = b[name].as_str() {
                        said.push(format!("{name}={}", shorten(t)));
                    }
                }
                if let Some(s) = b["expires_in"].as_u64() {
                    said.push(format!("expires_in={s}"));
                }
            }
            said.join(" ")
        }
        Arrow::Revoked => "revoked (or unknown: same answer, RFC 7009)".to_string(),
        _ => String::new(),
    }
}

/// The parameters of the `Location` a redirect sends the browser to (what
/// goes back to the client: a `code`, or an `error`).
fn sent_back(r: &Response) -> Params {
    let location = r.header("Location").unwrap_or("");
    let query = location.split_once('?').map_or("", |(_, q)| q);
    Params::parse(query).unwrap_or_default()
}

/// `redirect_uri?code=mcp_code.eyJ…aA&state&iss`: the code shortened.
fn code_redirect(r: &Response) -> String {
    let back = sent_back(r);
    let code = shorten(back.get("code").unwrap_or(""));
    let mut said = format!("redirect_uri?code={code}");
    for name in ["state", "iss"] {
        if back.get(name).is_some() {
            said.push('&');
            said.push_str(name);
        }
    }
    said
}

/// Why an authorization request left the flow: an error sent back to the
/// client, a throttle, or an error page.
fn authorize_refusal(r: &Response) -> String {
    let back = sent_back(r);
    match (r.status, back.get("error")) {
        (302 | 303, Some(error)) => format!("redirect_uri?error={error} (RFC 6749 §4.1.2.1)"),
        (429, _) => "too many attempts: the form again, later".to_string(),
        _ => "error page (never redirected: RFC 6749 §4.1.2.1)".to_string(),
    }
}

/// `client=… redirect=HOST S256 scope=…` for an authorization request.
fn authorize_facts(a: &Asked) -> Vec<String> {
    let mut facts = client_fact(a);
    if let Some(uri) = a.param("redirect_uri") {
        facts.push(format!("redirect={}", redirect_host(uri)));
    }
    if let Some(method) = a.param("code_challenge_method") {
        facts.push(method.to_string());
    } else if a.param("code_challenge").is_some() {
        facts.push("code_challenge (no method)".to_string());
    }
    if let Some(scope) = a.param("scope") {
        facts.push(format!("scope={scope}"));
    }
    facts
}

/// `client=…`: a URL client id (CIMD, public by definition) in full, any
/// other (a signed DCR registration, an operator id) shortened.
fn client_fact(a: &Asked) -> Vec<String> {
    match a.param("client_id") {
        Some(id) if is_document_url(id) => vec![format!("client={id}")],
        Some(id) => vec![format!("client={}", shorten(id))],
        None => Vec::new(),
    }
}

/// `tools/call whoami`, `initialize`, …: the JSON-RPC method, and the tool's
/// name for `tools/call` (never its arguments).
fn rpc_facts(a: &Asked) -> Vec<String> {
    let Some(msg) = &a.json else {
        return Vec::new();
    };
    let mut facts = Vec::new();
    if let Some(method) = msg["method"].as_str() {
        facts.push(method.to_string());
        if method == "tools/call"
            && let Some(name) = msg["params"]["name"].as_str()
        {
            facts.push(name.to_string());
        }
    }
    facts
}

/// What a JSON-RPC answer says, in a few words.
fn rpc_answer(body: Option<&serde_json::Value>) -> String {
    match body {
        Some(b) if b.get("error").is_some() => format!(
            "JSON-RPC error {}",
            b["error"]["code"].as_i64().unwrap_or_default()
        ),
        Some(b) if b.get("result").is_some() => "JSON-RPC result".to_string(),
        _ => String::new(),
    }
}

/// The `WWW-Authenticate` challenge, which carries no secret.
fn challenge(r: &Response) -> String {
    match r.header("WWW-Authenticate") {
        Some(value) => format!("WWW-Authenticate: {value}"),
        None => String::new(),
    }
}

/// `claude.ai` for `https://claude.ai/api/mcp/auth_callback`.
fn redirect_host(uri: &str) -> String {
    let rest = uri.split_once("://").map(|(_, r)| r).unwrap_or(uri);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    if let Some(end) = host.find(']') {
        return host[..=end].to_string(); // an IPv6 literal: `[::1]`
    }
    host.split(':').next().unwrap_or("").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trace(arrow: Arrow, request: Request, response: Response) -> String {
        line(Some(arrow), &Asked::of(&request), &response)
    }

    fn form(method: &str, path: &str, body: &str) -> Request {
        Request::new(method, path)
            .with_header("Content-Type", "application/x-www-form-urlencoded")
            .with_body(body)
    }

    #[test]
    fn decoded_control_characters_cannot_forge_a_line() {
        // `%0A` decodes to a newline, `+` to a space: a "client_name" that
        // would print a second, forged trace line.
        let forged = "%0A[27]+C%E2%86%90S+200+access_token%0D%1B[2K%E2%80%A8";
        let line = trace(
            Arrow::Register,
            form("POST", "/register", "x=1")
                .with_header("Content-Type", "application/json")
                .with_body(format!(
                    r#"{{"client_name":"evil{forged}","redirect_uris":[]}}"#
                )),
            Response::json(400, &serde_json::json!({"error": "invalid_redirect_uri"})),
        );
        let asked = trace(
            Arrow::TokenRequest,
            form(
                "POST",
                "/token",
                &format!("grant_type=authorization_code{forged}&client_id=c"),
            ),
            Response::json(400, &serde_json::json!({"error": "invalid_grant"})),
        );
        for line in [line, asked] {
            assert!(!line.contains(['\n', '\r', '\u{1b}', '\u{2028}']), "{line}");
            assert!(line.lines().count() == 1);
        }
        assert_eq!(escape_controls("a\nb\u{1b}c\td"), "a\\u{a}b\\u{1b}c\\u{9}d");
    }

    #[test]
    fn no_token_on_mcp_is_arrows_1_and_2() {
        let line = trace(
            Arrow::McpWithoutToken,
            Request::new("POST", "/mcp").with_body(r#"{"jsonrpc":"2.0","id":1,"method":"initialize"}"#),
            Response::empty(401).with_header(
                "WWW-Authenticate",
                r#"Bearer resource_metadata="http://localhost/.well-known/oauth-protected-resource/mcp""#,
            ),
        );
        assert_eq!(
            line,
            r#"[1] C→S POST /mcp (no token) initialize → [2] 401 WWW-Authenticate: Bearer resource_metadata="http://localhost/.well-known/oauth-protected-resource/mcp""#
        );
    }

    #[test]
    fn the_password_post_shows_neither_the_password_nor_the_code() {
        let code = "Zt3xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxQq";
        let line = trace(
            Arrow::Allow,
            form(
                "POST",
                "/authorize",
                "client_id=abcdefghijklmnopqrstuvwxyz&password=correct+horse&action=allow&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcb",
            ),
            Response::empty(302).with_header(
                "Location",
                &format!(
                    "http://localhost:3000/cb?code={code}&state=xyz&iss=http%3A%2F%2Flocalhost"
                ),
            ),
        );
        assert_eq!(
            line,
            "[14] C→S POST /authorize client=abc…yz redirect=localhost password=(given) action=allow → [15] 302 redirect_uri?code=Zt3…Qq&state&iss"
        );
        assert!(!line.contains("horse") && !line.contains(code));
    }

    #[test]
    fn a_wrong_verifier_leaves_the_flow_with_its_error_code() {
        let line = trace(
            Arrow::TokenRequest,
            form(
                "POST",
                "/token",
                "grant_type=authorization_code&code=abcdefghijklmnopqrstuvwxyz&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
            ),
            Response::json(400, &serde_json::json!({"error": "invalid_grant"})),
        );
        assert_eq!(
            line,
            "[26] C→S POST /token grant_type=authorization_code code=abc…yz code_verifier=(43 chars) → ✗ 400 invalid_grant"
        );
    }

    #[test]
    fn an_authorize_without_password_form_is_the_single_user_code() {
        let line = trace(
            Arrow::AuthorizeWithDocumentUrl,
            Request::new(
                "GET",
                "/authorize?client_id=https://claude.ai/oauth/mcp-oauth-client-metadata&redirect_uri=https://claude.ai/api/mcp/auth_callback&code_challenge_method=S256",
            ),
            Response::empty(302).with_header(
                "Location",
                "https://claude.ai/api/mcp/auth_callback?code=abcdefghijklmnopqrstuvwxyz&state=s",
            ),
        );
        assert_eq!(
            line,
            "[9+12] C→S GET /authorize client=https://claude.ai/oauth/mcp-oauth-client-metadata redirect=claude.ai S256 → [25] 302 redirect_uri?code=abc…yz&state"
        );
    }

    #[test]
    fn hosts_of_redirect_uris() {
        assert_eq!(
            redirect_host("https://claude.ai/api/mcp/auth_callback"),
            "claude.ai"
        );
        assert_eq!(
            redirect_host("http://localhost:33418/callback"),
            "localhost"
        );
        assert_eq!(redirect_host("http://[::1]:8/cb"), "[::1]");
        assert_eq!(redirect_host("https://u@h.example:443/x"), "h.example");
    }
}
