#![no_main]
use sesame_kerberos::ccache::kcm;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    // Any reply a KCM daemon sends is an error or a value, never a panic; a credential that
    // parses re-encodes to the bytes it came from.
    let Ok(body) = kcm::reply_body(kcm::op::GET_CRED_BY_UUID, data) else {
        return;
    };
    let _ = kcm::parse_name(body);
    let _ = kcm::parse_uuids(body);
    let _ = kcm::parse_principal(body);
    if let Ok(c) = kcm::parse_credential(body) {
        let req = kcm::request(kcm::op::STORE, &[kcm::Arg::Credential(&c)]);
        assert!(body.starts_with(&req[4..]));
    }
});
