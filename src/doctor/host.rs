//! **[setup](crate::_documentation::flow) mcp-doctor, the URL section — the URL and
//! where its host leads.** Before the first arrow: whether claude.ai can
//! reach the URL at all. Its connector fetches from Anthropic's cloud, over
//! HTTPS, IPv4 only; it strips a trailing slash from the path and supports no
//! credentials in the URL.
//!
//! ```text
//!   https://host:443/mcp
//!   │       │    │   └ /mcp, no trailing slash, no query with a key in it
//!   │       │    └ 443 (other ports have been reported to fail)
//!   │       └ resolves to public IPv4 addresses only (no private, CGNAT,
//!   │         loopback or link-local address; not IPv6 only)
//!   └ https (http:// only on loopback, a local test)
//! ```
//!
//! A loopback host (`localhost`, `127.0.0.1`, `[::1]`) is a local test: the
//! host checks are SKIPped with a message, never failed. With `--via` the
//! requests go elsewhere, so the public host's DNS is not checked.
//!
//! # Spec
//! * MCP 2025-11-25 *Authorization*, communication security (HTTPS).
//! * RFC 1918 (private), RFC 6598 (CGNAT, `100.64.0.0/10`), RFC 4193
//!   (unique-local IPv6), RFC 3927 / RFC 4291 (link-local).
//! * claude.ai's connector documentation, *Troubleshooting* (public IPv4,
//!   "Couldn't reach the MCP server").
//!
//! # Where this sits
//! Called first by [`super::discovery::run`].

use super::report::Section;
use std::net::{IpAddr, ToSocketAddrs};

use super::context::Doctor;

