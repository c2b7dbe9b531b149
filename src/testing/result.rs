//! **[28–29](crate::_documentation::flow) A tool call's result, as the test
//! sees it.** [`CallResult`] holds the `CallToolResult` JSON the server sent
//! and the notifications (progress, log messages) that came before it, with
//! the readers a test wants: [`CallResult::text`],
//! [`CallResult::structured`], [`CallResult::is_error`],
//! [`CallResult::progress`].
//!
//! # Where this sits
//! A leaf: made by [`super::TestClient::call_tool`].

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::TestError;

/// A `tools/call` result as the server sent it, with what came before it.
///
/// ```
/// use remote_mcp::testing::TestClient;
/// use remote_mcp::{App, McpServer, Tool};
/// let mcp = McpServer::new("s").tool(Tool::new("hi", "Says hi.").handler(|_| Ok("hi".into())));
/// let mut client = TestClient::start(App::new(mcp))?;
/// let result = client.call_tool("hi", serde_json::json!({}))?;
/// assert_eq!(result.result["content"][0]["text"], "hi");
/// assert!(result.notifications.is_empty());
/// # Ok::<(), remote_mcp::testing::TestError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CallResult {
    /// The `CallToolResult` JSON (`content`, `structuredContent`, `isError`).
    pub result: Value,
    /// The notifications sent during the call (`notifications/progress`,
    /// `notifications/message`), in order.
    pub notifications: Vec<Value>,
}

impl CallResult {
    /// Whether the tool failed (`isError: true`).
    ///
    /// ```
    /// use remote_mcp::testing::CallResult;
    /// let r = CallResult { result: serde_json::json!({"content": [], "isError": true}), notifications: vec![] };
    /// assert!(r.is_error());
    /// ```
    pub fn is_error(&self) -> bool {
        self.result["isError"] == true
    }

    /// The text of every `text` content block, joined by newlines.
    ///
    /// ```
    /// use remote_mcp::testing::CallResult;
    /// let r = CallResult {
    ///     result: serde_json::json!({"content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}),
    ///     notifications: vec![],
    /// };
    /// assert_eq!(r.text(), "a\nb");
    /// ```
    pub fn text(&self) -> String {
        self.result["content"]
            .as_array()
            .map(|blocks| {
                blocks
                    .iter()
                    .filter_map(|b| b["text"].as_str())
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default()
    }

    /// `structuredContent` read as `T`.
    ///
    /// ```
    /// use remote_mcp::testing::CallResult;
    /// #[derive(serde::Deserialize)]
    /// struct Sum { sum: i64 }
    /// let r = CallResult { result: serde_json::json!({"content": [], "structuredContent": {"sum": 3}}), notifications: vec![] };
    /// assert_eq!(r.structured::<Sum>()?.sum, 3);
    /// # Ok::<(), remote_mcp::testing::TestError>(())
    /// ```
    pub fn structured<T: DeserializeOwned>(&self) -> Result<T, TestError> {
        let Some(s) = self.result.get("structuredContent") else {
            return Err(TestError::Protocol(format!(
                "the result has no structuredContent: {}",
                self.result
            )));
        };
        serde_json::from_value(s.clone()).map_err(|e| {
            TestError::Protocol(format!("structuredContent does not fit the type: {e}"))
        })
    }

    /// The `progress` values of the `notifications/progress` received.
    ///
    /// ```
    /// use remote_mcp::testing::CallResult;
    /// let r = CallResult { result: serde_json::json!({}), notifications: vec![
    ///     serde_json::json!({"method": "notifications/progress", "params": {"progress": 1.0}})] };
    /// assert_eq!(r.progress(), vec![1.0]);
    /// ```
    pub fn progress(&self) -> Vec<f64> {
        self.notifications
            .iter()
            .filter(|n| n["method"] == "notifications/progress")
            .filter_map(|n| n["params"]["progress"].as_f64())
            .collect()
    }
}
