#![no_main]
//! The S4U2Self and S4U2Proxy TGS exchanges (MS-SFU) fed arbitrary KDC replies: an error, never
//! a panic, never a ticket (the reply is encrypted in keys the fuzzer cannot guess).
use std::time::{Duration, SystemTime};

use sesame_asn1::kerberos::{EncryptedData, Ticket};
use sesame_gss::{DeterministicRandom, FixedClock};
use sesame_kerberos::crypto::{Enctype, Key};
use sesame_kerberos::exchange::{KdcStep, TgsExchange, TgsOptions};
use sesame_kerberos::principal::Principal;
use sesame_kerberos::tickets::IssuedTicket;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let clock = FixedClock(SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_674_471));
    let mut rng = DeterministicRandom::new([5; 32]);
    let (Ok(svc), Ok(user), Ok(target)) = (
        Principal::parse("svc1@SAMBA.TEST", None),
        Principal::parse("user1@SAMBA.TEST", None),
        Principal::parse("cifs/dc1@SAMBA.TEST", None),
    ) else {
        return;
    };
    let Ok(session_key) = Key::new(Enctype::AES256_CTS_HMAC_SHA1_96, &[0x44; 32]) else { return };
    let krbtgt = Principal::krbtgt("SAMBA.TEST", "SAMBA.TEST");
    let ticket = Ticket {
        tkt_vno: 5,
        realm: krbtgt.wire_realm(),
        sname: krbtgt.to_principal_name(),
        enc_part: EncryptedData { etype: 18, kvno: Some(1), cipher: vec![0; 64].into() },
    };
    let tgt = IssuedTicket {
        client: svc.clone(),
        server: krbtgt,
        ticket: ticket.clone(),
        session_key,
        flags: 0x4000_0000,
        authtime: 1_795_674_000,
        starttime: None,
        endtime: 1_795_710_000,
        renew_till: None,
        user_to_user: false,
    };
    for (server, options) in [
        (svc, TgsOptions { impersonate: Some(user), ..TgsOptions::default() }),
        (target, TgsOptions { evidence: Some(ticket), ..TgsOptions::default() }),
    ] {
        let Ok((mut exchange, _)) = TgsExchange::start(tgt.clone(), server, options, &clock, &mut rng) else { return };
        if let Ok(KdcStep::Done(_)) = exchange.receive(data, &clock, &mut rng) {
            panic!("an arbitrary reply produced a ticket");
        }
    }
});
