//! Sign in with **any OpenID Connect provider** — Google, Microsoft Entra ID,
//! Okta, Auth0, Keycloak — and let an allowlist say who may use the server:
//! "everyone `@example.com`", named people, or any user of the tenant.
//!
//! ```text
//! OIDC_ISSUER=https://accounts.google.com OIDC_CLIENT_ID=…apps.googleusercontent.com \
//!   OIDC_CLIENT_SECRET=… OIDC_ALLOWED=@example.com \
//!   cargo run --example oidc                          # http://127.0.0.1:8080/mcp
//! ```
//!
//! | variable | required | meaning |
//! |---|---|---|
//! | `OIDC_ISSUER` | yes | the provider's issuer URL (docs/EXAMPLES.md lists the forms); its discovery document is read at start-up |
//! | `OIDC_CLIENT_ID`, `OIDC_CLIENT_SECRET` | yes | an OAuth client ("web application") at the provider, redirect URI `{PUBLIC_URL}/auth/oidc/callback` |
//! | `OIDC_ALLOWED` | yes | who may sign in: `@example.com`, `alice@example.com`, `sub:…`, `tid:…` (Entra tenant), `*` (any user of the tenant); empty admits nobody |
//! | `OIDC_SCOPES` | no | default `openid email profile` |
//! | `OIDC_DISPLAY_NAME` | no | "Continue with …" (default: Google, Microsoft, or the issuer's host) |
//! | `PUBLIC_URL`, `MCP_SIGNING_KEY`, … | | as for every server (see the README) |
//!
//! | tool | what it answers |
//! |---|---|
//! | `whoami` | the caller as the ID token said at sign-in: subject, e-mail (and whether verified), name |
//! | `userinfo` | the provider's userinfo endpoint, called with the caller's own access token |
//!
//! The sign-in — discovery, our consent screen, `state`, `nonce` and PKCE
//! toward the provider, the ID token's checks, the allowlist — is the
//! library's [`Oidc`] (`src/ext/upstream/oidc/`); this file is configuration and
//! two tools.
//!
//! Tests: `tests/oidc_flow.rs` (Rust, raw HTTP), `tests/interop/oidc_py.py`
//! (the official Python SDK) and the Chromium test in
//! `tests/interop/browser/`, each against a local stand-in OpenID provider.

use std::error::Error;
use std::sync::Arc;

use remote_mcp::ext::seal::{SealKey, Sealed};
use remote_mcp::ext::upstream::oidc::{Oidc, OidcSettings};
use remote_mcp::oauth::store::Store;
use remote_mcp::{App, Config, McpServer, Tool, ToolCall, ToolError, ToolResult};
use serde_json::json;

fn main() {
    if let Err(e) = run() {
        eprintln!("oidc example: {e}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), Box<dyn Error>> {
    let config = Config::from_env()?;
    let store: Arc<dyn Store> = remote_mcp::open_store(&config)?;
    // Pending sign-ins and users' tokens are sealed before they reach it.
    let secrets = Sealed::new(store.clone(), SealKey::from_config(&config));
    let oidc = from_lookup(|name| std::env::var(name).ok(), secrets)?;
    remote_mcp::log::event(
        "INFO",
        &format!(
            "OpenID Connect redirect URI (register it at the provider): {}/auth/oidc/callback",
            config.public_url
        ),
    );
    if oidc.allowlist().is_empty() {
        remote_mcp::log::event(
            "ERROR",
            "OIDC_ALLOWED is empty: NOBODY can sign in. List who may, e.g. OIDC_ALLOWED=@example.com",
        );
    }
    App::new(build(oidc.clone()))
        .config(config)
        .store(store)
        .provider(oidc)
        .run()
}

/// The provider, from the variables in the module docs (read through `get`).
/// Fails, naming the variable, when one is missing or the issuer's discovery
/// document cannot be read.
pub fn from_lookup(
    get: impl Fn(&str) -> Option<String>,
    store: Sealed,
) -> Result<Oidc, Box<dyn Error>> {
    let settings = OidcSettings::from_lookup(get)?;
    Ok(Oidc::discover(settings, store)?)
}

/// The MCP server: two tools, both answering as the caller.
pub fn build(oidc: Oidc) -> McpServer {
    let o2 = oidc.clone();
    McpServer::new("oidc")
        .title("Who am I (OpenID Connect)")
        .instructions("Who you signed in as, according to your organisation's sign-in provider.")
        .tool(
            Tool::new("whoami", "Who you signed in as: subject, e-mail and name.")
                .read_only()
                .handler(move |call| whoami(&oidc, call)),
        )
        .tool(
            Tool::new(
                "userinfo",
                "Your profile at the sign-in provider (its userinfo endpoint), fetched with your own sign-in.",
            )
            .read_only()
            .open_world(true)
            .handler(move |call| userinfo(&o2, call)),
        )
}

fn whoami(oidc: &Oidc, call: &ToolCall<'_>) -> Result<ToolResult, ToolError> {
    let user = oidc.user(call.caller())?;
    let mut text = format!("You are {}", user.name.as_deref().unwrap_or("signed in"));
    if let Some(email) = &user.email {
        let verified = if user.email_verified {
            "verified"
        } else {
            "not verified"
        };
        text.push_str(&format!(" <{email}> ({verified})"));
    }
    text.push_str(&format!(", subject {}.", user.sub));
    Ok(ToolResult::text(text).with_structured(json!({
        "sub": user.sub, "email": user.email, "email_verified": user.email_verified, "name": user.name,
    })))
}

fn userinfo(oidc: &Oidc, call: &ToolCall<'_>) -> Result<ToolResult, ToolError> {
    let info = oidc.userinfo(call.caller()).map_err(ToolError::msg)?;
    let text = serde_json::to_string_pretty(&info).unwrap_or_default();
    Ok(ToolResult::text(text).with_structured(info))
}
