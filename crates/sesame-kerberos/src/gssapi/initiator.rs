//! The initiator (GSS_Init_sec_context, RFC 4121 4.1): gets a TGT if it has none (AS), a
//! service ticket (TGS, or user-to-user after the acceptor's KERB-TGT-REPLY), sends the
//! AP-REQ, and checks the AP-REP when mutual authentication or DCE style was asked for.

use std::sync::Arc;

use sesame_asn1::Der;
use sesame_asn1::gss::KerberosContextToken;
use sesame_asn1::kerberos::constants::{msg_type, ticket_flags};
use sesame_asn1::kerberos::{
    ApRep, ApReq, Authenticator, EncApRepPart, EncKrbCredPart, EncryptedData, EncryptionKey,
    KerbTgtRequest, KerberosFlags, KerberosTime, KrbCred, KrbCredInfo, SecretOctets, Ticket,
};
use sesame_gss::{
    ChannelBindings, Clock, ContextFlags, Input, MessageProtection, PeerName, Random,
    SecurityContext, Step, Unwrapped,
};

use super::checksum::GssChecksum;
use super::credentials::InitiatorCredentials;
use super::tokens::Protection;
use super::{KERBEROS_ARCS, U2U_ARCS, ap_options, ap_options_ad, checksum_flags, frame, unframe};
use crate::crypto::{Enctype, Key};
use crate::error::{KerberosError, KrbErrorFacts};
use crate::exchange::{AsExchange, KdcStep, TgsExchange, TgsOptions};
use crate::key_usage;
use crate::principal::Principal;
use crate::tickets::IssuedTicket;

/// What the initiator asks for.
#[derive(Clone, Debug)]
pub struct InitiatorConfig {
    /// The service (`HTTP/host@REALM`), or for user-to-user the other user (`user2@REALM`).
    pub target: Principal,
    /// MUTUAL, DCE_STYLE, DELEGATE, USE_SESSION_KEY (user-to-user), REPLAY, SEQUENCE,
    /// CONFIDENTIALITY, INTEGRITY.
    pub flags: ContextFlags,
    /// Channel bindings (RFC 5929 / 5056), hashed into the authenticator checksum. Given,
    /// they are announced with `KERB_AP_OPTIONS_CBT` (MS-KILE 3.2.5.8) as Windows does.
    pub channel_bindings: Option<ChannelBindings>,
    /// Announce `KERB_AP_OPTIONS_CBT` even without bindings (MIT's krb5.conf
    /// `client_aware_channel_bindings`): "this application binds whenever there is an outer
    /// channel", so an acceptor that has one refuses an AP-REQ without them, such as one
    /// replayed from a plain connection.
    pub client_aware_channel_bindings: bool,
    /// Enctypes for session keys, in order of preference.
    pub enctypes: Vec<Enctype>,
    /// Constrained delegation (MS-SFU; MIT's `gss_acquire_cred_impersonate_name`): act as
    /// this user. The credentials' own TGT asks for a ticket to their own principal in the
    /// user's name (S4U2Self), then for the target with that ticket as evidence (S4U2Proxy);
    /// the AP-REQ is the user's. The KDC decides: the credentials' account must be trusted
    /// to delegate to the target (or the target trust it), else KDC_ERR_BADOPTION.
    pub impersonate: Option<Principal>,
}

impl InitiatorConfig {
    /// Defaults for `target`: mutual authentication, replay and sequence detection,
    /// confidentiality and integrity.
    pub fn new(target: Principal) -> Self {
        Self {
            target,
            flags: ContextFlags::MUTUAL
                | ContextFlags::REPLAY
                | ContextFlags::SEQUENCE
                | ContextFlags::CONFIDENTIALITY
                | ContextFlags::INTEGRITY,
            channel_bindings: None,
            client_aware_channel_bindings: false,
            enctypes: Enctype::DEFAULT_PREFERENCE.to_vec(),
            impersonate: None,
        }
    }
}

enum State {
    Start,
    AwaitTgtReply,
    Tgt(Box<AsExchange>),
    ServiceTicket(Box<TgsExchange>),
    /// S4U2Self for [`InitiatorConfig::impersonate`]; its ticket is S4U2Proxy's evidence.
    Evidence(Box<TgsExchange>),
    Forwardable(Box<(TgsExchange, IssuedTicket)>),
    AwaitApRep(Box<Sent>),
    Established(Box<Protection>),
    Failed,
}

