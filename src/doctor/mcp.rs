//! **[28–33](crate::_documentation::flow) mcp-doctor, sign-in, timing and claude.ai sections — MCP with
//! the token, as claude.ai speaks it.** With the token from the sign-in (or
//! `--token`, or none for an open server): the 2026-07-28 probe, the
//! 2025-11-25 handshake with claude.ai's headers, the tool list checked
//! against the spec and against what claude.ai drops, the `GET` stream, a
//! refresh with rotation, and the timing of everything.
//!
//! ```text
//!   [28]–[29] POST server/discover   MCP-Protocol-Version: 2026-07-28, Accept: */*
//!             → a result, or a 4xx that makes claude.ai fall back to initialize
//!   [28]–[29] POST initialize        Accept: */* (claude.ai), then the JSON/SSE pair
//!   [28]–[29] POST tools/list        no Mcp-Session-Id echoed (claude.ai often does not)
//!   [28]–[29] GET URL                405 or a stream, headers within 2 s
//!   [30]–[31] POST /token refresh    a new access token and a new refresh token
//!   [32]–[33] POST /revoke           the doctor's grant ends (clean-up)
//! ```
//!
//! # Spec
//! * MCP 2025-11-25 *Transports* (POST answers JSON or SSE; GET answers SSE or
//!   405), *Lifecycle*, *Tools* (names, `inputSchema` an object schema,
//!   `outputSchema` and `structuredContent`); 2026-07-28 *Versioning*
//!   (backward compatibility with initialization-based versions).
//! * OAuth 2.1 §4.3.1 (refresh token rotation); RFC 7009 (revocation).
//! * claude.ai's documented limits: about 150,000 characters per tool
//!   result; tool input schemas over 16 KiB and top-level `anyOf`/`oneOf`
//!   are dropped.
//!
//! # Where this sits
//! Called by [`super::run::run`] after [`super::signin`]; sends through
//! [`super::rpc`], checks the tool list with [`super::tools`] and ends with
//! [`super::timing`].

use super::report::Section;
use serde_json::{Value, json};

use super::context::{Doctor, Found};
use super::probe::{CLAUDE_USER_AGENT, excerpt};
use super::rpc::{PAIR, gist, initialize_body, post, rpc_answer};
use super::signin::token_request;
use super::tools::{call_tool, check_tools};
use crate::crypto::secret::Secret;
/// Runs the MCP part of `Section::SignIn` (after the sign-in), `Section::Timing` and the rest of `Section::ClaudeAi`.
pub fn run(d: &mut Doctor, found: Found) {
    if !found.reachable {
        super::timing::timing(d);
        return;
    }
    let token = found.token.as_ref().map(|t| d.probe.reveal(t).to_string());
    if token.is_none() && !found.open {
        d.skip(
            Section::SignIn,
            "MCP with a token",
            "no token: see the sign-in line above",
        );
        super::timing::timing(d);
        return;
    }
    let t = token.as_deref();
    discover(d, t);
    let Some(version) = initialize(d, t) else {
        super::timing::timing(d);
        return;
    };
    let tools = list_tools(d, t, &version);
    if let Some(tools) = &tools {
        check_tools(d, tools);
    }
    call_tool(d, t, &version, tools.as_deref());
    get_stream(d, t);
    let mut newest = None;
    if let Some((new_token, new_refresh)) = refresh(d, &found) {
        newest = new_refresh;
        let body = json!({"jsonrpc": "2.0", "id": 40, "method": "tools/list", "params": {}});
        match post(
            d,
            "POST tools/list (refreshed token)",
            Some(&new_token),
            "*/*",
            Some(&version),
            &[],
            &body,
        ) {
            Ok(g) if g.status == 200 => d.pass(
                Section::SignIn,
                "the refreshed token works",
                "200 tools/list",
                Some(g.ms),
            ),
            Ok(g) => d.fail(
                Section::SignIn,
                "the refreshed token works",
                &gist(&g),
                "a token from a refresh must be accepted like the first one",
                None,
                Some(g.ms),
            ),
            Err(e) => d.fail(
                Section::SignIn,
                "the refreshed token works",
                &e,
                "the endpoint must answer",
                None,
                None,
            ),
        }
    }
    revoke(d, &found, newest);
    super::timing::timing(d);
}

