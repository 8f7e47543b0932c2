#![no_main]
use sesame_kerberos::crypto::{Enctype, Key};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    // First byte picks the enctype, the rest is ciphertext: always an error, never a panic
    // (forging an integrity tag by chance does not happen).
    let Some((&pick, ciphertext)) = data.split_first() else { return };
    let enctype = match pick % 5 {
        0 => Enctype::AES128_CTS_HMAC_SHA1_96,
        1 => Enctype::AES256_CTS_HMAC_SHA1_96,
        2 => Enctype::AES128_CTS_HMAC_SHA256_128,
        3 => Enctype::AES256_CTS_HMAC_SHA384_192,
        _ => Enctype::rc4_hmac_weak(),
    };
    let key = Key::new(enctype, &vec![0x42; enctype.key_len()]).expect("key length");
    assert!(key.usage(u32::from(pick)).decrypt(ciphertext).is_err());
});
