//! **[7, 14, 26, 28, 30–33](crate::_documentation::flow) Token, refresh and
//! revocation steps on several instances — the Redis store (extension,
//! cargo feature `redis`).** Read [`crate::oauth::store`] first: this is a
//! second implementation of its [`Store`] trait, and adds no behaviour of its
//! own. Cloud Run runs several instances at once and spreads one user's
//! requests over them; a code spent on instance A must be spent on B too. With
//! `REDIS_URL` set (and the `redis` cargo feature built in), every instance
//! keeps the records of [`crate::oauth::store`] in one Redis — Memorystore on Google
//! Cloud — and Redis's own expiry (TTL) deletes each record when it ends.
//!
//! Each [`Store`] operation is one Redis command, atomic on the server, so
//! instances racing for the same key cannot both win:
//!
//! | operation | command |
//! |---|---|
//! | [`Store::insert_once`] (spend a code, rotate a refresh token) | `SET key 1 NX EXAT t` |
//! | [`Store::contains`], [`Store::contains_any`] (revoked?) | `EXISTS key…` |
//! | [`Store::increment`] (rate limits) | `EVAL` of `INCR`, then `EXPIREAT` if new (one script: atomic) |
//! | [`Store::count`], [`Store::get`] | `GET key` |
//! | [`Store::put`] (a secret value arrives already sealed, `ext::seal`) | `SET key value EXAT t` |
//! | [`Store::take`] (single-use upstream `state`) | `GETDEL key` |
//! | [`Store::remove`] | `DEL key` |
//!
//! Every key is prefixed with `mcp:`; give two services that share one Redis
//! different databases (`redis://host:6379/1`). Needs Redis 6.2 or newer
//! (`EXAT`, `GETDEL`); Memorystore's current versions are.
//!
//! # Failure: 503 now, service when Redis is back
//! Connections come from a small pool; each has a 500 ms connect, read and
//! write timeout, so an unreachable Redis costs a request half a second, not
//! a hung thread. Any error drops the connection (and the idle ones, which
//! are likely dead too) and is returned as a [`StoreError`], which the
//! request turns into a `503`; the next request connects afresh. Nothing is
//! cached, so there is nothing to go stale.
//!
//! A connection taken from the pool may have died while idle (Redis restarted,
//! a network device closed it). When it turns out to be gone, the command is
//! sent once more on a fresh connection. At worst the first attempt did reach
//! Redis, and the retry makes a record "more spent" (a code reported as
//! already used, a counter one higher): it can refuse a request, never let
//! a spent code or token through twice.
//!
//! # Spec
//! * Redis commands: `SET` (`NX`, `EXAT`), `EXISTS`, `INCR`, `EXPIREAT`,
//!   `EVAL`, `GET`, `GETDEL`, `DEL`, `PING` (redis.io/commands).
//!
//! # Where this sits
//! Built by [`crate::app::open_store`] from `REDIS_URL` ([`crate::Config::redis_url`]);
//! used through `Arc<dyn Store>` exactly like [`crate::oauth::store::MemoryStore`].
//! The core never names it: only the assembly ([`crate::app`]) does.
//!
//! # TLS
//! `rediss://` connects with TLS (rustls): the Redis server's certificate
//! is checked against the Mozilla roots, or against the CA in the PEM file
//! `REDIS_CA_CERT` names ([`RedisStore::open_with_ca`]; Memorystore with
//! in-transit encryption signs with a CA of its own, which you download).
//! Plain `redis://` stays for a Redis reached only over a private network.
//!
//! # Not implemented
//! * Redis Cluster/Sentinel: Memorystore's basic and standard tiers are a
//!   single endpoint.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use redis::{Client, Connection, RedisError, RedisResult};

use crate::crypto::secret::Secret;
use crate::oauth::store::{Store, StoreError};

/// Connect, read and write timeout of every Redis connection.
pub const TIMEOUT: Duration = Duration::from_millis(500);
/// Idle connections kept for reuse at most.
const MAX_IDLE: usize = 16;
/// Prefix of every key this server writes.
const PREFIX: &str = "mcp:";

