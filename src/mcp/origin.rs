//! **[1, 28](crate::_documentation::flow) Discovery and tool calls — `Origin`
//! and `Host` on every `/mcp` request.** The DNS-rebinding defence of MCP
//! 2025-11-25 `basic/transports#security-warning` (servers MUST validate the
//! `Origin` header): the router calls [`check`] for every request to `/mcp`,
//! before the bearer token (arrow `[1]` without one, `[28]` with one), so a
//! bad `Origin` is `403` whether or not a token came.
//!
//! * An `Origin` that is present and not allowed → `403`; a `Host` that is
//!   not allowed → `403`, with a JSON-RPC error without `id` (`-32000`).
//! * Allowed: the public URL's host and origin, loopback (`localhost`,
//!   `127.0.0.1`, `[::1]`, any port), and `Config::allowed_hosts` /
//!   `allowed_origins`.
//! * A missing `Origin` is fine: claude.ai calls server-to-server.
//!
//! # Where this sits
//! Called by [`crate::router`] first on `/mcp`; then [`crate::auth`] checks
//! the token and [`crate::mcp::transport`] serves the request.

use serde_json::json;

use super::jsonrpc::RpcError;
use super::transport::FORBIDDEN;
use crate::config::Config;
use crate::http::{Request, Response};

/// Called by the router before the bearer check: `403` with a JSON-RPC
/// error for an `Origin` or `Host` that is not allowed.
pub fn check(config: &Config, request: &Request) -> Result<(), Response> {
    let refuse = |what: &str| {
        // MCP 2025-11-25: "the body MAY comprise a JSON-RPC error response that has no id".
        let body = json!({"jsonrpc": "2.0", "error": RpcError::new(FORBIDDEN, format!("Forbidden: {what} not allowed")).to_json()});
        Err(Response::json(403, &body))
    };
    if let Some(origin) = request.header("origin")
        && !origin_allowed(config, origin)
    {
        return refuse("Origin");
    }
    if let Some(host) = request.header("host")
        && !host_allowed(config, host)
    {
        return refuse("Host");
    }
    Ok(())
}

/// `host[:port]` without the port (IPv6 literals keep their brackets).
fn host_name(host: &str) -> &str {
    if host.starts_with('[') {
        return host.split_inclusive(']').next().unwrap_or(host);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

fn is_loopback(host: &str) -> bool {
    matches!(host_name(host), "localhost" | "127.0.0.1" | "[::1]")
}

/// Compares two `host[:port]` values, ignoring case and default ports.
fn same_host(a: &str, b: &str) -> bool {
    let norm = |h: &str| {
        let h = h.trim().to_ascii_lowercase();
        match h.strip_suffix(":443").or_else(|| h.strip_suffix(":80")) {
            Some(short) => short.to_string(),
            None => h,
        }
    };
    norm(a) == norm(b)
}

fn host_allowed(config: &Config, host: &str) -> bool {
    let host = host.trim().to_ascii_lowercase();
    is_loopback(&host)
        || same_host(&host, config.public_host())
        || config.allowed_hosts.iter().any(|h| same_host(&host, h))
}

fn origin_allowed(config: &Config, origin: &str) -> bool {
    let origin = origin.trim().trim_end_matches('/').to_ascii_lowercase();
    if origin == config.public_url.to_ascii_lowercase()
        || config
            .allowed_origins
            .iter()
            .any(|o| o.trim_end_matches('/').eq_ignore_ascii_case(&origin))
    {
        return true;
    }
    match origin.split_once("://") {
        Some(("http" | "https", host)) => is_loopback(host),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_with_any_port() {
        for h in [
            "localhost",
            "localhost:3000",
            "127.0.0.1:9",
            "[::1]",
            "[::1]:8080",
        ] {
            assert!(is_loopback(h), "{h}");
        }
        for h in [
            "evil.example.com",
            "localhost.evil.com",
            "127.0.0.1.nip.io",
            "[::2]:80",
        ] {
            assert!(!is_loopback(h), "{h}");
        }
    }

    #[test]
    fn origins_and_hosts() {
        let mut c = Config::local(8080);
        c.public_url = "https://mcp.example.com".into();
        c.allowed_origins = vec!["https://inspector.example".into()];
        assert!(origin_allowed(&c, "https://mcp.example.com"));
        assert!(origin_allowed(&c, "http://localhost:6274"));
        assert!(origin_allowed(&c, "https://inspector.example"));
        assert!(!origin_allowed(&c, "http://evil.example.com"));
        assert!(!origin_allowed(&c, "null"));
        assert!(host_allowed(&c, "mcp.example.com"));
        assert!(host_allowed(&c, "MCP.example.com:443"));
        assert!(!host_allowed(&c, "evil.example.com"));
    }
}