/// What the AP-REQ committed to, for checking the AP-REP.
struct Sent {
    ticket: IssuedTicket,
    ctime: KerberosTime,
    cusec: u32,
    subkey: Key,
    seq: u32,
}

/// A Kerberos initiator context.
pub struct KerberosInitiator {
    credentials: Arc<InitiatorCredentials>,
    config: InitiatorConfig,
    clock: Arc<dyn Clock>,
    rng: Box<dyn Random>,
    state: State,
    second_ticket: Option<Ticket>,
    flags: ContextFlags,
    peer: Option<PeerName>,
    new_tickets: Vec<IssuedTicket>,
    /// IAKerb: the conversation so far (every IAKerb token sent and received); the AP-REQ
    /// is then framed with the IAKerb OID and, after IAKerb steps, carries the finish.
    iakerb: Option<Vec<u8>>,
}

impl KerberosInitiator {
    /// A context for `config` with `credentials`, an injected clock and randomness.
    pub fn new(
        credentials: Arc<InitiatorCredentials>,
        config: InitiatorConfig,
        clock: Arc<dyn Clock>,
        rng: Box<dyn Random>,
    ) -> Self {
        let flags = config.flags;
        Self {
            credentials,
            config,
            clock,
            rng,
            state: State::Start,
            second_ticket: None,
            flags,
            peer: None,
            new_tickets: Vec::new(),
            iakerb: None,
        }
    }

    /// The client's realm (empty when the user named none: IAKerb then asks the acceptor's).
    pub(crate) fn client_realm(&self) -> &str {
        &self.credentials.client.realm
    }

    /// IAKerb realm discovery answered: the client (and a target named without a realm) are in
    /// `realm`. Only before the first step.
    pub(crate) fn adopt_realm(&mut self, realm: &str) -> Result<(), KerberosError> {
        if !matches!(self.state, State::Start) {
            return Err(KerberosError::State(
                "a realm adopted after the exchange began",
            ));
        }
        if self.credentials.client.realm.is_empty() {
            self.credentials = Arc::new(self.credentials.in_realm(realm));
        }
        if self.config.target.realm.is_empty() {
            realm.clone_into(&mut self.config.target.realm);
        }
        Ok(())
    }

    /// Makes this the Kerberos half of an IAKerb context: its conversation starts empty.
    pub(crate) fn start_iakerb(&mut self) {
        self.iakerb = Some(Vec::new());
    }

    /// Adds an IAKerb token, sent or received, to the conversation the finish covers.
    pub(crate) fn record_iakerb(&mut self, token: &[u8]) {
        self.iakerb
            .get_or_insert_with(Vec::new)
            .extend_from_slice(token);
    }

    /// Tickets this context obtained from the KDC (also added to the credentials' cache).
    pub fn new_tickets(&self) -> &[IssuedTicket] {
        &self.new_tickets
    }

    fn user_to_user(&self) -> bool {
        self.config.flags.contains(ContextFlags::USE_SESSION_KEY)
    }

    fn now(&self) -> i64 {
        crate::exchange::now(self.clock.as_ref()).0.unix()
    }

