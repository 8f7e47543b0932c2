//! The AS exchange (RFC 4120 3.1): an initial ticket from a password or a long-term key, with
//! encrypted-timestamp pre-authentication (5.2.7.2) salted as ETYPE-INFO2 says (5.2.7.5).

use std::time::Duration;

use sesame_asn1::Der;
use sesame_asn1::kerberos::constants::{error_code, msg_type, pa_type};
use sesame_asn1::kerberos::{
    AsRep, AsReq, EncKdcRepPart, EncryptedData, EtypeInfo2, EtypeInfo2Entry, KdcReq, KdcReqBody,
    KerberosFlags, KrbError, PaData, PaEncTsEnc, PaPacRequest,
};
use sesame_gss::{Clock, KdcRequest, Random};
use zeroize::Zeroizing;

use super::{KdcStep, enctype_ids, issued, kdc_options, later, method_data, nonce, now};
use crate::crypto::{CryptoError, Enctype, Key};
use crate::error::{KerberosError, KrbErrorFacts};
use crate::key_usage;
use crate::principal::Principal;
use crate::tickets::IssuedTicket;

/// What proves the client's identity to the KDC.
#[derive(Clone)]
pub enum ClientSecret {
    /// A password; keys are derived with the salt the KDC names.
    Password(Zeroizing<Vec<u8>>),
    /// Long-term keys, e.g. from a keytab: the one of the KDC's chosen enctype is used.
    Keys(Vec<Key>),
}

impl core::fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Password(_) => f.write_str("Password(<secret>)"),
            Self::Keys(k) => f.debug_tuple("Keys").field(k).finish(),
        }
    }
}

/// What to ask for.
#[derive(Clone, Debug)]
pub struct AsOptions {
    /// Enctypes in order of preference.
    pub enctypes: Vec<Enctype>,
    /// Requested lifetime.
    pub lifetime: Duration,
    /// Requested renewable lifetime, if any.
    pub renew: Option<Duration>,
    /// Ask for a forwardable ticket (needed for delegation).
    pub forwardable: bool,
    /// Ask for a proxiable ticket.
    pub proxiable: bool,
    /// PA-PAC-REQUEST (MS-KILE 2.2.3): `Some(true)` asks an AD KDC for a PAC.
    pub request_pac: Option<bool>,
    /// The service; `krbtgt/REALM@REALM` when `None`.
    pub service: Option<Principal>,
    /// Accept an rc4-hmac reply key and session key (opt-in, RFC 8429).
    pub allow_weak: bool,
    /// FAST (RFC 6113): armor the exchange with this TGT of another principal (a host's,
    /// as MIT's `kinit -T ARMOR_CCACHE`); pre-authentication is then an encrypted challenge
    /// when the KDC offers one, and a reply outside the tunnel is refused.
    pub armor: Option<IssuedTicket>,
}

impl Default for AsOptions {
    fn default() -> Self {
        Self {
            enctypes: Enctype::DEFAULT_PREFERENCE.to_vec(),
            lifetime: Duration::from_secs(10 * 3600),
            renew: None,
            forwardable: true,
            proxiable: false,
            request_pac: None,
            service: None,
            allow_weak: false,
            armor: None,
        }
    }
}

/// An AS exchange in progress.
#[derive(Debug)]
pub struct AsExchange {
    client: Principal,
    service: Principal,
    secret: ClientSecret,
    options: AsOptions,
    nonce: u32,
    /// The key of the pre-authentication sent, if one was sent.
    preauth_key: Option<Key>,
    /// The FAST tunnel, when armored.
    fast: Option<super::fast::Fast>,
    /// The KDC's PA-FX-COOKIE, returned in the next request (RFC 6113 5.2).
    cookie: Option<PaData>,
    /// Whether the pre-authentication sent was an encrypted challenge (the KDC must answer
    /// with its own).
    challenge_sent: bool,
}

