//! **[setup](crate::_documentation::flow) Before the first arrow — wiring.**
//! [`App`] puts an [`McpServer`] (your tools), a [`Config`] and the
//! authorization settings together, binds the socket and serves. This is the
//! seed's `create_app(mcp=mcp)`.
//!
//! ```no_run
//! use mcp_server::{App, McpServer};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mcp = McpServer::new("my-service");
//! App::new(mcp).run()
//! # }
//! ```
//!
//! Who may call the tools is decided by an [`AuthProvider`]
//! ([`App::provider`]; [`SingleUserProvider`] when none is given). For local
//! tests only, [`App::without_auth`] serves `/mcp` with no authorization at
//! all, and refuses to start unless bound to a loopback address.
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
use crate::oauth::cimd::{Cimd, CimdError, Fetched};
use crate::oauth::provider::{AuthProvider, SingleUserProvider};
use crate::oauth::store::{MemoryStore, Store};
use crate::oauth::tokens::SigningKey;
use crate::oauth::{OAuth, Settings};

/// Everything a request handler may read: built once, shared by all threads.
pub struct Shared {
    /// The configuration (public URL, limits, allowed hosts).
    pub config: Config,
    /// The tools, resources and prompts.
    pub mcp: McpServer,
    /// The authorization server (signing key, store, provider); `None` under
    /// [`App::without_auth`].
    pub oauth: Option<OAuth>,
}

/// A server under construction: `App::new(mcp).run()`.
pub struct App {
    mcp: McpServer,
    config: Option<Config>,
    provider: Option<Box<dyn AuthProvider>>,
    store: Option<Arc<dyn Store>>,
    cimd: Option<Cimd>,
    scopes: Option<(Vec<String>, Vec<String>)>,
    without_auth: bool,
}

impl App {
    /// A server for these tools, configured from the environment at start.
    pub fn new(mcp: McpServer) -> App {
        App {
            mcp,
            config: None,
            provider: None,
            store: None,
            cimd: None,
            scopes: None,
            without_auth: false,
        }
    }

    /// Who may approve authorizations: e.g. [`crate::StaticPasswordProvider`].
    /// Default: [`SingleUserProvider`] (with a start-up warning).
    pub fn provider(mut self, provider: impl AuthProvider + 'static) -> App {
        self.provider = Some(Box::new(provider));
        self
    }

    /// The OAuth state store (default: a fresh [`MemoryStore`]). Give several
    /// servers the same store to share spent codes and revocations.
    pub fn store(mut self, store: Arc<dyn Store>) -> App {
        self.store = Some(store);
        self
    }

    /// Scopes advertised, and scopes an access token needs for `/mcp`
    /// (default: `["mcp"]` and `["mcp"]`).
    pub fn scopes(mut self, supported: &[&str], required: &[&str]) -> App {
        let owned = |s: &[&str]| s.iter().map(|x| x.to_string()).collect();
        self.scopes = Some((owned(supported), owned(required)));
        self
    }

    /// Replaces the network fetch of Client ID Metadata Documents (tests and
    /// offline deployments); the URL checks and document validation still apply.
    pub fn client_metadata_fetcher(
        mut self,
        fetch: impl Fn(&str) -> Result<Fetched, CimdError> + Send + Sync + 'static,
    ) -> App {
        self.cimd = Some(Cimd::with_fetcher(fetch));
        self
    }

    /// Serves `/mcp` with no authorization at all (the conformance suite
    /// connects without tokens). [`App::start`] refuses unless the bind
    /// address is loopback ([`Config::binds_loopback`]).
    pub fn without_auth(mut self) -> App {
        self.without_auth = true;
        self
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
        if self.without_auth && !config.binds_loopback() {
            return Err(format!(
                "App::without_auth() serves /mcp to anyone, so it only binds a loopback address; HOST is {:?}",
                config.host
            )
            .into());
        }
        let server = Server::bind((config.host.as_str(), config.port), config.limits.clone())?;
        let addr = server.local_addr()?;
        if config.port == 0 && config.public_url == "http://localhost:0" {
            // Port 0 (tests): the public URL names the port actually bound.
            config.public_url = format!("http://localhost:{}", addr.port());
        }
        let public_url = config.public_url.clone();
        let oauth = if self.without_auth {
            crate::log::event(
                "WARNING",
                "authorization is OFF (App::without_auth): loopback only",
            );
            None
        } else {
            let mut settings = Settings::from_config(&config, &self.mcp.name);
            if let Some((supported, required)) = self.scopes {
                settings.scopes_supported = supported;
                settings.required_scopes = required;
            }
            Some(OAuth {
                key: signing_key(&config),
                provider: self
                    .provider
                    .unwrap_or_else(|| Box::new(SingleUserProvider::new())),
                store: self.store.unwrap_or_else(|| Arc::new(MemoryStore::new())),
                cimd: self.cimd.unwrap_or_default(),
                settings,
            })
        };
        if let Some(oauth) = &oauth {
            let severity = if oauth.provider.asks_password() {
                "INFO"
            } else {
                "WARNING"
            };
            crate::log::event(severity, &oauth.provider.describe());
        }
        let mut mcp = self.mcp;
        if let Some(secret) = &config.signing_key {
            // Instances sharing MCP_SIGNING_KEY also accept each other's 2026-07-28 requestState.
            mcp.default_state_key(&SigningKey::from_secret(secret).mac("mcp-request-state", b""));
        }
        let shared = Arc::new(Shared { config, mcp, oauth });
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

/// The key from `MCP_SIGNING_KEY`, or a random one and a warning saying what
/// that costs.
fn signing_key(config: &Config) -> SigningKey {
    match &config.signing_key {
        Some(secret) => SigningKey::from_secret(secret),
        None => {
            crate::log::event(
                "WARNING",
                "MCP_SIGNING_KEY is not set: using a random key. Access tokens, refresh tokens and \
                 client registrations will stop working when this process restarts, and other \
                 instances will not accept them (users must connect again). Set MCP_SIGNING_KEY to \
                 32+ random characters, e.g. `openssl rand -base64 32`.",
            );
            SigningKey::generate()
        }
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