/// `Section::Url` (and the host checks of `Section::ClaudeAi`).
pub fn check_url(d: &mut Doctor) {
    let url = d.url.clone();
    let local = url.is_loopback();
    match (url.scheme.as_str(), local) {
        ("https", _) => d.pass(Section::Url, "HTTPS", &url.origin(), None),
        (_, true) => d.skip(
            Section::Url,
            "HTTPS",
            "http:// on loopback: a local test (claude.ai needs an \
            https:// URL)",
        ),
        _ => d.fail(
            Section::Url,
            "HTTPS",
            &format!("{} is plain http://", url.origin()),
            "claude.ai connects only over HTTPS: serve the endpoint \
                behind TLS (Cloud Run gives https://…run.app)",
            Some("PUBLIC_URL must be the https:// URL users paste"),
            None,
        ),
    }
    let path = url.path().to_string();
    if url.rest.contains('#') {
        d.fail(
            Section::Url,
            "the path",
            &url.rest,
            "a URL with a #fragment is not an endpoint: paste https://host/mcp",
            None,
            None,
        );
    } else if url.rest.contains('?') {
        let q = url
            .rest
            .split_once('?')
            .map(|(_, q)| q.to_ascii_lowercase())
            .unwrap_or_default();
        if ["token", "key", "secret", "auth", "password"]
            .iter()
            .any(|w| q.contains(w))
        {
            d.fail(
                Section::Url,
                "the path",
                &format!("{path}?… carries a credential"),
                "claude.ai does not support API keys or tokens in the URL: \
                    use OAuth (the 401 challenge)",
                None,
                None,
            );
        } else {
            d.warn(
                Section::Url,
                "the path",
                &format!("{path}?… has a query"),
                "serve the endpoint at a plain path such as /mcp",
                None,
                None,
            );
        }
    } else if path == "/mcp" {
        d.pass(Section::Url, "the path", "/mcp", None);
    } else if path.len() > 1 && path.ends_with('/') {
        d.warn(
            Section::Url,
            "the path",
            &format!("{path} ends in a slash"),
            "claude.ai's connector strips a trailing slash (/mcp/ → \
                /mcp): serve the endpoint without one",
            Some("the endpoint is exactly PUBLIC_URL + /mcp"),
            None,
        );
    } else if path.matches('/').count() > 1 {
        d.warn(
            Section::Url,
            "the path",
            &format!("{path} has several segments"),
            "multi-segment paths have been reported to fail in claude.ai while /mcp works",
            None,
            None,
        );
    } else {
        d.pass(Section::Url, "the path", &path, None);
    }
    if local {
        d.skip(Section::ClaudeAi, "port 443", "loopback: a local test");
        d.skip(
            Section::ClaudeAi,
            "a public IPv4 address",
            "loopback: a local test (claude.ai's cloud needs a public IPv4 address)",
        );
        return;
    }
    if url.scheme == "https" && url.port() != 443 {
        d.warn(
            Section::ClaudeAi,
            "port 443",
            &format!("port {}", url.port()),
            "claude.ai has been reported to fail on ports other than 443: \
                serve on https://host/mcp",
            None,
            None,
        );
    } else {
        d.pass(
            Section::ClaudeAi,
            "port 443",
            &format!("port {}", url.port()),
            None,
        );
    }
    if d.options.via.is_some() {
        d.skip(
            Section::ClaudeAi,
            "a public IPv4 address",
            "--via: the requests go elsewhere; check the DNS of the public host after the deploy",
        );
        return;
    }
    match (url.bare_host(), url.port()).to_socket_addrs() {
        Err(e) => d.fail(
            Section::ClaudeAi,
            "a public IPv4 address",
            &format!("{} does not resolve ({e})", url.host),
            "claude.ai says \"Couldn't reach the MCP server\": publish an A record for the host",
            None,
            None,
        ),
        Ok(addrs) => {
            let ips: Vec<IpAddr> = addrs.map(|a| a.ip()).collect();
            let shown = ips
                .iter()
                .map(IpAddr::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            let bad: Vec<String> = ips
                .iter()
                .filter_map(|ip| not_public(ip).map(|why| format!("{ip} is {why}")))
                .collect();
            if !bad.is_empty() {
                d.fail(
                    Section::ClaudeAi,
                    "a public IPv4 address",
                    &bad.join(", "),
                    "claude.ai connects from Anthropic's cloud: the host must \
                        resolve only to public addresses (no split-horizon DNS, VPN \
                        or CGNAT/Tailscale address)",
                    None,
                    None,
                );
            } else if !ips.iter().any(IpAddr::is_ipv4) {
                d.fail(
                    Section::ClaudeAi,
                    "a public IPv4 address",
                    &format!("IPv6 only: {shown}"),
                    "claude.ai's connectors are IPv4-only: add an A record",
                    None,
                    None,
                );
            } else {
                d.pass(Section::ClaudeAi, "a public IPv4 address", &shown, None);
            }
        }
    }
}

/// Why `ip` cannot be reached from the internet, if it cannot.
pub fn not_public(ip: &IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            if v4.is_loopback() {
                Some("loopback")
            } else if v4.is_private() {
                Some("private (RFC 1918)")
            } else if a == 100 && (64..128).contains(&b) {
                Some("CGNAT (100.64.0.0/10)")
            } else if v4.is_link_local() {
                Some("link-local")
            } else if v4.is_unspecified() || v4.is_broadcast() || v4.is_documentation() || a >= 224
            {
                Some("not a unicast public address")
            } else {
                None
            }
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            if v6.is_loopback() {
                Some("loopback")
            } else if (first & 0xfe00) == 0xfc00 {
                Some("unique-local (fc00::/7)")
            } else if (first & 0xffc0) == 0xfe80 {
                Some("link-local")
            } else if let Some(v4) = v6.to_ipv4_mapped() {
                not_public(&IpAddr::V4(v4))
            } else {
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_claude_cannot_reach_are_named() {
        for (ip, public) in [
            ("10.1.2.3", false),
            ("100.100.1.1", false),
            ("192.168.0.1", false),
            ("127.0.0.1", false),
            ("8.8.8.8", true),
            ("fd00::1", false),
            ("::ffff:10.0.0.1", false),
            ("2001:4860::8888", true),
        ] {
            assert_eq!(not_public(&ip.parse().unwrap()).is_none(), public, "{ip}");
        }
    }
}