/// `server/discover`, claude.ai's first request since 2026.
fn discover(d: &mut Doctor, token: Option<&str>) {
    let v = "2026-07-28";
    let body = json!({"jsonrpc": "2.0", "id": 10, "method": "server/discover", "params": {"_meta": {
        "io.modelcontextprotocol/protocolVersion": v,
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "mcp-doctor", "version": env!("CARGO_PKG_VERSION")}}}});
    let title = "server/discover (2026-07-28)";
    let got = match post(
        d,
        "POST server/discover",
        token,
        "*/*",
        Some(v),
        &[("Mcp-Method", "server/discover")],
        &body,
    ) {
        Ok(g) => g,
        Err(e) => {
            return d.fail(
                Section::SignIn,
                title,
                &e,
                "the endpoint must answer",
                None,
                None,
            );
        }
    };
    let answer = rpc_answer(&got, 10).ok();
    let code = answer.as_ref().and_then(|a| a["error"]["code"].as_i64());
    match (got.status, code) {
        (200, None) if answer.as_ref().is_some_and(|a| a["result"].is_object()) => {
            let versions = answer
                .as_ref()
                .map(|a| a["result"]["supportedVersions"].to_string())
                .unwrap_or_default();
            d.pass(
                Section::SignIn,
                title,
                &format!("200, supportedVersions {versions}"),
                Some(got.ms),
            );
        }
        (200, Some(c)) => d.fail(
            Section::SignIn,
            title,
            &format!("200 with JSON-RPC error {c}"),
            "claude.ai falls back to initialize only on an HTTP 4xx: \
                answer the probe with 400 (a legacy -32600/-32602 error or \
                empty), not 200",
            None,
            Some(got.ms),
        ),
        (401 | 403, _) => d.fail(
            Section::SignIn,
            title,
            &gist(&got),
            "the token from this server's own flow must be accepted on \
            the endpoint (audience = the URL users paste)",
            Some(
                "tokens are bound to PUBLIC_URL/mcp: set PUBLIC_URL to the \
                origin users reach",
            ),
            Some(got.ms),
        ),
        (s, Some(c)) if (400..500).contains(&s) && (-32022..=-32020).contains(&c) => d.warn(
            Section::SignIn,
            title,
            &format!("{s} with 2026-07-28 error {c}"),
            "a 2025 server should answer the probe with a plain 400 (no \
                2026 error code) so that claude.ai falls back",
            None,
            Some(got.ms),
        ),
        (s, _) if (400..500).contains(&s) => d.pass(
            Section::SignIn,
            title,
            &format!("{s}: a 2025 server; claude.ai falls back to initialize"),
            Some(got.ms),
        ),
        _ => d.fail(
            Section::SignIn,
            title,
            &gist(&got),
            "answer server/discover with a result, or with 400 so that \
            claude.ai falls back to initialize",
            None,
            Some(got.ms),
        ),
    }
}