    fn advance(&mut self, input: Input<'_>) -> Result<Step, KerberosError> {
        match (std::mem::replace(&mut self.state, State::Failed), input) {
            (State::Start, Input::Start) => {
                if self.user_to_user() {
                    let target = &self.config.target;
                    let req = KerberosContextToken::TgtReq(KerbTgtRequest {
                        pvno: 5,
                        msg_type: msg_type::TGT_REQ,
                        server_name: Some(target.to_principal_name()),
                        realm: Some(target.wire_realm()),
                    });
                    self.state = State::AwaitTgtReply;
                    return Ok(Step::Continue(frame(true, &req)?));
                }
                self.service_ticket()
            }
            (State::AwaitTgtReply, Input::Token(token)) => match unframe(token)? {
                (_, KerberosContextToken::TgtRep(rep)) => {
                    self.second_ticket = Some(rep.ticket);
                    self.service_ticket()
                }
                (_, KerberosContextToken::KrbError(e)) => Err(KerberosError::Krb(Box::new(
                    KrbErrorFacts::from_message(&e),
                ))),
                _ => Err(KerberosError::Protocol("expected a KERB-TGT-REPLY")),
            },
            (State::Tgt(mut exchange), Input::KdcReply(reply)) => {
                match exchange.receive(reply, self.clock.as_ref(), self.rng.as_mut())? {
                    KdcStep::Send(request) => {
                        self.state = State::Tgt(exchange);
                        Ok(Step::NeedKdc(request))
                    }
                    KdcStep::Done(tgt) => {
                        self.remember(tgt.clone());
                        self.request_service_ticket(tgt)
                    }
                }
            }
            (State::ServiceTicket(mut exchange), Input::KdcReply(reply)) => {
                match exchange.receive(reply, self.clock.as_ref(), self.rng.as_mut())? {
                    KdcStep::Send(request) => {
                        self.state = State::ServiceTicket(exchange);
                        Ok(Step::NeedKdc(request))
                    }
                    KdcStep::Done(ticket) => {
                        for r in exchange.referrals() {
                            self.remember(r.clone());
                        }
                        self.remember(ticket.clone());
                        self.with_ticket(ticket)
                    }
                }
            }
            (State::Evidence(mut exchange), Input::KdcReply(reply)) => {
                match exchange.receive(reply, self.clock.as_ref(), self.rng.as_mut())? {
                    KdcStep::Send(request) => {
                        self.state = State::Evidence(exchange);
                        Ok(Step::NeedKdc(request))
                    }
                    KdcStep::Done(evidence) => {
                        self.remember(evidence.clone());
                        let tgt = self
                            .credentials
                            .tgt(self.now())
                            .ok_or(KerberosError::State("the TGT expired during S4U2Self"))?;
                        self.request_proxy_ticket(tgt, evidence)
                    }
                }
            }
            (State::Forwardable(mut pending), Input::KdcReply(reply)) => {
                match pending
                    .0
                    .receive(reply, self.clock.as_ref(), self.rng.as_mut())?
                {
                    KdcStep::Send(request) => {
                        self.state = State::Forwardable(pending);
                        Ok(Step::NeedKdc(request))
                    }
                    KdcStep::Done(forwarded) => self.ap_req(pending.1, Some(&forwarded)),
                }
            }
            (State::AwaitApRep(sent), Input::Token(token)) => self.ap_rep(&sent, token),
            (State::Established(p), _) => {
                self.state = State::Established(p);
                Err(KerberosError::State("the context is already established"))
            }
            (State::Failed, _) => Err(KerberosError::State("the context failed earlier")),
            (_, _) => Err(KerberosError::State("unexpected input for this step")),
        }
    }

    fn remember(&mut self, ticket: IssuedTicket) {
        self.credentials.cache.insert(ticket.clone());
        self.new_tickets.push(ticket);
    }

    /// A cached service ticket, or the KDC requests to get one.
    fn service_ticket(&mut self) -> Result<Step, KerberosError> {
        let now = self.now();
        let u2u = self.user_to_user();
        let client = self
            .config
            .impersonate
            .as_ref()
            .unwrap_or(&self.credentials.client);
        if !u2u
            && let Some(t) = self
                .credentials
                .cache
                .find(client, &self.config.target, false, now)
        {
            return self.with_ticket(t);
        }
        if let Some(tgt) = self.credentials.tgt(now) {
            return self.request_service_ticket(tgt);
        }
        let Some(secret) = self.credentials.secret().cloned() else {
            let client = &self.credentials.client;
            let krbtgt = Principal::krbtgt(&client.realm, &client.realm);
            return Err(match self.credentials.cache.latest_end(client, &krbtgt) {
                Some(end) if end <= now => KerberosError::TgtExpired {
                    client: client.to_string(),
                    expired: end,
                },
                _ => KerberosError::NoCredentials(format!(
                    "no valid TGT for {client} and no password or key to get one"
                )),
            });
        };
        let (exchange, request) = AsExchange::start(
            self.credentials.client.clone(),
            secret,
            self.credentials.as_options.clone(),
            self.clock.as_ref(),
            self.rng.as_mut(),
        )?;
        self.state = State::Tgt(Box::new(exchange));
        Ok(Step::NeedKdc(request))
    }

    fn tgs_options(&self) -> TgsOptions {
        TgsOptions {
            enctypes: self.config.enctypes.clone(),
            allow_weak: self.credentials.as_options.allow_weak,
            second_ticket: self.second_ticket.clone(),
            fast: self.credentials.fast_tgs,
            ..TgsOptions::default()
        }
    }

