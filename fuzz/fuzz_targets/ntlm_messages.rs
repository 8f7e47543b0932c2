#![no_main]
use sesame_ntlm::messages::{Authenticate, Challenge, Negotiate};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    // Every decoder returns a value or an error; what decodes encodes and decodes to the same.
    if let Ok(m) = Negotiate::parse(data) {
        let again = Negotiate::parse(&m.to_bytes()).expect("re-parse NEGOTIATE");
        assert_eq!((again.flags, &again.domain, &again.workstation), (m.flags, &m.domain, &m.workstation));
    }
    if let Ok(m) = Challenge::parse(data) {
        let again = Challenge::parse(&m.to_bytes()).expect("re-parse CHALLENGE");
        assert_eq!(again.server_challenge, m.server_challenge);
        assert_eq!(again.target_info, m.target_info);
    }
    if let Ok(m) = Authenticate::parse(data) {
        let again = Authenticate::parse(&m.to_bytes()).expect("re-parse AUTHENTICATE");
        assert_eq!((&again.nt_response, &again.lm_response, again.mic), (&m.nt_response, &m.lm_response, m.mic));
    }
});
