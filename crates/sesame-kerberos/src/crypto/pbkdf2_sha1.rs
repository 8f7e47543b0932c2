//! PBKDF2-HMAC-SHA1 (RFC 8018 5.2 over RFC 2104 HMAC) on SHA-1's compression function, for
//! the RFC 3962 string-to-key. The password-keyed inner and outer states are computed once;
//! each further iteration is then exactly two compressions of one fixed-layout block, with no
//! hasher state cloned or dropped. (The generic `pbkdf2` crate clones an HMAC state per
//! iteration, and with the `zeroize` feature every clone is wiped when dropped: 18 % of the
//! string-to-key went there.) The password-derived states and blocks are wiped once, at the end.

use hmac::{Hmac, KeyInit as _, Mac as _};
use sha1::Sha1;
use sha1::block_api::compress;
use zeroize::Zeroize as _;

/// SHA-1's initial hash value (FIPS 180-4 5.3.1).
const H0: [u32; 5] = [
    0x6745_2301,
    0xEFCD_AB89,
    0x98BA_DCFE,
    0x1032_5476,
    0xC3D2_E1F0,
];

/// The length of a SHA-1 output.
const LEN: usize = 20;

/// A one-block message of `LEN` bytes after a keyed block, padded (FIPS 180-4 5.1.1): the
/// bytes, `0x80`, zeros, and the length in bits of key block plus message, 672.
fn padded_block() -> [u8; 64] {
    let mut block = [0u8; 64];
    block[LEN] = 0x80;
    block[56..].copy_from_slice(&((64 + LEN as u64) * 8).to_be_bytes());
    block
}

/// The state after the key block `K' ^ pad` (RFC 2104 2).
fn keyed(key: &[u8; 64], pad: u8, block: &mut [u8; 64]) -> [u32; 5] {
    for (b, k) in block.iter_mut().zip(key) {
        *b = k ^ pad;
    }
    let mut state = H0;
    compress(&mut state, core::slice::from_ref(block));
    state
}

/// Fills `out` with PBKDF2-HMAC-SHA1(`password`, `salt`, `rounds`) (`rounds` of 0 counts as 1).
pub(super) fn pbkdf2_hmac_sha1(password: &[u8], salt: &[u8], rounds: u32, out: &mut [u8]) {
    // K': the password, or its hash when it is longer than a block (RFC 2104 2).
    let mut key = [0u8; 64];
    if password.len() > 64 {
        let mut digest = <Sha1 as sha1::Digest>::digest(password);
        key[..LEN].copy_from_slice(&digest);
        digest.as_mut_slice().zeroize();
    } else {
        key[..password.len()].copy_from_slice(password);
    }
    let mut scratch = [0u8; 64];
    let mut inner = keyed(&key, 0x36, &mut scratch);
    let mut outer = keyed(&key, 0x5c, &mut scratch);
    let mut inner_block = padded_block();
    let mut outer_block = padded_block();
    let mut state = [0u32; 5];
    let mut u = [0u8; LEN];
    let mut t = [0u8; LEN];
    for (index, chunk) in (1u32..).zip(out.chunks_mut(LEN)) {
        // U1 = HMAC(P, S || INT(i)): the salt may span blocks, so the HMAC of the crate.
        let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(password) else {
            return; // HMAC takes a key of any length: not reached
        };
        mac.update(salt);
        mac.update(&index.to_be_bytes());
        u.copy_from_slice(&mac.finalize().into_bytes());
        t = u;
        for _ in 1..rounds {
            // U_j = HMAC(P, U_{j-1}): one inner and one outer compression.
            inner_block[..LEN].copy_from_slice(&u);
            state = inner;
            compress(&mut state, core::slice::from_ref(&inner_block));
            for (bytes, word) in outer_block.chunks_exact_mut(4).zip(state) {
                bytes.copy_from_slice(&word.to_be_bytes());
            }
            state = outer;
            compress(&mut state, core::slice::from_ref(&outer_block));
            for (bytes, word) in u.chunks_exact_mut(4).zip(state) {
                bytes.copy_from_slice(&word.to_be_bytes());
            }
            for (t, u) in t.iter_mut().zip(&u) {
                *t ^= u;
            }
        }
        chunk.copy_from_slice(&t[..chunk.len()]);
    }
    key.zeroize();
    scratch.zeroize();
    inner.zeroize();
    outer.zeroize();
    inner_block.zeroize();
    outer_block.zeroize();
    state.zeroize();
    u.zeroize();
    t.zeroize();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::hex;

    /// RFC 6070's PBKDF2-HMAC-SHA1 vectors (the 16,777,216-round one left out for time).
    #[test]
    fn rfc6070() {
        for (p, s, c, dk) in [
            (
                &b"password"[..],
                &b"salt"[..],
                1,
                "0c60c80f961f0e71f3a9b524af6012062fe037a6",
            ),
            (
                b"password",
                b"salt",
                2,
                "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957",
            ),
            (
                b"password",
                b"salt",
                4096,
                "4b007901b765489abead49d926f721d065a429c1",
            ),
            (
                b"passwordPASSWORDpassword",
                b"saltSALTsaltSALTsaltSALTsaltSALTsalt",
                4096,
                "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038",
            ),
            (
                b"pass\0word",
                b"sa\0lt",
                4096,
                "56fa6aa75548099dcc37d7f03425e0c3",
            ),
        ] {
            let mut out = vec![0u8; dk.len() / 2];
            pbkdf2_hmac_sha1(p, s, c, &mut out);
            assert_eq!(out, hex(dk), "{p:?} {s:?} {c}");
        }
    }

    proptest::proptest! {
        /// The same bytes as the generic pbkdf2 crate, for passwords around the block size.
        #[test]
        fn as_the_pbkdf2_crate(
            password in proptest::collection::vec(proptest::num::u8::ANY, 0..150),
            salt in proptest::collection::vec(proptest::num::u8::ANY, 0..100),
            rounds in 1u32..40,
            len in 1usize..70,
        ) {
            let mut ours = vec![0u8; len];
            pbkdf2_hmac_sha1(&password, &salt, rounds, &mut ours);
            let mut theirs = vec![0u8; len];
            pbkdf2::pbkdf2_hmac::<Sha1>(&password, &salt, rounds, &mut theirs);
            proptest::prop_assert_eq!(ours, theirs);
        }
    }
}
