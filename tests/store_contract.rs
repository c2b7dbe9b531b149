//! The [`Store`] contract: one suite of assertions, run against every backend
//! through `&dyn Store` — [`MemoryStore`] always, the Redis store with
//! `--features redis` against the Redis named by `REDIS_TEST_URL` (see
//! `tests/redis/run.sh`). Whatever the OAuth code relies on is here: single
//! use under races, expiry, fixed-window counters, values, take-once.
//!
//! Each run works under a random key namespace, so runs against a shared
//! Redis never see each other's records.

#[path = "support/redis.rs"]
mod redis_support;

use std::sync::Arc;
use std::thread;
use std::time::Duration;

use remote_mcp::crypto::secret::{Secret, random_id};
use remote_mcp::ext::seal::{SealKey, Sealed};
use remote_mcp::oauth::store::{MemoryStore, Store, now};

/// Every assertion of the contract, against `store`.
fn contract(store: Arc<dyn Store>) {
    let ns = random_id();
    let k = |name: &str| format!("test:{ns}:{name}");
    let s = store.as_ref();

    // ── insert_once: the first call wins, later ones see it ──
    assert!(s.insert_once(&k("code:a"), now() + 60).unwrap());
    assert!(!s.insert_once(&k("code:a"), now() + 60).unwrap());
    assert!(s.contains(&k("code:a")).unwrap());
    assert!(!s.contains(&k("code:b")).unwrap());

    // ── an already-expired record is absent, and can be created again ──
    assert!(s.insert_once(&k("old"), now() - 1).unwrap());
    assert!(!s.contains(&k("old")).unwrap());
    assert!(s.insert_once(&k("old"), now() + 60).unwrap());
    assert!(
        s.insert_once(&k("zero"), 0).unwrap(),
        "expiry 0 is the past"
    );
    assert!(!s.contains(&k("zero")).unwrap());

    // ── contains_any: one round trip for "token or family revoked?" ──
    assert!(!s.contains_any(&[]).unwrap());
    assert!(!s.contains_any(&[&k("none1"), &k("none2")]).unwrap());
    assert!(s.contains_any(&[&k("none1"), &k("code:a")]).unwrap());

    // ── counters: count within the window; a dead window counts nothing ──
    assert_eq!(s.increment(&k("rate"), now() + 60).unwrap(), 1);
    assert_eq!(s.increment(&k("rate"), now() + 60).unwrap(), 2);
    assert_eq!(s.increment(&k("rate"), now() + 60).unwrap(), 3);
    assert_eq!(s.count(&k("rate")).unwrap(), 3);
    assert_eq!(s.count(&k("rate-none")).unwrap(), 0);
    assert_eq!(s.increment(&k("rate-old"), now() - 1).unwrap(), 1);
    assert_eq!(s.count(&k("rate-old")).unwrap(), 0);

    // ── values: put replaces, get reads, take reads once, remove deletes ──
    let bytes: Vec<u8> = (0..=255u8).collect();
    s.put(&k("v"), &bytes, now() + 60).unwrap();
    assert_eq!(s.get(&k("v")).unwrap().as_deref(), Some(&bytes[..]));
    s.put(&k("v"), b"second", now() + 60).unwrap();
    assert_eq!(s.get(&k("v")).unwrap().as_deref(), Some(&b"second"[..]));
    assert_eq!(s.take(&k("v")).unwrap().as_deref(), Some(&b"second"[..]));
    assert_eq!(s.take(&k("v")).unwrap(), None);
    assert_eq!(s.get(&k("v")).unwrap(), None);
    s.put(&k("w"), b"x", now() + 60).unwrap();
    assert!(s.contains(&k("w")).unwrap());
    s.remove(&k("w")).unwrap();
    assert_eq!(s.get(&k("w")).unwrap(), None);
    s.remove(&k("never-there")).unwrap();
    s.put(&k("dead"), b"x", now() - 1).unwrap();
    assert_eq!(s.get(&k("dead")).unwrap(), None);
    assert_eq!(s.take(&k("dead")).unwrap(), None);
    assert_eq!(s.get(&k("absent")).unwrap(), None);

    // ── secret values: sealed before the backend sees them, bound to their key ──
    // (`ext::seal::Sealed` over this very backend: the store only sees bytes.)
    let sealed = Sealed::new(store.clone(), SealKey::random());
    let token = Secret::new("gho_16C7e42F292c6912E7710c838347Ae178B4a");
    sealed
        .put_secret(&k("upstream-token:u"), &token, now() + 60)
        .unwrap();
    let raw = s.get(&k("upstream-token:u")).unwrap().unwrap();
    assert!(
        !raw.windows(4).any(|w| w == b"gho_"),
        "the backend holds it sealed"
    );
    let back = sealed.get_secret(&k("upstream-token:u")).unwrap().unwrap();
    assert!(token.matches(back.expose()));
    s.put(&k("upstream-token:v"), &raw, now() + 60).unwrap();
    assert!(
        sealed.get_secret(&k("upstream-token:v")).unwrap().is_none(),
        "moved: does not open"
    );
    assert!(
        sealed
            .take_secret(&k("upstream-token:u"))
            .unwrap()
            .is_some()
    );
    assert!(
        sealed
            .take_secret(&k("upstream-token:u"))
            .unwrap()
            .is_none()
    );
    assert!(
        sealed
            .get_secret(&k("upstream-token:none"))
            .unwrap()
            .is_none()
    );

    // ── races: exactly one winner, and no lost increments ──
    let racers = 8;
    let threads: Vec<_> = (0..racers)
        .map(|_| {
            let store = store.clone();
            let (spend, rate) = (k("race:spend"), k("race:rate"));
            thread::spawn(move || {
                let won = store.insert_once(&spend, now() + 60).unwrap();
                for _ in 0..25 {
                    store.increment(&rate, now() + 60).unwrap();
                }
                won
            })
        })
        .collect();
    let winners = threads
        .into_iter()
        .map(|t| t.join().unwrap())
        .filter(|won| *won)
        .count();
    assert_eq!(winners, 1, "one code, spent once");
    assert_eq!(s.count(&k("race:rate")).unwrap(), 25 * racers as u64);
    // Takers race with the put: whoever comes after it gets the value, and
    // only one of them does (a leftover is taken here, also exactly once).
    let takers: Vec<_> = (0..racers)
        .map(|_| {
            let store = store.clone();
            let key = k("race:value");
            thread::spawn(move || store.take(&key).unwrap())
        })
        .collect();
    s.put(&k("race:value"), b"once", now() + 60).unwrap();
    let mut taken: usize = takers
        .into_iter()
        .map(|t| usize::from(t.join().unwrap().is_some()))
        .sum();
    taken += usize::from(s.take(&k("race:value")).unwrap().is_some());
    assert_eq!(taken, 1, "put once, taken exactly once");

    // ── expiry in real time: records die when their time comes ──
    let soon = now() + 1;
    assert!(s.insert_once(&k("soon"), soon).unwrap());
    s.put(&k("soon-v"), b"x", soon).unwrap();
    assert_eq!(s.increment(&k("soon-rate"), soon).unwrap(), 1);
    // An existing counter keeps its window: a later expiry does not extend it.
    assert_eq!(s.increment(&k("soon-rate"), soon + 100).unwrap(), 2);
    assert!(s.contains(&k("soon")).unwrap());
    while now() <= soon {
        thread::sleep(Duration::from_millis(100));
    }
    assert!(!s.contains(&k("soon")).unwrap());
    assert_eq!(s.get(&k("soon-v")).unwrap(), None);
    assert_eq!(s.count(&k("soon-rate")).unwrap(), 0);
    assert!(s.insert_once(&k("soon"), now() + 60).unwrap());
}