impl AsExchange {
    /// Starts the exchange; returns the first AS-REQ (without pre-authentication: the KDC
    /// names the enctype and salt in its KDC_ERR_PREAUTH_REQUIRED answer).
    pub fn start(
        client: Principal,
        secret: ClientSecret,
        options: AsOptions,
        clock: &dyn Clock,
        rng: &mut dyn Random,
    ) -> Result<(Self, KdcRequest), KerberosError> {
        if options.enctypes.is_empty() {
            return Err(KerberosError::Config("no enctype to request".into()));
        }
        let service = options
            .service
            .clone()
            .unwrap_or_else(|| Principal::krbtgt(&client.realm, &client.realm));
        let fast = match &options.armor {
            Some(armor) => Some(super::fast::Fast::armor(armor, clock, rng)?),
            None => None,
        };
        let exchange = Self {
            client,
            service,
            secret,
            options,
            nonce: nonce(rng)?,
            preauth_key: None,
            fast,
            cookie: None,
            challenge_sent: false,
        };
        let request = exchange.request(Vec::new(), clock, rng)?;
        Ok((exchange, request))
    }

    /// The client principal.
    pub fn client(&self) -> &Principal {
        &self.client
    }

    fn request(
        &self,
        mut padata: Vec<PaData>,
        clock: &dyn Clock,
        rng: &mut dyn Random,
    ) -> Result<KdcRequest, KerberosError> {
        if let Some(cookie) = &self.cookie {
            padata.insert(0, cookie.clone());
        }
        let (now, _) = now(clock);
        let mut options = KerberosFlags::default();
        options.set(kdc_options::FORWARDABLE, self.options.forwardable);
        options.set(kdc_options::PROXIABLE, self.options.proxiable);
        options.set(kdc_options::CANONICALIZE, true);
        options.set(kdc_options::RENEWABLE, self.options.renew.is_some());
        if let Some(include_pac) = self.options.request_pac {
            padata.push(PaData {
                padata_type: pa_type::PAC_REQUEST,
                padata_value: PaPacRequest { include_pac }
                    .to_der()
                    .map_err(KerberosError::decode("PA-PAC-REQUEST"))?
                    .into(),
            });
        }
        let body = KdcReqBody {
            kdc_options: options,
            cname: Some(self.client.to_principal_name()),
            realm: self.client.wire_realm(),
            sname: Some(self.service.to_principal_name()),
            from: None,
            till: later(now, self.options.lifetime),
            rtime: self.options.renew.map(|r| later(now, r)),
            nonce: self.nonce,
            etype: enctype_ids(&self.options.enctypes),
            addresses: None,
            enc_authorization_data: None,
            additional_tickets: None,
        };
        // Armored, every padata travels inside the tunnel; outside, only PA-FX-FAST.
        if let Some(fast) = &self.fast {
            let body_der = body
                .to_der()
                .map_err(KerberosError::decode("KDC-REQ-BODY"))?;
            padata = vec![fast.request(padata, &body, &body_der, rng)?];
        }
        let req = AsReq(KdcReq {
            pvno: 5,
            msg_type: msg_type::AS_REQ,
            padata: (!padata.is_empty()).then_some(padata),
            req_body: body,
        });
        Ok(KdcRequest {
            realm: self.client.realm.clone(),
            message: req.to_der().map_err(KerberosError::decode("AS-REQ"))?,
        })
    }

