//! **[all](crate::_documentation::flow) mcp-doctor — the URLs a server
//! advertises, compared as claude.ai compares them.** Most wrong answers a
//! deployed server gives come from one mistake: it does not know the URL
//! users reach (behind an HTTPS front end it sees plain HTTP on its own
//! port), so its challenge, its `resource`, its `issuer` and its endpoints
//! name another URL. These helpers say how two URLs differ and give the one
//! fix for a server built with this crate ([`public_url_fix`]).
//!
//! ```text
//!   url_difference("https://h/mcp/", "https://h/mcp") → Some("slash")
//!   url_difference("http://h/mcp",   "https://h/mcp") → Some("scheme")
//!   plain_http(http://127.0.0.1:8080/token, checked https://h/mcp) → true (--via)
//!   public_url_fix(https://h/mcp) → "set PUBLIC_URL=https://h (…)"
//! ```
//!
//! # Spec
//! * RFC 9728 §3.3 (`resource` identical to the URL), RFC 8414 §3.3
//!   (`issuer` identical to the URL the metadata came from); MCP 2025-11-25
//!   *Communication Security* (HTTPS endpoints).
//!
//! # Where this sits
//! A leaf under [`super::discovery`], [`super::metadata`] and
//! [`super::callback`].

use super::probe::Url;

/// The fix line, for this crate, when a server advertises the wrong URL.
pub fn public_url_fix(url: &Url) -> String {
    format!(
        "set PUBLIC_URL={} (the origin users reach; the endpoint is PUBLIC_URL + /mcp)",
        url.origin()
    )
}

/// This crate's fix when an advertised URL is on another origin than the one
/// users reach (its `PUBLIC_URL` is wrong), else `None`.
pub fn elsewhere(advertised: &str, checked: &Url) -> Option<String> {
    Url::parse(advertised)
        .filter(|u| u.origin() != checked.origin())
        .map(|_| public_url_fix(checked))
}

/// How `a` differs from `b` as claude.ai compares URLs, `None` when equal.
pub fn url_difference(a: &str, b: &str) -> Option<&'static str> {
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

/// Whether an advertised URL is plain http:// where clients need https://:
/// anywhere but loopback, and on loopback too when the checked URL is https://
/// (a front end terminating TLS, simulated with `--via`).
pub fn plain_http(advertised: &Url, checked: &Url) -> bool {
    advertised.scheme != "https" && (!advertised.is_loopback() || checked.scheme == "https")
}

#[cfg(test)]
mod tests {
    use super::*;

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
