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
    inner: KerberosInitiator,
    conversation: Vec<u8>,
    cookie: Option<Vec<u8>>,
    round_trips: usize,
}

impl IakerbInitiator {
    /// Wraps `inner` (its credentials, target and flags as for Kerberos).
    pub fn new(mut inner: KerberosInitiator) -> Self {
        inner.set_iakerb_conversation(Vec::new());
        Self {
            inner,
            conversation: Vec::new(),
            cookie: None,
            round_trips: 0,
        }
    }

    /// The Kerberos context inside (its tickets, once established).
    pub fn kerberos(&self) -> &KerberosInitiator {
        &self.inner
    }

    fn record(&mut self, token: &[u8]) {
        self.conversation.extend_from_slice(token);
        self.inner
            .set_iakerb_conversation(self.conversation.clone());
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
            Input::Token(token) if IakerbToken::is_proxy(token) => {
                self.round_trips += 1;
                if self.round_trips > MAX_ROUND_TRIPS {
                    return Err(KerberosError::Protocol("too many IAKerb round trips").into());
                }
                let reply = decode(token)?;
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
    inner: KerberosAcceptor,
    realms: Vec<String>,
    conversation: Vec<u8>,
    pending: Option<String>,
    round_trips: usize,
}

impl IakerbAcceptor {
    /// Wraps `inner`, relaying only to the KDCs of `realms` (the acceptor's own, first: the
    /// one named in realm discovery).
    pub fn new(inner: KerberosAcceptor, realms: Vec<String>) -> Self {
        Self {
            inner,
            realms,
            conversation: Vec::new(),
            pending: None,
            round_trips: 0,
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
        self.conversation.extend_from_slice(token);
        let realm = request.header.target_realm;
        if realm.is_empty() && request.message.is_empty() {
            // Realm discovery: name ours.
            let ours = self.realms.first().cloned().ok_or(KerberosError::Config(
                "an IAKerb acceptor needs a realm".into(),
            ))?;
            let answer = encode(&ours, None, Vec::new())?;
            self.conversation.extend_from_slice(&answer);
            return Ok(Step::Continue(answer));
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

    fn advance(&mut self, input: Input<'_>) -> Result<Step, sesame_gss::Error> {
        match input {
            Input::Token(token) if IakerbToken::is_proxy(token) => Ok(self.relay(token)?),
            Input::KdcReply(reply) => {
                let realm = self.pending.take().ok_or(KerberosError::State(
                    "a KDC reply the acceptor did not ask for",
                ))?;
                let answer = encode(&realm, None, reply.to_vec())?;
                self.conversation.extend_from_slice(&answer);
                Ok(Step::Continue(answer))
            }
            other => {
                self.inner
                    .set_iakerb_conversation(self.conversation.clone());
                self.inner.step(other)
            }
        }
    }
}

macro_rules! delegate_context {
    ($t:ty) => {
        impl SecurityContext for $t {
            fn step(&mut self, input: Input<'_>) -> Result<Step, sesame_gss::Error> {
                self.advance(input)
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

delegate_context!(IakerbInitiator);
delegate_context!(IakerbAcceptor);
