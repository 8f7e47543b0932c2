//! The kpasswd client (RFC 3244) against a server written here from the RFC: it reads the
//! request as MIT's kadmind does (the AP-REQ with the changepw key, the subkey, the KRB-PRIV,
//! version 1 or 0xff80's ChangePasswdData) and answers as MIT and Active Directory do.
//! (MIT's kadmind and Samba's DC are the real peers, in the conformance run.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, UNIX_EPOCH};

use proptest::prelude::*;
use sesame_asn1::Der;
use sesame_asn1::kerberos::{
    ApRep, ApReq, Authenticator, EncApRepPart, EncKrbPrivPart, EncTicketPart, EncryptedData,
    EncryptionKey, HostAddress, KerberosFlags, KerberosTime, KrbError, KrbPriv, SecretOctets,
    Ticket, TransitedEncoding,
};
use sesame_asn1::kpasswd::{ChangePasswdData, KpasswdMessage, VERSION_CHANGE, VERSION_SET};
use sesame_gss::{DeterministicRandom, FixedClock};
use sesame_kerberos::KerberosError;
use sesame_kerberos::crypto::{Enctype, Key};
use sesame_kerberos::kpasswd::{PasswordChange, changepw_principal};
use sesame_kerberos::principal::Principal;
use sesame_kerberos::tickets::IssuedTicket;

const NOW: u64 = 1_795_674_471;
const REALM: &str = "EXAMPLE.TEST";

fn clock() -> FixedClock {
    FixedClock(UNIX_EPOCH + Duration::from_secs(NOW))
}

fn service_key() -> Key {
    Key::new(Enctype::AES256_CTS_HMAC_SHA1_96, &[0x61; 32]).unwrap()
}

fn session_key() -> Key {
    Key::new(Enctype::AES256_CTS_HMAC_SHA1_96, &[0x62; 32]).unwrap()
}

fn time(t: u64) -> KerberosTime {
    KerberosTime::from_unix(i64::try_from(t).unwrap()).unwrap()
}

/// An INITIAL ticket for kadmin/changepw, as the AS exchange gives it.
fn ticket() -> IssuedTicket {
    let client = Principal::parse("user1@EXAMPLE.TEST", None).unwrap();
    let server = changepw_principal(REALM);
    let part = EncTicketPart {
        flags: KerberosFlags::from_u32(0x0040_0000), // initial
        key: EncryptionKey {
            keytype: 18,
            keyvalue: SecretOctets::new(session_key().as_bytes().to_vec()),
        },
        crealm: client.wire_realm(),
        cname: client.to_principal_name(),
        transited: TransitedEncoding {
            tr_type: 1,
            contents: Vec::new().into(),
        },
        authtime: time(NOW),
        starttime: None,
        endtime: time(NOW + 300),
        renew_till: None,
        caddr: None,
        authorization_data: None,
    };
    let mut rng = DeterministicRandom::new([9; 32]);
    let cipher = service_key()
        .usage(2)
        .encrypt(&part.to_der().unwrap(), &mut rng)
        .unwrap();
    IssuedTicket {
        client,
        server: server.clone(),
        ticket: Ticket {
            tkt_vno: 5,
            realm: server.wire_realm(),
            sname: server.to_principal_name(),
            enc_part: EncryptedData {
                etype: 18,
                kvno: Some(1),
                cipher: cipher.into(),
            },
        },
        session_key: session_key(),
        flags: 0x0040_0000,
        authtime: i64::try_from(NOW).unwrap(),
        starttime: None,
        endtime: i64::try_from(NOW + 300).unwrap(),
        renew_till: None,
        user_to_user: false,
    }
}

/// What the server read from a request.
struct Read {
    version: u16,
    password: Vec<u8>,
    target: Option<String>,
    subkey: Key,
    seq: u32,
    sender: HostAddress,
}