#[test]
fn the_memory_store_keeps_the_contract() {
    contract(Arc::new(MemoryStore::new()));
}

#[test]
fn the_memory_store_deletes_expired_records_not_only_hides_them() {
    // Swept on every write, so the test need not wait a minute.
    let store = MemoryStore::with_sweep_interval(0);
    let soon = now() + 1;
    store.insert_once("code:a", soon).unwrap();
    store.put("upstream:x", b"sealed", soon).unwrap();
    store.increment("rate:x", soon).unwrap();
    store.insert_once("code:b", now() + 60).unwrap();
    assert_eq!(store.len(), 4);
    while now() <= soon {
        thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(store.len(), 4, "reads do not sweep; the next write does");
    store.insert_once("code:c", now() + 60).unwrap();
    assert_eq!(store.len(), 2, "only the live records remain");
    assert!(store.contains("code:b").unwrap());
}

#[test]
fn the_memory_store_stays_bounded_under_churn() {
    // 10,000 spent codes that each live a second: after they expire, the
    // next write leaves only what is alive.
    let store = MemoryStore::with_sweep_interval(0);
    let soon = now() + 1;
    for i in 0..10_000 {
        store.insert_once(&format!("code:{i}"), soon).unwrap();
    }
    while now() <= soon {
        thread::sleep(Duration::from_millis(100));
    }
    store.insert_once("code:last", now() + 60).unwrap();
    assert_eq!(store.len(), 1);
}

#[cfg(feature = "redis")]
mod redis_backend {
    use super::*;
    use remote_mcp::ext::redis::RedisStore;

    #[test]
    fn the_redis_store_keeps_the_contract() {
        let Some(url) = redis_support::test_url("the_redis_store_keeps_the_contract") else {
            return;
        };
        contract(Arc::new(
            RedisStore::open(&Secret::new(url.as_str())).unwrap(),
        ));
    }

    #[test]
    fn redis_records_carry_a_ttl_and_use_the_mcp_prefix() {
        let Some(url) = redis_support::test_url("redis_records_carry_a_ttl") else {
            return;
        };
        let store = RedisStore::open(&Secret::new(url.as_str())).unwrap();
        let ns = random_id();
        let key = format!("test:{ns}:ttl");
        store.insert_once(&key, now() + 100).unwrap();
        store.put(&format!("{key}-v"), b"x", now() + 100).unwrap();
        store.increment(&format!("{key}-n"), now() + 100).unwrap();
        // Read the TTLs with a client of our own, not through the code under test.
        let client = redis::Client::open(url.as_str()).unwrap();
        let mut con = client.get_connection().unwrap();
        for k in [key.clone(), format!("{key}-v"), format!("{key}-n")] {
            let ttl: i64 = redis::cmd("TTL")
                .arg(format!("mcp:{k}"))
                .query(&mut con)
                .unwrap();
            assert!((90..=100).contains(&ttl), "TTL of mcp:{k} is {ttl}");
        }
    }

    #[test]
    fn a_redis_restart_is_survived_by_the_pool() {
        // Idle pooled connections die with the server; the store reconnects.
        if redis_support::test_url("a_redis_restart_is_survived_by_the_pool").is_none() {
            return;
        }
        let mut server = redis_support::RedisServer::start();
        let store = RedisStore::open(&Secret::new(server.url())).unwrap();
        for i in 0..4 {
            assert!(store.insert_once(&format!("k{i}"), now() + 60).unwrap());
        }
        let port = server.port;
        server.kill();
        let e = store.contains("k0").unwrap_err();
        assert!(e.to_string().contains("unavailable"), "{e}");
        let _server = redis_support::RedisServer::start_on(port);
        // The data died with the old process (no persistence), the service did not.
        assert!(!store.contains("k0").unwrap());
        assert!(store.insert_once("k0", now() + 60).unwrap());
        assert!(!store.insert_once("k0", now() + 60).unwrap());
    }
}
