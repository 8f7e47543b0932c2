//! The acceptor (GSS_Accept_sec_context, RFC 4121 4.1; RFC 4120 3.2.3 for the checks): decrypts
//! the ticket with a keytab key (or, user-to-user, with its TGT's session key after sending
//! that TGT in a KERB-TGT-REPLY), checks the authenticator (time, replay, names, channel
//! bindings), takes a delegated TGT, verifies the PAC's server signature, and answers with an
//! AP-REP when mutual authentication or DCE style is requested.

use std::sync::Arc;
use std::time::Duration;

use sesame_asn1::Der;
use sesame_asn1::gss::KerberosContextToken;
use sesame_asn1::kerberos::constants::{error_code as code, msg_type};
use sesame_asn1::kerberos::{
    ApRep, ApReq, Authenticator, AuthorizationDataEntry, EncApRepPart, EncKrbCredPart,
    EncTicketPart, EncryptedData, EncryptionKey, KerbTgtReply, KerberosTime, KrbCred, KrbError,
    SecretOctets,
};
use sesame_gss::{
    ChannelBindingPolicy, ChannelBindings, Clock, ContextFlags, Input, MessageProtection, PeerName,
    Random, SecurityContext, Step, Unwrapped,
};
use sha2::Digest as _;

use super::checksum::GssChecksum;
use super::credentials::AcceptorCredentials;
use super::replay::{ReplayCache, ReplayRefusal, ReplayStore};
use super::tokens::Protection;
use super::{KERBEROS_ARCS, U2U_ARCS, ap_options, ap_options_ad, frame};
use crate::crypto::{Enctype, Key};
use crate::error::KerberosError;
use crate::key_usage;
use crate::pac::{Pac, PacCheck, find_pac};
use crate::principal::Principal;
use crate::tickets::IssuedTicket;

/// How the acceptor checks.
#[derive(Clone, Debug)]
pub struct AcceptorConfig {
    /// The largest clock difference tolerated (krb5.conf `clockskew`, default 5 minutes).
    pub clock_skew: Duration,
    /// The channel bindings of the connection, checked against the initiator's by
    /// `channel_binding_policy`.
    pub channel_bindings: Option<ChannelBindings>,
    /// Whether the initiator must send channel bindings, may, or is not checked (the same
    /// policy as NTLM's, so that Negotiate applies one rule whichever mechanism wins).
    pub channel_binding_policy: ChannelBindingPolicy,
    /// The service principals this acceptor is (`HTTP/web.example.com@EXAMPLE.COM`; an empty
    /// realm matches any realm): a ticket for another principal of the keytab is refused with
    /// `KRB_AP_ERR_NOT_US`, as MIT does for a named acceptor credential. Empty: any principal
    /// of the keytab is accepted (MIT's `GSS_C_NO_NAME`).
    pub service_names: Vec<Principal>,
    /// Accept rc4-hmac tickets (opt-in).
    pub allow_weak: bool,
    /// The KDC's krbtgt keys, for a service that has them (Samba's `domain exportkeytab
    /// --principal=krbtgt`): a PAC's KDC signature must then verify with the key of its
    /// checksum type. Without them only the server signature is checked, as Windows does.
    pub pac_kdc_keys: Vec<Key>,
    /// Authenticators seen, shared by the acceptors of a service: in memory
    /// ([`ReplayCache`], the default), or in a file that other processes and restarts share
    /// ([`super::FileReplayCache`]).
    pub replay_cache: Arc<dyn ReplayStore>,
}

impl Default for AcceptorConfig {
    fn default() -> Self {
        Self {
            clock_skew: Duration::from_secs(300),
            channel_bindings: None,
            channel_binding_policy: ChannelBindingPolicy::default(),
            service_names: Vec::new(),
            allow_weak: false,
            pac_kdc_keys: Vec::new(),
            replay_cache: Arc::new(ReplayCache::new()),
        }
    }
}

/// Credentials the initiator delegated (a forwarded TGT), for the caller to use or store.
#[derive(Clone, Debug)]
pub struct Delegated {
    /// The tickets with their session keys.
    pub tickets: Vec<IssuedTicket>,
}

/// A decrypted and checked AP-REQ.
struct Opened {
    ticket_key: Key,
    ticket: EncTicketPart,
    session: Key,
    auth: Authenticator,
}

