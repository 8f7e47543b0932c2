#![no_main]
//! Per-message tokens of an established Kerberos context (RFC 4121 Wrap and MIC), arbitrary
//! bytes: unwrap and verify_mic return errors, never panic, never accept a forgery.
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use sesame_gss::{Clock, ContextFlags, DeterministicRandom, FixedClock, Input, MessageProtection, SecurityContext, Step};
use sesame_kerberos::gssapi::{AcceptorConfig, AcceptorCredentials, InitiatorConfig, InitiatorCredentials, KerberosAcceptor, KerberosInitiator};
use sesame_kerberos::principal::Principal;
use sesame_kerberos::transport::step_with_kdc;
use sesame_testkdc::TestKdc;

fn established() -> Option<KerberosAcceptor> {
    let clock: Arc<dyn Clock> = Arc::new(FixedClock(SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_674_471)));
    let kdc = TestKdc::new(&["EXAMPLE.TEST"], clock.clone(), Box::new(DeterministicRandom::new([1; 32])));
    let user = kdc.add_user("user1", "Passw0rd1");
    let keytab = kdc.add_service("HTTP/localhost");
    let creds = Arc::new(InitiatorCredentials::with_password(user, "Passw0rd1"));
    let mut config = InitiatorConfig::new(Principal::parse("HTTP/localhost@EXAMPLE.TEST", None).ok()?);
    config.flags |= ContextFlags::MUTUAL;
    let mut init = KerberosInitiator::new(creds, config, clock.clone(), Box::new(DeterministicRandom::new([2; 32])));
    let mut acc = KerberosAcceptor::new(Arc::new(AcceptorCredentials::Keytab(keytab)), AcceptorConfig::default(), clock, Box::new(DeterministicRandom::new([3; 32])));
    let Ok(Step::Continue(ap_req)) = step_with_kdc(&mut init, Input::Start, &kdc) else { return None };
    let Ok(Step::Complete(Some(_))) = acc.step(Input::Token(&ap_req)) else { return None };
    Some(acc)
}

static ACCEPTOR: OnceLock<Option<Mutex<KerberosAcceptor>>> = OnceLock::new();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some(acc) = ACCEPTOR.get_or_init(|| established().map(Mutex::new)) else { return };
    let Ok(mut acc) = acc.lock() else { return };
    match data.split_first() {
        Some((0, rest)) => {
            let mut buf = rest.to_vec();
            assert!(acc.unwrap_in_place(&mut buf).is_err(), "a forged Wrap token was accepted");
        }
        Some((_, rest)) => {
            let (msg, mic) = rest.split_at(rest.len() / 2);
            assert!(acc.verify_mic(msg, mic).is_err(), "a forged MIC was accepted");
        }
        None => {}
    }
});
