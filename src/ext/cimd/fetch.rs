//! **[10](crate::_documentation::flow) S → W `GET` the metadata document —
//! the guarded fetch (outbound).** [`check_client_id_url`] decides, before
//! any network traffic, whether a `client_id` URL may be fetched at all;
//! [`fetch_with_ureq`] then fetches it.
//!
//! One of the places in the crate that make outbound HTTP requests (the
//! others: [`crate::outbound`], which calls upstream APIs chosen by the
//! operator, and the Redis client), and the one that is an SSRF surface (the
//! URL comes from anyone), so the fetch is fenced in: https only, no redirects, no proxy, a 5 s deadline, a 16 KiB
//! body cap, and a resolver ([`PublicOnlyResolver`]) that refuses the whole
//! request if *any* address of the host is loopback, private, link-local,
//! CGNAT, multicast or otherwise not global — checked on the addresses ureq
//! then connects to, so DNS rebinding between check and connect is not possible.
//!
//! # Spec
//! * draft-ietf-oauth-client-id-metadata-document §3 (the URL rules).
//! * MCP 2025-11-25 *Client ID Metadata Documents*; MCP Security Best
//!   Practices, *SSRF*.
//!
//! # Where this sits
//! Called by [`super::Cimd::document`] on a cache miss; what it fetches goes
//! to [`super::document::parse_document`].

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use super::document::CimdError;
use crate::oauth::url::UrlParts;

/// Largest document accepted (bytes).
pub const MAX_DOCUMENT_BYTES: u64 = 16 * 1024;

/// What a fetch brought back.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The body (at most [`MAX_DOCUMENT_BYTES`]).
    pub body: Vec<u8>,
    /// `Cache-Control: max-age`, if given.
    pub max_age: Option<u64>,
}

/// The draft's rules for a `client_id` URL, plus our SSRF rule for literal IP
/// hosts (a host *name* is checked when it is resolved, by [`PublicOnlyResolver`]).
pub fn check_client_id_url(url: &str) -> Result<(), CimdError> {
    if !url.starts_with("https://") {
        return Err(CimdError::BadUrl("must use https"));
    }
    if url.len() > 2048 || url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(CimdError::BadUrl("too long or contains whitespace"));
    }
    if url.contains('#') {
        return Err(CimdError::BadUrl("must not contain a fragment"));
    }
    let parts =
        UrlParts::parse(url).ok_or(CimdError::BadUrl("not an absolute URL without userinfo"))?;
    let path = parts.rest.split('?').next().unwrap_or("");
    if path == "/" || path.is_empty() {
        return Err(CimdError::BadUrl("must have a path"));
    }
    if path.split('/').any(|seg| seg == "." || seg == "..") {
        return Err(CimdError::BadUrl("must not contain . or .. segments"));
    }
    if parts.host == "localhost" || parts.host.ends_with(".localhost") {
        return Err(CimdError::Forbidden("localhost".into()));
    }
    let literal = parts.host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = literal.parse::<IpAddr>()
        && !is_public(ip)
    {
        return Err(CimdError::Forbidden(format!(
            "{ip} is not a public address"
        )));
    }
    Ok(())
}

/// Whether `ip` is a global unicast address we may connect to. Refuses
/// loopback, private (RFC 1918, ULA), link-local, CGNAT (RFC 6598),
/// documentation, benchmarking, multicast, reserved and unspecified addresses,
/// and IPv6 forms that embed such an IPv4 address (mapped, NAT64, 6to4).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || a >= 240
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (b == 18 || b == 19)))
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    let embedded_v4 =
        |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    if s[0] == 0x64 && s[1] == 0xff9b {
        return is_public_v4(embedded_v4(s[6], s[7]));
    }
    if s[0] == 0x2002 {
        return is_public_v4(embedded_v4(s[1], s[2]));
    }
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (s[0] & 0xffc0) == 0xfec0 // site-local fec0::/10 (deprecated, still routed inside)
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] & 0xfff0) == 0x3ff0 // documentation 3fff::/20 (RFC 9637)
        || (s[0] == 0x2001 && s[1] < 0x0200) // IETF protocol assignments 2001::/23: Teredo, benchmarking, ORCHID
        || (s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1) // local-use NAT64 64:ff9b:1::/48 (RFC 8215)
        || s[0..4] == [0x100, 0, 0, 0] // discard-only 100::/64 (RFC 6666)
        || s[0] == 0x5f00 // SRv6 SIDs 5f00::/16 (RFC 9602)
        || (s[0..4] == [0; 4] && s[4] == 0xffff && s[5] == 0) // IPv4-translated ::ffff:0:0:0/96
        || s[0..6] == [0; 6]) // IPv4-compatible and other ::/96 forms
}

