//! **[28–29](crate::_documentation::flow) Tool calls — which protocol revision
//! a message speaks.** Two decisions live here and nowhere else:
//!
//! 1. [`negotiate`]: the `protocolVersion` answered to `initialize`
//!    (MCP 2025-11-25 `basic/lifecycle#version-negotiation`: echo the client's
//!    version when we support it, otherwise offer our latest).
//! 2. [`decide`]: for every POSTed message, its *era* — **legacy** (2025-11-25
//!    and earlier: `initialize`, a session, `MCP-Protocol-Version` on later
//!    requests) or **modern** (2026-07-28: `params._meta` on every request).
//!    The names are MCP 2026-07-28 `basic/versioning#terminology`; the two
//!    eras are explained once, in [`crate::ext::era_2026`]. A dual-era server
//!    "selects its behavior from how the client opens" (`#compatibility-matrix`).
//!
//! # The era rules (one function: [`decide`])
//! | message | `MCP-Protocol-Version` | era |
//! |---|---|---|
//! | `server/discover`, or `params._meta` has `io.modelcontextprotocol/protocolVersion` or `…/clientCapabilities` | any | [`Era::Modern`]: handed to the later era's hook ([`crate::ext::era_2026`]), served statelessly |
//! | legacy-shaped | missing | the session's negotiated version, else `2025-03-26` (the spec's default) |
//! | legacy-shaped | one we support | that version |
//! | legacy-shaped | a well-formed date newer than our latest legacy one (e.g. `2026-07-28`) | served with the negotiated (or latest legacy) version: claude.ai kept sending `2026-07-28` on requests of a session it had negotiated as `2025-11-25` (Aug 2026) |
//! | legacy-shaped | anything else | [`Era::Unsupported`] → HTTP 400 `-32600` |
//!
//! The body decides, never the header alone: a request without the modern
//! `_meta` cannot be served statelessly (it does not say what the client can
//! do), so claude.ai's stray `2026-07-28` header on a legacy request is not a
//! reason to refuse it. A modern-shaped `initialize` is modern too, and is
//! answered `-32601`: 2026-07-28 removed it.
//!
//! # Where this sits
//! Called by [`crate::mcp::transport`] (era, before dispatch) and
//! [`crate::mcp::dispatch`] (`initialize`); the modern list is what
//! `server/discover` and `UnsupportedProtocolVersionError` name.

use serde_json::Value;

use super::jsonrpc::Incoming;

/// The legacy revisions we speak (negotiated by `initialize`), newest first.
pub const SUPPORTED: [&str; 3] = ["2025-11-25", "2025-06-18", "2025-03-26"];

/// Our latest legacy revision: the answer to an `initialize` asking for one we do not know.
pub const LATEST: &str = SUPPORTED[0];

/// The modern revisions we speak (per-request `_meta`, no `initialize`), newest first.
pub const MODERN: [&str; 1] = ["2026-07-28"];

/// Every revision we speak, newest first: `supportedVersions` of
/// `server/discover` and `data.supported` of `UnsupportedProtocolVersionError`.
pub fn all_supported() -> Vec<&'static str> {
    MODERN.iter().chain(SUPPORTED.iter()).copied().collect()
}

/// Our `'static` spelling of the modern revision `version`, if we speak it.
pub fn modern(version: &str) -> Option<&'static str> {
    MODERN.iter().copied().find(|v| *v == version)
}

/// What a request without `MCP-Protocol-Version` and without a session means
/// (2025-06-18 `basic/transports#protocol-version-header`).
pub const DEFAULT_WITHOUT_HEADER: &str = "2025-03-26";

/// The `_meta` key with which a 2026-07-28 client stamps each request's version.
pub const MODERN_VERSION_META_KEY: &str = "io.modelcontextprotocol/protocolVersion";

/// The `_meta` key with which a 2026-07-28 client declares its capabilities on each request.
pub const MODERN_CAPABILITIES_META_KEY: &str = "io.modelcontextprotocol/clientCapabilities";

/// The version answered to `initialize` for the client's `requested` one.
pub fn negotiate(requested: Option<&str>) -> &'static str {
    match requested.and_then(supported) {
        Some(v) => v,
        None => LATEST,
    }
}