enum State {
    Start,
    AwaitDceReply(Box<(Protection, Key, u32)>),
    Established(Box<Protection>),
    Failed,
}

/// A Kerberos acceptor context.
pub struct KerberosAcceptor {
    credentials: Arc<AcceptorCredentials>,
    config: AcceptorConfig,
    clock: Arc<dyn Clock>,
    rng: Box<dyn Random>,
    state: State,
    flags: ContextFlags,
    user_to_user: bool,
    client: Option<Principal>,
    peer: Option<PeerName>,
    authorization_data: Vec<AuthorizationDataEntry>,
    announced_cbt: bool,
    pac: Option<Pac>,
    delegated: Option<Delegated>,
    server: Option<Principal>,
    error_token: Option<Vec<u8>>,
    /// IAKerb: the conversation relayed (every IAKerb token received and sent); after IAKerb
    /// steps the AP-REQ must carry the finish over it.
    iakerb: Option<Vec<u8>>,
    /// The AP-REQ came under the IAKerb OID: the AP-REP goes back under it.
    iakerb_framing: bool,
}

impl KerberosAcceptor {
    /// Makes this the Kerberos half of an IAKerb acceptor: its conversation starts empty.
    pub(crate) fn start_iakerb(&mut self) {
        self.iakerb = Some(Vec::new());
    }

    /// Adds an IAKerb token, sent or received, to the conversation the finish covers.
    pub(crate) fn record_iakerb(&mut self, token: &[u8]) {
        self.iakerb
            .get_or_insert_with(Vec::new)
            .extend_from_slice(token);
    }

    /// An acceptor with `credentials`, an injected clock and randomness.
    pub fn new(
        credentials: Arc<AcceptorCredentials>,
        config: AcceptorConfig,
        clock: Arc<dyn Clock>,
        rng: Box<dyn Random>,
    ) -> Self {
        Self {
            credentials,
            config,
            clock,
            rng,
            state: State::Start,
            flags: ContextFlags::NONE,
            user_to_user: false,
            client: None,
            peer: None,
            authorization_data: Vec::new(),
            announced_cbt: false,
            pac: None,
            delegated: None,
            server: None,
            error_token: None,
            iakerb: None,
            iakerb_framing: false,
        }
    }

    /// The authenticated client.
    pub fn client(&self) -> Option<&Principal> {
        self.client.as_ref()
    }

    /// The service principal the initiator's ticket was for, once an AP-REQ came (with
    /// several names in the keytab, which one was used).
    pub fn server(&self) -> Option<&Principal> {
        self.server.as_ref()
    }

    /// The ticket's authorization data, as the KDC put it there.
    pub fn authorization_data(&self) -> &[AuthorizationDataEntry] {
        &self.authorization_data
    }

    /// Whether the initiator's authenticator announced `KERB_AP_OPTIONS_CBT` (it binds to
    /// channels whenever there is one, MS-KILE 2.2.10), which made bindings required here if
    /// this acceptor had any.
    pub fn channel_bindings_announced(&self) -> bool {
        self.announced_cbt
    }

    /// The PAC, if the ticket carried one: its server signature verified (and its KDC
    /// signature, with [`AcceptorConfig::pac_kdc_keys`]), its client info matching the
    /// ticket, its requestor its user. The user's SID and group SIDs are on it.
    pub fn pac(&self) -> Option<&Pac> {
        self.pac.as_ref()
    }

    /// After a refused AP-REQ: the KRB-ERROR token (GSS-framed, token id `03 00`) telling the
    /// initiator why, as MIT and Windows send it (RFC 4121 4.1; SPNEGO carries it in its
    /// reject). Sending it is the caller's choice.
    pub fn error_token(&self) -> Option<&[u8]> {
        self.error_token.as_deref()
    }

    fn krb_error_token(&self, e: &KerberosError) -> Option<Vec<u8>> {
        let code = match e {
            KerberosError::ChannelBindings(_) => code::KRB_AP_ERR_BADMATCH,
            KerberosError::Decode { .. } => code::KRB_AP_ERR_MSG_TYPE,
            other => other.krb_error_code()?,
        };
        let server = self.server.clone().unwrap_or_default();
        let error = self.krb_error(code, &server);
        frame(self.user_to_user, &KerberosContextToken::KrbError(error)).ok()
    }

