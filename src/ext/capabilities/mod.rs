//! **[28–29](crate::_documentation::flow) Tool calls — resources, prompts and
//! completion: what a server offers besides tools.** An extension of the core
//! MCP server ([`crate::mcp`]): read the core first, this after.
//!
//! | module | spec (MCP 2025-11-25; unchanged in 2026-07-28 but for the error code of an unknown resource) |
//! |---|---|
//! | [`resources`] | `server/resources`: [`Resource`], [`ResourceTemplate`] |
//! | [`prompts`] | `server/prompts`: [`Prompt`] |
//! | [`completion`] | `server/utilities/completion` |
//!
//! # How it plugs in
//! The core serves tools alone and never imports this module. It defines one
//! hook, [`crate::mcp::server::Capability`]: what a feature declares in the
//! server's `capabilities`, and the methods it answers. [`resources::Resources`]
//! and [`prompts::Prompts`] implement it. The builder methods
//! [`McpServer::resource`], [`McpServer::resource_template`] and
//! [`McpServer::prompt`] are defined here and register into them, so a server
//! is still written `McpServer::new(..).tool(..).resource(..)`.
//!
//! [`install`] puts both on a server, empty, so that `resources/list` and
//! `prompts/list` answer an empty list rather than `-32601`; [`crate::App`]
//! does so by default. A capability is declared to clients only once
//! something is registered in it.
//!
//! Logging is not here: [`crate::ToolCall::log`] belongs to every tool call,
//! so `logging/setLevel` stays in the core ([`crate::mcp::dispatch`]).
//!
//! Read first: [`resources`], then [`prompts`], then [`completion`].
//!
//! # Where this sits
//! Installed by [`crate::App`] ([`install`]); asked by
//! [`crate::mcp::dispatch::serve`] for every method the core does not know.

pub mod completion;
pub mod prompts;
pub mod resources;

pub use completion::Completer;
pub use prompts::{Prompt, PromptError, PromptMessage, PromptRequest};
pub use resources::{Resource, ResourceError, ResourceRequest, ResourceTemplate};

use crate::mcp::McpServer;

/// Installs the resources and prompts capabilities on `server` (empty, if
/// nothing was registered yet).
pub fn install(server: &mut McpServer) {
    server.capability_mut::<resources::Resources>();
    server.capability_mut::<prompts::Prompts>();
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::mcp::dispatch::tests::ask;

    #[test]
    fn installed_capabilities_answer_their_methods_and_declare_only_what_is_registered() {
        let mut server = McpServer::new("s");
        install(&mut server);
        assert_eq!(
            ask(&server, "resources/list")["result"],
            json!({"resources": []})
        );
        assert_eq!(
            ask(&server, "prompts/list")["result"],
            json!({"prompts": []})
        );
        let caps = &ask(&server, "initialize")["result"]["capabilities"];
        assert!(caps.get("resources").is_none() && caps.get("prompts").is_none());

        // Registering one is the same builder call with or without `install`.
        let server = McpServer::new("s").prompt(Prompt::new("p", "P."));
        let caps = &ask(&server, "initialize")["result"]["capabilities"];
        assert_eq!(caps["prompts"], json!({}));
        assert_eq!(caps["completions"], json!({}));
        assert_eq!(
            ask(&server, "prompts/list")["result"]["prompts"][0]["name"],
            "p"
        );
    }
}
