//! **[3–4, 7–8, 12–15, 25–27](crate::_documentation::flow) The test
//! client signs in — the OAuth 2.1 flow as an MCP client does it.** Before
//! the first MCP request the [`super::TestClient`] gets a token from the
//! server it started, the way claude.ai does, through the server's real
//! endpoints:
//!
//! ```text
//!   [3]–[4]   GET /.well-known/oauth-protected-resource/mcp   (not 200: no auth, no token)
//!   [7]–[8]   POST /register      a public client, a loopback redirect URI
//!   [12]      GET /authorize      S256 challenge, resource, state
//!   [13]–[15] 200 a form → POST /authorize with its hidden fields, the
//!             password, its cookies and Origin → 302 ?code   (or [25]: 302 at once)
//!   [26]–[27] POST /token         code + verifier → access_token
//! ```
//!
//! # Spec
//! * RFC 7591 §3 (registration); RFC 7636 §4 (S256); RFC 8707 (`resource`);
//!   RFC 6749 §4.1 (the code grant).
//!
//! # Where this sits
//! Called by [`super::TestClientBuilder::start`]; sends through
//! [`super::wire`].

use std::net::SocketAddr;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::error::TestError;
use super::wire::{find_header, first_line, send};
use crate::oauth::encoding::{Params, encode_pairs};

/// The redirect URI the test client registers (never visited: the code is
/// read from the `Location` header).
const REDIRECT_URI: &str = "http://localhost:33418/callback";

/// The OAuth 2.1 flow, as an MCP client does it; `None` when the server
/// has no authorization server.
pub(super) fn sign_in(
    addr: SocketAddr,
    public_url: &str,
    password: Option<&str>,
) -> Result<Option<String>, TestError> {
    let get = |path: &str, headers: &[(&str, &str)]| {
        send(addr, public_url, "GET", path, headers, b"")?.finish()
    };
    let prm = get("/.well-known/oauth-protected-resource/mcp", &[])?;
    if prm.0 != 200 {
        return Ok(None); // App::without_auth: /mcp needs no token
    }
    let oauth = |m: String| TestError::OAuth(m);
    let registration = json!({
        "client_name": "remote_mcp::testing",
        "redirect_uris": [REDIRECT_URI],
        "token_endpoint_auth_method": "none",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
    });
    let (status, _, body) = send(
        addr,
        public_url,
        "POST",
        "/register",
        &[("Content-Type", "application/json")],
        registration.to_string().as_bytes(),
    )?
    .finish()?;
    let client: Value = serde_json::from_str(&body).unwrap_or_default();
    let Some(client_id) = client["client_id"].as_str().filter(|_| status == 201) else {
        return Err(oauth(format!("POST /register answered {status}: {body}")));
    };
    let mut random = [0u8; 32];
    getrandom::fill(&mut random).map_err(|e| oauth(format!("no randomness: {e}")))?;
    let verifier = URL_SAFE_NO_PAD.encode(random);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let resource = format!("{}/mcp", public_url);
    let authorize = format!(
        "/authorize?{}",
        encode_pairs([
            ("response_type", "code"),
            ("client_id", client_id),
            ("redirect_uri", REDIRECT_URI),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
            ("state", "testing"),
            ("resource", resource.as_str()),
            ("scope", "mcp"),
        ])
    );
    let page = send(addr, public_url, "GET", &authorize, &[], b"")?;
    let cookies = page.cookies();
    let (status, headers, html) = page.finish()?;
    let location = if status == 200 {
        // A sign-in form: fill it as a browser would.
        let Some(password) = password else {
            return Err(oauth(
                "the server shows a sign-in form: give TestClientBuilder::password".into(),
            ));
        };
        let mut fields = hidden_fields(&html);
        fields.push(("password".into(), password.into()));
        fields.push(("action".into(), "allow".into()));
        let form = encode_pairs(fields.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        let cookie = cookies.join("; ");
        let mut headers = vec![
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Origin", public_url),
        ];
        if !cookie.is_empty() {
            headers.push(("Cookie", cookie.as_str()));
        }
        let (status, answer_headers, body) = send(
            addr,
            public_url,
            "POST",
            "/authorize",
            &headers,
            form.as_bytes(),
        )?
        .finish()?;
        if status != 302 && status != 303 {
            return Err(oauth(format!(
                "the sign-in form answered {status}: {}",
                first_line(&body)
            )));
        }
        find_header(&answer_headers, "location")
    } else if status == 302 || status == 303 {
        find_header(&headers, "location")
    } else {
        return Err(oauth(format!(
            "GET /authorize answered {status}: {}",
            first_line(&html)
        )));
    };
    let location = location.unwrap_or_default();
    let Some(query) = location
        .strip_prefix(REDIRECT_URI)
        .and_then(|rest| rest.strip_prefix('?'))
    else {
        return Err(oauth(format!(
            "/authorize sent the browser to {location}: the test client plays only a provider that answers at once or with a password form"
        )));
    };
    let params =
        Params::parse(query).map_err(|_| oauth(format!("a malformed redirect: {location}")))?;
    let Some(code) = params.get("code") else {
        return Err(oauth(format!("no code in the redirect: {location}")));
    };
    let form = encode_pairs([
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT_URI),
        ("client_id", client_id),
        ("code_verifier", verifier.as_str()),
        ("resource", resource.as_str()),
    ]);
    let (status, _, body) = send(
        addr,
        public_url,
        "POST",
        "/token",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        form.as_bytes(),
    )?
    .finish()?;
    let tokens: Value = serde_json::from_str(&body).unwrap_or_default();
    match tokens["access_token"].as_str() {
        Some(t) if status == 200 => Ok(Some(t.to_string())),
        _ => Err(oauth(format!("POST /token answered {status}: {body}"))),
    }
}

/// The hidden `<input>`s of an HTML form, unescaped.
fn hidden_fields(html: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    for input in html.split("<input ").skip(1) {
        let tag = input.split('>').next().unwrap_or_default();
        if !tag.contains("type=\"hidden\"") {
            continue;
        }
        let attr = |name: &str| -> Option<String> {
            let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
            let end = start + tag[start..].find('"')?;
            Some(
                tag[start..end]
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&#x27;", "'")
                    .replace("&#39;", "'")
                    .replace("&amp;", "&"),
            )
        };
        if let (Some(n), Some(v)) = (attr("name"), attr("value")) {
            fields.push((n, v));
        }
    }
    fields
}