/// Our `'static` spelling of `version`, if we speak it.
pub fn supported(version: &str) -> Option<&'static str> {
    SUPPORTED.iter().copied().find(|v| *v == version)
}

/// The era of one message, decided by [`decide`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Era {
    /// Serve it with this 2025 revision.
    Legacy(&'static str),
    /// A 2026-07-28 request (`server/discover`, or `_meta` stamped with the
    /// modern keys): handed to the later era's hook ([`crate::mcp::server::EraHook`]).
    Modern,
    /// A header value we cannot serve: HTTP 400.
    Unsupported(String),
}

/// Decides the era of `message` from its shape, the `MCP-Protocol-Version`
/// `header` and the version `negotiated` earlier in this session (if known).
/// The table in the module docs is this function.
pub fn decide(message: &Incoming, header: Option<&str>, negotiated: Option<&'static str>) -> Era {
    let meta = message.params().get("_meta");
    let stamped = [MODERN_VERSION_META_KEY, MODERN_CAPABILITIES_META_KEY]
        .iter()
        .any(|key| meta.and_then(|m| m.get(key)).is_some());
    if message.method() == Some("server/discover") || stamped {
        return Era::Modern;
    }
    let Some(header) = header.map(str::trim) else {
        return Era::Legacy(negotiated.unwrap_or(DEFAULT_WITHOUT_HEADER));
    };
    if let Some(v) = supported(header) {
        return Era::Legacy(v);
    }
    if is_date(header) && header > LATEST {
        // A newer revision on a legacy-shaped request: serve it as what we speak.
        return Era::Legacy(negotiated.unwrap_or(LATEST));
    }
    Era::Unsupported(header.to_string())
}

/// `YYYY-MM-DD`, digits only: the shape of every MCP revision name.
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
}

/// The `protocolVersion` string of `initialize` params, if any.
pub fn requested(params: &Value) -> Option<&str> {
    params.get("protocolVersion").and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mcp::jsonrpc::parse;

    fn msg(body: &str) -> Incoming {
        parse(body.as_bytes()).unwrap()
    }

    #[test]
    fn negotiation_echoes_what_we_speak_else_offers_latest() {
        assert_eq!(negotiate(Some("2025-06-18")), "2025-06-18");
        assert_eq!(negotiate(Some("2025-03-26")), "2025-03-26");
        assert_eq!(negotiate(Some("2024-11-05")), "2025-11-25");
        assert_eq!(negotiate(None), "2025-11-25");
    }

    #[test]
    fn the_era_table() {
        let ping = msg(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#);
        let probe = msg(r#"{"jsonrpc":"2.0","id":1,"method":"server/discover"}"#);
        let stamped = msg(
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}"#,
        );
        assert_eq!(decide(&ping, None, None), Era::Legacy("2025-03-26"));
        assert_eq!(
            decide(&ping, None, Some("2025-11-25")),
            Era::Legacy("2025-11-25")
        );
        assert_eq!(
            decide(&ping, Some("2025-06-18"), None),
            Era::Legacy("2025-06-18")
        );
        assert_eq!(
            decide(&ping, Some("2026-07-28"), Some("2025-06-18")),
            Era::Legacy("2025-06-18")
        );
        assert_eq!(
            decide(&ping, Some("2026-07-28"), None),
            Era::Legacy("2025-11-25")
        );
        assert_eq!(
            decide(&ping, Some("2024-11-05"), None),
            Era::Unsupported("2024-11-05".into())
        );
        assert_eq!(
            decide(&ping, Some("banana"), None),
            Era::Unsupported("banana".into())
        );
        assert_eq!(decide(&probe, None, None), Era::Modern);
        assert_eq!(decide(&stamped, Some("2025-11-25"), None), Era::Modern);
        let caps_only = msg(
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/clientCapabilities":{}}}}"#,
        );
        assert_eq!(decide(&caps_only, None, None), Era::Modern);
        let legacy_initialize = msg(
            r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25"}}"#,
        );
        assert_eq!(
            decide(&legacy_initialize, Some("2026-07-28"), None),
            Era::Legacy("2025-11-25")
        );
        assert_eq!(
            all_supported(),
            ["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"]
        );
    }
}
