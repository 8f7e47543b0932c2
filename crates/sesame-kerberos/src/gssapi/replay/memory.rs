//! The in-memory replay cache: sharded by tag so that threads sharing one acceptor do not
//! serialize on one lock, each shard a map of live tags and the same tags bucketed by the second
//! they expire, dropped bucket by bucket. Insert and lookup cost the same whatever the number of
//! entries (each entry is dropped once, with its bucket), and the number of entries is bounded.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Mutex;

use super::{ReplayRefusal, ReplayStore};

/// Shards: tags are SHA-256 outputs, so their first byte spreads them evenly.
const SHARDS: usize = 16;

/// The default bound: a million live authenticators (about 3,300 logons a second for the
/// default 5-minute window), some 100 MB at most.
pub const DEFAULT_LIMIT: usize = 1_000_000;

/// An in-memory replay cache, shared by `Arc` among the acceptors of a service.
#[derive(Debug)]
pub struct ReplayCache {
    shards: Vec<Mutex<Shard>>,
    per_shard: usize,
}

#[derive(Debug, Default)]
struct Shard {
    /// Live tags and when they expire.
    seen: HashMap<[u8; 32], i64, BuildHasherDefault<TagHasher>>,
    /// The same tags by expiry second, oldest first.
    by_expiry: BTreeMap<i64, Vec<[u8; 32]>>,
}

/// Tags are SHA-256 outputs of authenticators that already decrypted under the service key:
/// uniform, and not choosable by anyone who could flood the map. Their four 8-byte lanes,
/// folded and mixed once, hash as well as SipHash does for a fraction of its cost; the mixing
/// still spreads a caller's own, less random tags over the table.
#[derive(Default)]
struct TagHasher(u64);

impl Hasher for TagHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut lanes = bytes.chunks_exact(8);
        for lane in &mut lanes {
            let mut b = [0u8; 8];
            b.copy_from_slice(lane);
            self.0 = self.0.rotate_left(17) ^ u64::from_le_bytes(b);
        }
        for &b in lanes.remainder() {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_usize(&mut self, _length_prefix: usize) {}

    fn finish(&self) -> u64 {
        // SplitMix64's finalizer.
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl Default for ReplayCache {
    fn default() -> Self {
        Self::with_limit(DEFAULT_LIMIT)
    }
}

impl ReplayCache {
    /// An empty cache holding at most [`DEFAULT_LIMIT`] live authenticators.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty cache holding at most about `limit` live authenticators (rounded up to a
    /// multiple of the shard count); beyond it, new authenticators are refused.
    pub fn with_limit(limit: usize) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            per_shard: limit.div_ceil(SHARDS).max(1),
        }
    }

    /// The number of live authenticators held (expired ones are dropped as inserts go by).
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().map_or(0, |s| s.seen.len()))
            .sum()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl ReplayStore for ReplayCache {
    fn check_and_insert(&self, tag: [u8; 32], expires: i64, now: i64) -> Result<(), ReplayRefusal> {
        let shard = &self.shards[usize::from(tag[0]) % SHARDS];
        let mut shard = shard
            .lock()
            .map_err(|_| ReplayRefusal::Unusable("a thread panicked holding the cache".into()))?;
        let Shard { seen, by_expiry } = &mut *shard;
        while let Some(bucket) = by_expiry.first_entry() {
            if *bucket.key() >= now {
                break;
            }
            for old in bucket.remove() {
                seen.remove(&old);
            }
        }
        if seen.contains_key(&tag) {
            return Err(ReplayRefusal::Replayed);
        }
        if seen.len() >= self.per_shard {
            return Err(ReplayRefusal::Full(self.per_shard * SHARDS));
        }
        seen.insert(tag, expires);
        by_expiry.entry(expires).or_default().push(tag);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(n: u32) -> [u8; 32] {
        let mut t = [0u8; 32];
        t[..4].copy_from_slice(&n.to_be_bytes());
        t[31] = 1;
        t
    }

    /// Tags that differ in a few bytes only (a caller's own counters, not SHA-256 outputs)
    /// still land in different slots: the table never degrades into one long probe.
    #[test]
    fn structured_tags_spread_over_the_table() {
        use std::hash::BuildHasher;
        let build = BuildHasherDefault::<TagHasher>::default();
        let slots: std::collections::HashSet<u64> =
            (0..4096).map(|n| build.hash_one(tag(n)) & 0xffff).collect();
        // 4096 uniform draws from 65536 slots leave about 3970 distinct.
        assert!(slots.len() > 3900, "{} distinct slots", slots.len());
        let top: std::collections::HashSet<u64> =
            (0..4096).map(|n| build.hash_one(tag(n)) >> 57).collect();
        assert_eq!(top.len(), 128, "the control bits take every value");
    }

    #[test]
    fn a_tag_is_refused_until_its_window_ends() {
        let c = ReplayCache::new();
        assert_eq!(c.check_and_insert(tag(1), 1300, 1000), Ok(()));
        assert_eq!(
            c.check_and_insert(tag(1), 1300, 1000),
            Err(ReplayRefusal::Replayed)
        );
        // Still refused at the last second of its window...
        assert_eq!(
            c.check_and_insert(tag(1), 1300, 1300),
            Err(ReplayRefusal::Replayed)
        );
        // ...and forgotten the second after (the skew check refuses it from then on).
        assert_eq!(c.check_and_insert(tag(1), 1601, 1301), Ok(()));
    }

    #[test]
    fn expired_entries_are_dropped_as_time_moves() {
        let c = ReplayCache::new();
        for i in 0..1000 {
            c.check_and_insert(tag(i), 1000 + i64::from(i % 10), 900)
                .unwrap();
        }
        assert_eq!(c.len(), 1000);
        // Inserting into each shard at t=1005 drops what expired before it.
        for i in 1000..1256 {
            let mut t = tag(i);
            t[0] = u8::try_from(i % 256).unwrap();
            c.check_and_insert(t, 2000, 1005).unwrap();
        }
        assert_eq!(c.len(), 500 + 256);
    }

    #[test]
    fn a_full_cache_refuses_rather_than_forgets() {
        let c = ReplayCache::with_limit(SHARDS);
        let mut first = tag(0);
        first[0] = 0;
        c.check_and_insert(first, 5000, 1000).unwrap();
        let mut second = tag(1);
        second[0] = u8::try_from(SHARDS).unwrap(); // the same shard
        assert_eq!(
            c.check_and_insert(second, 5000, 1000),
            Err(ReplayRefusal::Full(SHARDS))
        );
        // The remembered one is still refused as a replay.
        assert_eq!(
            c.check_and_insert(first, 5000, 1000),
            Err(ReplayRefusal::Replayed)
        );
        // Once the first expires there is room again.
        assert_eq!(c.check_and_insert(second, 7000, 5001), Ok(()));
    }

    #[test]
    fn threads_share_one_cache() {
        let c = std::sync::Arc::new(ReplayCache::new());
        let handles: Vec<_> = (0..4u32)
            .map(|t| {
                let c = c.clone();
                std::thread::spawn(move || {
                    for i in 0..1000 {
                        c.check_and_insert(tag(t * 1000 + i), 2000, 1000).unwrap();
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(c.len(), 4000);
        for i in 0..4000 {
            assert_eq!(
                c.check_and_insert(tag(i), 2000, 1000),
                Err(ReplayRefusal::Replayed)
            );
        }
    }
}
