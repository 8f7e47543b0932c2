#![no_main]
use sesame_asn1::Der;
use sesame_asn1::credssp::{
    TsCredentials, TsPasswordCreds, TsRemoteGuardCreds, TsRequest, TsSmartCardCreds,
};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    // Every CredSSP structure: an error or a value that re-encodes to its input (DER).
    if let Ok(v) = TsRequest::from_der(data) {
        assert_eq!(v.to_der().ok().as_deref(), Some(data));
    }
    if let Ok(v) = TsCredentials::from_der(data) {
        assert_eq!(v.to_der().ok().as_deref(), Some(data));
    }
    if let Ok(v) = TsPasswordCreds::from_der(data) {
        assert_eq!(v.to_der().ok().as_deref(), Some(data));
    }
    if let Ok(v) = TsSmartCardCreds::from_der(data) {
        assert_eq!(v.to_der().ok().as_deref(), Some(data));
    }
    if let Ok(v) = TsRemoteGuardCreds::from_der(data) {
        assert_eq!(v.to_der().ok().as_deref(), Some(data));
    }
});