    /// A bare KRB-ERROR (no GSS framing) with `code`, from this acceptor's clock: what an
    /// IAKerb acceptor answers in place of a KDC reply it could not get.
    pub(crate) fn bare_krb_error(&self, code: i32, realm: &str) -> Option<Vec<u8>> {
        let krbtgt = Principal::service("krbtgt", realm, realm);
        self.krb_error(code, &krbtgt).to_der().ok()
    }

    /// A KRB-ERROR with `code` from `server`, stamped with this acceptor's clock.
    fn krb_error(&self, code: i32, server: &Principal) -> KrbError {
        let (stime, susec) = crate::exchange::now(self.clock.as_ref());
        KrbError {
            pvno: 5,
            msg_type: msg_type::ERROR,
            ctime: None,
            cusec: None,
            stime,
            susec,
            error_code: code,
            crealm: None,
            cname: None,
            realm: server.wire_realm(),
            sname: server.to_principal_name(),
            e_text: None,
            e_data: None,
        }
    }

    /// The delegated credentials, if the initiator delegated.
    pub fn delegated(&self) -> Option<&Delegated> {
        self.delegated.as_ref()
    }

    fn advance(&mut self, input: Input<'_>) -> Result<Step, KerberosError> {
        let Input::Token(token) = input else {
            return Err(KerberosError::State("an acceptor takes tokens only"));
        };
        match std::mem::replace(&mut self.state, State::Failed) {
            State::Start => {
                if token.first() == Some(&0x6e) {
                    // A raw AP-REQ, as some DCE-style initiators send.
                    let req = ApReq::from_der(token).map_err(KerberosError::decode("AP-REQ"))?;
                    return self.ap_req(&req, false);
                }
                let (framing, token) = super::unframe_as(token)?;
                self.iakerb_framing = framing == super::Framing::Iakerb;
                let u2u = framing == super::Framing::UserToUser;
                match (u2u, token) {
                    (_, KerberosContextToken::TgtReq(_)) => {
                        let ticket = self.credentials.tgt_ticket().ok_or_else(|| {
                            KerberosError::NoCredentials(
                                "user-to-user asked for, but the acceptor has no TGT".into(),
                            )
                        })?;
                        let rep = KerberosContextToken::TgtRep(KerbTgtReply {
                            pvno: 5,
                            msg_type: msg_type::TGT_REP,
                            ticket: ticket.clone(),
                        });
                        self.state = State::Start;
                        Ok(Step::Continue(frame(true, &rep)?))
                    }
                    (u2u, KerberosContextToken::ApReq(req)) => self.ap_req(&req, u2u),
                    _ => Err(KerberosError::Protocol(
                        "expected an AP-REQ or a KERB-TGT-REQUEST",
                    )),
                }
            }
            State::AwaitDceReply(pending) => {
                let (protection, session, seq) = *pending;
                let rep = ApRep::from_der(token).map_err(KerberosError::decode("AP-REP"))?;
                let plain = session
                    .usage(key_usage::AP_REP_ENC_PART)
                    .decrypt(&rep.enc_part.cipher)?;
                let part = EncApRepPart::from_der(&plain)
                    .map_err(KerberosError::decode("EncAPRepPart"))?;
                if part.seq_number != Some(seq) {
                    return Err(KerberosError::rejected(
                        code::KRB_AP_ERR_BADSEQ,
                        "DCE third leg does not echo the acceptor's sequence number",
                    ));
                }
                self.state = State::Established(Box::new(protection));
                Ok(Step::Complete(None))
            }
            State::Established(p) => {
                self.state = State::Established(p);
                Err(KerberosError::State("the context is already established"))
            }
            State::Failed => Err(KerberosError::State("the context failed earlier")),
        }
    }