/// The server's side: the AP-REQ decrypted with the changepw key, then the KRB-PRIV.
fn read(request: &[u8]) -> Read {
    let frame = KpasswdMessage::parse(request).unwrap();
    let ap_req = ApReq::from_der(&frame.ap).unwrap();
    let part = service_key()
        .usage(2)
        .decrypt(&ap_req.ticket.enc_part.cipher)
        .unwrap();
    let part = EncTicketPart::from_der(&part).unwrap();
    let session = Key::new(
        Enctype::from_id(part.key.keytype).unwrap(),
        part.key.keyvalue.expose(),
    )
    .unwrap();
    let auth = session
        .usage(11)
        .decrypt(&ap_req.authenticator.cipher)
        .unwrap();
    let auth = Authenticator::from_der(&auth).unwrap();
    let sub = auth.subkey.unwrap();
    let subkey = Key::new(
        Enctype::from_id(sub.keytype).unwrap(),
        sub.keyvalue.expose(),
    )
    .unwrap();
    let private = KrbPriv::from_der(&frame.body).unwrap();
    let plain = subkey.usage(13).decrypt(&private.enc_part.cipher).unwrap();
    let body = EncKrbPrivPart::from_der(&plain).unwrap();
    assert_eq!(
        body.seq_number, auth.seq_number,
        "KRB-PRIV numbered as the authenticator"
    );
    let (password, target) = if frame.version == VERSION_SET {
        let data = ChangePasswdData::from_der(&body.user_data).unwrap();
        let target = data.targname.map(|n| n.to_string());
        (data.newpasswd.expose().to_vec(), target)
    } else {
        (body.user_data.to_vec(), None)
    };
    Read {
        version: frame.version,
        password,
        target,
        subkey,
        seq: auth.seq_number.unwrap(),
        sender: body.s_address,
    }
}

/// The server's answer: AP-REP and a KRB-PRIV in the client's subkey with `code` and `text`.
fn reply(read: &Read, code: u16, text: &[u8]) -> Vec<u8> {
    reply_with(read, code, text, &session_key())
}

/// The same with the AP-REP sealed in `session`.
fn reply_with(read: &Read, code: u16, text: &[u8], session: &Key) -> Vec<u8> {
    let mut rng = DeterministicRandom::new([5; 32]);
    let ap_rep_part = EncApRepPart {
        ctime: time(NOW),
        cusec: 0,
        subkey: None,
        seq_number: Some(7),
    };
    let ap_rep = ApRep {
        pvno: 5,
        msg_type: 15,
        enc_part: EncryptedData {
            etype: 18,
            kvno: None,
            cipher: session
                .usage(12)
                .encrypt(&ap_rep_part.to_der().unwrap(), &mut rng)
                .unwrap()
                .into(),
        },
    };
    let mut user_data = code.to_be_bytes().to_vec();
    user_data.extend_from_slice(text);
    let part = EncKrbPrivPart {
        user_data: user_data.into(),
        timestamp: None,
        usec: None,
        seq_number: Some(7),
        s_address: HostAddress {
            addr_type: 2,
            address: vec![127, 0, 0, 1].into(),
        },
        r_address: None,
    };
    let private = KrbPriv {
        pvno: 5,
        msg_type: 21,
        enc_part: EncryptedData {
            etype: 18,
            kvno: None,
            cipher: read
                .subkey
                .usage(13)
                .encrypt(&part.to_der().unwrap(), &mut rng)
                .unwrap()
                .into(),
        },
    };
    KpasswdMessage {
        version: VERSION_CHANGE,
        ap: ap_rep.to_der().unwrap(),
        body: private.to_der().unwrap(),
    }
    .encode()
    .unwrap()
}

fn change(new_password: &str) -> (PasswordChange, Vec<u8>) {
    let mut rng = DeterministicRandom::new([1; 32]);
    PasswordChange::change(
        &ticket(),
        new_password,
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7)),
        &clock(),
        &mut rng,
    )
    .unwrap()
}

fn refusal(e: KerberosError) -> sesame_kerberos::kpasswd::KpasswdRefusal {
    match e {
        KerberosError::Kpasswd(r) => r,
        other => panic!("not a kpasswd refusal: {other}"),
    }
}

#[test]
fn a_change_carries_the_new_password_sealed_in_the_subkey() {
    let (change, request) = change("NewPassw0rd2");
    let read = read(&request);
    assert_eq!(read.version, VERSION_CHANGE);
    assert_eq!(read.password, b"NewPassw0rd2");
    assert_eq!(
        read.sender.address.to_vec(),
        vec![192, 0, 2, 7],
        "s-address"
    );
    assert_ne!(read.seq, 0);
    change.receive(&reply(&read, 0, b"")).expect("success");
}

