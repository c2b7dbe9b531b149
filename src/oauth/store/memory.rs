//! **[7, 14, 26, 28, 30–33](crate::_documentation::flow) Token, refresh and
//! revocation steps on one instance — the in-memory store.** The default
//! [`Store`]: a `HashMap` behind a `Mutex`, every record with its expiry. It
//! never fails, and lives and dies with the process: enough for one instance
//! (a laptop, Cloud Run with `--max-instances 1`); several instances share the
//! Redis store instead (the `ext::redis` extension).
//!
//! # Where this sits
//! Built by [`crate::app::open_store`] when `REDIS_URL` is unset, or by you
//! (`Arc::new(MemoryStore::new())`) for tests and [`crate::App::store`].

use std::collections::HashMap;
use std::sync::Mutex;

use super::{Store, StoreError, now};

/// How often, at most, [`MemoryStore`] sweeps out expired records.
pub const SWEEP_EVERY_SECS: u64 = 60;

/// The in-memory [`Store`]: a `HashMap` behind a `Mutex`, swept of expired
/// records at most once a minute, by whichever write comes first. It never
/// fails. State lives and dies with the process, and is not shared with other
/// instances.
#[derive(Debug)]
pub struct MemoryStore {
    inner: Mutex<Records>,
    sweep_every: u64,
}

#[derive(Debug, Default)]
struct Records {
    map: HashMap<String, Record>,
    last_sweep: u64,
}

#[derive(Debug)]
struct Record {
    /// The value; a counter is kept as decimal text, as Redis keeps it.
    value: Vec<u8>,
    expires_at: u64,
}

impl Records {
    /// Drops expired records. Called under the lock before writes; cheap
    /// when the last sweep was recent.
    fn sweep(&mut self, now: u64, every: u64) {
        if now >= self.last_sweep.saturating_add(every) {
            self.map.retain(|_, r| r.expires_at > now);
            self.last_sweep = now;
        }
    }

    fn live(&self, key: &str, now: u64) -> Option<&Record> {
        self.map.get(key).filter(|r| r.expires_at > now)
    }
}

impl Default for MemoryStore {
    fn default() -> MemoryStore {
        MemoryStore::with_sweep_interval(SWEEP_EVERY_SECS)
    }
}

impl MemoryStore {
    /// An empty store, swept every [`SWEEP_EVERY_SECS`] at most.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// An empty store swept at most every `seconds` (0: on every write).
    pub fn with_sweep_interval(seconds: u64) -> MemoryStore {
        MemoryStore {
            inner: Mutex::new(Records::default()),
            sweep_every: seconds,
        }
    }

    /// How many records are held (expired ones included until the next sweep).
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// Whether the store holds no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Records> {
        // A panic while holding the lock cannot leave a half-written record
        // (every update is one map operation), so a poisoned lock is still usable.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The lock, after a sweep if one is due: every write goes through here.
    fn lock_for_write(&self, now: u64) -> std::sync::MutexGuard<'_, Records> {
        let mut records = self.lock();
        records.sweep(now, self.sweep_every);
        records
    }
}

fn counter(value: &[u8]) -> u64 {
    std::str::from_utf8(value)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

impl Store for MemoryStore {
    fn insert_once(&self, key: &str, expires_at: u64) -> Result<bool, StoreError> {
        let now = now();
        let mut records = self.lock_for_write(now);
        if records.live(key, now).is_some() {
            return Ok(false);
        }
        let record = Record {
            value: b"1".to_vec(),
            expires_at,
        };
        records.map.insert(key.to_string(), record);
        Ok(true)
    }

    fn contains(&self, key: &str) -> Result<bool, StoreError> {
        let now = now();
        Ok(self.lock().live(key, now).is_some())
    }

    fn increment(&self, key: &str, expires_at: u64) -> Result<u64, StoreError> {
        let now = now();
        let mut records = self.lock_for_write(now);
        let (count, expires_at) = match records.live(key, now) {
            Some(r) => (counter(&r.value) + 1, r.expires_at),
            None => (1, expires_at),
        };
        let record = Record {
            value: count.to_string().into_bytes(),
            expires_at,
        };
        records.map.insert(key.to_string(), record);
        Ok(count)
    }

    fn count(&self, key: &str) -> Result<u64, StoreError> {
        let now = now();
        Ok(self
            .lock()
            .live(key, now)
            .map(|r| counter(&r.value))
            .unwrap_or(0))
    }

    fn put(&self, key: &str, value: &[u8], expires_at: u64) -> Result<(), StoreError> {
        let now = now();
        let record = Record {
            value: value.to_vec(),
            expires_at,
        };
        self.lock_for_write(now).map.insert(key.to_string(), record);
        Ok(())
    }

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let now = now();
        Ok(self.lock().live(key, now).map(|r| r.value.clone()))
    }

    fn take(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let now = now();
        let mut records = self.lock_for_write(now);
        Ok(records
            .map
            .remove(key)
            .filter(|r| r.expires_at > now)
            .map(|r| r.value))
    }

    fn remove(&self, key: &str) -> Result<(), StoreError> {
        let now = now();
        self.lock_for_write(now).map.remove(key);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The behaviour both backends share is tested in tests/store_contract.rs;
    // these are about the memory backend's own housekeeping.

    #[test]
    fn the_sweep_deletes_expired_records() {
        let store = MemoryStore::new();
        store.insert_once("a", now() - 5).unwrap();
        store.put("b", b"v", now() - 5).unwrap();
        store.lock().last_sweep = 0;
        store.insert_once("c", now() + 60).unwrap();
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn the_sweep_waits_for_its_interval() {
        let store = MemoryStore::new();
        store.insert_once("a", now() - 5).unwrap();
        store.insert_once("b", now() + 60).unwrap();
        // The first write swept (last_sweep was 0) before "a" went in; the
        // second is within the minute, so the expired "a" is still held.
        assert_eq!(store.len(), 2);
        assert!(!store.contains("a").unwrap());
    }
}