    fn request_service_ticket(&mut self, tgt: IssuedTicket) -> Result<Step, KerberosError> {
        if let Some(user) = &self.config.impersonate {
            let now = self.now();
            if let Some(evidence) =
                self.credentials
                    .cache
                    .find(user, &self.credentials.client, false, now)
            {
                return self.request_proxy_ticket(tgt, evidence);
            }
            let options = TgsOptions {
                impersonate: Some(user.clone()),
                second_ticket: None,
                ..self.tgs_options()
            };
            let (exchange, request) = TgsExchange::start(
                tgt,
                self.credentials.client.clone(),
                options,
                self.clock.as_ref(),
                self.rng.as_mut(),
            )?;
            self.state = State::Evidence(Box::new(exchange));
            return Ok(Step::NeedKdc(request));
        }
        let (exchange, request) = TgsExchange::start(
            tgt,
            self.config.target.clone(),
            self.tgs_options(),
            self.clock.as_ref(),
            self.rng.as_mut(),
        )?;
        self.state = State::ServiceTicket(Box::new(exchange));
        Ok(Step::NeedKdc(request))
    }

    /// S4U2Proxy: the target's ticket in the name of `evidence`'s client (the target itself
    /// when it is the credentials' own principal: S4U2Self's ticket is the one).
    fn request_proxy_ticket(
        &mut self,
        tgt: IssuedTicket,
        evidence: IssuedTicket,
    ) -> Result<Step, KerberosError> {
        if evidence.server.same_name(&self.config.target) {
            return self.with_ticket(evidence);
        }
        let options = TgsOptions {
            evidence: Some(evidence.ticket),
            second_ticket: None,
            ..self.tgs_options()
        };
        let (exchange, request) = TgsExchange::start(
            tgt,
            self.config.target.clone(),
            options,
            self.clock.as_ref(),
            self.rng.as_mut(),
        )?;
        self.state = State::ServiceTicket(Box::new(exchange));
        Ok(Step::NeedKdc(request))
    }

    /// With the service ticket: ask for a forwarded TGT first when delegating, else the AP-REQ.
    fn with_ticket(&mut self, ticket: IssuedTicket) -> Result<Step, KerberosError> {
        if self.config.impersonate.is_some() {
            // The user's TGT is not ours to forward.
            self.flags = self.flags.difference(ContextFlags::DELEGATE);
        }
        if self.flags.contains(ContextFlags::DELEGATE) {
            let now = self.now();
            match self.credentials.tgt(now) {
                Some(tgt) if tgt.flags & (1 << (31 - ticket_flags::FORWARDABLE)) != 0 => {
                    let krbtgt = tgt.server.clone();
                    let options = TgsOptions {
                        forwarded: true,
                        second_ticket: None,
                        ..self.tgs_options()
                    };
                    let (exchange, request) = TgsExchange::start(
                        tgt,
                        krbtgt,
                        options,
                        self.clock.as_ref(),
                        self.rng.as_mut(),
                    )?;
                    self.state = State::Forwardable(Box::new((exchange, ticket)));
                    return Ok(Step::NeedKdc(request));
                }
                // No forwardable TGT: delegation is not possible, the flag is dropped (as
                // MIT and SSPI do).
                _ => self.flags = self.flags.difference(ContextFlags::DELEGATE),
            }
        }
        self.ap_req(ticket, None)
    }

