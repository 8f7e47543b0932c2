#![no_main]
//! An armored AS exchange (FAST, RFC 6113) fed arbitrary KDC replies, twice (the first may be
//! a pre-authentication request that the exchange answers): an error or a next request, never
//! a panic, never a ticket (the tunnel is keyed by an armor key the fuzzer cannot guess).
use std::time::{Duration, SystemTime};

use sesame_asn1::kerberos::{EncryptedData, Ticket};
use sesame_gss::{DeterministicRandom, FixedClock};
use sesame_kerberos::crypto::{Enctype, Key};
use sesame_kerberos::exchange::{AsExchange, AsOptions, ClientSecret, KdcStep};
use sesame_kerberos::principal::Principal;
use sesame_kerberos::tickets::IssuedTicket;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let clock = FixedClock(SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_674_471));
    let mut rng = DeterministicRandom::new([7; 32]);
    let (Ok(client), Ok(host)) = (
        Principal::parse("fast1@EXAMPLE.TEST", None),
        Principal::parse("HTTP/localhost@EXAMPLE.TEST", None),
    ) else {
        return;
    };
    let Ok(session_key) = Key::new(Enctype::AES256_CTS_HMAC_SHA1_96, &[0x71; 32]) else { return };
    let krbtgt = Principal::krbtgt("EXAMPLE.TEST", "EXAMPLE.TEST");
    let armor = IssuedTicket {
        client: host,
        server: krbtgt.clone(),
        ticket: Ticket {
            tkt_vno: 5,
            realm: krbtgt.wire_realm(),
            sname: krbtgt.to_principal_name(),
            enc_part: EncryptedData { etype: 18, kvno: Some(1), cipher: vec![0; 64].into() },
        },
        session_key,
        flags: 0x4000_0000,
        authtime: 1_795_674_000,
        starttime: None,
        endtime: 1_795_710_000,
        renew_till: None,
        user_to_user: false,
    };
    let options = AsOptions { armor: Some(armor), ..AsOptions::default() };
    let Ok(user_key) = Key::new(Enctype::AES256_CTS_HMAC_SHA1_96, &[0x72; 32]) else { return };
    let secret = ClientSecret::Keys(vec![user_key]);
    let Ok((mut exchange, _)) = AsExchange::start(client, secret, options, &clock, &mut rng) else { return };
    for _ in 0..2 {
        match exchange.receive(data, &clock, &mut rng) {
            Ok(KdcStep::Done(_)) => panic!("an arbitrary reply produced a ticket"),
            Ok(KdcStep::Send(_)) => {}
            Err(_) => return,
        }
    }
});
