//! **[setup](crate::_documentation::flow) Before the first arrow —
//! configuration from the environment.** Where the server listens, and the one
//! public URL from which every advertised address (the MCP resource, the OAuth
//! issuer, the 401 challenge) is built.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `PORT` | `8080` | TCP port to listen on (Cloud Run sets it) |
//! | `HOST` | `127.0.0.1` | address to bind; `0.0.0.0` in a container |
//! | `PUBLIC_URL` | `http://localhost:$PORT` | the origin clients use, no trailing slash |
//! | `MCP_ALLOWED_HOSTS` | (none) | extra `Host` values accepted, comma-separated |
//! | `MCP_ALLOWED_ORIGINS` | (none) | extra browser `Origin`s accepted, comma-separated |
//! | `MCP_MAX_CONNECTIONS` | `512` | open connections at most (`503` past that, when none is idle) |
//! | `MCP_SIGNING_KEY` | (random) | key signing tokens and client ids: ≥ 32 random characters (`openssl rand -base64 32`; short, low-variety or repetitive keys are refused); set it so tokens survive restarts and work across instances |
//! | `MCP_ACCESS_TOKEN_TTL` | `28800` (8 h) | access token lifetime, seconds (at most 10 years) |
//! | `MCP_REFRESH_TOKEN_TTL` | `2592000` (30 days) | refresh token lifetime, seconds (at most 10 years) |
//! | `MCP_GRANT_TTL` | `7776000` (90 days) | absolute lifetime of a grant: its refresh tokens stop at this age however often they are used, seconds |
//! | `MCP_CLIENT_TTL` | `7776000` (90 days) | a dynamically registered client unused (no token issued) this long must register again, seconds |
//! | `MCP_REFRESH_GRACE` | `60` | seconds during which a spent refresh token presented again by its client gets the same answer instead of revoking the grant (`0`: never) |
//! | `MCP_CLIENT_ID` / `MCP_CLIENT_SECRET` | (none) | an operator-created OAuth client (claude.ai "Advanced settings"); both or neither |
//! | `REDIS_URL` | (none: in memory) | `redis://[:password@]host[:port][/db]`, or `rediss://…` for TLS: OAuth state shared by every instance (needs the `redis` cargo feature) |
//! | `REDIS_CA_CERT` | (Mozilla roots) | with `rediss://`: a PEM file of the CA that signed the Redis server's certificate (Memorystore's own CA) |
//! | `MCP_TRUST_PROXY` | `1` when `K_SERVICE` is set (Cloud Run), else `0` | `N` ≥ 1: `N` trusted proxies in front, each appending to `X-Forwarded-For`; the client address is the `N`-th entry from the end (`1`: Cloud Run alone; `2`: a Google external load balancer in front of Cloud Run) |
//! | `ADMIN_PASSWORD` | (none) | when no provider is given in code: the password the consent form asks for ([`crate::StaticPasswordProvider`]); ≥ 12 characters, ≥ 6 different ones |
//! | `MCP_ALLOW_ANYONE` | `0` | `1`: start without sign-in (`SingleUserProvider`) even on a public `PUBLIC_URL`, so anyone can use the tools |
//!
//! # Why `PUBLIC_URL` and never the `Host` header
//! Behind Cloud Run's front end the container sees plain HTTP on `:8080`. A
//! server that builds its issuer from request headers advertises `http://…:8080`
//! (clients then refuse the metadata), and one that trusts `X-Forwarded-Host`
//! lets an attacker make it advertise their own authorization server. So the
//! issuer and the resource come from configuration only.
//!
//! # The client address behind a proxy
//! The sign-in lock-out and the registration rate limit count per client
//! address: [`Config::client_ip`] reads it from `X-Forwarded-For` only
//! behind a trusted proxy (`MCP_TRUST_PROXY`), and only the entries the
//! proxies appended; `src/config/proxy.rs` says why.
//!
//! # Open only on purpose
//! A server whose [`crate::AuthProvider`] lets anyone in
//! ([`crate::SingleUserProvider`], what you get with neither a provider in
//! code nor `ADMIN_PASSWORD`) hands a code to every stranger who reaches
//! `/authorize`. [`crate::App`] therefore starts it only on a loopback
//! `PUBLIC_URL` ([`Config::public_url_is_loopback`]) unless the operator says,
//! in a name that cannot be misread, that this is wanted: `MCP_ALLOW_ANYONE=1`
//! or [`crate::App::allow_anyone`].
//!
//! # Where this sits
//! Read once at start-up by [`crate::App`]; everything else gets a `&Config`.
//! The files: this one (the variables, [`Config`], [`Config::from_env`]),
//! and under `src/config/`: `env.rs` (reading one variable: seconds, flags,
//! lists, the public URL), `strength.rs` (the rules for `ADMIN_PASSWORD` and
//! `MCP_SIGNING_KEY`), `proxy.rs` (the client address behind a proxy) and
//! `error.rs` ([`ConfigError`]). Only what this file re-exports is public.