    fn ap_req(
        &mut self,
        ticket: IssuedTicket,
        forwarded: Option<&IssuedTicket>,
    ) -> Result<Step, KerberosError> {
        let (ctime, cusec) = crate::exchange::now(self.clock.as_ref());
        let session = ticket.session_key.clone();
        let subkey = Key::random(session.enctype(), self.rng.as_mut())?;
        let mut seq_bytes = [0u8; 4];
        self.rng
            .fill(&mut seq_bytes)
            .map_err(crate::crypto::CryptoError::from)?;
        let seq = u32::from_be_bytes(seq_bytes) & 0x3fff_ffff;
        let delegation = match forwarded {
            Some(f) => Some(self.krb_cred(f, &session)?),
            None => None,
        };
        let mut flags = self.flags;
        if delegation.is_none() {
            flags = flags.difference(ContextFlags::DELEGATE);
        }
        self.flags = flags;
        let checksum = GssChecksum {
            bindings: self
                .config
                .channel_bindings
                .as_ref()
                .map_or([0; 16], ChannelBindings::md5),
            flags: checksum_flags(flags),
            delegation,
            extensions: match &self.iakerb {
                Some(conv) if !conv.is_empty() => super::iakerb_finish_extension(&subkey, conv)?,
                _ => Vec::new(),
            },
        };
        let authenticator = Authenticator {
            authenticator_vno: 5,
            crealm: ticket.client.wire_realm(),
            cname: ticket.client.to_principal_name(),
            cksum: Some(checksum.to_checksum()),
            cusec,
            ctime,
            subkey: Some(EncryptionKey {
                keytype: subkey.enctype().id(),
                keyvalue: SecretOctets::new(subkey.as_bytes().to_vec()),
            }),
            seq_number: Some(seq),
            // With bindings given, the client says it sends them (KERB_AP_OPTIONS_CBT, as
            // Windows does with Extended Protection and MIT with client_aware_channel_bindings).
            authorization_data: if self.config.channel_bindings.is_some()
                || self.config.client_aware_channel_bindings
            {
                Some(ap_options_ad::authorization_data(
                    ap_options_ad::KERB_AP_OPTIONS_CBT,
                )?)
            } else {
                None
            },
        }
        .to_der()
        .map_err(KerberosError::decode("Authenticator"))?;
        let mutual =
            flags.contains(ContextFlags::MUTUAL) || flags.contains(ContextFlags::DCE_STYLE);
        let mut options = KerberosFlags::default();
        options.set(ap_options::MUTUAL_REQUIRED, mutual);
        options.set(ap_options::USE_SESSION_KEY, ticket.user_to_user);
        let ap_req = ApReq {
            pvno: 5,
            msg_type: msg_type::AP_REQ,
            ap_options: options,
            ticket: ticket.ticket.clone(),
            authenticator: EncryptedData {
                etype: session.enctype().id(),
                kvno: None,
                cipher: session
                    .usage(key_usage::AP_REQ_AUTH)
                    .encrypt(&authenticator, self.rng.as_mut())?
                    .into(),
            },
        };
        // DCE style sends the AP-REQ raw, without GSS framing, as Windows and MIT do.
        let token = if flags.contains(ContextFlags::DCE_STYLE) {
            ap_req.to_der().map_err(KerberosError::decode("AP-REQ"))?
        } else if self.iakerb.is_some() {
            super::frame_as(super::Framing::Iakerb, &KerberosContextToken::ApReq(ap_req))?
        } else {
            frame(ticket.user_to_user, &KerberosContextToken::ApReq(ap_req))?
        };
        self.peer = Some(PeerName(self.config.target.to_string()));
        if mutual {
            self.state = State::AwaitApRep(Box::new(Sent {
                ticket,
                ctime,
                cusec,
                subkey,
                seq,
            }));
            Ok(Step::Continue(token))
        } else {
            // Without an AP-REP both directions use the initiator's subkey, and the acceptor
            // numbers its tokens from the initiator's sequence number (RFC 4121 4.1, as MIT).
            self.flags = self.flags.difference(ContextFlags::MUTUAL);
            self.establish(&subkey, false, u64::from(seq), u64::from(seq))?;
            Ok(Step::Complete(Some(token)))
        }
    }

    /// KRB-CRED with the forwarded TGT, encrypted in the session key (RFC 4120 5.8, RFC 4121
    /// 4.1.1.1).
    fn krb_cred(&mut self, t: &IssuedTicket, session: &Key) -> Result<Vec<u8>, KerberosError> {
        let time = |s: i64| KerberosTime::from_unix(s);
        let info = KrbCredInfo {
            key: EncryptionKey {
                keytype: t.session_key.enctype().id(),
                keyvalue: SecretOctets::new(t.session_key.as_bytes().to_vec()),
            },
            prealm: Some(t.client.wire_realm()),
            pname: Some(t.client.to_principal_name()),
            flags: Some(KerberosFlags::from_u32(t.flags)),
            authtime: time(t.authtime),
            starttime: t.starttime.and_then(time),
            endtime: time(t.endtime),
            renew_till: t.renew_till.and_then(time),
            srealm: Some(t.server.wire_realm()),
            sname: Some(t.server.to_principal_name()),
            caddr: None,
        };
        let (timestamp, usec) = crate::exchange::now(self.clock.as_ref());
        let part = EncKrbCredPart {
            ticket_info: vec![info],
            nonce: None,
            timestamp: Some(timestamp),
            usec: Some(usec),
            s_address: None,
            r_address: None,
        }
        .to_der()
        .map_err(KerberosError::decode("EncKrbCredPart"))?;
        KrbCred {
            pvno: 5,
            msg_type: msg_type::CRED,
            tickets: vec![t.ticket.clone()],
            enc_part: EncryptedData {
                etype: session.enctype().id(),
                kvno: None,
                cipher: session
                    .usage(key_usage::KRB_CRED_ENC_PART)
                    .encrypt(&part, self.rng.as_mut())?
                    .into(),
            },
        }
        .to_der()
        .map_err(KerberosError::decode("KRB-CRED"))
    }

