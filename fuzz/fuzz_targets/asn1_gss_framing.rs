#![no_main]
use sesame_asn1::gss::{InitialContextToken, KerberosContextToken};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(token) = InitialContextToken::decode(data) {
        assert_eq!(token.encode().expect("re-encode"), data);
        if let Ok(inner) = KerberosContextToken::decode_inner(&token.inner_token) {
            assert_eq!(inner.encode_inner().expect("re-encode"), token.inner_token);
        }
    }
});
