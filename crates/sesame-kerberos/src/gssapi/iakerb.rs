//! IAKerb (draft-ietf-kitten-iakerb, the format MIT krb5 1.22 and Windows speak): Kerberos for
//! an initiator that cannot reach a KDC, through the acceptor. See docs/iakerb.md.
//!
//! Both halves wrap the ordinary Kerberos contexts. The initiator turns each KDC request of
//! its Kerberos context into an IAKerb proxy token and feeds the replies back, so the AS and
//! TGS exchanges are the same state machines over another carrier; its AP-REQ then goes under
//! the IAKerb OID with the finish over the whole conversation. The acceptor turns each proxy
//! token into a [`Step::NeedKdc`] for its caller — it stays sans-IO — after checking that the
//! message is an AS-REQ or TGS-REQ for one of its realms, within the bounds below, and wraps
//! the KDC's reply; the AP-REQ that follows goes to its Kerberos acceptor, which checks the
//! finish against the conversation it relayed.

use sesame_asn1::iakerb::{IakerbHeader, IakerbToken};
use sesame_asn1::kerberos::constants::error_code as code;
use sesame_gss::{
    ContextFlags, Input, KdcRequest, KeyInfo, MessageProtection, PeerName, SecurityContext, Step,
    Unwrapped,
};

use super::acceptor::KerberosAcceptor;
use super::initiator::KerberosInitiator;
use crate::error::KerberosError;

/// Round trips through the acceptor before it gives up (MIT: 16 AS/TGS loops plus the
/// referral hops).
pub const MAX_ROUND_TRIPS: usize = 16 + 5;
/// The largest KDC message relayed.
pub const MAX_MESSAGE: usize = 64 * 1024;

fn decode(token: &[u8]) -> Result<IakerbToken, KerberosError> {
    IakerbToken::decode(token).map_err(KerberosError::decode("IAKerb token"))
}

fn encode(
    realm: &str,
    cookie: Option<Vec<u8>>,
    message: Vec<u8>,
) -> Result<Vec<u8>, KerberosError> {
    IakerbToken {
        header: IakerbHeader {
            target_realm: realm.to_string(),
            cookie: cookie.map(Into::into),
        },
        message,
    }
    .encode()
    .map_err(KerberosError::decode("IAKerb token"))
}

/// An IAKerb initiator: a Kerberos initiator whose KDC is reached through the acceptor.
pub struct IakerbInitiator {
    /// The Kerberos context, which also keeps the conversation its finish covers.
    inner: KerberosInitiator,
    cookie: Option<Vec<u8>>,
    round_trips: usize,
    /// The user named no realm: the first token asks the acceptor for its own.
    discovering: bool,
}

impl IakerbInitiator {
    /// Wraps `inner` (its credentials, target and flags as for Kerberos). A client principal
    /// with an empty realm starts with realm discovery: the acceptor names its realm, and the
    /// client (and a target without a realm) are taken to be in it.
    pub fn new(mut inner: KerberosInitiator) -> Self {
        inner.start_iakerb();
        Self {
            discovering: inner.client_realm().is_empty(),
            inner,
            cookie: None,
            round_trips: 0,
        }
    }

    /// The acceptor's answer to realm discovery: its realm in the header, no KDC message (or
    /// a KRB-ERROR, KRB_AP_ERR_IAKERB_KDC_NOT_FOUND when it has no realm).
    fn discovered(&mut self, reply: IakerbToken) -> Result<Step, sesame_gss::Error> {
        self.discovering = false;
        if !reply.message.is_empty() {
            let code =
                <sesame_asn1::kerberos::KrbError as sesame_asn1::Der>::from_der(&reply.message)
                    .map_or(code::KRB_AP_ERR_IAKERB_KDC_NOT_FOUND, |e| e.error_code);
            return Err(KerberosError::rejected(code, "IAKerb realm discovery refused").into());
        }
        let realm = reply.header.target_realm;
        if realm.is_empty() {
            return Err(KerberosError::Protocol("IAKerb realm discovery named no realm").into());
        }
        self.inner.adopt_realm(&realm)?;
        let step = self.inner.step(Input::Start)?;
        Ok(self.proxied(step)?)
    }

    /// The Kerberos context inside (its tickets, once established).
    pub fn kerberos(&self) -> &KerberosInitiator {
        &self.inner
    }

