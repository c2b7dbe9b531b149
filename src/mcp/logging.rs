//! **[28–29](crate::_documentation::flow) Tool calls — log messages to the
//! client.** MCP 2025-11-25 `server/utilities/logging`: the client picks a
//! minimum level with `logging/setLevel`; a tool's
//! [`crate::mcp::ToolCall::log`] at that level or above becomes a
//! `notifications/message` on the call's SSE stream.
//!
//! The levels are the eight syslog severities of RFC 5424 §6.2.1, least severe
//! first. Until a client sets a level, [`LogLevel::Info`] and above are sent.
//! Log data reaches the client and, through it, possibly a model: never put
//! secrets or personal data in it (the spec's MUST NOT).
//!
//! # Where this sits
//! The level is kept per session by [`crate::mcp::session`]; set by
//! [`crate::mcp::dispatch`] (`logging/setLevel`).

use std::fmt;

/// A syslog severity, least severe first (so `Debug < Emergency`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    /// Detailed debugging information.
    Debug,
    /// Normal operational messages.
    Info,
    /// Normal but significant events.
    Notice,
    /// Warning conditions.
    Warning,
    /// Error conditions.
    Error,
    /// Critical conditions.
    Critical,
    /// Action must be taken immediately.
    Alert,
    /// The system is unusable.
    Emergency,
}

impl LogLevel {
    /// All levels, least severe first.
    pub const ALL: [LogLevel; 8] = [
        LogLevel::Debug,
        LogLevel::Info,
        LogLevel::Notice,
        LogLevel::Warning,
        LogLevel::Error,
        LogLevel::Critical,
        LogLevel::Alert,
        LogLevel::Emergency,
    ];

    /// The level used until the client sends `logging/setLevel`.
    pub const DEFAULT: LogLevel = LogLevel::Info;

    /// The wire name, e.g. `"warning"`.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Notice => "notice",
            LogLevel::Warning => "warning",
            LogLevel::Error => "error",
            LogLevel::Critical => "critical",
            LogLevel::Alert => "alert",
            LogLevel::Emergency => "emergency",
        }
    }

    /// Parses a wire name; `None` for anything else (the dispatcher answers `-32602`).
    pub fn parse(name: &str) -> Option<LogLevel> {
        LogLevel::ALL.into_iter().find(|l| l.as_str() == name)
    }
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_order_is_severity() {
        for l in LogLevel::ALL {
            assert_eq!(LogLevel::parse(l.as_str()), Some(l));
        }
        assert_eq!(LogLevel::parse("verbose"), None);
        assert!(LogLevel::Debug < LogLevel::Info && LogLevel::Alert < LogLevel::Emergency);
    }
}
