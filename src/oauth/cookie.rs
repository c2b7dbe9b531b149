//! **[13–14, 19–23](crate::_documentation::flow) Cookies — the three a browser
//! carries through a sign-in.** Only browsers meet them; MCP clients never do.
//!
//! | cookie | set at | read at | `SameSite` | why |
//! |---|---|---|---|---|
//! | `mcp_consent` | `GET /authorize` (the form) | `POST /authorize` | `Strict` | binds the form's CSRF token to this browser ([`super::login_form`]) |
//! | `mcp_signin` | `POST /authorize` (upstream) | `GET /auth/{idp}/callback` | `Lax` | the callback must come back to the browser that consented ([`crate::ext::upstream`]) |
//! | `mcp_session` | the callback | `GET /authorize` | `Lax` | the signed-in user, for this one authorization request |
//!
//! `Strict` is enough for the consent cookie: our own page posts the form to
//! our own origin. The two upstream cookies must ride along on a top-level
//! navigation that *starts* at the identity provider, another site, which
//! `Lax` allows and `Strict` would not.
//!
//! On an `https` public URL the names get the `__Host-` prefix and the
//! attributes `Secure; Path=/` with no `Domain`, so no other host — not even a
//! subdomain — can set or overwrite them. On a plain-`http` public URL (local
//! development) `Secure` cannot be used — browsers and cookie jars refuse to
//! send a `Secure` cookie over plain http (Python's `http.cookiejar` even on
//! `localhost`) — and the `__Host-` prefix requires `Secure`, so there the
//! names are bare.
//!
//! # Spec
//! * RFC 6265 §5.4 (the `Cookie` header), RFC 6265bis §4.1.3 (`__Host-`),
//!   §5.4.7 (`SameSite`).

use crate::config::Config;
use crate::http::Request;

/// The `SameSite` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SameSite {
    /// Sent only on requests that start on our own site.
    Strict,
    /// Also sent on top-level `GET` navigations from other sites.
    Lax,
}

/// `__Host-{base}` on https, `{base}` on plain http (see the module docs).
pub fn name(config: &Config, base: &str) -> String {
    if config.public_url.starts_with("https://") {
        format!("__Host-{base}")
    } else {
        base.to_string()
    }
}

/// A `Set-Cookie` value, `HttpOnly` always; `max_age` 0 deletes the cookie.
pub fn set(config: &Config, base: &str, value: &str, max_age: u64, same_site: SameSite) -> String {
    let secure = if config.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let same_site = match same_site {
        SameSite::Strict => "Strict",
        SameSite::Lax => "Lax",
    };
    format!(
        "{}={value}; Path=/; Max-Age={max_age}; HttpOnly{secure}; SameSite={same_site}",
        name(config, base)
    )
}

/// The value of cookie `name` in the request's `Cookie` header(s) (RFC 6265
/// §5.4: `name=value` pairs separated by `;`). Public for the fuzz target.
pub fn get<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request
        .header_all("Cookie")
        .flat_map(|h| h.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_by_exact_name() {
        let r = Request::new("GET", "/authorize")
            .with_header("Cookie", "a=1; mcp_session=xyz; __Host-mcp_session=abc")
            .with_header("Cookie", "mcp_signin=s");
        assert_eq!(get(&r, "mcp_session"), Some("xyz"));
        assert_eq!(get(&r, "__Host-mcp_session"), Some("abc"));
        assert_eq!(get(&r, "mcp_signin"), Some("s"));
        assert_eq!(get(&r, "session"), None);
    }

    #[test]
    fn cookies_use_the_host_prefix_and_secure_only_on_https() {
        let mut config = Config::local(8080);
        assert_eq!(
            set(&config, "mcp_session", "v", 300, SameSite::Lax),
            "mcp_session=v; Path=/; Max-Age=300; HttpOnly; SameSite=Lax"
        );
        config.public_url = "https://mcp.example".into();
        assert_eq!(
            set(&config, "mcp_consent", "v", 300, SameSite::Strict),
            "__Host-mcp_consent=v; Path=/; Max-Age=300; HttpOnly; Secure; SameSite=Strict"
        );
    }
}