/// A ureq resolver that resolves like the default one, then refuses the
/// request unless every address is public ([`is_public`]).
#[derive(Debug, Default)]
pub struct PublicOnlyResolver {
    inner: ureq::unversioned::resolver::DefaultResolver,
}

impl ureq::unversioned::resolver::Resolver for PublicOnlyResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: ureq::unversioned::transport::NextTimeout,
    ) -> Result<ureq::unversioned::resolver::ResolvedSocketAddrs, ureq::Error> {
        let addrs = self.inner.resolve(uri, config, timeout)?;
        if addrs.iter().any(|a: &SocketAddr| !is_public(a.ip())) {
            return Err(ureq::Error::BadUri(format!(
                "{} resolves to a non-public address",
                uri.host().unwrap_or("?")
            )));
        }
        Ok(addrs)
    }
}

/// The real fetch: ureq with every guard described in the module docs.
pub fn fetch_with_ureq(url: &str) -> Result<Fetched, CimdError> {
    let config = ureq::Agent::config_builder()
        .https_only(true)
        .max_redirects(0)
        .http_status_as_error(false)
        .proxy(None)
        .timeout_global(Some(Duration::from_secs(5)))
        .user_agent("remote-mcp (OAuth client metadata fetch)")
        .build();
    let agent = ureq::Agent::with_parts(
        config,
        ureq::unversioned::transport::DefaultConnector::default(),
        PublicOnlyResolver::default(),
    );
    let mut response = agent
        .get(url)
        .header("Accept", "application/json")
        .call()
        .map_err(|e| CimdError::Fetch(e.to_string()))?;
    if response.status() != 200 {
        return Err(CimdError::Fetch(format!(
            "status {}",
            response.status().as_u16()
        )));
    }
    let max_age = response
        .headers()
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',')
                .find_map(|d| d.trim().strip_prefix("max-age=")?.parse::<u64>().ok())
        });
    let body = response
        .body_mut()
        .with_config()
        .limit(MAX_DOCUMENT_BYTES)
        .read_to_vec()
        .map_err(|e| CimdError::Fetch(e.to_string()))?;
    Ok(Fetched { body, max_age })
}

#[cfg(test)]
mod tests {
    use super::super::document::CLAUDE_AI_CLIENT_ID;
    use super::*;

    #[test]
    fn client_id_urls_follow_the_draft_rules() {
        assert!(check_client_id_url(CLAUDE_AI_CLIENT_ID).is_ok());
        assert!(matches!(
            check_client_id_url("http://app.example/c.json"),
            Err(CimdError::BadUrl(_))
        ));
        assert!(matches!(
            check_client_id_url("https://app.example"),
            Err(CimdError::BadUrl(_))
        ));
        assert!(matches!(
            check_client_id_url("https://app.example/"),
            Err(CimdError::BadUrl(_))
        ));
        assert!(matches!(
            check_client_id_url("https://app.example/a/../c.json"),
            Err(CimdError::BadUrl(_))
        ));
        assert!(matches!(
            check_client_id_url("https://u@app.example/c.json"),
            Err(CimdError::BadUrl(_))
        ));
        assert!(matches!(
            check_client_id_url("https://app.example/c.json#x"),
            Err(CimdError::BadUrl(_))
        ));
    }

    #[test]
    fn address_classification() {
        for ip in ["8.8.8.8", "160.79.104.10", "2606:4700::1111"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "127.0.0.1",
            "0.0.0.0",
            "192.168.1.1",
            "172.16.0.1",
            "100.100.0.1",
            "224.0.0.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "64:ff9b::7f00:1",
            "2002:7f00:1::1",
            "64:ff9b:1::a00:1",
            "100::1",
            "2001::5efe:a00:1",
            "2001:2::1",
            "3fff::1",
            "5f00::1",
            "fec0::1",
            "::ffff:0:a00:1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    /// The real fetcher refuses before connecting: the resolver sees 127.0.0.1.
    /// (No traffic leaves the machine: the only address involved is loopback.)
    #[test]
    fn the_ureq_fetcher_refuses_names_that_resolve_to_loopback() {
        let err = fetch_with_ureq("https://localhost:9/c.json").unwrap_err();
        assert!(
            matches!(err, CimdError::Fetch(ref m) if m.contains("non-public")),
            "{err:?}"
        );
    }
}
