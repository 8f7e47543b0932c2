//! A test double of a KDC, in process: it answers AS-REQs (with encrypted-timestamp
//! pre-authentication and ETYPE-INFO2) and TGS-REQs (service tickets, cross-realm referrals,
//! user-to-user) from an in-memory principal table, and can be told to answer a chosen
//! KRB-ERROR, to stall, or to drop requests, so that every error path of a client can be driven
//! deterministically. It implements [`KdcTransport`], and can also listen on loopback TCP/UDP
//! for tests of binaries.
//!
//! It is not a KDC to deploy: no database, no policy, no FAST. Conformance is judged against
//! the MIT KDC; this is for tests that must not depend on installed software.
#![forbid(unsafe_code)]

mod handler;
mod serve;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sesame_gss::{Clock, KdcRequest, Random};
use sesame_kerberos::crypto::{Enctype, Key};
use sesame_kerberos::keytab::{Keytab, KeytabEntry};
use sesame_kerberos::principal::Principal;
use sesame_kerberos::transport::{KdcAttempt, KdcFailure, KdcTransport, Protocol, TransportError};

pub use serve::Listener;

/// A principal of the table.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Its long-term keys, one per enctype.
    pub keys: Vec<Key>,
    /// Their version number.
    pub kvno: u32,
    /// The salt the keys were made with (sent in ETYPE-INFO2).
    pub salt: Vec<u8>,
    /// Whether AS-REQs for it need PA-ENC-TIMESTAMP.
    pub requires_preauth: bool,
}

/// Which exchange a fault applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exchange {
    /// AS-REQs.
    As,
    /// TGS-REQs.
    Tgs,
    /// Both.
    Any,
}

/// A deliberate misbehaviour.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer with a KRB-ERROR of this code (and e-text).
    Error(i32),
    /// Do not answer (the in-process transport reports a timeout; the listener stays silent).
    Drop,
    /// Answer after this long.
    Delay(Duration),
    /// Over UDP, answer KRB_ERR_RESPONSE_TOO_BIG (RFC 4120 7.2.1), so the client must retry over
    /// TCP; TCP is unaffected.
    TooBigForUdp,
}

/// The test KDC. Shared by `Arc` between a test and the transports using it.
pub struct TestKdc {
    realms: Vec<String>,
    principals: Mutex<HashMap<String, Entry>>,
    faults: Mutex<Vec<(Exchange, Fault)>>,
    requests: Mutex<Vec<Vec<u8>>>,
    clock: Arc<dyn Clock>,
    rng: Mutex<Box<dyn Random>>,
    /// Whether to put a PAC (with server and KDC signatures) into the tickets it issues.
    pub issue_pac: bool,
}

impl TestKdc {
    /// A KDC for `realms` (the first is the default), with a krbtgt for each, cross-realm
    /// trust between them in the order given (krbtgt/B@A for consecutive A, B), the clock it
    /// issues times by and its randomness.
    pub fn new(realms: &[&str], clock: Arc<dyn Clock>, rng: Box<dyn Random>) -> Self {
        let kdc = Self {
            realms: realms.iter().map(ToString::to_string).collect(),
            principals: Mutex::new(HashMap::new()),
            faults: Mutex::new(Vec::new()),
            requests: Mutex::new(Vec::new()),
            clock,
            rng: Mutex::new(rng),
            issue_pac: true,
        };
        for r in realms {
            kdc.add_random(&Principal::krbtgt(r, r));
        }
        for pair in realms.windows(2) {
            if let [a, b] = pair {
                kdc.add_random(&Principal::krbtgt(b, a));
                kdc.add_random(&Principal::krbtgt(a, b));
            }
        }
        kdc
    }

    /// Adds a user with a password, keys for every strong enctype, pre-authentication required.
    pub fn add_user(&self, name: &str, password: &str) -> Principal {
        let principal = self.parse(name);
        let salt = principal.default_salt();
        let keys = Enctype::STRONG
            .iter()
            .filter_map(|e| Key::from_password(*e, password.as_bytes(), &salt, None).ok())
            .collect();
        self.insert(
            &principal,
            Entry {
                keys,
                kvno: 1,
                salt,
                requires_preauth: true,
            },
        );
        principal
    }

    /// Adds a principal with random keys (a service, or a krbtgt).
    pub fn add_random(&self, principal: &Principal) {
        let keys = {
            let mut rng = self
                .rng
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            Enctype::STRONG
                .iter()
                .filter_map(|e| Key::random(*e, rng.as_mut()).ok())
                .collect()
        };
        self.insert(
            principal,
            Entry {
                keys,
                kvno: 2,
                salt: principal.default_salt(),
                requires_preauth: false,
            },
        );
    }

