#![no_main]
use sesame_asn1::spnego::SpnegoToken;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(token) = SpnegoToken::decode(data) {
        assert_eq!(token.encode().expect("re-encode"), data);
    }
});