    fn ap_req(&mut self, req: &ApReq, u2u_oid: bool) -> Result<Step, KerberosError> {
        if req.pvno != 5 {
            return Err(KerberosError::rejected(
                code::KRB_AP_ERR_BADVERSION,
                "pvno is not 5",
            ));
        }
        if req.msg_type != msg_type::AP_REQ {
            return Err(KerberosError::rejected(
                code::KRB_AP_ERR_MSG_TYPE,
                "not an AP-REQ",
            ));
        }
        let use_session_key = req.ap_options.is_set(ap_options::USE_SESSION_KEY);
        let is_u2u = matches!(*self.credentials, AcceptorCredentials::UserToUser(_));
        if use_session_key != is_u2u {
            return Err(KerberosError::rejected(
                if is_u2u {
                    code::KRB_AP_ERR_USER_TO_USER_REQUIRED
                } else {
                    code::KRB_AP_ERR_METHOD
                },
                "USE-SESSION-KEY does not match the acceptor's credentials",
            ));
        }
        self.user_to_user = is_u2u || u2u_oid;
        self.check_service_name(Principal::from_wire(&req.ticket.sname, &req.ticket.realm))?;
        let Opened {
            ticket_key,
            ticket,
            session,
            auth,
        } = self.open(req)?;
        let checksum = match &auth.cksum {
            Some(c) => GssChecksum::from_checksum(c)?,
            None => {
                return Err(KerberosError::rejected(
                    code::KRB_AP_ERR_INAPP_CKSUM,
                    "authenticator has no GSS checksum",
                ));
            }
        };
        self.check_bindings(&auth, &checksum)?;
        if let Some(conv) = self.iakerb.as_deref().filter(|c| !c.is_empty()) {
            let subkey = auth.subkey.as_ref().and_then(|k| {
                self.enctype(k.keytype)
                    .ok()
                    .and_then(|e| Key::new(e, k.keyvalue.expose()).ok())
            });
            super::check_iakerb_finish(&checksum.extensions, subkey.as_ref(), conv)?;
        }
        let client = Principal::from_wire(&ticket.cname, &ticket.crealm);
        let authorization_data = ticket.authorization_data.clone().unwrap_or_default();
        if let Some(pac) = find_pac(&authorization_data) {
            let check = PacCheck {
                service_key: &ticket_key,
                kdc_keys: &self.config.pac_kdc_keys,
                client: &client,
                authtime: ticket.authtime.unix(),
            };
            self.pac = Some(crate::pac::verify(&pac, &check).map_err(KerberosError::Pac)?);
        }
        if let Some(cred) = &checksum.delegation {
            let subkey = auth.subkey.as_ref().and_then(|k| {
                self.enctype(k.keytype)
                    .ok()
                    .and_then(|e| Key::new(e, k.keyvalue.expose()).ok())
            });
            self.delegated = Some(Self::forwarded(cred, &session, subkey.as_ref())?);
        }
        let mut flags = ContextFlags::from_bits(checksum.flags).intersection(
            ContextFlags::DELEGATE
                | ContextFlags::MUTUAL
                | ContextFlags::REPLAY
                | ContextFlags::SEQUENCE
                | ContextFlags::CONFIDENTIALITY
                | ContextFlags::INTEGRITY
                | ContextFlags::DCE_STYLE
                | ContextFlags::IDENTIFY
                | ContextFlags::EXTENDED_ERROR,
        );
        if self.delegated.is_none() {
            flags = flags.difference(ContextFlags::DELEGATE);
        }
        let mutual = req.ap_options.is_set(ap_options::MUTUAL_REQUIRED);
        if mutual {
            flags |= ContextFlags::MUTUAL;
        }
        if self.user_to_user {
            flags |= ContextFlags::USE_SESSION_KEY;
        }
        self.flags = flags;
        self.peer = Some(PeerName(client.to_string()));
        self.client = Some(client);
        self.authorization_data = authorization_data;

        self.reply(&auth, session, flags, mutual)
    }

    /// The initiator's channel bindings against ours, by the policy; a client that announced
    /// KERB_AP_OPTIONS_CBT must bind to our channel when we have one: its promise turns "when
    /// present" into "required" (MS-KILE 3.4.5.1, as MIT).
    fn check_bindings(
        &mut self,
        auth: &Authenticator,
        checksum: &GssChecksum,
    ) -> Result<(), KerberosError> {
        self.announced_cbt = auth.authorization_data.as_deref().is_some_and(|ad| {
            ap_options_ad::announced(ad) & ap_options_ad::KERB_AP_OPTIONS_CBT != 0
        });
        let policy = match self.config.channel_binding_policy {
            ChannelBindingPolicy::WhenPresent
                if self.announced_cbt && self.config.channel_bindings.is_some() =>
            {
                ChannelBindingPolicy::Required
            }
            policy => policy,
        };
        policy
            .check(
                self.config.channel_bindings.as_ref(),
                Some(&checksum.bindings[..]),
            )
            .map_err(KerberosError::ChannelBindings)
    }

