//! **[7–8, 12, 14](crate::_documentation::flow) Registration and PKCE
//! challenge — the URL rules.** Every URL a stranger hands us passes through
//! here before anything else looks at it: a redirect URI at registration
//! ([`check_redirect_uri`]) and at `/authorize` (matched by
//! [`super::client::Client::allows_redirect`]), the `resource` of `/authorize`
//! and `/token` ([`is_our_resource`]), and the host the consent screen shows
//! ([`display_host`]). [`UrlParts`] is the one small parser all of them share:
//! `scheme://host[:port][/path][?query]`, nothing else.
//!
//! # Spec
//! * RFC 6749 §3.1.2 (redirect URIs: absolute, no fragment, exact match).
//! * RFC 8252 §7.3 (loopback redirects may use any port), §8.3 (loopback `http`).
//! * RFC 8707 §2 (the `resource` parameter names the protected resource).
//! * MCP 2025-11-25 *Communication Security*: redirect URIs are `https` or
//!   loopback `http`.
//!
//! # Where this sits
//! A leaf: it imports nothing of [`super`] but [`super::encoding`]. Used by
//! [`super::register`], [`super::client`], [`super::authorize`],
//! [`super::token`], [`super::login_form`], [`super::page`], and by the
//! Client ID Metadata Document resolver (`ext::cimd`).
//!
//! # Not implemented
//! * A general URL parser (WHATWG URL): what is not of the simple form above
//!   is refused, which is what a security check should do with the unusual.

use crate::config::Config;

/// Why a redirect URI cannot be registered.
pub fn check_redirect_uri(uri: &str) -> Result<(), &'static str> {
    if uri.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err("redirect_uri contains whitespace or control characters");
    }
    if uri.contains('#') {
        return Err("redirect_uri must not contain a fragment (RFC 6749 §3.1.2)");
    }
    let parts = UrlParts::parse(uri).ok_or("redirect_uri is not an absolute http(s) URL")?;
    // The consent screen shows this host, so it must be the host a browser
    // will go to: a `%2e` or a `\` means something else to a browser's URL
    // parser than to ours (WHATWG URL: `\` ends the host, `%xx` is decoded).
    if !is_plain_host(&parts.host) {
        return Err("redirect_uri's host may only hold letters, digits, '-' and '.'");
    }
    match parts.scheme.as_str() {
        "https" => Ok(()),
        "http" if is_loopback_host(&parts.host) => Ok(()),
        _ => Err("redirect_uri must be https, or http on a loopback address"),
    }
}

/// A host a browser reads exactly as we do: a bracketed IPv6 address, or
/// labels of letters (any script: shown in `xn--` form), digits and `-`.
fn is_plain_host(host: &str) -> bool {
    if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return v6.parse::<std::net::Ipv6Addr>().is_ok();
    }
    !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty() && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
}

/// The host of `url` as the consent screen shows it: what the browser's
/// address bar will show (look-alike letters in their `xn--` form,
/// [`super::encoding::ascii_host`]), with the port when one is written.
pub fn display_host(url: &str) -> String {
    match UrlParts::parse(url) {
        Some(p) => {
            let host = super::encoding::ascii_host(&p.host);
            match p.port {
                Some(port) => format!("{host}:{port}"),
                None => host,
            }
        }
        None => String::new(),
    }
}

/// `localhost`, `127.x.x.x` or `[::1]`.
pub fn is_loopback_host(host: &str) -> bool {
    host == "localhost"
        || host == "[::1]"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The parts of an absolute URL that redirect matching and checks need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlParts {
    /// Lower-cased scheme.
    pub scheme: String,
    /// Lower-cased host (brackets kept for IPv6).
    pub host: String,
    /// The port, if written.
    pub port: Option<u16>,
    /// Path and query, as written (`/` when empty).
    pub rest: String,
}

impl UrlParts {
    /// Splits `scheme://host[:port][/path][?query]`; `None` for anything else,
    /// including URLs with userinfo (`user@host`).
    pub fn parse(url: &str) -> Option<UrlParts> {
        let (scheme, after) = url.split_once("://")?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return None;
        }
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        let (authority, rest) = after.split_at(end);
        if authority.is_empty() || authority.contains('@') {
            return None;
        }
        let (host, port) = if let Some(stripped) = authority.strip_prefix('[') {
            let (h, p) = stripped.split_once(']')?;
            (format!("[{h}]"), p)
        } else {
            match authority.find(':') {
                Some(i) => (authority[..i].to_string(), &authority[i..]),
                None => (authority.to_string(), ""),
            }
        };
        let port = match port.strip_prefix(':') {
            Some(p) => Some(p.parse::<u16>().ok()?),
            None if port.is_empty() => None,
            None => return None,
        };
        if host.is_empty() {
            return None;
        }
        let rest = if rest.is_empty() {
            "/".to_string()
        } else {
            rest.to_string()
        };
        Some(UrlParts {
            scheme,
            host: host.to_ascii_lowercase(),
            port,
            rest,
        })
    }
}

