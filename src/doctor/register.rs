//! **[7–8](crate::_documentation::flow) mcp-doctor, the registration section — Dynamic Client
//! Registration as claude.ai does it.** `C → S POST /register` with
//! claude.ai's callback and the auth method claude.ai asked for in 2026
//! (`client_secret_post` when offered), then once more with
//! `https://claude.com/api/mcp/auth_callback` beside it (Anthropic said the
//! callback may move there).
//!
//! ```text
//!   POST /register {"client_name":"Claude","redirect_uris":["https://claude.ai/api/mcp/auth_callback"],
//!                   "grant_types":["authorization_code","refresh_token"],"response_types":["code"],
//!                   "token_endpoint_auth_method":"client_secret_post"}
//!   → 201 {"client_id":…, "client_secret":…}   (a secret for a secret method, no nulls)
//! ```
//!
//! # Spec
//! * RFC 7591 §3.1 (the request), §3.2.1 (201, `client_id`, the secret),
//!   §3.2.2 (errors).
//!
//! # Where this sits
//! Called by [`super::signin::run`]; the [`Client`] it returns signs in.

use super::report::Section;
use serde_json::json;

use super::callback::{CLAUDE_CALLBACK, CLAUDE_COM_CALLBACK};
use super::context::{Client, Doctor};
use super::probe::excerpt;

/// DCR as claude.ai does it (and with claude.com's callback beside it).
pub fn register(d: &mut Doctor, url: &str, method: &str) -> Option<Client> {
    let body = |uris: &[&str]| {
        json!({"client_name": "Claude", "redirect_uris": uris, "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"], "token_endpoint_auth_method": method}).to_string()
    };
    let json_headers = [
        ("Content-Type", "application/json"),
        ("Accept", "application/json"),
    ];
    let got = match d.probe.call(
        "POST /register",
        "POST",
        url,
        &json_headers,
        body(&[CLAUDE_CALLBACK]).as_bytes(),
    ) {
        Err(e) => {
            d.fail(
                Section::Registration,
                "registration as claude.ai",
                &e,
                "the registration endpoint must answer",
                None,
                None,
            );
            return None;
        }
        Ok(g) => g,
    };
    let v = match got.json() {
        Ok(v) if (200..300).contains(&got.status) => v,
        Ok(v) => {
            d.fail(
                Section::Registration,
                "registration as claude.ai",
                &format!(
                    "{} {} {}",
                    got.status,
                    v["error"].as_str().unwrap_or(""),
                    v["error_description"].as_str().unwrap_or("")
                ),
                &format!(
                    "accept claude.ai's registration: redirect_uris \
                    [\"{CLAUDE_CALLBACK}\"], token_endpoint_auth_method {method} \
                    (RFC 7591)"
                ),
                None,
                Some(got.ms),
            );
            return None;
        }
        Err(e) => {
            d.fail(
                Section::Registration,
                "registration as claude.ai",
                &format!("{}: {e}", got.status),
                "RFC 7591 §3.2: the registration answer is JSON",
                None,
                Some(got.ms),
            );
            return None;
        }
    };
    let Some(id) = v["client_id"].as_str() else {
        d.fail(
            Section::Registration,
            "registration as claude.ai",
            &format!("{} without client_id", got.status),
            "RFC 7591 §3.2.1: the answer carries client_id",
            None,
            Some(got.ms),
        );
        return None;
    };
    let secret = v["client_secret"].as_str().map(|s| d.probe.secret(s));
    let nulls: Vec<&str> = v
        .as_object()
        .map(|o| {
            o.iter()
                .filter(|(_, x)| x.is_null())
                .map(|(k, _)| k.as_str())
                .collect()
        })
        .unwrap_or_default();
    if method != "none" && secret.is_none() {
        d.fail(
            Section::Registration,
            "registration as claude.ai",
            &format!("{method} asked, no client_secret given"),
            "issue a client_secret for client_secret_post/basic \
            registrations (claude.ai asks for client_secret_post)",
            None,
            Some(got.ms),
        );
    } else if !nulls.is_empty() {
        d.warn(
            Section::Registration,
            "registration as claude.ai",
            &format!("{} with null fields: {}", got.status, nulls.join(", ")),
            "omit optional fields instead of null (SDK clients' validation rejects null)",
            None,
            Some(got.ms),
        );
    } else if got.status != 201 {
        d.warn(
            Section::Registration,
            "registration as claude.ai",
            &format!("{} (RFC 7591 says 201)", got.status),
            "answer a registration with 201 Created",
            None,
            Some(got.ms),
        );
    } else {
        d.pass(
            Section::Registration,
            "registration as claude.ai",
            &format!(
                "201, {method}{}",
                if secret.is_some() {
                    ", with a secret"
                } else {
                    ""
                }
            ),
            Some(got.ms),
        );
    }
    match d.probe.call(
        "POST /register (claude.com)",
        "POST",
        url,
        &json_headers,
        body(&[CLAUDE_CALLBACK, CLAUDE_COM_CALLBACK]).as_bytes(),
    ) {
        Ok(g) if (200..300).contains(&g.status) => d.pass(
            Section::ClaudeAi,
            "claude.com's callback accepted",
            &format!("{}", g.status),
            Some(g.ms),
        ),
        Ok(g) => d.warn(
            Section::ClaudeAi,
            "claude.com's callback accepted",
            &format!("{} {}", g.status, excerpt(&g.text(), 80)),
            &format!(
                "Anthropic said the callback may move to \
                {CLAUDE_COM_CALLBACK}: accept it beside the claude.ai one"
            ),
            None,
            Some(g.ms),
        ),
        Err(e) => d.warn(
            Section::ClaudeAi,
            "claude.com's callback accepted",
            &e,
            "registration must answer",
            None,
            None,
        ),
    }
    Some(Client {
        id: id.to_string(),
        secret,
        method: method.to_string(),
    })
}