    fn ap_rep(&mut self, sent: &Sent, token: &[u8]) -> Result<Step, KerberosError> {
        let dce = self.flags.contains(ContextFlags::DCE_STYLE);
        // DCE style: the AP-REP comes raw, without GSS framing or token id (MS-KILE 3.4.5.1).
        let rep = if dce && token.first() == Some(&0x6f) {
            ApRep::from_der(token).map_err(KerberosError::decode("AP-REP"))?
        } else {
            match unframe(token)?.1 {
                KerberosContextToken::ApRep(rep) => rep,
                KerberosContextToken::KrbError(e) => {
                    return Err(KerberosError::Krb(Box::new(KrbErrorFacts::from_message(
                        &e,
                    ))));
                }
                _ => return Err(KerberosError::Protocol("expected an AP-REP")),
            }
        };
        let session = &sent.ticket.session_key;
        let plain = session
            .usage(key_usage::AP_REP_ENC_PART)
            .decrypt(&rep.enc_part.cipher)
            .map_err(|_| {
                KerberosError::MutualAuthFailed("the AP-REP does not decrypt with the session key")
            })?;
        let part = EncApRepPart::from_der(&plain).map_err(KerberosError::decode("EncAPRepPart"))?;
        if part.ctime != sent.ctime || part.cusec != sent.cusec {
            return Err(KerberosError::MutualAuthFailed(
                "the AP-REP does not echo the authenticator's time",
            ));
        }
        let acceptor_subkey = match &part.subkey {
            Some(k) => Some(Key::new(Enctype::from_id(k.keytype)?, k.keyvalue.expose())?),
            None => None,
        };
        let peer_seq = part.seq_number.unwrap_or(0);
        let key = acceptor_subkey.as_ref().unwrap_or(&sent.subkey).clone();
        self.establish(
            &key,
            acceptor_subkey.is_some(),
            u64::from(sent.seq),
            u64::from(peer_seq),
        )?;
        if !dce {
            return Ok(Step::Complete(None));
        }
        // The third leg: an AP-REP of our own echoing the acceptor's sequence number.
        let (ctime, cusec) = crate::exchange::now(self.clock.as_ref());
        let part = EncApRepPart {
            ctime,
            cusec,
            subkey: None,
            seq_number: Some(peer_seq),
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
        Ok(Step::Complete(Some(
            rep.to_der().map_err(KerberosError::decode("AP-REP"))?,
        )))
    }

    fn establish(
        &mut self,
        key: &Key,
        acceptor_subkey: bool,
        send_seq: u64,
        recv_seq: u64,
    ) -> Result<(), KerberosError> {
        let protection =
            Protection::new(key, true, acceptor_subkey, (send_seq, recv_seq), self.flags)?;
        self.state = State::Established(Box::new(protection));
        Ok(())
    }

    fn protection(&mut self) -> Result<&mut Protection, KerberosError> {
        match &mut self.state {
            State::Established(p) => Ok(p),
            _ => Err(KerberosError::State("the context is not established")),
        }
    }
}

impl SecurityContext for KerberosInitiator {
    fn step(&mut self, input: Input<'_>) -> Result<Step, sesame_gss::Error> {
        self.advance(input).map_err(Into::into)
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
        if self.iakerb.is_some() {
            super::IAKERB_ARCS
        } else if self.user_to_user() {
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

    /// Kerberos user-to-user and DCE style exchange mechListMIC (MS-SPNG 3.1.5.1); plain
    /// Kerberos does not, where Windows servers refuse an unexpected one.
    fn requires_mech_list_mic(&self) -> bool {
        self.flags
            .intersection(ContextFlags::USE_SESSION_KEY | ContextFlags::DCE_STYLE)
            != ContextFlags::NONE
    }
}

impl MessageProtection for KerberosInitiator {
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
