#![no_main]
use sesame_kerberos::ccache::Ccache;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    // A parsed cache re-encodes to exactly its input (the format has one encoding).
    if let Ok(cc) = Ccache::parse(data) {
        assert_eq!(cc.to_bytes(), data);
    }
});
