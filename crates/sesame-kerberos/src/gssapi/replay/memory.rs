//! The in-memory replay cache: sharded by tag so that threads sharing one acceptor do not
//! serialize on one lock; each shard an open-addressed table of tags with the second each
//! expires. An expired slot is free for the next insert that passes it, so nothing is ever
//! scanned or deleted one by one: an insert reads one run of neighbouring slots (one cache miss
//! however large the table), and a count of live entries per expiry second keeps the bound
//! exact. When slots ever used pass three quarters of the table, the live ones are moved to a
//! table twice their number (amortized: each rebuild is paid for by a quarter-table of inserts).
//! The number of live entries is bounded; at the bound new authenticators are refused.

use std::collections::BTreeMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::sync::Mutex;

use super::{ReplayRefusal, ReplayStore};

/// Shards: tags are SHA-256 outputs, so their first byte spreads them evenly.
const SHARDS: usize = 16;

/// The default bound: a million live authenticators (about 3,300 logons a second for the
/// default 5-minute window); its tables then take some 64 MB (24-byte slots, at least a quarter
/// of them free).
pub const DEFAULT_LIMIT: usize = 1_000_000;

/// An in-memory replay cache, shared by `Arc` among the acceptors of a service.
#[derive(Debug)]
pub struct ReplayCache {
    shards: Vec<Mutex<Shard>>,
    per_shard: usize,
}

/// A slot: a tag's fingerprint and the last second it is remembered; `expires == NEVER` is a
/// slot never used. 24 bytes, so that a probe's run of neighbours stays in a cache line or two.
#[derive(Clone, Copy)]
struct Slot {
    fingerprint: [u8; 16],
    expires: i64,
}

const NEVER: i64 = i64::MIN;
const EMPTY: Slot = Slot {
    fingerprint: [0; 16],
    expires: NEVER,
};

/// A tag's two halves folded into 16 bytes. Two tags with the same fingerprint count as one:
/// for SHA-256 outputs a 2^-128 chance, and the mistake it would make is refusing an
/// authenticator, never letting a replay through.
fn fingerprint(tag: &[u8; 32]) -> [u8; 16] {
    core::array::from_fn(|i| tag[i] ^ tag[i + 16])
}
/// The smallest table.
const MIN_SLOTS: usize = 64;

#[derive(Default)]
struct Shard {
    /// A power-of-two table, probed linearly from the tag's hash.
    slots: Vec<Slot>,
    /// Slots ever written since the last rebuild, live or expired: what probes walk past.
    used: usize,
    /// Live entries: inserted and not yet past their second.
    live: usize,
    /// How many live entries expire at each second (what `live` loses as time passes).
    expiring: BTreeMap<i64, usize>,
    /// The latest `now` seen: time in a shard only moves forward.
    now: i64,
}

impl core::fmt::Debug for Shard {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Never the tags themselves.
        f.debug_struct("Shard")
            .field("slots", &self.slots.len())
            .field("used", &self.used)
            .field("live", &self.live)
            .field("seconds", &self.expiring.len())
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

impl Shard {
    /// Moves the shard's clock to `now`; what expired before it stops counting as live.
    fn advance(&mut self, now: i64) {
        self.now = self.now.max(now);
        while let Some(first) = self.expiring.first_entry() {
            if *first.key() >= self.now {
                break;
            }
            self.live -= first.remove();
        }
    }

    /// Refuses `tag` if it is live here; else remembers it until `expires`, unless `limit`
    /// entries are live.
    fn check_and_insert(
        &mut self,
        tag: [u8; 32],
        expires: i64,
        hash: u64,
        limit: usize,
    ) -> Result<(), ReplayRefusal> {
        if self.slots.is_empty() {
            self.slots = vec![EMPTY; MIN_SLOTS];
        }
        let mask = self.slots.len() - 1;
        let mut at = usize::try_from(hash).unwrap_or(usize::MAX) & mask;
        let fp = fingerprint(&tag);
        // The first slot an insert may take: never used, or expired.
        let mut free = None;
        loop {
            let slot = &self.slots[at];
            if slot.expires == NEVER {
                free.get_or_insert(at);
                break;
            }
            let live = slot.expires >= self.now;
            if live && slot.fingerprint == fp {
                return Err(ReplayRefusal::Replayed);
            }
            if !live {
                free.get_or_insert(at);
            }
            at = (at + 1) & mask;
        }
        if self.live >= limit {
            return Err(ReplayRefusal::Full(limit));
        }
        let Some(at) = free else {
            return Err(ReplayRefusal::Unusable("no free slot".into()));
        };
        if self.slots[at].expires == NEVER {
            self.used += 1;
        }
        self.slots[at] = Slot {
            fingerprint: fp,
            expires,
        };
        self.live += 1;
        *self.expiring.entry(expires).or_default() += 1;
        if self.used * 4 > self.slots.len() * 3 {
            self.rebuild();
        }
        Ok(())
    }

    /// A table of at least twice the live entries, holding only them.
    fn rebuild(&mut self) {
        let size = (self.live * 2).next_power_of_two().max(MIN_SLOTS);
        let old = std::mem::replace(&mut self.slots, vec![EMPTY; size]);
        let mask = size - 1;
        let build = BuildHasherDefault::<TagHasher>::default();
        self.used = 0;
        for slot in old
            .into_iter()
            .filter(|s| s.expires != NEVER && s.expires >= self.now)
        {
            // The fingerprint hashes as the tag does: its bytes are the tag's lanes folded.
            let h = build.hash_one(slot.fingerprint);
            let mut at = usize::try_from(h).unwrap_or(usize::MAX) & mask;
            while self.slots[at].expires != NEVER {
                at = (at + 1) & mask;
            }
            self.slots[at] = slot;
            self.used += 1;
        }
    }
}

/// Tags are SHA-256 outputs of authenticators that already decrypted under the service key:
/// uniform, and not choosable by anyone who could flood the table. Their 8-byte lanes, folded
/// and mixed once, hash as well as SipHash does for a fraction of its cost; the mixing still
/// spreads a caller's own, less random tags over the table.
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
            .map(|s| s.lock().map_or(0, |s| s.live))
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
        shard.advance(now);
        // The slot is chosen by the fingerprint's hash, so that a rebuild, which has only the
        // fingerprints, puts each entry where a lookup of its tag will look.
        let hash = BuildHasherDefault::<TagHasher>::default().hash_one(fingerprint(&tag));
        shard
            .check_and_insert(tag, expires, hash, self.per_shard)
            .map_err(|e| match e {
                ReplayRefusal::Full(_) => ReplayRefusal::Full(self.per_shard * SHARDS),
                other => other,
            })
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
