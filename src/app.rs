//! **[setup](crate::_documentation::flow) Before the first arrow — wiring.**
//! [`App`] puts an [`McpServer`] (your tools), a [`Config`] and the
//! authorization settings together, binds the socket and serves: the one
//! call that turns your tools into a server claude.ai can connect to.
//!
//! ```no_run
//! use remote_mcp::{App, McpServer};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mcp = McpServer::new("my-service");
//! App::new(mcp).run()
//! # }
//! ```
//!
//! Where the OAuth state lives is decided here too: the store given to
//! [`App::store`]; else [`open_store`]: Redis when `REDIS_URL` is set (the
//! `ext::redis` extension, built with the `redis` cargo feature; without it,
//! start-up fails and says so); else memory.
//!
//! [`App::run`] also owns the end of the server's life: SIGTERM (Cloud Run
//! stopping an instance, 10 s before SIGKILL) or SIGINT (Ctrl-C) stops
//! accepting, lets requests in flight finish (at most
//! [`crate::http::Limits::shutdown_grace`], 8 s), and returns, so the process
//! exits 0.
//!
//! Who may call the tools is decided by an [`AuthProvider`]: the one given to
//! [`App::provider`]; else, when `ADMIN_PASSWORD` is set, a
//! [`StaticPasswordProvider`] asking for it (so `App::new(mcp).run()` is
//! protected by that variable alone); else [`SingleUserProvider`], which
//! lets anyone in and therefore starts only on a loopback `PUBLIC_URL` unless
//! the operator sets `MCP_ALLOW_ANYONE=1` or calls [`App::allow_anyone`]
//! ([`crate::config`], "Open only on purpose"). For local tests only, [`App::without_auth`] serves `/mcp` with no authorization at
//! all, and refuses to start unless bound to a loopback address.
//!
//! # Where this sits
//! Builds the [`Shared`] state that [`crate::router`] hands to every handler.

use std::error::Error;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::config::Config;
use crate::crypto::secret::Secret;
use crate::crypto::signing::SigningKey;
use crate::ext::cimd::{Cimd, CimdError, Fetched};
use crate::http::{Server, ShutdownHandle};
use crate::mcp::McpServer;
use crate::oauth::client::ClientDocuments;
use crate::oauth::provider::{AuthProvider, SingleUserProvider, StaticPasswordProvider};
use crate::oauth::store::{MemoryStore, Store};
use crate::oauth::{OAuth, Settings};
pub use crate::shared::Shared;

/// A server under construction: `App::new(mcp).run()`.
pub struct App {
    mcp: McpServer,
    config: Option<Config>,
    provider: Option<Box<dyn AuthProvider>>,
    store: Option<Arc<dyn Store>>,
    /// `None`: the default ([`Cimd`]); `Some(None)`: none at all.
    client_documents: Option<Option<Box<dyn ClientDocuments>>>,
    scopes: Option<(Vec<String>, Vec<String>)>,
    without_auth: bool,
    allow_anyone: bool,
}

impl App {
    /// A server for these tools, configured from the environment at start.
    pub fn new(mcp: McpServer) -> App {
        App {
            mcp,
            config: None,
            provider: None,
            store: None,
            client_documents: None,
            scopes: None,
            without_auth: false,
            allow_anyone: false,
        }
    }

    /// Who may approve authorizations: e.g. [`crate::StaticPasswordProvider`].
    /// Default: a [`StaticPasswordProvider`] when `ADMIN_PASSWORD` is set, else
    /// [`SingleUserProvider`] (loopback only, unless [`App::allow_anyone`]).
    pub fn provider(mut self, provider: impl AuthProvider + 'static) -> App {
        self.provider = Some(Box::new(provider));
        self
    }

