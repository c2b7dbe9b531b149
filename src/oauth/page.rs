//! **[13–16, 23](crate::_documentation::flow) Every page a browser sees — one
//! look, one Content Security Policy.** The consent screen
//! ([`super::login_form`]), the error pages of `/authorize`
//! ([`super::error::html_page`]) and the upstream sign-in's failure pages
//! ([`crate::ext::upstream`]) are all written by [`render`]: the same card, the same
//! inline style sheet, readable from a 360 px phone to a desktop, light and
//! dark (`prefers-color-scheme`), with visible keyboard focus.
//!
//! # The policy
//! ```text
//! Content-Security-Policy: default-src 'none'; style-src 'sha256-…'; img-src data:;
//!                          form-action 'self' <where the form's answer redirects>;
//!                          frame-ancestors 'none'; base-uri 'none'
//! X-Content-Type-Options: nosniff
//! Referrer-Policy: same-origin
//! ```
//! * No script at all, and the only style is the one `<style>` element below,
//!   allowed by its SHA-256 hash (computed once), so an injected `style=` or
//!   `<script>` does nothing even if an escape were ever missed.
//! * `form-action`: browsers check it against every redirect that follows a
//!   form submission, not only the form's own URL. The consent form posts to
//!   `/authorize` (`'self'`), which answers with a `302` to the client's
//!   `redirect_uri` (or to the upstream identity provider), so those origins
//!   are listed too — on this page only, for this request.
//! * `Referrer-Policy: same-origin`, not `no-referrer`: under `no-referrer` a
//!   browser sends `Origin: null` on the form's POST (Fetch, *serialize a
//!   request origin*), and `/authorize` could not tell our own form from a
//!   sandboxed attacker page. `same-origin` keeps our `Origin` on our own POST
//!   and still sends nothing (no path, no query with a `state`) to other sites.
//!
//! # Spec
//! * CSP Level 3 (`form-action`, hash sources), Fetch §3.2.5 (the `Origin`
//!   of a request under each referrer policy).
//! * MCP 2025-11-25 *Security Best Practices*, consent UI: no framing.
//!
//! # Where this sits
//! Called by [`super::login_form`] and [`super::error`]; the pages reach the
//! browser through [`crate::router`].

use std::sync::LazyLock;

use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::encoding::html_escape;
use crate::http::Response;

/// The one style sheet of every page (system fonts, no external asset).
const STYLE: &str = "\
:root{color-scheme:light dark;--bg:#f4f4f5;--card:#fff;--fg:#18181b;--muted:#52525b;--line:#d4d4d8;\
--accent:#1d4ed8;--accent-fg:#fff;--warn-bg:#fef3c7;--warn-fg:#78350f;--err-bg:#fee2e2;--err-fg:#7f1d1d;--ok:#166534}\
@media (prefers-color-scheme:dark){:root{--bg:#09090b;--card:#18181b;--fg:#f4f4f5;--muted:#a1a1aa;--line:#3f3f46;\
--accent:#60a5fa;--accent-fg:#0b1020;--warn-bg:#422006;--warn-fg:#fde68a;--err-bg:#450a0a;--err-fg:#fecaca;--ok:#86efac}}\
*{box-sizing:border-box}\
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif}\
main{max-width:30rem;margin:2rem auto;padding:1.5rem;background:var(--card);border:1px solid var(--line);border-radius:12px}\
@media (max-width:32rem){main{margin:0;border:0;border-radius:0;min-height:100vh;padding:1.25rem}}\
.server{margin:0 0 1rem;color:var(--muted);font-size:.9rem;overflow-wrap:anywhere}\
.server strong{color:var(--fg)}\
h1{font-size:1.35rem;line-height:1.3;margin:0 0 1rem}\
p{margin:.75rem 0}\
dl{margin:1rem 0;display:grid;grid-template-columns:max-content 1fr;gap:.4rem 1rem}\
dt{color:var(--muted)}dd{margin:0;overflow-wrap:anywhere}\
.badge{display:inline-block;font-size:.8rem;padding:0 .45rem;border-radius:999px;border:1px solid var(--line);color:var(--muted);white-space:nowrap}\
.badge.verified{color:var(--ok);border-color:currentColor}\
.note{padding:.6rem .8rem;border-radius:8px;background:var(--warn-bg);color:var(--warn-fg)}\
.alert{padding:.6rem .8rem;border-radius:8px;background:var(--err-bg);color:var(--err-fg)}\
label{display:block;font-weight:600;margin:1rem 0 .35rem}\
input[type=password]{width:100%;font:inherit;padding:.6rem .7rem;border:1px solid var(--line);border-radius:8px;background:var(--bg);color:var(--fg)}\
.actions{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:1.25rem}\
button,.button{font:inherit;font-weight:600;padding:.6rem 1.1rem;border-radius:8px;border:1px solid var(--line);background:transparent;color:var(--fg);cursor:pointer;text-decoration:none}\
button.primary{background:var(--accent);border-color:var(--accent);color:var(--accent-fg);flex:1 1 12rem}\
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}\
code{font-size:.9em;overflow-wrap:anywhere}\
a{color:var(--accent)}";