mod env;
mod error;
mod proxy;
mod strength;

use std::net::IpAddr;

pub use env::MAX_TTL_SECS;
use env::{flag, list, normalize_public_url, seconds};
pub use error::ConfigError;
pub use strength::{MIN_PASSWORD_CHARS, MIN_PASSWORD_DISTINCT, weak_password, weak_signing_key};

use crate::crypto::secret::Secret;
use crate::http::Limits;

/// Server configuration. Build it with [`Config::from_env`] or [`Config::local`].
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to bind, e.g. `127.0.0.1` or `0.0.0.0`.
    pub host: String,
    /// Port to bind; `0` picks a free one (tests).
    pub port: u16,
    /// The public origin, e.g. `https://my-service-xyz.run.app`, without a
    /// trailing slash. The MCP endpoint is `{public_url}/mcp`.
    pub public_url: String,
    /// `Host` header values accepted besides the public URL's host and loopback.
    pub allowed_hosts: Vec<String>,
    /// Browser `Origin` values accepted besides the public URL's origin and loopback.
    pub allowed_origins: Vec<String>,
    /// Bounds on connections, heads, bodies and time.
    pub limits: Limits,
    /// `MCP_SIGNING_KEY`: signs tokens and client ids. `None`: a random key
    /// at start-up (tokens then die with the process).
    pub signing_key: Option<Secret>,
    /// `MCP_ACCESS_TOKEN_TTL`, seconds. Hours rather than minutes, because
    /// claude.ai's refresh has been unreliable.
    pub access_token_ttl: u64,
    /// `MCP_REFRESH_TOKEN_TTL`, seconds.
    pub refresh_token_ttl: u64,
    /// `MCP_GRANT_TTL`, seconds: a grant (every token descending from one
    /// authorization code) ends this long after the code was redeemed, however
    /// often it is refreshed.
    pub grant_ttl: u64,
    /// `MCP_CLIENT_TTL`, seconds: a dynamically registered client for which
    /// no token was issued this long (since its registration or its last
    /// token) is unknown again (`401 invalid_client`, and it registers anew).
    pub client_ttl: u64,
    /// `MCP_REFRESH_GRACE`, seconds: a spent refresh token presented again
    /// within this time, before its successor was used, gets the successor
    /// again (a retry after a lost response) instead of revoking the grant.
    /// `0`: every reuse revokes.
    pub refresh_grace: u64,
    /// `MCP_CLIENT_ID`: an operator-created client.
    pub client_id: Option<String>,
    /// `MCP_CLIENT_SECRET`: its secret.
    pub client_secret: Option<Secret>,
    /// `REDIS_URL`: where the OAuth state lives when several instances share
    /// it. `None`: in this process's memory. A secret, since the URL may hold
    /// the Redis password.
    pub redis_url: Option<Secret>,
    /// `REDIS_CA_CERT`: a PEM file with the CA that signed the Redis server's
    /// certificate (`rediss://` to Memorystore, whose CA is its own). `None`:
    /// the Mozilla roots.
    pub redis_ca_cert: Option<std::path::PathBuf>,
    /// `MCP_TRUST_PROXY`: a proxy that appends the client's address to
    /// `X-Forwarded-For` is in front (Cloud Run's front end). Default: `true`
    /// when `K_SERVICE` is set, else `false`. See [`Config::client_ip`].
    pub trust_proxy: bool,
    /// `MCP_TRUST_PROXY=N`: how many trusted proxies append to
    /// `X-Forwarded-For` (default `1`); the client address is the `N`-th
    /// entry from the end. Used only when [`Config::trust_proxy`].
    pub trusted_hops: usize,
    /// `ADMIN_PASSWORD`: used by [`crate::App`] when no provider is given in
    /// code ([`crate::StaticPasswordProvider`]).
    pub admin_password: Option<Secret>,
    /// `MCP_ALLOW_ANYONE=1`: the operator wants a server without sign-in even
    /// on a public URL (see "Open only on purpose" above).
    pub allow_anyone: bool,
}