    /// The OAuth state store. Default: Redis when `REDIS_URL` is set (with the
    /// `redis` feature), else a fresh [`crate::oauth::store::MemoryStore`]. Give several servers
    /// the same store to share spent codes and revocations.
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
        self.client_documents = Some(Some(Box::new(Cimd::with_fetcher(fetch))));
        self
    }

    /// Where an https `client_id` (a Client ID Metadata Document) is
    /// resolved. Default: [`Cimd`] (`ext::cimd`: a cache, a fetch fenced
    /// against SSRF, claude.ai's document pinned).
    pub fn client_documents(mut self, documents: impl ClientDocuments + 'static) -> App {
        self.client_documents = Some(Some(Box::new(documents)));
        self
    }

    /// Accepts no Client ID Metadata Documents: an https `client_id` is
    /// unknown, and the discovery metadata no longer offers them
    /// (`client_id_metadata_document_supported: false`); clients register
    /// (`POST /register`) instead.
    pub fn without_client_documents(mut self) -> App {
        self.client_documents = Some(None);
        self
    }

    /// Serves `/mcp` with no authorization at all (the conformance suite
    /// connects without tokens). [`App::start`] refuses unless the bind
    /// address is loopback ([`Config::binds_loopback`]).
    pub fn without_auth(mut self) -> App {
        self.without_auth = true;
        self
    }

    /// Lets a provider that admits anyone ([`SingleUserProvider`]) start on a
    /// public `PUBLIC_URL`: every stranger who finds the URL can then call the
    /// tools. The same as `MCP_ALLOW_ANYONE=1`. Say so only when something
    /// else guards the server (Cloud Run IAM, a VPN) or the tools are public.
    pub fn allow_anyone(mut self) -> App {
        self.allow_anyone = true;
        self
    }

    /// Uses this configuration instead of the environment.
    pub fn config(mut self, config: Config) -> App {
        self.config = Some(config);
        self
    }

    /// Binds the socket and serves on a background thread.
    pub fn start(self) -> Result<RunningServer, Box<dyn Error>> {
        let Bound {
            server,
            handler,
            addr,
            public_url,
            shutdown,
            ..
        } = self.bind()?;
        let thread = std::thread::Builder::new()
            .name("accept".into())
            .spawn(move || server.serve(handler))?;
        log_listening(addr, &public_url);
        Ok(RunningServer {
            addr,
            public_url,
            shutdown,
            thread,
        })
    }

    /// Binds and serves until SIGTERM or SIGINT, then shuts down gracefully
    /// (see the module docs) and returns.
    pub fn run(self) -> Result<(), Box<dyn Error>> {
        let Bound {
            server,
            handler,
            addr,
            public_url,
            shutdown,
            grace,
        } = self.bind()?;
        log_listening(addr, &public_url);
        stop_on_signals(shutdown, grace)?;
        // The accept loop runs on this thread, which is already running:
        // between `listen` and the first `accept` no thread has to be
        // started and scheduled (cold start, docs/PERFORMANCE.md).
        server.serve(handler)?;
        crate::log::event("INFO", "shut down cleanly");
        Ok(())
    }

    /// Builds everything a request handler reads — the configuration (from
    /// the environment unless [`App::config`] gave one), the sign-in
    /// provider, the store, the signing key, your tools — exactly as
    /// [`App::run`] does, but binds no socket. Hand the result and a
    /// [`crate::http::Request`] to [`crate::router::route`] to run the whole
    /// flow in memory (the crate root's example does).
    pub fn build(self) -> Result<Arc<Shared>, Box<dyn Error>> {
        let config = self.configuration()?;
        Ok(Arc::new(self.assemble(config)?))
    }

    /// Builds everything, then binds the socket (not yet accepting).
    fn bind(self) -> Result<Bound, Box<dyn Error>> {
        let mut config = self.configuration()?;
        // The socket is bound as late as possible (below, after everything
        // else is built): from `listen` on, a client can connect, and it
        // waits until the accept loop first calls `accept`. Only port 0
        // (tests) binds first, because the public URL must name the port
        // actually bound. docs/PERFORMANCE.md, "Cold start".
        let mut early = None;
        if config.port == 0 {
            let server = Server::bind((config.host.as_str(), 0), config.limits.clone())?;
            if config.public_url == "http://localhost:0" {
                config.public_url = format!("http://localhost:{}", server.local_addr()?.port());
            }
            early = Some(server);
        }
        let shared = Arc::new(self.assemble(config)?);
        let config = &shared.config;
        let server = match early {
            Some(server) => server,
            None => Server::bind((config.host.as_str(), config.port), config.limits.clone())?,
        };
        let addr = server.local_addr()?;
        let public_url = config.public_url.clone();
        let grace = config.limits.shutdown_grace;
        let shutdown = server.shutdown_handle()?;
        let handler: crate::http::server::Handler =
            Arc::new(move |request| crate::router::route(&shared, request));
        Ok(Bound {
            server,
            handler,
            addr,
            public_url,
            shutdown,
            grace,
        })
    }

    /// The configuration ([`App::config`]'s, else the environment's), once
    /// it is known not to be what must never start: authorization off on a
    /// non-loopback address.
    fn configuration(&self) -> Result<Config, Box<dyn Error>> {
        let config = match &self.config {
            Some(c) => c.clone(),
            None => Config::from_env()?,
        };
        if self.without_auth && !config.binds_loopback() {
            return Err(format!(
                "App::without_auth() serves /mcp to anyone, so it only binds a loopback address; HOST is {:?}",
                config.host
            )
            .into());
        }
        Ok(config)
    }

    /// Puts the provider, the store, the keys and your tools together.
    fn assemble(self, config: Config) -> Result<Shared, Box<dyn Error>> {
        let provider: Box<dyn AuthProvider> = match (self.provider, &config.admin_password) {
            (Some(provider), _) => provider,
            (None, Some(password)) => {
                Box::new(StaticPasswordProvider::from_secret(password.clone()))
            }
            (None, None) => Box::new(SingleUserProvider::new()),
        };
        let open = !self.without_auth && provider.admits_anyone();
        if open && !config.public_url_is_loopback() && !(self.allow_anyone || config.allow_anyone) {
            // A public server that issues codes to strangers is almost always
            // a forgotten ADMIN_PASSWORD, not a wish: refuse, and say how.
            return Err(format!(
                "refusing to start: PUBLIC_URL {} is public and nobody has to sign in, so \
                 anyone who finds it could call your tools. Set ADMIN_PASSWORD (a password \
                 form guards /authorize), give App::provider(...) a real sign-in, or, if \
                 anyone may really use this server, set MCP_ALLOW_ANYONE=1 (or call \
                 App::allow_anyone())",
                config.public_url
            )
            .into());
        }
        // MCP_SIGNING_KEY, built once: it signs tokens, and a key is derived
        // from it for 2026-07-28 requestState.
        let configured_key = config.signing_key.as_ref().map(SigningKey::from_secret);
        let oauth = if self.without_auth {
            crate::log::event(
                "WARNING",
                "authorization is OFF (App::without_auth): loopback only",
            );
            None
        } else {
            let store = state_store(self.store, &config)?;
            let mut settings = Settings::from_config(&config, &self.mcp.name);
            if let Some((supported, required)) = self.scopes {
                settings.scopes_supported = supported;
                settings.required_scopes = required;
            }
            Some(OAuth {
                key: signing_key(configured_key.clone()),
                provider,
                store,
                client_documents: self
                    .client_documents
                    .unwrap_or_else(|| Some(Box::new(Cimd::default()))),
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
        // The advanced layers, on by default: the 2026-07-28 era on the same
        // endpoint, and resources and prompts (the core serves tools alone).
        crate::ext::era_2026::install(&mut mcp);
        crate::ext::capabilities::install(&mut mcp);
        if let Some(key) = &configured_key {
            // Instances sharing MCP_SIGNING_KEY also accept each other's 2026-07-28 requestState.
            mcp.default_state_key(key.derive("mcp-request-state"));
        }
        Ok(Shared {
            config,
            mcp: Arc::new(mcp),
            oauth,
        })
    }
}

/// A server built and bound, not yet accepting.
struct Bound {
    server: Server,
    handler: crate::http::server::Handler,
    addr: SocketAddr,
    public_url: String,
    shutdown: ShutdownHandle,
    grace: Duration,
}

fn log_listening(addr: SocketAddr, public_url: &str) {
    crate::log::event(
        "INFO",
        &format!("listening on http://{addr}, MCP endpoint {public_url}/mcp"),
    );
}

/// The state store: the one given to [`App::store`], else the one the
/// configuration asks for ([`open_store`]).
fn state_store(
    given: Option<Arc<dyn Store>>,
    config: &Config,
) -> Result<Arc<dyn Store>, Box<dyn Error>> {
    match given {
        Some(store) => Ok(store),
        None => open_store(config),
    }
}

/// The store a server uses, from its configuration: Redis when `REDIS_URL`
/// is set (the `ext::redis` extension, with the `redis` cargo feature;
/// without it this fails and says so), else a [`MemoryStore`].
/// [`crate::App`] calls it when [`crate::App::store`] was not given; call it
/// yourself when a provider needs the same store, e.g. the upstream sign-in
/// (`Sealed::new(open_store(&config)?, SealKey::from_config(&config))`,
/// `ext::seal`).
pub fn open_store(config: &Config) -> Result<Arc<dyn Store>, Box<dyn Error>> {
    match &config.redis_url {
        Some(url) => open_redis(url, config.redis_ca_cert.as_deref()),
        None => {
            crate::log::event(
                "INFO",
                "OAuth state (spent codes, refresh rotation, revocations) is kept in memory: \
                 run one instance, or set REDIS_URL to share it between instances",
            );
            Ok(Arc::new(MemoryStore::new()))
        }
    }
}

#[cfg(feature = "redis")]
fn open_redis(
    url: &Secret,
    ca_cert: Option<&std::path::Path>,
) -> Result<Arc<dyn Store>, Box<dyn Error>> {
    let ca_pem = match ca_cert {
        Some(path) => Some(
            std::fs::read(path).map_err(|e| format!("REDIS_CA_CERT {}: {e}", path.display()))?,
        ),
        None => None,
    };
    let store = crate::ext::redis::RedisStore::open_with_ca(url, ca_pem)?;
    // A Redis that is not up yet is no reason to crash-loop: requests that
    // need it get 503 until it answers.
    match store.ping() {
        Ok(()) => crate::log::event(
            "INFO",
            &format!("OAuth state is kept in Redis at {}", store.address()),
        ),
        Err(e) => crate::log::event(
            "WARNING",
            &format!(
                "OAuth state goes to Redis, which does not answer yet ({e}); \
                 requests that need it get 503 until it does"
            ),
        ),
    }
    Ok(Arc::new(store))
}

#[cfg(not(feature = "redis"))]
fn open_redis(
    _url: &Secret,
    _ca_cert: Option<&std::path::Path>,
) -> Result<Arc<dyn Store>, Box<dyn Error>> {
    Err(
        "REDIS_URL is set, but this server was built without the `redis` cargo feature. \
         Build it with `cargo build --features redis` (Docker: `--build-arg FEATURES=redis`; \
         ./deploy.sh does this when REDIS_URL is given), or unset REDIS_URL to keep the \
         OAuth state in memory."
            .into(),
    )
}

/// Turns the first SIGTERM or SIGINT into [`ShutdownHandle::shutdown`], on a
/// thread of its own (a signal handler itself may do almost nothing). A
/// second signal exits at once, for the developer pressing Ctrl-C twice.
#[cfg(unix)]
fn stop_on_signals(handle: ShutdownHandle, grace: Duration) -> Result<(), Box<dyn Error>> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGINT])?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            let mut received = signals.forever();
            let name = |signal| {
                if signal == SIGTERM {
                    "SIGTERM"
                } else {
                    "SIGINT"
                }
            };
            if let Some(signal) = received.next() {
                crate::log::event(
                    "INFO",
                    &format!(
                        "{}: shutting down: no new connections; requests in flight get up to {} s",
                        name(signal),
                        grace.as_secs()
                    ),
                );
                handle.shutdown();
            }
            if let Some(signal) = received.next() {
                crate::log::event(
                    "WARNING",
                    &format!("{} again: exiting without waiting", name(signal)),
                );
                std::process::exit(128 + signal);
            }
        })?;
    Ok(())
}

#[cfg(not(unix))]
fn stop_on_signals(_handle: ShutdownHandle, _grace: Duration) -> Result<(), Box<dyn Error>> {
    Ok(())
}

/// The key from `MCP_SIGNING_KEY`, or a random one and a warning saying what
/// that costs.
fn signing_key(configured: Option<SigningKey>) -> SigningKey {
    match configured {
        Some(key) => key,
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
