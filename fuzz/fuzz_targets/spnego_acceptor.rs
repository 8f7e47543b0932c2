#![no_main]
//! The SPNEGO acceptor (with NTLM and Kerberos behind it) fed an arbitrary first token: a
//! NegTokenInit, a raw NTLMSSP or Kerberos token, anything: an error or a next step, never a
//! panic, never an established context.
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use sesame_asn1::oid;
use sesame_gss::{DeterministicRandom, FixedClock, Input, SecurityContext};
use sesame_kerberos::gssapi::{AcceptorConfig, AcceptorCredentials, KerberosAcceptor};
use sesame_kerberos::keytab::Keytab;
use sesame_ntlm::{MemoryUserStore, NtlmServer, ServerConfig};
use sesame_spnego::{Mech, SpnegoAcceptor};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let clock = Arc::new(FixedClock(SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_674_471)));
    let mut users = MemoryUserStore::new();
    users.add_password("EXAMPLE", "user1", "a password the fuzzer does not know");
    let ntlm = NtlmServer::new(ServerConfig::default(), Arc::new(users), clock.clone(), Box::new(DeterministicRandom::new([2; 32])));
    let krb = KerberosAcceptor::new(Arc::new(AcceptorCredentials::Keytab(Keytab::default())), AcceptorConfig::default(), clock, Box::new(DeterministicRandom::new([3; 32])));
    let mut acc = SpnegoAcceptor::new(vec![
        Mech::new(vec![oid::KERBEROS.to_owned(), oid::MS_KERBEROS.to_owned()], Box::new(krb)),
        Mech::new(vec![oid::NTLMSSP.to_owned()], Box::new(ntlm)),
    ]);
    let _ = acc.step(Input::Token(data));
    assert!(!acc.is_established(), "one arbitrary token established a context");
});
