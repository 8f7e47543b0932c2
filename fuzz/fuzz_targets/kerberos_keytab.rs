#![no_main]
use sesame_kerberos::keytab::Keytab;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    // Whatever parses must write out again and parse to the same keytab.
    if let Ok(kt) = Keytab::parse(data) {
        assert_eq!(Keytab::parse(&kt.to_bytes()).expect("re-parse"), kt);
    }
});