    /// A named acceptor takes only tickets for its names (MIT's named acceptor credential);
    /// the name is kept either way, for the error token and [`Self::server`].
    fn check_service_name(&mut self, server: Principal) -> Result<(), KerberosError> {
        let names = &self.config.service_names;
        let refused = !names.is_empty() && !names.iter().any(|n| is_named(n, &server));
        let error = refused.then(|| {
            let list: Vec<String> = names
                .iter()
                .map(|n| {
                    if n.realm.is_empty() {
                        format!("{}@<any realm>", n.components.join("/"))
                    } else {
                        n.to_string()
                    }
                })
                .collect();
            KerberosError::rejected(
                code::KRB_AP_ERR_NOT_US,
                format!(
                    "the ticket is for {server}, not for this acceptor ({})",
                    list.join(", ")
                ),
            )
        });
        self.server = Some(server);
        error.map_or(Ok(()), Err)
    }

    /// Decrypts the ticket and the authenticator and checks names, times and replay
    /// (RFC 4120 3.2.3).
    fn open(&self, req: &ApReq) -> Result<Opened, KerberosError> {
        let server = Principal::from_wire(&req.ticket.sname, &req.ticket.realm);
        let ticket_key = self.credentials.ticket_key(
            &server,
            req.ticket.enc_part.etype,
            req.ticket.enc_part.kvno,
            self.config.allow_weak,
        )?;
        let plain = ticket_key
            .usage(key_usage::TICKET)
            .decrypt(&req.ticket.enc_part.cipher)
            .map_err(|_| {
                KerberosError::rejected(
                    code::KRB_AP_ERR_BAD_INTEGRITY,
                    "the ticket does not decrypt with our key",
                )
            })?;
        let ticket =
            EncTicketPart::from_der(&plain).map_err(KerberosError::decode("EncTicketPart"))?;
        let session = Key::new(
            self.enctype(ticket.key.keytype)?,
            ticket.key.keyvalue.expose(),
        )?;
        let plain = session
            .usage(key_usage::AP_REQ_AUTH)
            .decrypt(&req.authenticator.cipher)
            .map_err(|_| {
                KerberosError::rejected(
                    code::KRB_AP_ERR_BAD_INTEGRITY,
                    "the authenticator does not decrypt",
                )
            })?;
        let auth =
            Authenticator::from_der(&plain).map_err(KerberosError::decode("Authenticator"))?;
        if auth.crealm != ticket.crealm || auth.cname.name_string != ticket.cname.name_string {
            return Err(KerberosError::rejected(
                code::KRB_AP_ERR_BADMATCH,
                "authenticator and ticket name different clients",
            ));
        }
        let now = crate::exchange::now(self.clock.as_ref()).0.unix();
        let skew = i64::try_from(self.config.clock_skew.as_secs()).unwrap_or(i64::MAX);
        if (auth.ctime.unix() - now).abs() > skew {
            return Err(KerberosError::rejected(
                code::KRB_AP_ERR_SKEW,
                format!(
                    "clock skew of {} s exceeds {skew} s",
                    auth.ctime.unix() - now
                ),
            ));
        }
        let start = ticket.starttime.unwrap_or(ticket.authtime).unix();
        if start - skew > now {
            return Err(KerberosError::rejected(
                code::KRB_AP_ERR_TKT_NYV,
                "ticket not yet valid",
            ));
        }
        if ticket.endtime.unix() + skew < now {
            return Err(KerberosError::rejected(
                code::KRB_AP_ERR_TKT_EXPIRED,
                "ticket expired",
            ));
        }
        let tag: [u8; 32] = sha2::Sha256::digest(&req.authenticator.cipher).into();
        // Remembered while the skew check would still let it in.
        let expires = auth.ctime.unix().saturating_add(skew);
        match self.config.replay_cache.check_and_insert(tag, expires, now) {
            Ok(()) => {}
            Err(ReplayRefusal::Replayed) => {
                return Err(KerberosError::rejected(
                    code::KRB_AP_ERR_REPEAT,
                    "authenticator replayed",
                ));
            }
            Err(other) => return Err(KerberosError::ReplayCache(other)),
        }
        Ok(Opened {
            ticket_key,
            ticket,
            session,
            auth,
        })
    }

