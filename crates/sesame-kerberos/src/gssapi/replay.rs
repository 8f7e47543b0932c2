//! An in-memory replay cache for authenticators (RFC 4120 3.2.3): an authenticator seen within
//! the clock-skew window is refused a second time. Shared by the acceptors of one service.

use std::collections::HashMap;
use std::sync::Mutex;

/// Remembers authenticators until they are older than the skew window.
#[derive(Debug, Default)]
pub struct ReplayCache {
    seen: Mutex<HashMap<[u8; 32], i64>>,
}

impl ReplayCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `tag` (a hash of the authenticator ciphertext) seen at `ctime`; false if it was
    /// already there. Entries older than `now - skew` are dropped on the way.
    pub fn insert(&self, tag: [u8; 32], ctime: i64, now: i64, skew: i64) -> bool {
        let Ok(mut seen) = self.seen.lock() else {
            return false;
        };
        seen.retain(|_, t| *t + skew >= now);
        if seen.contains_key(&tag) {
            return false;
        }
        seen.insert(tag, ctime);
        true
    }
}
