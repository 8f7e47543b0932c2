#![no_main]
//! The kpasswd client (RFC 3244) fed arbitrary replies: an error, never a panic, never a
//! success (the AP-REP and KRB-PRIV are sealed in keys the fuzzer cannot guess).
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, SystemTime};

use sesame_asn1::kerberos::{EncryptedData, Ticket};
use sesame_gss::{DeterministicRandom, FixedClock};
use sesame_kerberos::crypto::{Enctype, Key};
use sesame_kerberos::kpasswd::{PasswordChange, changepw_principal};
use sesame_kerberos::principal::Principal;
use sesame_kerberos::tickets::IssuedTicket;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let clock = FixedClock(SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_674_471));
    let mut rng = DeterministicRandom::new([6; 32]);
    let Ok(client) = Principal::parse("user1@EXAMPLE.TEST", None) else { return };
    let Ok(session_key) = Key::new(Enctype::AES256_CTS_HMAC_SHA1_96, &[0x62; 32]) else { return };
    let server = changepw_principal("EXAMPLE.TEST");
    let ticket = IssuedTicket {
        client,
        server: server.clone(),
        ticket: Ticket {
            tkt_vno: 5,
            realm: server.wire_realm(),
            sname: server.to_principal_name(),
            enc_part: EncryptedData { etype: 18, kvno: Some(1), cipher: vec![0; 64].into() },
        },
        session_key,
        flags: 0x0040_0000,
        authtime: 1_795_674_000,
        starttime: None,
        endtime: 1_795_674_300,
        renew_till: None,
        user_to_user: false,
    };
    let sender = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let Ok((change, _)) = PasswordChange::change(&ticket, "NewPassw0rd2", sender, &clock, &mut rng) else { return };
    if change.receive(data).is_ok() {
        panic!("an arbitrary reply said the password was changed");
    }
});
