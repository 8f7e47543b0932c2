//! The replay caches: one check-and-insert of a new authenticator into a cache that already
//! holds 0, 10k, 100k or 1M live entries (flat: the cost does not grow with the entries), with
//! entries expiring as the clock moves; and one into the shared file cache.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benchmark code

use divan::{Bencher, black_box};
use sesame_kerberos::gssapi::{FileReplayCache, ReplayCache, ReplayStore};

fn main() {
    divan::main();
}

fn tag(n: u64) -> [u8; 32] {
    let mut t = [0u8; 32];
    let x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5A5A;
    t[..8].copy_from_slice(&x.to_be_bytes());
    t[8..16].copy_from_slice(&n.to_be_bytes());
    t[31] = 1;
    t
}

/// A cache holding `live` entries spread over a 300-second window, then new authenticators
/// arriving one per call at the rate that keeps it there (`live / 300` a second of injected
/// time, at least 1,000): each second's bucket of old entries expires and is dropped as a real
/// acceptor's would, one eviction per insert in the steady state.
#[divan::bench(args = [0, 10_000, 100_000, 1_000_000], sample_count = 30, sample_size = 1000)]
fn memory_insert(b: Bencher, live: u64) {
    let cache = ReplayCache::with_limit(4_000_000);
    for i in 0..live {
        cache
            .check_and_insert(tag(i), 1_000 + i64::try_from(i % 300).unwrap(), 999)
            .unwrap();
    }
    let per_second = (live / 300).max(1_000);
    let mut n = live;
    b.bench_local(|| {
        n += 1;
        let now = 999 + i64::try_from((n - live) / per_second).unwrap();
        black_box(cache.check_and_insert(tag(n), now + 300, now)).unwrap();
    });
}

/// The file cache (an exclusive lock, the tag's window read in each table, a record written
/// and synced to disk) with 10k live entries.
#[divan::bench(sample_count = 10, sample_size = 20)]
fn file_insert(b: Bencher) {
    let path = std::env::temp_dir().join(format!("sesame-bench-rc-{}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let cache = FileReplayCache::open(&path).unwrap();
    for i in 0..10_000 {
        cache.check_and_insert(tag(i), 5_000, 1_000).unwrap();
    }
    let mut n = 10_000;
    b.bench_local(|| {
        n += 1;
        black_box(cache.check_and_insert(tag(n), 5_000, 1_000)).unwrap();
    });
    let _ = std::fs::remove_file(&path);
}
