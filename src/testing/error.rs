//! **[1–33](crate::_documentation::flow) What went wrong in a test client
//! call.** [`TestError`] says at which stage a test failed: starting the
//! server or a socket ([`TestError::Io`]), the OAuth flow
//! ([`TestError::OAuth`]), a JSON-RPC error from the server
//! ([`TestError::Rpc`]), a tool that failed ([`TestError::Tool`]), or an
//! answer the protocol does not allow ([`TestError::Protocol`]).
//!
//! # Where this sits
//! A leaf: every other file of [`super`] returns it.

use std::fmt;

use serde_json::Value;

/// What went wrong in a test client call.
///
/// ```
/// use remote_mcp::testing::{TestClient, TestError};
/// use remote_mcp::{App, McpServer};
/// let mut client = TestClient::start(App::new(McpServer::new("s")))?;
/// let err = client.call_tool("missing", serde_json::json!({})).unwrap_err();
/// assert_eq!(err, TestError::Rpc { code: -32602, message: "Unknown tool: missing".into() });
/// # Ok::<(), TestError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum TestError {
    /// The server could not be started, or a socket failed.
    Io(String),
    /// The OAuth flow did not end with an access token; the text says where.
    OAuth(String),
    /// The server answered with a JSON-RPC error.
    Rpc {
        /// The JSON-RPC error code, e.g. `-32602`.
        code: i64,
        /// Its message.
        message: String,
    },
    /// The tool ran and failed (`isError: true`); the text is its message.
    /// Only from [`TestClient::call_tool_as`](crate::testing::TestClient::call_tool_as).
    Tool(String),
    /// The answer was not what the protocol allows, or not the type asked for.
    Protocol(String),
}

impl fmt::Display for TestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TestError::Io(m) => write!(f, "I/O: {m}"),
            TestError::OAuth(m) => write!(f, "OAuth: {m}"),
            TestError::Rpc { code, message } => write!(f, "JSON-RPC error {code}: {message}"),
            TestError::Tool(m) => write!(f, "the tool failed: {m}"),
            TestError::Protocol(m) => write!(f, "protocol: {m}"),
        }
    }
}

impl std::error::Error for TestError {}

impl From<std::io::Error> for TestError {
    fn from(e: std::io::Error) -> TestError {
        TestError::Io(e.to_string())
    }
}

/// The [`TestError::Rpc`] of a JSON-RPC error answer.
pub(super) fn rpc_error(answer: &Value) -> TestError {
    TestError::Rpc {
        code: answer["error"]["code"].as_i64().unwrap_or(0),
        message: answer["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    }
}
