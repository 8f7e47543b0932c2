//! The blocking KDC transport against the test KDC listening on loopback: UDP and TCP,
//! KRB_ERR_RESPONSE_TOO_BIG answered by a retry over TCP, and each failure as its own fact.
#![allow(clippy::unwrap_used, clippy::panic)] // test code

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use sesame_asn1::Der;
use sesame_asn1::kerberos::AsRep;
use sesame_gss::{Clock, DeterministicRandom, KdcRequest, SystemClock};
use sesame_kerberos::exchange::{AsExchange, AsOptions, ClientSecret, KdcStep};
use sesame_kerberos::principal::Principal;
use sesame_kerberos::transport::{KdcClient, KdcFailure, KdcTransport, Protocol, TransportError};
use sesame_testkdc::{Exchange, Fault, TestKdc};

const REALM: &str = "EXAMPLE.TEST";

fn kdc() -> Arc<TestKdc> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let kdc = TestKdc::new(&[REALM], clock, Box::new(DeterministicRandom::new([1; 32])));
    kdc.add_user("user1", "Passw0rd1");
    Arc::new(kdc)
}

/// Runs an AS exchange through `transport`; the error if any.
fn kinit(transport: &dyn KdcTransport) -> Result<(), sesame_kerberos::KerberosError> {
    let mut rng = DeterministicRandom::new([5; 32]);
    let clock = SystemClock;
    let (mut ex, mut req) = AsExchange::start(
        Principal::parse("user1@EXAMPLE.TEST", None).unwrap(),
        ClientSecret::Password(b"Passw0rd1".to_vec().into()),
        AsOptions::default(),
        &clock,
        &mut rng,
    )?;
    loop {
        let reply = transport.send(&req)?;
        match ex.receive(&reply, &clock, &mut rng)? {
            KdcStep::Send(next) => req = next,
            KdcStep::Done(_) => return Ok(()),
        }
    }
}

#[test]
fn udp_and_tcp_both_carry_the_exchange() {
    let kdc = kdc();
    let listener = kdc.listen(REALM).unwrap();
    let addr = listener.addr.to_string();
    for (prefix, limit) in [("udp/", 65_536), ("tcp/", 1), ("", 65_536), ("", 1)] {
        let mut client = KdcClient::new().with_kdc(REALM, &format!("{prefix}{addr}"));
        client.udp_preference_limit = limit;
        kinit(&client).unwrap_or_else(|e| panic!("{prefix} limit {limit}: {e}"));
    }
}

#[test]
fn response_too_big_over_udp_is_retried_over_tcp() {
    let kdc = kdc();
    kdc.set_fault(Exchange::Any, Fault::TooBigForUdp);
    let listener = kdc.listen(REALM).unwrap();
    let mut client = KdcClient::new().with_kdc(REALM, &listener.addr.to_string());
    client.udp_preference_limit = 65_536;
    kinit(&client).unwrap();
    // A `udp/` entry too: the oversized answer is retried over TCP, and both tries are told.
    let udp_named = KdcClient::new().with_kdc(REALM, &format!("udp/{}", listener.addr));
    kinit(&udp_named).unwrap();
}

fn first_request() -> KdcRequest {
    let mut rng = DeterministicRandom::new([6; 32]);
    AsExchange::start(
        Principal::parse("user1@EXAMPLE.TEST", None).unwrap(),
        ClientSecret::Password(b"x".to_vec().into()),
        AsOptions::default(),
        &SystemClock,
        &mut rng,
    )
    .unwrap()
    .1
}

#[test]
fn a_closed_port_is_connection_refused_on_both_protocols() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = KdcClient::new().with_kdc(REALM, &format!("127.0.0.1:{port}"));
    let e = client.send(&first_request()).unwrap_err();
    let TransportError::AllFailed { realm, attempts } = e else {
        panic!("{e:?}")
    };
    assert_eq!(realm, REALM);
    let protocols: Vec<_> = attempts.iter().map(|a| a.protocol).collect();
    assert_eq!(protocols, [Protocol::Udp, Protocol::Tcp]);
    assert!(
        attempts
            .iter()
            .all(|a| a.failure == KdcFailure::ConnectionRefused),
        "{attempts:?}"
    );
    assert!(attempts[0].kdc.ends_with(&port.to_string()));
}

#[test]
fn a_silent_kdc_times_out_and_an_unknown_realm_has_no_kdc() {
    let kdc = kdc();
    kdc.set_fault(Exchange::Any, Fault::Drop);
    let listener = kdc.listen(REALM).unwrap();
    let mut client = KdcClient::new().with_kdc(REALM, &format!("tcp/{}", listener.addr));
    client.timeout = Duration::from_millis(300);
    let started = SystemTime::now();
    let e = client.send(&first_request()).unwrap_err();
    let TransportError::AllFailed { attempts, .. } = e else {
        panic!("{e:?}")
    };
    assert_eq!(attempts[0].failure, KdcFailure::TimedOut);
    assert!(started.elapsed().unwrap() < Duration::from_secs(5));
    let mut other = first_request();
    other.realm = "NOWHERE.TEST".into();
    assert_eq!(
        client.send(&other).unwrap_err(),
        TransportError::NoKdc {
            realm: "NOWHERE.TEST".into()
        }
    );
}

#[test]
fn a_reply_over_the_wire_is_the_kdc_s_message() {
    let kdc = kdc();
    let listener = kdc.listen(REALM).unwrap();
    let client = KdcClient::new().with_kdc(REALM, &format!("tcp/{}", listener.addr));
    let reply = client.send(&first_request()).unwrap();
    // The first AS-REQ has no pre-authentication: the answer is a KRB-ERROR, not an AS-REP.
    assert!(AsRep::from_der(&reply).is_err());
    assert_eq!(reply[0], 0x7e);
}