/// `initialize` with `Accept: */*` (claude.ai) and with the JSON/SSE pair;
/// the negotiated version, if the handshake worked.
fn initialize(d: &mut Doctor, token: Option<&str>) -> Option<String> {
    let title = "initialize (2025-11-25)";
    let got = match post(
        d,
        "POST initialize (Accept */*)",
        token,
        "*/*",
        None,
        &[],
        &initialize_body(11),
    ) {
        Ok(g) => g,
        Err(e) => {
            d.fail(
                Section::SignIn,
                title,
                &e,
                "the endpoint must answer",
                None,
                None,
            );
            return None;
        }
    };
    if matches!(got.status, 401 | 403) {
        // Refused before content negotiation: nothing to say about Accept.
    } else if got.status == 406 {
        d.fail(
            Section::ClaudeAi,
            "no 406 on claude.ai's Accept",
            "406 for Accept: */*",
            "claude.ai sends Accept: */*: accept it (answer JSON or SSE)",
            None,
            Some(got.ms),
        );
        d.strict_accept = true;
    } else {
        d.pass(
            Section::ClaudeAi,
            "no 406 on claude.ai's Accept",
            &format!("{} for Accept: */*", got.status),
            Some(got.ms),
        );
    }
    let pair = PAIR;
    let got = if got.status == 406 {
        match post(
            d,
            "POST initialize",
            token,
            pair,
            None,
            &[],
            &initialize_body(12),
        ) {
            Ok(g) => g,
            Err(e) => {
                d.fail(
                    Section::SignIn,
                    title,
                    &e,
                    "the endpoint must answer",
                    None,
                    None,
                );
                return None;
            }
        }
    } else {
        got
    };
    let id = if got.status == 406 {
        11
    } else {
        rpc_answer(&got, 11).map_or(12, |_| 11)
    };
    let answer = match rpc_answer(&got, id) {
        Ok(a) if got.status == 200 && a["result"].is_object() => a,
        Ok(a) => {
            d.fail(
                Section::SignIn,
                title,
                &format!("{} {}", got.status, excerpt(&a.to_string(), 100)),
                "initialize must succeed with the token (MCP Lifecycle)",
                None,
                Some(got.ms),
            );
            return None;
        }
        Err(e) => {
            d.fail(
                Section::SignIn,
                title,
                &format!("{}: {e}", got.status),
                "answer initialize with JSON or an SSE stream (MCP Transports)",
                None,
                Some(got.ms),
            );
            return None;
        }
    };
    let version = answer["result"]["protocolVersion"]
        .as_str()
        .unwrap_or("2025-11-25")
        .to_string();
    let server = &answer["result"]["serverInfo"];
    let session = got
        .header("mcp-session-id")
        .map(|_| ", a session id")
        .unwrap_or("");
    d.pass(
        Section::SignIn,
        title,
        &format!(
            "{} {}: protocolVersion {version} ({}){session}",
            server["name"].as_str().unwrap_or("?"),
            server["version"].as_str().unwrap_or(""),
            got.media_type()
        ),
        Some(got.ms),
    );
    let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    match post(
        d,
        "POST notifications/initialized",
        token,
        pair,
        Some(&version),
        &[],
        &note,
    ) {
        Ok(g) if g.status == 202 => d.pass(
            Section::SignIn,
            "notifications/initialized without the session id",
            "202",
            Some(g.ms),
        ),
        Ok(g) if (200..300).contains(&g.status) => d.warn(
            Section::SignIn,
            "notifications/initialized without the session id",
            &format!("{}", g.status),
            "MCP Transports: a notification is answered 202 Accepted",
            None,
            Some(g.ms),
        ),
        Ok(g) => d.fail(
            Section::SignIn,
            "notifications/initialized without the session id",
            &gist(&g),
            "claude.ai often does not echo Mcp-Session-Id and spreads a \
                handshake over instances: run stateless, or never require \
                the session id",
            None,
            Some(g.ms),
        ),
        Err(e) => d.fail(
            Section::SignIn,
            "notifications/initialized without the session id",
            &e,
            "the endpoint must answer",
            None,
            None,
        ),
    }
    Some(version)
}

/// `tools/list` (every page), without echoing a session id.
fn list_tools(d: &mut Doctor, token: Option<&str>, version: &str) -> Option<Vec<Value>> {
    let mut tools = Vec::new();
    let mut cursor: Option<String> = None;
    let mut ms = 0;
    for page in 0..20u64 {
        let params = cursor.as_ref().map_or(json!({}), |c| json!({"cursor": c}));
        let body =
            json!({"jsonrpc": "2.0", "id": 20 + page, "method": "tools/list", "params": params});
        let got = match post(
            d,
            "POST tools/list",
            token,
            "*/*",
            Some(version),
            &[],
            &body,
        ) {
            Ok(g) => g,
            Err(e) => {
                d.fail(
                    Section::SignIn,
                    "tools/list without the session id",
                    &e,
                    "the endpoint must answer",
                    None,
                    None,
                );
                return None;
            }
        };
        ms += got.ms;
        let answer = rpc_answer(&got, 20 + page);
        let result = match &answer {
            Ok(a) if got.status == 200 && a["result"]["tools"].is_array() => &a["result"],
            _ => {
                let fix = if matches!(got.status, 400 | 404) {
                    "claude.ai often does not echo Mcp-Session-Id: serve requests \
                        without it (stateless)"
                } else {
                    "tools/list must answer {\"tools\": […]} (MCP Tools)"
                };
                d.fail(
                    Section::SignIn,
                    "tools/list without the session id",
                    &gist(&got),
                    fix,
                    None,
                    Some(got.ms),
                );
                return None;
            }
        };
        tools.extend(result["tools"].as_array().cloned().unwrap_or_default());
        match result["nextCursor"].as_str() {
            Some(c) if !c.is_empty() => cursor = Some(c.to_string()),
            _ => {
                d.pass(
                    Section::SignIn,
                    "tools/list without the session id",
                    &format!("{} tools in {} page(s)", tools.len(), page + 1),
                    Some(ms),
                );
                return Some(tools);
            }
        }
    }
    d.warn(
        Section::SignIn,
        "tools/list without the session id",
        "more than 20 pages",
        "a tool list this long is unusual: check nextCursor",
        None,
        None,
    );
    Some(tools)
}
/// `GET` on the endpoint: 405 or a stream, within 2 s.
fn get_stream(d: &mut Doctor, token: Option<&str>) {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![
        ("Accept", "text/event-stream"),
        ("User-Agent", CLAUDE_USER_AGENT),
    ];
    if let Some(a) = &auth {
        headers.push(("Authorization", a.as_str()));
    }
    let url = d.options.url.clone();
    let title = "GET on the endpoint within 2 s";
    match d.probe.call_head_only("GET URL", "GET", &url, &headers) {
        Ok(g) if g.status == 405 => {
            d.pass(Section::SignIn, title, "405: no stream offered", Some(g.ms))
        }
        Ok(g) if g.status == 200 && g.media_type() == "text/event-stream" => {
            d.pass(Section::SignIn, title, "200 text/event-stream", Some(g.ms))
        }
        Ok(g) => d.warn(
            Section::SignIn,
            title,
            &format!("{} {}", g.status, g.media_type()),
            "MCP Transports: GET answers text/event-stream or 405 Method \
            Not Allowed",
            None,
            Some(g.ms),
        ),
        Err(e) => d.fail(
            Section::SignIn,
            title,
            &e,
            "claude.ai opens the GET stream right after sign-in, and a \
            GET that hangs made it report \"rejected the credentials\": \
            answer 405 at once (or send the stream's headers at once)",
            None,
            None,
        ),
    }
}