    fn enctype(&self, id: i32) -> Result<Enctype, crate::crypto::CryptoError> {
        if self.config.allow_weak {
            Enctype::from_id_allow_weak(id)
        } else {
            Enctype::from_id(id)
        }
    }

    /// Establishes the context, with an AP-REP when mutual authentication or DCE style asks
    /// for one (RFC 4121 4.1; MS-KILE 3.4.5.1 for the raw DCE AP-REP).
    fn reply(
        &mut self,
        auth: &Authenticator,
        session: Key,
        flags: ContextFlags,
        mutual: bool,
    ) -> Result<Step, KerberosError> {
        let initiator_key = match &auth.subkey {
            Some(k) => Key::new(self.enctype(k.keytype)?, k.keyvalue.expose())?,
            None => session.clone(),
        };
        let peer_seq = u64::from(auth.seq_number.unwrap_or(0));
        let dce = flags.contains(ContextFlags::DCE_STYLE);
        if !mutual && !dce {
            let protection =
                Protection::new(&initiator_key, false, false, (peer_seq, peer_seq), flags)?;
            self.state = State::Established(Box::new(protection));
            return Ok(Step::Complete(None));
        }
        let acceptor_subkey = Key::random(initiator_key.enctype(), self.rng.as_mut())?;
        let mut seq_bytes = [0u8; 4];
        self.rng
            .fill(&mut seq_bytes)
            .map_err(crate::crypto::CryptoError::from)?;
        let seq = u32::from_be_bytes(seq_bytes) & 0x3fff_ffff;
        let part = EncApRepPart {
            ctime: auth.ctime,
            cusec: auth.cusec,
            subkey: Some(EncryptionKey {
                keytype: acceptor_subkey.enctype().id(),
                keyvalue: SecretOctets::new(acceptor_subkey.as_bytes().to_vec()),
            }),
            seq_number: Some(seq),
        }
        .to_der()
        .map_err(KerberosError::decode("EncAPRepPart"))?;
        let rep = ApRep {
            pvno: 5,
            msg_type: msg_type::AP_REP,
            enc_part: EncryptedData {
                etype: session.enctype().id(),
                kvno: None,
                cipher: session
                    .usage(key_usage::AP_REP_ENC_PART)
                    .encrypt(&part, self.rng.as_mut())?
                    .into(),
            },
        };
        let protection = Protection::new(
            &acceptor_subkey,
            false,
            true,
            (u64::from(seq), peer_seq),
            flags,
        )?;
        if dce {
            self.state = State::AwaitDceReply(Box::new((protection, session, seq)));
            return Ok(Step::Continue(
                rep.to_der().map_err(KerberosError::decode("AP-REP"))?,
            ));
        }
        self.state = State::Established(Box::new(protection));
        let rep = KerberosContextToken::ApRep(rep);
        Ok(Step::Complete(Some(if self.iakerb_framing {
            super::frame_as(super::Framing::Iakerb, &rep)?
        } else {
            frame(self.user_to_user, &rep)?
        })))
    }