    fn record(&mut self, token: &[u8]) {
        self.inner.record_iakerb(token);
    }

    /// A KDC request of the Kerberos context, sent as a proxy token instead.
    fn proxied(&mut self, step: Step) -> Result<Step, KerberosError> {
        let Step::NeedKdc(request) = step else {
            return Ok(step);
        };
        let token = encode(&request.realm, self.cookie.clone(), request.message)?;
        self.record(&token);
        Ok(Step::Continue(token))
    }

    fn advance(&mut self, input: Input<'_>) -> Result<Step, sesame_gss::Error> {
        let step = match input {
            Input::Start if self.discovering => {
                let token = encode("", None, Vec::new())?;
                self.record(&token);
                return Ok(Step::Continue(token));
            }
            Input::Token(token) if IakerbToken::is_proxy(token) => {
                self.round_trips += 1;
                if self.round_trips > MAX_ROUND_TRIPS {
                    return Err(KerberosError::Protocol("too many IAKerb round trips").into());
                }
                let reply = decode(token)?;
                if self.discovering {
                    self.record(token);
                    return self.discovered(reply);
                }
                if reply.message.is_empty() {
                    return Err(
                        KerberosError::Protocol("an IAKerb answer without a KDC message").into(),
                    );
                }
                self.cookie = reply.header.cookie.map(|c| c.to_vec());
                self.record(token);
                self.inner.step(Input::KdcReply(&reply.message))?
            }
            Input::KdcReply(_) => {
                return Err(KerberosError::State(
                    "an IAKerb initiator reaches its KDC through the acceptor",
                )
                .into());
            }
            other => self.inner.step(other)?,
        };
        Ok(self.proxied(step)?)
    }
}

/// An IAKerb acceptor: relays the initiator's KDC requests for its realms, then accepts the
/// AP-REQ with its Kerberos acceptor.
pub struct IakerbAcceptor {
    /// The Kerberos acceptor, which also keeps the conversation relayed for the finish.
    inner: KerberosAcceptor,
    realms: Vec<String>,
    pending: Option<String>,
    round_trips: usize,
    relay_failure: Option<String>,
}

impl IakerbAcceptor {
    /// Wraps `inner`, relaying only to the KDCs of `realms` (the acceptor's own, first: the
    /// one named in realm discovery).
    pub fn new(mut inner: KerberosAcceptor, realms: Vec<String>) -> Self {
        inner.start_iakerb();
        Self {
            inner,
            realms,
            pending: None,
            round_trips: 0,
            relay_failure: None,
        }
    }

    /// The Kerberos acceptor inside (the PAC, the delegated TGT).
    pub fn kerberos(&self) -> &KerberosAcceptor {
        &self.inner
    }

    fn relay(&mut self, token: &[u8]) -> Result<Step, KerberosError> {
        self.round_trips += 1;
        if self.round_trips > MAX_ROUND_TRIPS {
            return Err(KerberosError::Protocol("too many IAKerb round trips"));
        }
        let request = decode(token)?;
        self.inner.record_iakerb(token);
        let realm = request.header.target_realm;
        if realm.is_empty() && request.message.is_empty() {
            // Realm discovery: name ours.
            let ours = self.realms.first().cloned().ok_or(KerberosError::Config(
                "an IAKerb acceptor needs a realm".into(),
            ))?;
            return self.answer(&ours, Vec::new());
        }
        if !self.realms.contains(&realm) {
            return Err(KerberosError::Protocol(
                "IAKerb request for a realm this acceptor does not serve: not relayed",
            ));
        }
        // AS-REQ [APPLICATION 10] or TGS-REQ [APPLICATION 12], nothing else.
        if !matches!(request.message.first(), Some(0x6a | 0x6c)) {
            return Err(KerberosError::Protocol(
                "IAKerb request that is neither AS-REQ nor TGS-REQ: not relayed",
            ));
        }
        if request.message.len() > MAX_MESSAGE {
            return Err(KerberosError::Protocol(
                "IAKerb request over 64 KiB: not relayed",
            ));
        }
        self.pending = Some(realm.clone());
        Ok(Step::NeedKdc(KdcRequest {
            realm,
            message: request.message,
        }))
    }

