//! `rediss://`: the Redis store over TLS, against a `redis-server` of this
//! test's own that speaks only TLS, with a certificate from a CA the test
//! makes with `openssl` (as Memorystore signs with a CA of its own). The
//! store works when given that CA (`REDIS_CA_CERT`), and refuses a server it
//! cannot verify (the Mozilla roots do not know this CA).
//!
//! Runs when `REDIS_TEST_URL` is set (`tests/redis/run.sh`) or in CI; needs
//! `redis-server` built with TLS and `openssl` on PATH.
#![cfg(feature = "redis")]

#[path = "support/redis.rs"]
mod redis_support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use remote_mcp::crypto::secret::Secret;
use remote_mcp::ext::redis::RedisStore;
use remote_mcp::oauth::store::{Store, now};

fn openssl(dir: &Path, args: &[&str]) {
    let status = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl is not installed");
    assert!(status.success(), "openssl {args:?}");
}

/// A CA, and a certificate for `localhost` signed by it.
fn certificates(dir: &Path) {
    let subj = |cn: &str| format!("/CN={cn}");
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            &subj("mcp-test-ca"),
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "srv.key",
            "-out",
            "srv.csr",
            "-subj",
            &subj("localhost"),
        ],
    );
    std::fs::write(
        dir.join("ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "srv.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "srv.pem",
            "-days",
            "2",
            "-extfile",
            "ext",
        ],
    );
}

struct TlsRedis(Child);

impl Drop for TlsRedis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn rediss_with_the_servers_ca_works_and_an_unknown_ca_is_refused() {
    if redis_support::test_url("rediss_with_the_servers_ca_works_and_an_unknown_ca_is_refused")
        .is_none()
    {
        return;
    }
    let dir = std::env::temp_dir().join(format!("mcp-redis-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    certificates(&dir);
    let port = redis_support::free_port();
    let child = Command::new("redis-server")
        .args([
            "--port",
            "0",
            "--tls-port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
        ])
        .args(["--tls-cert-file", "srv.pem", "--tls-key-file", "srv.key"])
        .args(["--tls-ca-cert-file", "ca.pem", "--tls-auth-clients", "no"])
        .args(["--save", "", "--appendonly", "no"])
        .current_dir(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server is not installed");
    let _redis = TlsRedis(child);
    let url = Secret::new(format!("rediss://localhost:{port}"));
    let ca = std::fs::read(dir.join("ca.pem")).unwrap();
    let store = RedisStore::open_with_ca(&url, Some(ca)).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while store.ping().is_err() {
        assert!(
            Instant::now() < deadline,
            "the TLS redis-server never answered"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let key = format!("code:tls-{}", std::process::id());
    assert!(store.insert_once(&key, now() + 60).unwrap());
    assert!(
        !store.insert_once(&key, now() + 60).unwrap(),
        "single use over TLS"
    );
    assert!(store.contains(&key).unwrap());
    // Without the CA the certificate is unknown: no connection, no data.
    let unverified = RedisStore::open(&url).unwrap();
    assert!(unverified.ping().is_err());
    assert!(unverified.contains(&key).is_err());
    // Plain redis:// to the TLS port gets nothing either.
    let plain = RedisStore::open(&Secret::new(format!("redis://localhost:{port}"))).unwrap();
    assert!(plain.ping().is_err());
    let _ = std::fs::remove_dir_all(&dir);
}