/// `INCR`, and on the first increment `EXPIREAT`: the fixed-window counter of
/// [`Store::increment`], atomic because Redis runs a script without
/// interleaving other commands.
const INCREMENT: &str = "local n = redis.call('INCR', KEYS[1]) \
     if n == 1 then redis.call('EXPIREAT', KEYS[1], ARGV[1]) end \
     return n";

/// The Redis [`Store`]: a client, a small pool of connections, and the
/// address for log lines (never the password).
pub struct RedisStore {
    client: Client,
    idle: Mutex<Vec<Connection>>,
    address: String,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RedisStore({})", self.address)
    }
}

impl RedisStore {
    /// A store for `url` (`redis://[:password@]host[:port][/db]`). Only
    /// parses the URL; nothing is connected until the first operation (see
    /// [`RedisStore::ping`]).
    pub fn open(url: &Secret) -> Result<RedisStore, StoreError> {
        RedisStore::open_with_ca(url, None)
    }

    /// [`RedisStore::open`] for a `rediss://` URL whose server certificate
    /// is signed by the CA in `ca_pem` (PEM) rather than a public one.
    pub fn open_with_ca(url: &Secret, ca_pem: Option<Vec<u8>>) -> Result<RedisStore, StoreError> {
        // The URL may carry the password: it goes to the client, nowhere else.
        let url = url.expose();
        let tls = url.starts_with("rediss://");
        if !tls && !url.starts_with("redis://") {
            return Err(StoreError::new(
                "REDIS_URL must start with redis:// (or rediss:// for TLS)",
            ));
        }
        let client = match ca_pem {
            Some(root_cert) if tls => {
                let certificates = redis::TlsCertificates {
                    client_tls: None,
                    root_cert: Some(root_cert),
                };
                Client::build_with_tls(url, certificates)
            }
            Some(_) => {
                return Err(StoreError::new(
                    "REDIS_CA_CERT is set but REDIS_URL is not rediss:// (TLS)",
                ));
            }
            None => Client::open(url),
        }
        .map_err(|e| StoreError::new(format!("REDIS_URL is not a Redis URL: {e}")))?;
        let address = client.get_connection_info().addr().to_string();
        Ok(RedisStore {
            client,
            idle: Mutex::new(Vec::new()),
            address,
        })
    }

    /// `host:port` of the Redis server.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Sends `PING`: whether Redis answers now (start-up log, health checks).
    pub fn ping(&self) -> Result<(), StoreError> {
        self.run(|c| redis::cmd("PING").query::<String>(c))
            .map(|_| ())
    }

    fn idle(&self) -> MutexGuard<'_, Vec<Connection>> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn connect(&self) -> RedisResult<Connection> {
        let connection = self.client.get_connection_with_timeout(TIMEOUT)?;
        connection.set_read_timeout(Some(TIMEOUT))?;
        connection.set_write_timeout(Some(TIMEOUT))?;
        Ok(connection)
    }

    /// Runs `command` on a pooled or new connection; see the module docs for
    /// the one retry.
    fn run<T>(&self, command: impl Fn(&mut Connection) -> RedisResult<T>) -> Result<T, StoreError> {
        let pooled = self.idle().pop();
        let was_pooled = pooled.is_some();
        let result = match pooled {
            Some(mut connection) => match command(&mut connection) {
                Err(e) if was_pooled && is_gone(&e) => {
                    self.idle().clear();
                    self.connect()
                        .and_then(|mut c| command(&mut c).map(|v| (v, c)))
                }
                other => other.map(|v| (v, connection)),
            },
            None => self
                .connect()
                .and_then(|mut c| command(&mut c).map(|v| (v, c))),
        };
        match result {
            Ok((value, connection)) => {
                let mut idle = self.idle();
                if idle.len() < MAX_IDLE {
                    idle.push(connection);
                }
                Ok(value)
            }
            Err(e) => {
                self.idle().clear();
                Err(StoreError::new(format!("redis at {}: {e}", self.address)))
            }
        }
    }
}