    /// Takes the KDC's reply: a retry with pre-authentication, the ticket, or the error.
    pub fn receive(
        &mut self,
        reply: &[u8],
        clock: &dyn Clock,
        rng: &mut dyn Random,
    ) -> Result<KdcStep<IssuedTicket>, KerberosError> {
        match reply.first() {
            Some(0x7e) => {
                let outer =
                    KrbError::from_der(reply).map_err(KerberosError::decode("KRB-ERROR"))?;
                let (error, methods) = self.open_error(outer)?;
                if error.error_code == error_code::KDC_ERR_PREAUTH_REQUIRED
                    && self.preauth_key.is_none()
                {
                    let hints = etype_info2(&methods);
                    let timestamp_offered = methods
                        .iter()
                        .any(|m| m.padata_type == pa_type::ENC_TIMESTAMP);
                    let challenge_offered = self.fast.is_some()
                        && methods
                            .iter()
                            .any(|m| m.padata_type == pa_type::ENCRYPTED_CHALLENGE);
                    let fast_offered = methods.iter().any(|m| m.padata_type == pa_type::FX_FAST);
                    // With hints for our enctypes but no encrypted timestamp beside PA-FX-FAST,
                    // the KDC takes pre-authentication only inside FAST (without hints it has
                    // no key of ours: that is NoPreauthMethod below).
                    if self.fast.is_none()
                        && fast_offered
                        && !timestamp_offered
                        && !hints.is_empty()
                    {
                        return Err(KerberosError::FastRequired {
                            offered: methods.iter().map(|m| m.padata_type).collect(),
                        });
                    }
                    if hints.is_empty()
                        && !timestamp_offered
                        && !challenge_offered
                        && !methods.is_empty()
                    {
                        return Err(KerberosError::NoPreauthMethod {
                            offered: methods.iter().map(|m| m.padata_type).collect(),
                            requested: enctype_ids(&self.options.enctypes),
                        });
                    }
                    let key = self.choose_key(&hints)?;
                    let padata = match &self.fast {
                        Some(fast) if challenge_offered => {
                            self.challenge_sent = true;
                            fast.client_challenge(&key, clock, rng)?
                        }
                        _ => encrypted_timestamp(&key, clock, rng)?,
                    };
                    self.preauth_key = Some(key);
                    return Ok(KdcStep::Send(self.request(vec![padata], clock, rng)?));
                }
                Err(KerberosError::Krb(Box::new(KrbErrorFacts::from_message(
                    &error,
                ))))
            }
            Some(0x6b) => {
                let rep = AsRep::from_der(reply)
                    .map_err(KerberosError::decode("AS-REP"))?
                    .0;
                let long_term = match &self.preauth_key {
                    Some(k) if k.enctype().id() == rep.enc_part.etype => k.clone(),
                    _ => {
                        let hints = rep.padata.as_deref().map(etype_info2).unwrap_or_default();
                        self.key_for(rep.enc_part.etype, &hints)?
                    }
                };
                let (key, fast_client) = self.open_reply(&rep, &long_term, clock)?;
                let plain = key
                    .usage(key_usage::AS_REP_ENC_PART)
                    .decrypt(&rep.enc_part.cipher)
                    .map_err(|e| match e {
                        CryptoError::IntegrityCheckFailed => KerberosError::ReplyKeyMismatch,
                        other => other.into(),
                    })?;
                let (part, _) = EncKdcRepPart::from_der_either(&plain)
                    .map_err(KerberosError::decode("EncASRepPart"))?;
                // Armored, the name the KDC authenticated is KrbFastFinished's (5.4.3).
                let client =
                    fast_client.unwrap_or_else(|| Principal::from_wire(&rep.cname, &rep.crealm));
                // An enterprise name is answered with the account's canonical name (RFC 6806
                // 5); the reply is still bound to the request by its key and nonce.
                if self.client.name_type
                    != sesame_asn1::kerberos::constants::name_type::NT_ENTERPRISE
                {
                    super::check_client(&self.client, &client)?;
                }
                let ticket = issued(
                    client,
                    rep.ticket,
                    &part,
                    self.nonce,
                    self.options.allow_weak,
                    false,
                )?;
                Ok(KdcStep::Done(ticket))
            }
            _ => Err(KerberosError::Protocol(
                "KDC answered an AS-REQ with neither AS-REP nor KRB-ERROR",
            )),
        }
    }

    /// The real error and its METHOD-DATA: armored, those inside the tunnel (PA-FX-ERROR and
    /// the response's padata; the cookie kept for the next request); else the error's own.
    fn open_error(&mut self, outer: KrbError) -> Result<(KrbError, Vec<PaData>), KerberosError> {
        let methods = method_data(&outer);
        let Some(fast) = &self.fast else {
            return Ok((outer, methods));
        };
        // An error outside the tunnel (the KDC could not read the armor, or has no FAST):
        // its own facts, trusted no further than any unarmored error.
        let Some(opened) = fast.open(&methods, self.nonce)? else {
            return Ok((outer, methods));
        };
        self.cookie = opened
            .padata
            .iter()
            .find(|p| p.padata_type == pa_type::FX_COOKIE)
            .cloned();
        let error = opened.error.unwrap_or(outer);
        Ok((error, opened.padata))
    }

    /// The reply key, and when armored the client name of KrbFastFinished: the tunnel must be
    /// there, answer this request, prove the ticket and, after an encrypted challenge, carry
    /// the KDC's; the long-term key is strengthened as it says.
    fn open_reply(
        &self,
        rep: &sesame_asn1::kerberos::KdcRep,
        long_term: &Key,
        clock: &dyn Clock,
    ) -> Result<(Key, Option<Principal>), KerberosError> {
        let Some(fast) = &self.fast else {
            return Ok((long_term.clone(), None));
        };
        let opened = fast.open_reply(rep, self.nonce)?;
        if self.challenge_sent {
            fast.check_kdc_challenge(&opened.padata, long_term, clock, 300)?;
        }
        let key =
            super::fast::Fast::reply_key(&opened.response, long_term, self.options.allow_weak)?;
        let client = opened
            .response
            .finished
            .as_ref()
            .map(|f| Principal::from_wire(&f.cname, &f.crealm));
        Ok((key, client))
    }