#[test]
fn a_set_names_the_target() {
    let mut rng = DeterministicRandom::new([2; 32]);
    let target = Principal::parse("user2@EXAMPLE.TEST", None).unwrap();
    let (change, request) = PasswordChange::set(
        &ticket(),
        Some(&target),
        "SetByAdmin9",
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        &clock(),
        &mut rng,
    )
    .unwrap();
    let read = read(&request);
    assert_eq!(read.version, VERSION_SET);
    assert_eq!(read.password, b"SetByAdmin9");
    assert_eq!(read.target.as_deref(), Some("user2"));
    let e = change
        .receive(&reply(&read, 5, b"Unauthorized request"))
        .unwrap_err();
    let r = refusal(e);
    assert_eq!(
        (r.code, r.message.as_deref()),
        (5, Some("Unauthorized request"))
    );
    assert!(r.to_string().starts_with("KRB5_KPASSWD_ACCESSDENIED: "));
}

#[test]
fn policy_refusals_keep_the_servers_words() {
    let (change, request) = change("short");
    let read = read(&request);
    let text = b"New password is too short.\nPlease choose a password which is at least 12 characters long.";
    let r = refusal(change.receive(&reply(&read, 4, text)).unwrap_err());
    assert_eq!(r.code, 4);
    assert!(r.reason().contains("at least 12 characters"));
    assert!(r.policy.is_none());
}

#[test]
fn active_directory_policy_blocks_are_decoded() {
    // MS-KILE / MIT's krb5_chpw_message: 0x0000, min length 7, history 24, complex, max age
    // 42 days, min age 1 day (100-ns units), big-endian.
    let mut block = vec![0, 0];
    block.extend_from_slice(&7u32.to_be_bytes());
    block.extend_from_slice(&24u32.to_be_bytes());
    block.extend_from_slice(&1u32.to_be_bytes());
    block.extend_from_slice(&(42u64 * 86_400 * 10_000_000).to_be_bytes());
    block.extend_from_slice(&(86_400u64 * 10_000_000).to_be_bytes());
    let (change, request) = change("abc");
    let read = read(&request);
    let r = refusal(change.receive(&reply(&read, 4, &block)).unwrap_err());
    let p = r.policy.expect("AD policy");
    assert_eq!((p.min_length, p.history, p.properties), (7, 24, 1));
    assert_eq!(p.min_age, 86_400 * 10_000_000);
    assert!(r.message.is_none());
    let reason = r.reason();
    assert!(reason.contains("at least 7 characters"), "{reason}");
    assert!(reason.contains("last 24 passwords"), "{reason}");
    assert!(reason.contains("24 h after"), "{reason}");
}

#[test]
fn a_krb_error_reply_gives_the_result_code_of_its_e_data() {
    let (change, request) = change("x");
    let _ = read(&request);
    let mut e_data = 3u16.to_be_bytes().to_vec();
    e_data.extend_from_slice(b"Failed reading application request");
    let error = KrbError {
        pvno: 5,
        msg_type: 30,
        ctime: None,
        cusec: None,
        stime: time(NOW),
        susec: 0,
        error_code: 41,
        crealm: None,
        cname: None,
        realm: REALM.into(),
        sname: changepw_principal(REALM).to_principal_name(),
        e_text: None,
        e_data: Some(e_data.into()),
    }
    .to_der()
    .unwrap();
    let framed = KpasswdMessage {
        version: 1,
        ap: Vec::new(),
        body: error.clone(),
    }
    .encode()
    .unwrap();
    for reply in [framed, error] {
        let r = refusal(change.receive(&reply).unwrap_err());
        assert_eq!(r.code, 3, "KRB5_KPASSWD_AUTHERROR");
    }
}

#[test]
fn a_reply_not_from_the_server_is_refused() {
    // An AP-REP sealed in another session key: whoever answered does not hold the ticket's.
    let (change, request) = change("NewPassw0rd2");
    let read = read(&request);
    let other = Key::new(Enctype::AES256_CTS_HMAC_SHA1_96, &[0x63; 32]).unwrap();
    let e = change
        .receive(&reply_with(&read, 0, b"", &other))
        .unwrap_err();
    assert!(matches!(e, KerberosError::MutualAuthFailed(_)), "{e}");
    // A KRB-PRIV in another key than the subkey: an integrity failure, not a success.
    let forged = Read {
        subkey: other,
        ..read
    };
    assert!(change.receive(&reply(&forged, 0, b"")).is_err());
}

proptest! {
    #[test]
    fn any_reply_bytes_are_an_error_or_a_result_never_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let (change, _) = change("p");
        let _ = change.receive(&bytes);
    }
}