/// The connection died while idle (as opposed to a timeout, where Redis may
/// still be working on the command).
fn is_gone(e: &RedisError) -> bool {
    e.is_connection_dropped() && !e.is_timeout()
}

fn key(k: &str) -> String {
    format!("{PREFIX}{k}")
}

/// `EXAT` refuses 0; any past time makes the record expire at once, as
/// [`crate::oauth::store::MemoryStore`] treats it.
fn at(expires_at: u64) -> u64 {
    expires_at.max(1)
}

impl Store for RedisStore {
    fn insert_once(&self, k: &str, expires_at: u64) -> Result<bool, StoreError> {
        let k = key(k);
        self.run(|c| {
            redis::cmd("SET")
                .arg(&k)
                .arg(1)
                .arg("NX")
                .arg("EXAT")
                .arg(at(expires_at))
                .query::<Option<String>>(c)
                .map(|ok| ok.is_some())
        })
    }

    fn contains(&self, k: &str) -> Result<bool, StoreError> {
        self.contains_any(&[k])
    }

    fn contains_any(&self, keys: &[&str]) -> Result<bool, StoreError> {
        if keys.is_empty() {
            return Ok(false);
        }
        let keys: Vec<String> = keys.iter().map(|k| key(k)).collect();
        self.run(|c| {
            redis::cmd("EXISTS")
                .arg(&keys)
                .query::<u64>(c)
                .map(|n| n > 0)
        })
    }

    fn increment(&self, k: &str, expires_at: u64) -> Result<u64, StoreError> {
        let k = key(k);
        self.run(|c| {
            redis::cmd("EVAL")
                .arg(INCREMENT)
                .arg(1)
                .arg(&k)
                .arg(at(expires_at))
                .query::<u64>(c)
        })
    }

    fn count(&self, k: &str) -> Result<u64, StoreError> {
        let k = key(k);
        self.run(|c| redis::cmd("GET").arg(&k).query::<Option<u64>>(c))
            .map(|n| n.unwrap_or(0))
    }

    fn put(&self, k: &str, value: &[u8], expires_at: u64) -> Result<(), StoreError> {
        let k = key(k);
        self.run(|c| {
            redis::cmd("SET")
                .arg(&k)
                .arg(value)
                .arg("EXAT")
                .arg(at(expires_at))
                .query::<()>(c)
        })
    }

    fn get(&self, k: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let k = key(k);
        self.run(|c| redis::cmd("GET").arg(&k).query::<Option<Vec<u8>>>(c))
    }

    fn take(&self, k: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let k = key(k);
        self.run(|c| redis::cmd("GETDEL").arg(&k).query::<Option<Vec<u8>>>(c))
    }

    fn remove(&self, k: &str) -> Result<(), StoreError> {
        let k = key(k);
        self.run(|c| redis::cmd("DEL").arg(&k).query::<()>(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_before_anything_connects() {
        let tls = RedisStore::open(&Secret::new("rediss://10.0.0.3:6378"));
        assert_eq!(tls.unwrap().address(), "10.0.0.3:6378");
        assert!(RedisStore::open(&Secret::new("http://10.0.0.3")).is_err());
        let plain_with_ca = RedisStore::open_with_ca(
            &Secret::new("redis://10.0.0.3"),
            Some(b"-----BEGIN CERTIFICATE-----".to_vec()),
        );
        assert!(plain_with_ca.is_err());
        let store = RedisStore::open(&Secret::new("redis://:hunter2@10.0.0.3:6379/2")).unwrap();
        assert_eq!(store.address(), "10.0.0.3:6379");
        assert!(!format!("{store:?}").contains("hunter2"));
    }

    #[test]
    fn an_unreachable_redis_is_an_error_not_a_hang_or_a_panic() {
        // A port nothing listens on: refused at once.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let store = RedisStore::open(&Secret::new(format!("redis://127.0.0.1:{port}"))).unwrap();
        let e = store.insert_once("code:x", 10).unwrap_err();
        assert!(
            e.what.starts_with(&format!("redis at 127.0.0.1:{port}:")),
            "{e}"
        );
        assert!(store.contains("x").is_err());
        assert!(store.ping().is_err());
    }
}