    /// Adds a service `name` (e.g. `HTTP/localhost`) with random keys and returns its keytab.
    pub fn add_service(&self, name: &str) -> Keytab {
        let mut principal = self.parse(name);
        principal.name_type = sesame_asn1::kerberos::constants::name_type::NT_SRV_HST;
        self.add_random(&principal);
        self.keytab(&principal)
    }

    /// Replaces a principal's entry.
    pub fn insert(&self, principal: &Principal, entry: Entry) {
        self.lock_principals().insert(key_of(principal), entry);
    }

    /// A principal's entry.
    pub fn entry(&self, principal: &Principal) -> Option<Entry> {
        self.lock_principals().get(&key_of(principal)).cloned()
    }

    /// A keytab with the keys of `principal`.
    pub fn keytab(&self, principal: &Principal) -> Keytab {
        let mut keytab = Keytab::default();
        if let Some(e) = self.entry(principal) {
            for key in &e.keys {
                keytab.entries.push(KeytabEntry {
                    principal: principal.clone(),
                    timestamp: 0,
                    kvno: e.kvno,
                    enctype: key.enctype().id(),
                    key: key.as_bytes().to_vec().into(),
                });
            }
        }
        keytab
    }

    /// Makes the KDC misbehave on `exchange` until [`TestKdc::clear_faults`].
    pub fn set_fault(&self, exchange: Exchange, fault: Fault) {
        self.faults
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((exchange, fault));
    }

    /// Back to normal behaviour.
    pub fn clear_faults(&self) {
        self.faults
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Vec<u8>> {
        self.requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Answers one request (the DER of an AS-REQ or TGS-REQ, no length prefix) sent to the KDC
    /// of `realm`; `None` means the request is dropped.
    pub fn handle(&self, realm: &str, request: &[u8]) -> Option<Vec<u8>> {
        self.handle_over(realm, request, false)
    }

    /// [`TestKdc::handle`] for a request that came over UDP (`udp`) or not.
    pub fn handle_over(&self, realm: &str, request: &[u8], udp: bool) -> Option<Vec<u8>> {
        self.requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(request.to_vec());
        let exchange = match request.first() {
            Some(0x6a) => Exchange::As,
            _ => Exchange::Tgs,
        };
        let faults = self
            .faults
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let mut forced_error = None;
        for (which, fault) in faults {
            if which != Exchange::Any && which != exchange {
                continue;
            }
            match fault {
                Fault::Drop => return None,
                Fault::Delay(d) => std::thread::sleep(d),
                Fault::Error(code) => forced_error = Some(code),
                Fault::TooBigForUdp if udp => {
                    forced_error = Some(
                        sesame_asn1::kerberos::constants::error_code::KRB_ERR_RESPONSE_TOO_BIG,
                    );
                }
                Fault::TooBigForUdp => {}
            }
        }
        let realm = self
            .realms
            .iter()
            .find(|r| r.eq_ignore_ascii_case(realm))
            .cloned()
            .unwrap_or_else(|| realm.to_string());
        Some(handler::answer(self, &realm, request, forced_error))
    }

    fn parse(&self, name: &str) -> Principal {
        let default = self.realms.first().map(String::as_str);
        Principal::parse(name, default).unwrap_or_else(|_| Principal {
            components: vec![name.to_string()],
            realm: default.unwrap_or_default().to_string(),
            name_type: 1,
        })
    }

    fn lock_principals(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.principals
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn serves(&self, realm: &str) -> bool {
        self.realms.iter().any(|r| r == realm)
    }

    pub(crate) fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    pub(crate) fn random(&self, buf: &mut [u8]) {
        let mut rng = self
            .rng
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let _ = rng.fill(buf);
    }
}

/// Principals are looked up by name and realm; the name type does not matter (RFC 4120 6.2).
pub(crate) fn key_of(p: &Principal) -> String {
    format!("{}@{}", p.components.join("/"), p.realm)
}

impl KdcTransport for TestKdc {
    fn send(&self, request: &KdcRequest) -> Result<Vec<u8>, TransportError> {
        if !self.serves(&request.realm) {
            return Err(TransportError::NoKdc {
                realm: request.realm.clone(),
            });
        }
        self.handle(&request.realm, &request.message)
            .ok_or_else(|| TransportError::AllFailed {
                realm: request.realm.clone(),
                attempts: vec![KdcAttempt {
                    kdc: "test-kdc".into(),
                    protocol: Protocol::Tcp,
                    failure: KdcFailure::TimedOut,
                }],
            })
    }
}