/// `'sha256-…'` of [`STYLE`], for `style-src`.
static STYLE_HASH: LazyLock<String> = LazyLock::new(|| {
    let digest = Sha256::digest(STYLE.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
});

/// What a page says and where its form may lead.
#[derive(Debug, Default)]
pub struct Page<'a> {
    /// The `<title>` and the `<h1>`.
    pub title: &'a str,
    /// This MCP server's name and public host, shown above the title, when known.
    pub server: Option<(&'a str, &'a str)>,
    /// The page's content, already HTML (every value in it escaped by the caller).
    pub body_html: String,
    /// Origins (`https://claude.ai`) a form on this page may end up at after
    /// redirects, besides our own: the `form-action` list.
    pub form_targets: Vec<String>,
}

/// The whole page as a [`Response`] with `status` and the headers above.
pub fn render(status: u16, page: &Page<'_>) -> Response {
    let server = page
        .server
        .map(|(name, host)| {
            format!(
                "<p class=\"server\"><strong>{}</strong> · {}</p>",
                html_escape(name),
                html_escape(host)
            )
        })
        .unwrap_or_default();
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"color-scheme\" content=\"light dark\">\
         <title>{title}</title><style>{STYLE}</style></head>\
         <body><main>{server}<h1>{title}</h1>{body}</main></body></html>",
        title = html_escape(page.title),
        body = page.body_html,
    );
    let mut form_action = String::from("'self'");
    for target in &page.form_targets {
        // Only origins made of URL-safe characters reach the header: a value
        // with a space or a `;` would add a directive of its own.
        if !target.is_empty()
            && target
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ":/.-[]".contains(c))
        {
            form_action.push(' ');
            form_action.push_str(target);
        }
    }
    let csp = format!(
        "default-src 'none'; style-src {}; img-src data:; form-action {form_action}; \
         frame-ancestors 'none'; base-uri 'none'",
        *STYLE_HASH
    );
    Response::html(status, html)
        .with_header("Content-Security-Policy", &csp)
        .with_header("Referrer-Policy", "same-origin")
        .with_header("Cache-Control", "no-store")
}

/// The origin (`scheme://host[:port]`) of an absolute URL, for `form-action`.
pub fn origin_of(url: &str) -> Option<String> {
    let parts = super::url::UrlParts::parse(url)?;
    Some(match parts.port {
        Some(port) => format!("{}://{}:{port}", parts.scheme, parts.host),
        None => format!("{}://{}", parts.scheme, parts.host),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header<'a>(r: &'a Response, name: &str) -> &'a str {
        r.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    #[test]
    fn the_policy_allows_our_style_and_nothing_else() {
        let r = render(
            200,
            &Page {
                title: "T",
                form_targets: vec!["https://claude.ai".into(), "x; script-src *".into()],
                ..Page::default()
            },
        );
        let csp = header(&r, "Content-Security-Policy");
        assert!(
            csp.starts_with("default-src 'none'; style-src 'sha256-"),
            "{csp}"
        );
        assert!(
            csp.contains("form-action 'self' https://claude.ai;"),
            "{csp}"
        );
        assert!(!csp.contains("script-src"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"));
        assert_eq!(header(&r, "X-Content-Type-Options"), "nosniff");
        assert_eq!(header(&r, "Referrer-Policy"), "same-origin");
    }

    #[test]
    fn origins_keep_the_port() {
        assert_eq!(
            origin_of("http://127.0.0.1:4000/cb?x=1").as_deref(),
            Some("http://127.0.0.1:4000")
        );
        assert_eq!(
            origin_of("https://Claude.ai/api/mcp/auth_callback").as_deref(),
            Some("https://claude.ai")
        );
        assert_eq!(origin_of("not a url"), None);
    }
}
