//! **Before the first arrow — wiring.** [`App`] puts an [`McpServer`] (your
//! tools), a [`Config`] and the authorization settings together, binds the
//! socket and serves. This is the seed's `create_app(mcp=mcp)`.
//!
//! ```no_run
//! use mcp_server::{App, McpServer};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mcp = McpServer::new("my-service");
//! App::new(mcp).run()
//! # }
//! ```
//!
//! # Where this sits
//! Builds the [`Shared`] state that [`crate::router`] hands to every handler.

use std::error::Error;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

use crate::config::Config;
use crate::http::{Server, ShutdownHandle};
use crate::mcp::McpServer;

/// Everything a request handler may read: built once, shared by all threads.
pub struct Shared {
    /// The configuration (public URL, limits, allowed hosts).
    pub config: Config,
    /// The tools, resources and prompts.
    pub mcp: McpServer,
}

/// A server under construction: `App::new(mcp).run()`.
pub struct App {
    mcp: McpServer,
    config: Option<Config>,
}

impl App {
    /// A server for these tools, configured from the environment at start.
    pub fn new(mcp: McpServer) -> App {
        App { mcp, config: None }
    }

    /// Uses this configuration instead of the environment.
    pub fn config(mut self, config: Config) -> App {
        self.config = Some(config);
        self
    }

    /// Binds the socket and serves on a background thread.
    pub fn start(self) -> Result<RunningServer, Box<dyn Error>> {
        let mut config = match self.config {
            Some(c) => c,
            None => Config::from_env()?,
        };
        let server = Server::bind((config.host.as_str(), config.port), config.limits.clone())?;
        let addr = server.local_addr()?;
        if config.port == 0 && config.public_url == "http://localhost:0" {
            // Port 0 (tests): the public URL names the port actually bound.
            config.public_url = format!("http://localhost:{}", addr.port());
        }
        let public_url = config.public_url.clone();
        let shared = Arc::new(Shared {
            config,
            mcp: self.mcp,
        });
        let shutdown = server.shutdown_handle()?;
        let handler_state = shared.clone();
        let thread = std::thread::Builder::new()
            .name("accept".into())
            .spawn(move || {
                let handler: crate::http::server::Handler =
                    Arc::new(move |request| crate::router::route(&handler_state, request));
                server.serve(handler)
            })?;
        crate::log::event(
            "INFO",
            &format!("listening on http://{addr}, MCP endpoint {public_url}/mcp"),
        );
        Ok(RunningServer {
            addr,
            public_url,
            shutdown,
            thread,
        })
    }

    /// Binds, serves, and returns when the server is shut down.
    pub fn run(self) -> Result<(), Box<dyn Error>> {
        self.start()?.wait()
    }
}

/// A server that is serving: its address, and the means to stop it.
pub struct RunningServer {
    addr: SocketAddr,
    public_url: String,
    shutdown: ShutdownHandle,
    thread: JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    /// The socket address bound.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`: where a local client connects.
    pub fn local_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The configured public URL (the OAuth issuer).
    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// A handle that stops the server from another thread.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        self.shutdown.clone()
    }

    /// Stops accepting, lets in-flight requests finish, and waits.
    pub fn shutdown(self) -> Result<(), Box<dyn Error>> {
        self.shutdown.shutdown();
        self.wait()
    }

    /// Waits until the server stops.
    pub fn wait(self) -> Result<(), Box<dyn Error>> {
        match self.thread.join() {
            Ok(result) => Ok(result?),
            Err(_) => Err("the accept thread panicked".into()),
        }
    }
}
