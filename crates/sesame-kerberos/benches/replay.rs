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

/// A cache that stays at `live` entries as injected time moves: a thousand new authenticators
/// a second, each remembered for `live / 1000` seconds, so that each second's bucket of old
/// entries expires and is dropped as the next fills, as a real acceptor's would.
#[divan::bench(args = [0, 10_000, 100_000, 1_000_000], sample_count = 30, sample_size = 1000)]
fn memory_insert(b: Bencher, live: u64) {
    const PER_SECOND: u64 = 1_000;
    let window = i64::try_from(live / PER_SECOND).unwrap();
    let cache = ReplayCache::with_limit(4_000_000);
    let mut n = 0u64;
    let mut insert = move || {
        n += 1;
        let now = 1_000 + i64::try_from(n / PER_SECOND).unwrap();
        cache.check_and_insert(tag(n), now + window, now)
    };
    for _ in 0..live {
        insert().unwrap();
    }
    b.bench_local(|| black_box(insert()).unwrap());
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