    /// The forwarded TGT of a KRB-CRED (encrypted in the session key, the subkey, or not at
    /// all as some initiators send it).
    fn forwarded(
        cred: &[u8],
        session: &Key,
        subkey: Option<&Key>,
    ) -> Result<Delegated, KerberosError> {
        let cred = KrbCred::from_der(cred).map_err(KerberosError::decode("KRB-CRED"))?;
        let plain = if cred.enc_part.etype == 0 {
            cred.enc_part.cipher.to_vec()
        } else {
            let by_session = session
                .usage(key_usage::KRB_CRED_ENC_PART)
                .decrypt(&cred.enc_part.cipher);
            match (by_session, subkey) {
                (Ok(p), _) => p,
                (Err(_), Some(sub)) => sub
                    .usage(key_usage::KRB_CRED_ENC_PART)
                    .decrypt(&cred.enc_part.cipher)?,
                (Err(e), None) => return Err(e.into()),
            }
        };
        let part =
            EncKrbCredPart::from_der(&plain).map_err(KerberosError::decode("EncKrbCredPart"))?;
        let mut tickets = Vec::new();
        for (ticket, info) in cred.tickets.into_iter().zip(part.ticket_info) {
            let enctype = Enctype::from_id(info.key.keytype)?;
            let (Some(prealm), Some(pname), Some(srealm), Some(sname)) =
                (&info.prealm, &info.pname, &info.srealm, &info.sname)
            else {
                return Err(KerberosError::Protocol(
                    "KRB-CRED ticket info without names",
                ));
            };
            tickets.push(IssuedTicket {
                client: Principal::from_wire(pname, prealm),
                server: Principal::from_wire(sname, srealm),
                ticket,
                session_key: Key::new(enctype, info.key.keyvalue.expose())?,
                flags: info.flags.map_or(0, |f| f.to_u32()),
                authtime: info.authtime.map_or(0, KerberosTime::unix),
                starttime: info.starttime.map(KerberosTime::unix),
                endtime: info.endtime.map_or(0, KerberosTime::unix),
                renew_till: info.renew_till.map(KerberosTime::unix),
                user_to_user: false,
            });
        }
        Ok(Delegated { tickets })
    }

    fn protection(&mut self) -> Result<&mut Protection, KerberosError> {
        match &mut self.state {
            State::Established(p) => Ok(p),
            _ => Err(KerberosError::State("the context is not established")),
        }
    }
}

/// Whether the ticket's `server` is the acceptor's `name` (whose empty realm matches any).
fn is_named(name: &Principal, server: &Principal) -> bool {
    name.components == server.components && (name.realm.is_empty() || name.realm == server.realm)
}

impl SecurityContext for KerberosAcceptor {
    fn step(&mut self, input: Input<'_>) -> Result<Step, sesame_gss::Error> {
        self.advance(input).map_err(|e| {
            self.error_token = self.krb_error_token(&e);
            e.into()
        })
    }

    fn key_info(&self) -> Option<sesame_gss::KeyInfo> {
        match &self.state {
            State::Established(p) => Some(p.key_info()),
            _ => None,
        }
    }

    fn is_established(&self) -> bool {
        matches!(self.state, State::Established(_))
    }

    fn flags(&self) -> ContextFlags {
        self.flags
    }

    fn mechanism(&self) -> &'static [u32] {
        if self.user_to_user {
            U2U_ARCS
        } else {
            KERBEROS_ARCS
        }
    }

    fn peer_name(&self) -> Option<&PeerName> {
        self.is_established()
            .then_some(self.peer.as_ref())
            .flatten()
    }

    fn error_token(&self) -> Option<Vec<u8>> {
        self.error_token.clone()
    }

    /// Kerberos user-to-user and DCE style exchange mechListMIC (MS-SPNG 3.1.5.1); plain
    /// Kerberos does not, where Windows servers refuse an unexpected one.
    fn requires_mech_list_mic(&self) -> bool {
        self.flags
            .intersection(ContextFlags::USE_SESSION_KEY | ContextFlags::DCE_STYLE)
            != ContextFlags::NONE
    }
}

impl MessageProtection for KerberosAcceptor {
    fn wrap_in_place(
        &mut self,
        buf: &mut Vec<u8>,
        confidential: bool,
    ) -> Result<(), sesame_gss::Error> {
        let Self { state, rng, .. } = self;
        match state {
            State::Established(p) => p
                .wrap_in_place(buf, confidential, rng.as_mut())
                .map_err(Into::into),
            _ => Err(KerberosError::State("the context is not established").into()),
        }
    }

    fn unwrap_in_place<'a>(
        &mut self,
        buf: &'a mut [u8],
    ) -> Result<Unwrapped<'a>, sesame_gss::Error> {
        self.protection()?.unwrap_in_place(buf).map_err(Into::into)
    }

    fn get_mic(&mut self, message: &[u8]) -> Result<Vec<u8>, sesame_gss::Error> {
        Ok(self.protection()?.get_mic(message))
    }

    fn verify_mic(&mut self, message: &[u8], mic: &[u8]) -> Result<(), sesame_gss::Error> {
        self.protection()?
            .verify_mic(message, mic)
            .map_err(Into::into)
    }
}
