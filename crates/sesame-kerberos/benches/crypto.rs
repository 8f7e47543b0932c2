//! Encrypt+decrypt throughput (keys derived once per usage, in place, no allocation per
//! message) and string-to-key time. `cargo xtask bench` prints `openssl speed` beside it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // benchmark code

use divan::counter::BytesCount;
use divan::{Bencher, black_box};
use sesame_gss::DeterministicRandom;
use sesame_kerberos::crypto::{Enctype, Key};

/// Counts allocations, so the tables show that the in-place paths allocate nothing per message.
#[global_allocator]
static ALLOC: divan::AllocProfiler = divan::AllocProfiler::system();

fn main() {
    divan::main();
}

const SIZES: [usize; 3] = [64, 1024, 65536];

fn seal_open(b: Bencher, enctype: Enctype, len: usize) {
    let mut rng = DeterministicRandom::new([1; 32]);
    let keys = Key::random(enctype, &mut rng).unwrap().usage(22);
    let plain = vec![0x5au8; len];
    let conf = enctype.confounder_len();
    let mut buf = vec![0u8; enctype.ciphertext_len(len)];
    b.counter(BytesCount::new(len)).bench_local(|| {
        buf[conf..conf + len].copy_from_slice(black_box(&plain));
        keys.seal_in_place(&mut buf, &mut rng).unwrap();
        let out = keys.decrypt_in_place(&mut buf).unwrap();
        black_box(out.len());
    });
}

#[divan::bench(args = SIZES)]
fn aes256_sha1_encrypt_decrypt(b: Bencher, len: usize) {
    seal_open(b, Enctype::AES256_CTS_HMAC_SHA1_96, len);
}

#[divan::bench(args = SIZES)]
fn aes256_sha384_encrypt_decrypt(b: Bencher, len: usize) {
    seal_open(b, Enctype::AES256_CTS_HMAC_SHA384_192, len);
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn aes256_sha1_string_to_key_4096() -> Key {
    Key::from_password(
        Enctype::AES256_CTS_HMAC_SHA1_96,
        b"Passw0rd1",
        b"EXAMPLE.TESTuser1",
        Some(&4096u32.to_be_bytes()),
    )
    .unwrap()
}