    /// The key for the first ETYPE-INFO2 entry (the KDC's preference) that we allow.
    fn choose_key(&self, hints: &[EtypeInfo2Entry]) -> Result<Key, KerberosError> {
        let allowed = |id: i32| self.options.enctypes.iter().any(|e| e.id() == id);
        let entry = hints
            .iter()
            .find(|h| allowed(h.etype) && self.has_key_for(h.etype));
        if let Some(h) = entry {
            self.key_for(h.etype, hints)
        } else if let Some(offered) = hints.first() {
            // The KDC names only enctypes we do not allow (rc4-hmac without the opt-in, or
            // ones Sesame lacks): say so rather than guess a key it would refuse.
            Err(match Enctype::from_id_allow_weak(offered.etype) {
                Ok(e) if e.is_weak() => CryptoError::WeakEnctypeRefused(offered.etype),
                _ => CryptoError::UnsupportedEnctype(offered.etype),
            }
            .into())
        } else {
            // No hints: the first enctype of ours we hold a key for, with the default salt.
            {
                let etype = self
                    .options
                    .enctypes
                    .iter()
                    .map(|e| e.id())
                    .find(|id| self.has_key_for(*id))
                    .ok_or_else(|| {
                        KerberosError::NoCredentials("no key of an enctype the KDC accepts".into())
                    })?;
                self.key_for(etype, &[])
            }
        }
    }

    fn has_key_for(&self, etype: i32) -> bool {
        match &self.secret {
            ClientSecret::Password(_) => true,
            ClientSecret::Keys(keys) => keys.iter().any(|k| k.enctype().id() == etype),
        }
    }

    fn key_for(&self, etype: i32, hints: &[EtypeInfo2Entry]) -> Result<Key, KerberosError> {
        let enctype = if self.options.allow_weak {
            Enctype::from_id_allow_weak(etype)?
        } else {
            Enctype::from_id(etype)?
        };
        match &self.secret {
            ClientSecret::Password(password) => {
                let hint = hints.iter().find(|h| h.etype == etype);
                let salt = match hint.and_then(|h| h.salt.as_ref()) {
                    Some(s) => s.as_bytes().to_vec(),
                    None => self.client.default_salt(),
                };
                let params = hint.and_then(|h| h.s2kparams.as_deref());
                Ok(Key::from_password(enctype, password, &salt, params)?)
            }
            ClientSecret::Keys(keys) => keys
                .iter()
                .find(|k| k.enctype() == enctype)
                .cloned()
                .ok_or_else(|| {
                    KerberosError::NoCredentials(format!("no {enctype} key for {}", self.client))
                }),
        }
    }
}

fn etype_info2(padata: &[PaData]) -> Vec<EtypeInfo2Entry> {
    padata
        .iter()
        .filter(|p| p.padata_type == pa_type::ETYPE_INFO2)
        .find_map(|p| EtypeInfo2::from_der(&p.padata_value).ok())
        .unwrap_or_default()
}

/// PA-ENC-TIMESTAMP (RFC 4120 5.2.7.2): the client's time encrypted in its long-term key.
fn encrypted_timestamp(
    key: &Key,
    clock: &dyn Clock,
    rng: &mut dyn Random,
) -> Result<PaData, KerberosError> {
    let (patimestamp, pausec) = now(clock);
    let ts = PaEncTsEnc {
        patimestamp,
        pausec: Some(pausec),
    }
    .to_der()
    .map_err(KerberosError::decode("PA-ENC-TS-ENC"))?;
    let cipher = key
        .usage(key_usage::AS_REQ_PA_ENC_TIMESTAMP)
        .encrypt(&ts, rng)?;
    let enc = EncryptedData {
        etype: key.enctype().id(),
        kvno: None,
        cipher: cipher.into(),
    }
    .to_der()
    .map_err(KerberosError::decode("PA-ENC-TIMESTAMP"))?;
    Ok(PaData {
        padata_type: pa_type::ENC_TIMESTAMP,
        padata_value: enc.into(),
    })
}
