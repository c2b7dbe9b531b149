//! **[13, 16, 19–23](crate::_documentation::flow) The pages a person sees
//! when the upstream sign-in cannot go on.** The browser is talking, so the
//! answer is an HTML page that says why and what to do, never JSON. Once the
//! pending sign-in is known, the page links back to the MCP client with the
//! OAuth `error` (so the client learns the outcome and the user learns why).
//!
//! ```text
//!   [13] GET  /authorize           the allowlist is empty     → 403 "Nobody can sign in yet"
//!   [16] POST /authorize           too many sign-ins started  → 429 + Retry-After
//!   [19] GET  /auth/{idp}/callback no cookie, wrong cookie, spent state → 400, no link
//!   [19]–[21] …                    the IdP refused, an unusable answer, not allowed
//!                                   → 400/403/502 + "Return to {client}" with error=…
//!   any  the state store is unreachable                         → 503 + Retry-After
//! ```
//!
//! # Where this sits
//! Written for [`super::challenge`] and [`super::callback`] by
//! [`crate::oauth::error::html_page_with_link`], which every page of the
//! server shares ([`crate::oauth::page`]).

use crate::http::Response;
use crate::oauth::store::StoreError;

/// The tail of every callback page that has no way back to the client.
const START_AGAIN: &str = "Start again from your MCP client (e.g. reconnect the connector).";

/// The user channel for the upstream sign-in: a small page, never framed,
/// with a link back to the MCP client when there is one (`back`, carrying
/// the OAuth error).
pub(super) fn page(status: u16, title: &str, message: &str, back: Option<&str>) -> Response {
    let text = back.map(|href| {
        (
            href,
            format!("Return to {}", crate::oauth::url::display_host(href)),
        )
    });
    let link = text.as_ref().map(|(href, text)| (*href, text.as_str()));
    crate::oauth::error::html_page_with_link(status, title, message, link)
}

/// `400 Sign-in failed` for a callback that cannot be tied to a pending
/// sign-in (so there is no client to go back to): `why`, then how to start
/// again.
pub(super) fn callback_refused(why: &str) -> Response {
    page(400, "Sign-in failed", &format!("{why} {START_AGAIN}"), None)
}

/// `[13]`: the allowlist admits nobody, so nobody is sent to the IdP.
pub(super) fn nobody_allowed(idp_display_name: &str) -> Response {
    page(
        403,
        "Nobody can sign in yet",
        &format!(
            "This server admits no one: its operator has not listed any allowed \
             {idp_display_name} users."
        ),
        None,
    )
}

/// `[16]`: too many sign-ins started from one network.
pub(super) fn too_many_signins() -> Response {
    page(
        429,
        "Too many sign-ins",
        "Too many sign-ins were started from your network in the last minutes. \
         Wait a few minutes, then connect again from your MCP client.",
        None,
    )
    .with_header("Retry-After", "600")
}

/// The page when the state store is unreachable: `503`, try again shortly.
pub(super) fn unavailable(e: &StoreError) -> Response {
    crate::oauth::error::log_unavailable(e);
    page(
        503,
        "Temporarily unavailable",
        "The server cannot reach its state store right now. Wait a few seconds and try again.",
        None,
    )
    .with_header("Retry-After", crate::oauth::error::RETRY_AFTER_UNAVAILABLE)
}
