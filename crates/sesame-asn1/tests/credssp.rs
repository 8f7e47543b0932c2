//! CredSSP structures (MS-CSSP 2.2.1) against pyspnego's encoder: each of its DER values decodes
//! to the fields it was given and re-encodes byte for byte; any TSRequest round-trips.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use proptest::prelude::*;
use sesame_asn1::credssp::{
    NegoToken, TsCredentials, TsPasswordCreds, TsRemoteGuardCreds, TsRequest, TsSmartCardCreds,
    cred_type, from_utf16le, utf16le,
};
use sesame_asn1::{Der, OctetString};

fn vector(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/vectors/pyspnego-credssp/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Decodes `name` as `T` and checks that it re-encodes to the same bytes.
fn round_trip<T: Der>(name: &str) -> T {
    let bytes = vector(name);
    let value = T::from_der(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(value.to_der().unwrap(), bytes, "{name} re-encodes");
    value
}

fn text(b: &[u8]) -> String {
    from_utf16le(b).unwrap()
}

#[test]
fn ts_requests() {
    let v2: TsRequest = round_trip("ts_request_v2_nego_token");
    assert_eq!(v2.version, 2);
    let tokens = v2.nego_tokens.unwrap();
    assert_eq!(tokens.len(), 1);
    assert!(tokens[0].nego_token.starts_with(b"NTLMSSP\0"));

    let v3: TsRequest = round_trip("ts_request_v3_auth_info");
    assert_eq!(
        (v3.version, v3.auth_info.as_deref()),
        (3, Some(&[5u8; 40][..]))
    );

    let v6: TsRequest = round_trip("ts_request_v6_nonce");
    assert_eq!(v6.version, 6);
    assert_eq!(v6.nego_tokens.unwrap().len(), 2);
    assert_eq!(v6.pub_key_auth.as_deref(), Some(&[0xaa; 32][..]));
    assert_eq!(v6.client_nonce.as_deref(), Some(&[0x11; 32][..]));
    assert_eq!(v6.error_code, None);

    let error: TsRequest = round_trip("ts_request_v6_error");
    // STATUS_LOGON_FAILURE, a negative INTEGER on the wire.
    assert_eq!(error.error_code, Some(-1_073_741_715));
    assert_eq!(error.ntstatus(), Some(0xC000_006D));
}

#[test]
fn password_credentials_and_restricted_admin() {
    let creds: TsCredentials = round_trip("ts_credentials_password");
    assert_eq!(creds.cred_type, cred_type::PASSWORD);
    let inner = TsPasswordCreds::from_der(creds.credentials.expose()).unwrap();
    assert_eq!(text(&inner.domain_name), "DOMAIN");
    assert_eq!(text(&inner.user_name), "user1");
    assert_eq!(inner.password.expose(), utf16le("Passw0rd1").as_slice());
    // The password is never printed.
    let shown = format!("{inner:?} {creds:?}");
    assert!(
        !shown.contains("80, 0, 97") && !shown.contains("Passw0rd1"),
        "{shown}"
    );
    assert_eq!(inner.to_der().unwrap(), creds.credentials.expose());

    let admin: TsCredentials = round_trip("ts_credentials_restricted_admin");
    let empty = TsPasswordCreds::from_der(admin.credentials.expose()).unwrap();
    assert!(empty.domain_name.is_empty() && empty.user_name.is_empty());
    assert!(empty.password.expose().is_empty());
}

#[test]
fn smart_card_and_remote_guard_credentials() {
    let creds: TsCredentials = round_trip("ts_credentials_smart_card");
    assert_eq!(creds.cred_type, cred_type::SMART_CARD);
    let card = TsSmartCardCreds::from_der(creds.credentials.expose()).unwrap();
    assert_eq!(card.pin.expose(), utf16le("1234").as_slice());
    assert_eq!(card.csp_data.key_spec, 1);
    assert_eq!(text(card.csp_data.card_name.as_deref().unwrap()), "Card");
    assert_eq!(
        text(card.csp_data.reader_name.as_deref().unwrap()),
        "Reader"
    );
    assert_eq!(
        text(card.csp_data.container_name.as_deref().unwrap()),
        "Cont"
    );
    assert_eq!(
        text(card.csp_data.csp_name.as_deref().unwrap()),
        "Microsoft Base Smart Card Crypto Provider"
    );
    assert_eq!(text(card.user_hint.as_deref().unwrap()), "user1");
    assert_eq!(text(card.domain_hint.as_deref().unwrap()), "DOMAIN");
    assert_eq!(card.to_der().unwrap(), creds.credentials.expose());

    let creds: TsCredentials = round_trip("ts_credentials_remote_guard");
    assert_eq!(creds.cred_type, cred_type::REMOTE_GUARD);
    let guard = TsRemoteGuardCreds::from_der(creds.credentials.expose()).unwrap();
    assert_eq!(text(&guard.logon_cred.package_name), "Kerberos");
    assert_eq!(guard.logon_cred.cred_buffer.expose(), &[7u8; 16]);
    let more = guard.supplemental_creds.unwrap();
    assert_eq!(text(&more[0].package_name), "NTLM");
    assert_eq!(more[0].cred_buffer.expose(), &[8u8; 8]);
}

#[test]
fn utf16le_is_checked() {
    assert_eq!(
        from_utf16le(&utf16le("пользователь")).as_deref(),
        Some("пользователь")
    );
    assert_eq!(from_utf16le(&[0x41]), None, "odd length");
    assert_eq!(from_utf16le(&[0x00, 0xd8]), None, "an unpaired surrogate");
}

fn octets() -> impl Strategy<Value = OctetString> {
    proptest::collection::vec(any::<u8>(), 0..64).prop_map(OctetString::from)
}

proptest! {
    #[test]
    fn any_ts_request_round_trips(
        version in 2u32..=6,
        tokens in proptest::option::of(proptest::collection::vec(octets(), 0..3)),
        auth_info in proptest::option::of(octets()),
        pub_key_auth in proptest::option::of(octets()),
        error_code in proptest::option::of(any::<i32>()),
        client_nonce in proptest::option::of(octets()),
    ) {
        let req = TsRequest {
            version,
            nego_tokens: tokens.map(|t| t.into_iter().map(|nego_token| NegoToken { nego_token }).collect()),
            auth_info,
            pub_key_auth,
            error_code: error_code.map(i64::from),
            client_nonce,
        };
        let der = req.to_der().unwrap();
        prop_assert_eq!(TsRequest::from_der(&der).unwrap(), req);
    }
}

/// The key pubKeyAuth binds, read from pyspnego's CredSSP certificate as pyspnego reads it.
#[test]
fn subject_public_key_is_what_pyspnego_binds() {
    let cert = vector("certificate.der");
    let key = sesame_asn1::credssp::subject_public_key(&cert).unwrap();
    assert_eq!(key, vector("certificate.public_key"));
    for len in 0..cert.len() {
        assert!(sesame_asn1::credssp::subject_public_key(&cert[..len]).is_err());
    }
}
