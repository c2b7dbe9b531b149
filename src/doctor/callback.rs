//! **[15, 25](crate::_documentation::flow) mcp-doctor — back at claude.ai's
//! callback.** Where the code comes back: `S → C 302
//! redirect_uri?code&state&iss`, after the password form (`[15]`) or at
//! once for a single user (`[25]`). [`back_at_claude`] reads that redirect
//! as claude.ai's callback would: an `error` instead of a code, the `code`
//! itself, `state` echoed unchanged, and `iss` equal to the issuer when the
//! server advertises it. The callback URLs are claude.ai's own.
//!
//! ```text
//!   302 Location: https://claude.ai/api/mcp/auth_callback?code=…&state=doctor-state&iss=…
//!     error=…            → FAIL (and why, from error_description)
//!     no code            → FAIL
//!     state ≠ sent       → FAIL
//!     iss ≠ issuer       → FAIL (when authorization_response_iss_parameter_supported)
//! ```
//!
//! # Spec
//! * RFC 6749 §4.1.2 (`code`, `state`), §4.1.2.1 (the error redirect);
//!   RFC 9207 (`iss` on the redirect).
//!
//! # Where this sits
//! A leaf under [`super::signin`] (a code straight away) and
//! [`super::form`] (a code after the password form); the code goes back to
//! [`super::signin`] for `/token`.

use super::report::Section;
use serde_json::Value;

use super::context::Doctor;
use super::probe::Got;
use super::urls::public_url_fix;
use crate::oauth::encoding::Params;

/// claude.ai's OAuth callback, as it registers it.
pub const CLAUDE_CALLBACK: &str = "https://claude.ai/api/mcp/auth_callback";
/// The callback Anthropic said it may move to.
pub const CLAUDE_COM_CALLBACK: &str = "https://claude.com/api/mcp/auth_callback";
/// `(error, error_description)` of a redirect to claude.ai's callback that
/// carries an error instead of a code (RFC 6749 §4.1.2.1).
pub fn redirect_error(got: &Got) -> Option<(String, String)> {
    let location = got.header("location")?;
    if !location.starts_with(CLAUDE_CALLBACK) {
        return None;
    }
    let params = Params::parse(location.split_once('?').map(|(_, q)| q).unwrap_or("")).ok()?;
    let error = params.get("error")?.to_string();
    Some((
        error,
        params.get("error_description").unwrap_or("").to_string(),
    ))
}

/// The redirect back to claude.ai's callback: the code, checked.
pub fn back_at_claude(d: &mut Doctor, location: &str, meta: &Value, ms: u64) -> Option<String> {
    let params =
        Params::parse(location.split_once('?').map(|(_, q)| q).unwrap_or("")).unwrap_or_default();
    if let Some(e) = params.get("error") {
        d.fail(
            Section::SignIn,
            "back at claude.ai with a code",
            &format!(
                "error={e} {}",
                params.get("error_description").unwrap_or("")
            ),
            "the authorization failed: see error_description",
            (e == "invalid_target").then_some(
                "the resource is PUBLIC_URL/mcp: set PUBLIC_URL to the origin users reach",
            ),
            Some(ms),
        );
        return None;
    }
    let Some(code) = params.get("code") else {
        d.fail(
            Section::SignIn,
            "back at claude.ai with a code",
            "no code in the redirect",
            "RFC 6749 §4.1.2: redirect with code and state",
            None,
            Some(ms),
        );
        return None;
    };
    let code = d.probe.secret(code);
    if params.get("state") != Some("doctor-state") {
        d.fail(
            Section::SignIn,
            "state comes back unchanged",
            &format!("{:?}", params.get("state")),
            "echo state exactly (RFC 6749 §4.1.2)",
            None,
            Some(ms),
        );
    }
    if meta["authorization_response_iss_parameter_supported"] == true
        && params.get("iss") != meta["issuer"].as_str()
    {
        d.fail(
            Section::SignIn,
            "iss equals the issuer",
            &format!(
                "iss {:?}, issuer {:?}",
                params.get("iss"),
                meta["issuer"].as_str()
            ),
            "RFC 9207: when advertised, iss on the redirect must equal issuer",
            Some(&public_url_fix(&d.url)),
            Some(ms),
        );
    }
    d.pass(
        Section::SignIn,
        "back at claude.ai with a code",
        &format!("code {}", super::probe::shorten(d.probe.reveal(&code))),
        Some(ms),
    );
    Some(d.probe.reveal(&code).to_string())
}