/// Whether `resource` (RFC 8707) names this server: our MCP URL or our origin,
/// compared after lower-casing scheme and host and dropping one trailing slash
/// (claude.ai has sent `https://host/` for origin-level resources).
pub fn is_our_resource(config: &Config, resource: &str) -> bool {
    let canonical = |url: &str| {
        let parts = UrlParts::parse(url)?;
        if url.contains('#') || parts.rest.contains('?') {
            return None;
        }
        let port = parts.port.map(|p| format!(":{p}")).unwrap_or_default();
        Some(format!(
            "{}://{}{port}{}",
            parts.scheme,
            parts.host,
            parts.rest.trim_end_matches('/')
        ))
    };
    match canonical(resource) {
        Some(given) => [config.mcp_url(), config.public_url.clone()]
            .iter()
            .any(|ours| canonical(ours).as_deref() == Some(given.as_str())),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_variants_are_ours_foreign_ones_are_not() {
        let mut config = Config::local(0);
        config.public_url = "https://mcp.example".into();
        for ours in [
            "https://mcp.example/mcp",
            "https://mcp.example/mcp/",
            "HTTPS://MCP.EXAMPLE/mcp",
            "https://mcp.example/",
            "https://mcp.example",
        ] {
            assert!(is_our_resource(&config, ours), "{ours}");
        }
        for foreign in [
            "https://evil.example/mcp",
            "https://mcp.example/other",
            "https://mcp.example/MCP",
            "https://mcp.example:8443/mcp",
            "mcp",
        ] {
            assert!(!is_our_resource(&config, foreign), "{foreign}");
        }
    }

    #[test]
    fn only_https_or_loopback_redirects_register() {
        assert!(check_redirect_uri("https://claude.ai/api/mcp/auth_callback").is_ok());
        assert!(check_redirect_uri("http://localhost:33418/callback").is_ok());
        assert!(check_redirect_uri("http://127.0.0.1:6276/oauth/callback").is_ok());
        assert!(check_redirect_uri("http://[::1]:8080/cb").is_ok());
        assert!(check_redirect_uri("http://example.com/cb").is_err());
        assert!(check_redirect_uri("javascript:alert(1)").is_err());
        assert!(check_redirect_uri("https://x.example/cb#frag").is_err());
        assert!(check_redirect_uri("https://user@x.example/cb").is_err());
        assert!(check_redirect_uri("https:///cb").is_err());
    }

    /// What the consent screen shows is where the browser goes: no encoded
    /// dots, no backslash (a browser ends the host there), look-alikes in
    /// their `xn--` form.
    #[test]
    fn redirect_hosts_cannot_pretend_to_be_another() {
        assert!(check_redirect_uri("https://claude%2eai/cb").is_err());
        assert!(check_redirect_uri("https://evil.example\\claude.ai/cb").is_err());
        assert!(check_redirect_uri("https://claude.ai..evil/cb").is_err());
        assert!(check_redirect_uri("https://сlaude.ai/cb").is_ok());
        assert_eq!(display_host("https://сlaude.ai/cb"), "xn--laude-0ye.ai");
        assert_eq!(display_host("http://127.0.0.1:6276/cb"), "127.0.0.1:6276");
        assert_eq!(
            display_host("https://claude.ai/api/mcp/auth_callback"),
            "claude.ai"
        );
    }
}