/// `[30]`–`[31]`: the refresh; the new access token, and the new refresh
/// token (the one to revoke at the end), if any.
fn refresh(d: &mut Doctor, found: &Found) -> Option<(String, Option<Secret>)> {
    let (Some(refresh), Some(url), Some(client)) =
        (&found.refresh, &found.token_endpoint, &found.client)
    else {
        if found.token.is_some() && found.refresh.is_none() && d.options.token.is_none() {
            d.skip(
                Section::SignIn,
                "refresh and rotation",
                "no refresh token was issued",
            );
        }
        return None;
    };
    let old = d.probe.reveal(refresh).to_string();
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", old.as_str()),
    ];
    let got = match token_request(d, "POST /token (refresh)", url, client, &form) {
        Ok(g) => g,
        Err(e) => {
            d.fail(
                Section::SignIn,
                "refresh and rotation",
                &e,
                "the token endpoint must answer",
                None,
                None,
            );
            return None;
        }
    };
    let v = match got.json() {
        Ok(v) if got.status == 200 && v["access_token"].is_string() => v,
        _ => {
            d.fail(
                Section::SignIn,
                "refresh and rotation",
                &gist(&got),
                "a refresh token from this server must be redeemable \
                (grant_type=refresh_token, RFC 6749 §6)",
                None,
                Some(got.ms),
            );
            return None;
        }
    };
    let access = v["access_token"].as_str().unwrap_or("").to_string();
    d.probe.secret(&access);
    let newest = match v["refresh_token"].as_str() {
        Some(new) if new != old => {
            d.pass(
                Section::SignIn,
                "refresh and rotation",
                "a new access token and a new refresh token",
                Some(got.ms),
            );
            Some(d.probe.secret(new))
        }
        Some(_) => {
            d.warn(
                Section::SignIn,
                "refresh and rotation",
                "the same refresh token came back",
                "OAuth 2.1 §4.3.1: rotate refresh tokens of public clients",
                None,
                Some(got.ms),
            );
            None
        }
        None => {
            d.warn(
                Section::SignIn,
                "refresh and rotation",
                "no refresh token in the answer",
                "return the rotated refresh token, or claude.ai loses the \
                connection when the access token expires",
                None,
                Some(got.ms),
            );
            None
        }
    };
    Some((access, newest))
}

/// `[32]`–`[33]`: ends the doctor's grant (its newest refresh token), so
/// no token it made lingers.
fn revoke(d: &mut Doctor, found: &Found, newest: Option<Secret>) {
    let (Some(url), Some(refresh), Some(client)) = (
        &found.revocation_endpoint,
        newest.as_ref().or(found.refresh.as_ref()),
        &found.client,
    ) else {
        return;
    };
    let token = d.probe.reveal(refresh).to_string();
    let form = [
        ("token", token.as_str()),
        ("token_type_hint", "refresh_token"),
    ];
    match token_request(d, "POST /revoke", url, client, &form) {
        Ok(g) if g.status == 200 => d.pass(
            Section::SignIn,
            "revocation (clean-up)",
            "200: the doctor's grant is revoked",
            Some(g.ms),
        ),
        Ok(g) => d.warn(
            Section::SignIn,
            "revocation (clean-up)",
            &gist(&g),
            "RFC 7009: revocation answers 200",
            None,
            Some(g.ms),
        ),
        Err(e) => d.warn(
            Section::SignIn,
            "revocation (clean-up)",
            &e,
            "the revocation endpoint must answer",
            None,
            None,
        ),
    }
}