impl Config {
    /// A configuration for `127.0.0.1:port` whose public URL is
    /// `http://localhost:port` (with `port` 0 the URL is fixed up once bound).
    pub fn local(port: u16) -> Config {
        Config {
            host: "127.0.0.1".to_string(),
            port,
            public_url: format!("http://localhost:{port}"),
            allowed_hosts: Vec::new(),
            allowed_origins: Vec::new(),
            limits: Limits::default(),
            signing_key: None,
            access_token_ttl: 8 * 3600,
            refresh_token_ttl: 30 * 24 * 3600,
            refresh_grace: 60,
            grant_ttl: 90 * 24 * 3600,
            client_ttl: 90 * 24 * 3600,
            client_id: None,
            client_secret: None,
            redis_url: None,
            redis_ca_cert: None,
            trust_proxy: false,
            trusted_hops: 1,
            admin_password: None,
            allow_anyone: false,
        }
    }

    /// Reads the variables in the table above.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`Config::from_env`], reading variables through `get` (for tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let port = match get("PORT") {
            Some(p) => p.trim().parse::<u16>().map_err(|_| ConfigError {
                variable: "PORT",
                problem: format!("{p:?} is not a port number (0-65535)"),
            })?,
            None => 8080,
        };
        let mut config = Config::local(port);
        if let Some(host) = get("HOST").filter(|h| !h.trim().is_empty()) {
            config.host = host.trim().to_string();
        }
        if let Some(url) = get("PUBLIC_URL").filter(|u| !u.trim().is_empty()) {
            config.public_url = normalize_public_url(&url)?;
        }
        config.allowed_hosts = list(get("MCP_ALLOWED_HOSTS"));
        config.allowed_origins = list(get("MCP_ALLOWED_ORIGINS"));
        if let Some(n) = get("MCP_MAX_CONNECTIONS") {
            config.limits.max_connections = n
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| ConfigError {
                    variable: "MCP_MAX_CONNECTIONS",
                    problem: format!("{n:?} is not a positive number"),
                })?;
        }
        if let Some(key) = get("MCP_SIGNING_KEY").filter(|k| !k.is_empty()) {
            if let Some(weak) = weak_signing_key(&key) {
                // Never echoed: even a weak key is a secret.
                return Err(ConfigError {
                    variable: "MCP_SIGNING_KEY",
                    problem: format!(
                        "{weak}: it can mint every token, so it must be random. Make one with \
                         `openssl rand -base64 32`"
                    ),
                });
            }
            config.signing_key = Some(Secret::new(key));
        }
        config.access_token_ttl = seconds(&get, "MCP_ACCESS_TOKEN_TTL", config.access_token_ttl)?;
        config.refresh_token_ttl =
            seconds(&get, "MCP_REFRESH_TOKEN_TTL", config.refresh_token_ttl)?;
        config.grant_ttl = seconds(&get, "MCP_GRANT_TTL", config.grant_ttl)?;
        config.client_ttl = seconds(&get, "MCP_CLIENT_TTL", config.client_ttl)?;
        config.refresh_grace = match get("MCP_REFRESH_GRACE").filter(|v| v.trim() == "0") {
            Some(_) => 0,
            None => seconds(&get, "MCP_REFRESH_GRACE", config.refresh_grace)?.min(3600),
        };
        let client_id = get("MCP_CLIENT_ID").filter(|v| !v.trim().is_empty());
        let client_secret = get("MCP_CLIENT_SECRET").filter(|v| !v.is_empty());
        match (client_id, client_secret) {
            (Some(id), Some(secret)) => {
                config.client_id = Some(id.trim().to_string());
                config.client_secret = Some(Secret::new(secret));
            }
            (None, None) => {}
            _ => {
                return Err(ConfigError {
                    variable: "MCP_CLIENT_ID",
                    problem: "MCP_CLIENT_ID and MCP_CLIENT_SECRET must be set together".into(),
                });
            }
        }
        if let Some(url) = get("REDIS_URL").filter(|u| !u.trim().is_empty()) {
            let url = url.trim();
            if !url.starts_with("redis://") && !url.starts_with("rediss://") {
                // Not echoed: the value may hold a password.
                return Err(ConfigError {
                    variable: "REDIS_URL",
                    problem: "must look like redis://[:password@]host[:port][/db], \
                              or rediss://… for TLS"
                        .into(),
                });
            }
            config.redis_url = Some(Secret::new(url));
        }
        if let Some(path) = get("REDIS_CA_CERT").filter(|p| !p.trim().is_empty()) {
            config.redis_ca_cert = Some(path.trim().into());
        }
        match get("MCP_TRUST_PROXY").as_deref().map(str::trim) {
            None | Some("") => config.trust_proxy = get("K_SERVICE").is_some(),
            Some("true") => config.trust_proxy = true,
            Some("false") => config.trust_proxy = false,
            Some(n) => {
                let hops = n
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n <= 10)
                    .ok_or_else(|| ConfigError {
                        variable: "MCP_TRUST_PROXY",
                        problem: format!(
                            "{n:?} is not 0 (no proxy) or the number of trusted proxies in front (1-10)"
                        ),
                    })?;
                config.trust_proxy = hops > 0;
                config.trusted_hops = hops.max(1);
            }
        }
        if let Some(password) = get("ADMIN_PASSWORD").filter(|p| !p.is_empty()) {
            if let Some(weak) = weak_password(&password) {
                return Err(ConfigError {
                    variable: "ADMIN_PASSWORD",
                    problem: format!(
                        "{weak}: anyone who guesses it can use your tools. Use at least \
                         {MIN_PASSWORD_CHARS} characters with at least {MIN_PASSWORD_DISTINCT} \
                         different ones, e.g. four random words or `openssl rand -base64 15`"
                    ),
                });
            }
            config.admin_password = Some(Secret::new(password));
        }
        config.allow_anyone = flag(&get, "MCP_ALLOW_ANYONE")?.unwrap_or(false);
        Ok(config)
    }

    /// Whether the host of `PUBLIC_URL` is loopback (`localhost`, `127.x`,
    /// `[::1]`): only such a server may run without sign-in unless the
    /// operator allows anyone explicitly.
    pub fn public_url_is_loopback(&self) -> bool {
        let host = self.public_host();
        let name = match host.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(v6),
            None => host.rsplit_once(':').map_or(host, |(name, _port)| name),
        };
        match name.parse::<IpAddr>() {
            Ok(ip) => ip.is_loopback(),
            Err(_) => name.eq_ignore_ascii_case("localhost"),
        }
    }

    /// The MCP endpoint: `{public_url}/mcp`. It is also the OAuth resource
    /// identifier (RFC 8707) and the audience of every access token.
    pub fn mcp_url(&self) -> String {
        format!("{}/mcp", self.public_url)
    }

    /// The host (and port, if any) of the public URL, e.g. `example.run.app`.
    pub fn public_host(&self) -> &str {
        let rest = self
            .public_url
            .split_once("://")
            .map(|(_, r)| r)
            .unwrap_or(&self.public_url);
        rest.split('/').next().unwrap_or(rest)
    }

    /// Whether the bind address is a loopback address (only then may the MCP
    /// endpoint be served without authorization).
    pub fn binds_loopback(&self) -> bool {
        match self.host.parse::<std::net::IpAddr>() {
            Ok(ip) => ip.is_loopback(),
            Err(_) => self.host.eq_ignore_ascii_case("localhost"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An environment of these pairs, for `Config::from_lookup` (also used by
    /// the tests of `config`'s own files).
    pub(super) fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn defaults_are_localhost_8080() {
        let c = Config::from_lookup(env(&[])).unwrap();
        assert_eq!(c.port, 8080);
        assert_eq!(c.host, "127.0.0.1");
        assert_eq!(c.public_url, "http://localhost:8080");
        assert_eq!(c.mcp_url(), "http://localhost:8080/mcp");
    }

    #[test]
    fn public_url_loses_its_trailing_slash() {
        let c = Config::from_lookup(env(&[("PUBLIC_URL", "https://x.run.app/")])).unwrap();
        assert_eq!(c.public_url, "https://x.run.app");
        assert_eq!(c.public_host(), "x.run.app");
    }

    #[test]
    fn oauth_variables() {
        let c = Config::from_lookup(env(&[
            ("MCP_SIGNING_KEY", "0123456789abcdef0123456789abcdef"),
            ("MCP_ACCESS_TOKEN_TTL", "3600"),
            ("MCP_CLIENT_ID", "claude"),
            ("MCP_CLIENT_SECRET", "s3cret"),
        ]))
        .unwrap();
        assert!(c.signing_key.is_some());
        assert_eq!(c.access_token_ttl, 3600);
        assert_eq!(c.refresh_token_ttl, 30 * 24 * 3600);
        assert_eq!(c.client_id.as_deref(), Some("claude"));
        assert!(!format!("{c:?}").contains("s3cret"));
        assert!(c.redis_url.is_none());
        assert_eq!(
            Config::from_lookup(env(&[("MCP_SIGNING_KEY", "short")]))
                .unwrap_err()
                .variable,
            "MCP_SIGNING_KEY"
        );
        assert_eq!(
            Config::from_lookup(env(&[("MCP_CLIENT_ID", "x")]))
                .unwrap_err()
                .variable,
            "MCP_CLIENT_ID"
        );
        assert_eq!(
            Config::from_lookup(env(&[("MCP_ACCESS_TOKEN_TTL", "0")]))
                .unwrap_err()
                .variable,
            "MCP_ACCESS_TOKEN_TTL"
        );
    }

    #[test]
    fn redis_url_is_a_secret_and_must_be_redis() {
        let c =
            Config::from_lookup(env(&[("REDIS_URL", "redis://:pw-1234@10.0.0.3:6379/1")])).unwrap();
        assert_eq!(
            c.redis_url.as_ref().unwrap().expose(),
            "redis://:pw-1234@10.0.0.3:6379/1"
        );
        assert!(!format!("{c:?}").contains("pw-1234"));
        let tls = Config::from_lookup(env(&[
            ("REDIS_URL", "rediss://:pw-1234@10.0.0.3:6378"),
            ("REDIS_CA_CERT", "/secrets/redis-ca.pem"),
        ]))
        .unwrap();
        assert!(tls.redis_url.is_some());
        assert_eq!(
            tls.redis_ca_cert.unwrap().to_str(),
            Some("/secrets/redis-ca.pem")
        );
        let e = Config::from_lookup(env(&[("REDIS_URL", "http://:pw-1234@10.0.0.3")])).unwrap_err();
        assert_eq!(e.variable, "REDIS_URL");
        assert!(!e.to_string().contains("pw-1234"));
    }

    #[test]
    fn the_proxy_is_trusted_on_cloud_run_or_when_asked() {
        let trust = |pairs: &[(&str, &str)]| Config::from_lookup(env(pairs)).unwrap().trust_proxy;
        assert!(!trust(&[]));
        assert!(trust(&[("K_SERVICE", "my-service")]));
        assert!(trust(&[("MCP_TRUST_PROXY", "1")]));
        assert!(!trust(&[
            ("K_SERVICE", "my-service"),
            ("MCP_TRUST_PROXY", "0")
        ]));
        let two = Config::from_lookup(env(&[("MCP_TRUST_PROXY", "2")])).unwrap();
        assert!(two.trust_proxy && two.trusted_hops == 2);
        assert_eq!(
            Config::from_lookup(env(&[("MCP_TRUST_PROXY", "yes")]))
                .unwrap_err()
                .variable,
            "MCP_TRUST_PROXY"
        );
    }

    #[test]
    fn the_admin_password_and_allow_anyone_come_from_the_environment() {
        let c = Config::from_lookup(env(&[
            ("ADMIN_PASSWORD", "correct horse battery staple"),
            ("MCP_ALLOW_ANYONE", "1"),
        ]))
        .unwrap();
        assert!(c.admin_password.is_some() && c.allow_anyone);
        assert!(!format!("{c:?}").contains("horse"));
        let c = Config::from_lookup(env(&[])).unwrap();
        assert!(c.admin_password.is_none() && !c.allow_anyone);
        assert_eq!(
            Config::from_lookup(env(&[("MCP_ALLOW_ANYONE", "yes")]))
                .unwrap_err()
                .variable,
            "MCP_ALLOW_ANYONE"
        );
    }

    #[test]
    fn loopback_public_urls() {
        let mut c = Config::local(0);
        for (url, loopback) in [
            ("http://localhost:8080", true),
            ("http://127.0.0.1:3000", true),
            ("http://[::1]:3000", true),
            ("http://LOCALHOST", true),
            ("https://x.run.app", false),
            ("http://192.168.1.5:8080", false),
            ("http://localhost.evil.example", false),
            ("http://[2001:db8::1]:80", false),
        ] {
            c.public_url = url.into();
            assert_eq!(c.public_url_is_loopback(), loopback, "{url}");
        }
    }

    #[test]
    fn bad_values_name_the_variable() {
        assert_eq!(
            Config::from_lookup(env(&[("PORT", "http")]))
                .unwrap_err()
                .variable,
            "PORT"
        );
        assert_eq!(
            Config::from_lookup(env(&[("PUBLIC_URL", "x.run.app")]))
                .unwrap_err()
                .variable,
            "PUBLIC_URL"
        );
    }
}