    /// The caller could not reach the KDC for the pending request: as MIT's acceptor does, the
    /// initiator gets KRB_AP_ERR_IAKERB_KDC_NO_RESPONSE (or KDC_NOT_FOUND when no KDC is
    /// known for the realm) in place of the reply, and fails with that code; `error` (the
    /// transport's facts) is kept for the acceptor's own report.
    fn relay_failed(&mut self, error: &sesame_gss::Error) -> Result<Step, sesame_gss::Error> {
        let realm = self.pending.take().ok_or(KerberosError::State(
            "a KDC failure for a request the acceptor did not make",
        ))?;
        let code = match error.mech_error::<KerberosError>() {
            Some(KerberosError::Transport(crate::transport::TransportError::NoKdc { .. })) => {
                code::KRB_AP_ERR_IAKERB_KDC_NOT_FOUND
            }
            _ => code::KRB_AP_ERR_IAKERB_KDC_NO_RESPONSE,
        };
        self.relay_failure = Some(error.to_string());
        let reply = self
            .inner
            .bare_krb_error(code, &realm)
            .ok_or(KerberosError::State("cannot encode a KRB-ERROR"))?;
        Ok(self.answer(&realm, reply)?)
    }

    /// The acceptor's proxy token for `realm` carrying `message`, recorded in the conversation.
    fn answer(&mut self, realm: &str, message: Vec<u8>) -> Result<Step, KerberosError> {
        let answer = encode(realm, None, message)?;
        self.inner.record_iakerb(&answer);
        Ok(Step::Continue(answer))
    }

    /// Why the last relay failed (the transport's facts), when one did.
    pub fn relay_failure(&self) -> Option<&str> {
        self.relay_failure.as_deref()
    }

    fn advance(&mut self, input: Input<'_>) -> Result<Step, sesame_gss::Error> {
        match input {
            Input::Token(token) if IakerbToken::is_proxy(token) => Ok(self.relay(token)?),
            Input::KdcReply(reply) => {
                let realm = self.pending.take().ok_or(KerberosError::State(
                    "a KDC reply the acceptor did not ask for",
                ))?;
                Ok(self.answer(&realm, reply.to_vec())?)
            }
            other => self.inner.step(other),
        }
    }
}

/// The context traits of a wrapper, delegated to its Kerberos context; `$kdc_failed` answers
/// the caller's failure to reach the KDC.
macro_rules! delegate_context {
    ($t:ty, $kdc_failed:expr) => {
        impl SecurityContext for $t {
            fn step(&mut self, input: Input<'_>) -> Result<Step, sesame_gss::Error> {
                self.advance(input)
            }
            fn kdc_failed(&mut self, error: sesame_gss::Error) -> Result<Step, sesame_gss::Error> {
                $kdc_failed(self, error)
            }
            fn is_established(&self) -> bool {
                self.inner.is_established()
            }
            fn flags(&self) -> ContextFlags {
                self.inner.flags()
            }
            fn mechanism(&self) -> &'static [u32] {
                super::IAKERB_ARCS
            }
            fn peer_name(&self) -> Option<&PeerName> {
                self.inner.peer_name()
            }
            fn key_info(&self) -> Option<KeyInfo> {
                self.inner.key_info()
            }
            fn prot_ready(&self) -> bool {
                self.inner.prot_ready()
            }
            fn error_token(&self) -> Option<Vec<u8>> {
                SecurityContext::error_token(&self.inner)
            }
        }

        impl MessageProtection for $t {
            fn wrap_in_place(
                &mut self,
                buf: &mut Vec<u8>,
                confidential: bool,
            ) -> Result<(), sesame_gss::Error> {
                self.inner.wrap_in_place(buf, confidential)
            }
            fn unwrap_in_place<'a>(
                &mut self,
                buf: &'a mut [u8],
            ) -> Result<Unwrapped<'a>, sesame_gss::Error> {
                self.inner.unwrap_in_place(buf)
            }
            fn get_mic(&mut self, message: &[u8]) -> Result<Vec<u8>, sesame_gss::Error> {
                self.inner.get_mic(message)
            }
            fn verify_mic(&mut self, message: &[u8], mic: &[u8]) -> Result<(), sesame_gss::Error> {
                self.inner.verify_mic(message, mic)
            }
        }
    };
}

// An IAKerb initiator never asks its caller for the KDC: nothing to go on with.
delegate_context!(IakerbInitiator, |_, error| Err(error));
delegate_context!(IakerbAcceptor, |me: &mut IakerbAcceptor, error| me
    .relay_failed(&error));
