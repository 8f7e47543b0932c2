#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| sesame_fuzz::der::<sesame_asn1::kerberos::KrbCred>(data));
