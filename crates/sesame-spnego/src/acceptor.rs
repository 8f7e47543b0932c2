//! The SPNEGO acceptor (RFC 4178 4.2.2, MS-SPNG 3.2.5): picks the first mechanism of the
//! initiator's list it has, uses the optimistic token only when that is the initiator's first,
//! names its choice with the OID the initiator listed, and exchanges mechListMIC by the rules.
//! Raw NTLMSSP and raw Kerberos tokens (GSS-framed, or a bare DCE-style AP-REQ) are accepted
//! too, and answered raw.

use sesame_asn1::Der;
use sesame_asn1::gss::InitialContextToken;
use sesame_asn1::spnego::{
    NegHints, NegState, NegTokenInit, NegTokenResp, NegotiationToken, SpnegoToken,
};
use sesame_asn1::{ObjectIdentifier, oid};
use sesame_gss::{
    ContextFlags, Input, KdcRequest, MessageProtection, PeerName, SecurityContext, Step, Unwrapped,
};

use crate::initiator::oid_list;
use crate::mic::MicExchange;
use crate::{Mech, MechContext, Phase, SpnegoError};

/// An SPNEGO acceptor context over the mechanisms it has.
pub struct SpnegoAcceptor {
    mechs: Vec<Mech>,
    selected: Option<usize>,
    raw: bool,
    mech_types_der: Vec<u8>,
    supported: Option<ObjectIdentifier>,
    first_reply_sent: bool,
    mech_done: bool,
    mic: MicExchange,
    phase: Phase,
    suspended: Option<Suspended>,
}

/// A message whose mechanism step waits for the KDC (an IAKerb acceptor relaying the
/// initiator's request): what is left to settle of it once the reply is in.
#[derive(Debug)]
struct Suspended {
    /// The mechListMIC that came with the message.
    mic: Option<Vec<u8>>,
    /// Whether the mechanism had completed before the message.
    was_done: bool,
}

impl SpnegoAcceptor {
    /// An acceptor with `mechs` (the order does not matter: the initiator's does).
    pub fn new(mechs: Vec<Mech>) -> Self {
        Self {
            mechs,
            selected: None,
            raw: false,
            mech_types_der: Vec::new(),
            supported: None,
            first_reply_sent: false,
            mech_done: false,
            mic: MicExchange::default(),
            phase: Phase::Running,
            suspended: None,
        }
    }

    /// The negotiated mechanism's context, once chosen.
    pub fn inner(&self) -> Option<&dyn MechContext> {
        self.selected.map(|i| self.mechs[i].context.as_ref())
    }

    /// The NegTokenInit2 an acceptor sends first where the protocol lets the server speak
    /// first (SMB's negotiate response, an HTTP 401): its mechanisms, and the negHints that
    /// Windows fills with `not_defined_in_RFC4178@please_ignore` (MS-SPNG 2.2.1, 3.2.5.2).
    pub fn hint_token(&self) -> Result<Vec<u8>, SpnegoError> {
        let init = NegTokenInit {
            mech_types: self
                .mechs
                .iter()
                .flat_map(|m| m.oids.iter().cloned())
                .collect(),
            neg_hints: Some(NegHints {
                hint_name: Some(NegHints::WINDOWS_HINT_NAME.into()),
                hint_address: None,
            }),
            ..NegTokenInit::default()
        };
        SpnegoToken::Initial(NegotiationToken::NegTokenInit(init))
            .encode()
            .map_err(|e| SpnegoError::Malformed(e.to_string()))
    }

    /// Whether the initiator spoke a raw mechanism token instead of SPNEGO.
    pub fn is_raw(&self) -> bool {
        self.raw
    }

    /// Whether a mechListMIC went out / came in.
    pub fn mic_exchanged(&self) -> (bool, bool) {
        (self.mic.sent, self.mic.received)
    }

    /// After a failure: the reject token to send, carrying the mechanism's error token (a
    /// KRB-ERROR) when it has one; raw when the initiator spoke raw.
    pub fn error_token(&self) -> Option<Vec<u8>> {
        let mech_error = self.inner().and_then(SecurityContext::error_token);
        if self.raw {
            return mech_error;
        }
        let resp = NegTokenResp {
            neg_state: Some(NegState::Reject),
            supported_mech: None,
            response_token: mech_error.map(Into::into),
            mech_list_mic: None,
        };
        SpnegoToken::Subsequent(NegotiationToken::NegTokenResp(resp))
            .encode()
            .ok()
    }

    fn mech(&mut self) -> Result<&mut dyn MechContext, SpnegoError> {
        let i = self
            .selected
            .ok_or(SpnegoError::State("no mechanism chosen"))?;
        Ok(self.mechs[i].context.as_mut())
    }

    /// Steps the chosen mechanism; `Err(request)` when it must reach the KDC first.
    fn step_mech(
        &mut self,
        input: Input<'_>,
    ) -> Result<Result<Option<Vec<u8>>, KdcRequest>, sesame_gss::Error> {
        let step = self.mech()?.step(input)?;
        Ok(self.mech_output(step))
    }

    /// The token of a mechanism's step (noting its completion), or its KDC request.
    fn mech_output(&mut self, step: Step) -> Result<Option<Vec<u8>>, KdcRequest> {
        match step {
            Step::Continue(t) => Ok(Some(t)),
            Step::Complete(t) => {
                self.mech_done = true;
                Ok(t)
            }
            Step::NeedKdc(request) => Err(request),
        }
    }

    /// The mechanism's step `out` for the message of `held`: a KDC request suspends the
    /// message until [`Input::KdcReply`] (or `kdc_failed`) resumes it; a token goes on into
    /// the reply.
    fn after_mech(
        &mut self,
        out: Result<Option<Vec<u8>>, KdcRequest>,
        held: Suspended,
    ) -> Result<Step, sesame_gss::Error> {
        match out {
            Err(request) => {
                self.suspended = Some(held);
                Ok(Step::NeedKdc(request))
            }
            Ok(out) if self.raw => self.raw_reply(out),
            Ok(out) => self.reply(out, held),
        }
    }

    /// The KDC's answer (or the caller's failure to get one) for the suspended message.
    fn resume(
        &mut self,
        reply: Result<&[u8], sesame_gss::Error>,
    ) -> Result<Step, sesame_gss::Error> {
        let held = self
            .suspended
            .take()
            .ok_or(SpnegoError::State("a KDC reply nobody asked for"))?;
        let out = match reply {
            Ok(bytes) => self.step_mech(Input::KdcReply(bytes))?,
            Err(error) => {
                let step = self.mech()?.kdc_failed(error)?;
                self.mech_output(step)
            }
        };
        self.after_mech(out, held)
    }

    fn select_raw(&mut self, oid: &ObjectIdentifier) -> Result<(), SpnegoError> {
        let index = self
            .mechs
            .iter()
            .position(|m| m.answers_to(oid))
            .ok_or_else(|| SpnegoError::NoCommonMechanism(oid.to_string()))?;
        self.selected = Some(index);
        self.raw = true;
        Ok(())
    }

    fn advance(&mut self, bytes: &[u8]) -> Result<Step, sesame_gss::Error> {
        if self.phase == Phase::Established {
            return Err(SpnegoError::State("already established").into());
        }
        if self.raw {
            return self.raw_step(bytes);
        }
        if self.selected.is_none() && !self.first_reply_sent {
            if bytes.starts_with(b"NTLMSSP\0") {
                self.select_raw(&oid::NTLMSSP.to_owned())?;
                return self.raw_step(bytes);
            }
            // DCE style (MS-KILE 3.4.5.1) sends the AP-REQ without GSS framing: [APPLICATION 14].
            if bytes.first() == Some(&0x6e) {
                self.select_raw(&oid::KERBEROS.to_owned())?;
                return self.raw_step(bytes);
            }
            if let Ok(outer) = InitialContextToken::decode(bytes)
                && outer.this_mech != *oid::SPNEGO
            {
                self.select_raw(&outer.this_mech)?;
                return self.raw_step(bytes);
            }
        }
        let token =
            SpnegoToken::decode(bytes).map_err(|e| SpnegoError::Malformed(e.to_string()))?;
        let (mech_token, mic) = match token.token() {
            NegotiationToken::NegTokenInit(init) if self.selected.is_none() => {
                (self.choose(init)?, None)
            }
            NegotiationToken::NegTokenResp(resp) if self.selected.is_some() => {
                let t = resp.response_token.as_ref().map(|t| t.to_vec());
                let mic = resp
                    .mech_list_mic
                    .as_ref()
                    .map(|m| m.to_vec())
                    .filter(|m| t.as_ref() != Some(m));
                (t, mic)
            }
            _ => return Err(SpnegoError::Malformed("unexpected SPNEGO token".into()).into()),
        };
        let held = Suspended {
            mic,
            was_done: self.mech_done,
        };
        let out = match mech_token {
            Some(t) if !self.mech_done => self.step_mech(Input::Token(&t))?,
            Some(_) => {
                return Err(SpnegoError::Protocol("a mechanism token after completion").into());
            }
            None => Ok(None),
        };
        self.after_mech(out, held)
    }

    /// The NegTokenResp for the message `held` once the mechanism answered `out`: the
    /// mechListMIC settled, completion decided.
    fn reply(&mut self, out: Option<Vec<u8>>, held: Suspended) -> Result<Step, sesame_gss::Error> {
        let Suspended { mic, was_done } = held;
        let mut mic_out = None;
        if self.mech_done {
            let types = self.mech_types_der.clone();
            let i = self
                .selected
                .ok_or(SpnegoError::State("no mechanism chosen"))?;
            let (mic, needed) = self
                .mic
                .settle(self.mechs[i].context.as_mut(), &types, mic)?;
            // The initiator sent the mechanism's final token: when the rules call for a
            // mechListMIC, its MIC must come in the same message (RFC 4178 5, as MIT's
            // acceptor checks). Waiting for it instead would leave an initiator that believes
            // the exchange finished (its MIC stripped in flight) facing an acceptor that never
            // completes; refusing now makes both sides fail.
            if needed && !self.mic.received && !was_done && out.is_none() {
                return Err(SpnegoError::MicMissing.into());
            }
            mic_out = mic;
            if !needed || self.mic.both() {
                self.phase = Phase::Established;
            }
        } else if mic.is_some() {
            return Err(SpnegoError::Protocol("mechListMIC before the mechanism completed").into());
        }
        let first = !self.first_reply_sent;
        if self.phase == Phase::Established && !first && out.is_none() && mic_out.is_none() {
            // The initiator's MIC was the last word.
            return Ok(Step::Complete(None));
        }
        let neg_state = if self.phase == Phase::Established {
            NegState::AcceptCompleted
        } else if first && self.mic.required {
            NegState::RequestMic
        } else {
            NegState::AcceptIncomplete
        };
        let resp = NegTokenResp {
            neg_state: Some(neg_state),
            supported_mech: if first { self.supported.clone() } else { None },
            response_token: out.map(Into::into),
            mech_list_mic: mic_out.map(Into::into),
        };
        self.first_reply_sent = true;
        let token = SpnegoToken::Subsequent(NegotiationToken::NegTokenResp(resp))
            .encode()
            .map_err(|e| SpnegoError::Malformed(e.to_string()))?;
        Ok(if self.phase == Phase::Established {
            Step::Complete(Some(token))
        } else {
            Step::Continue(token)
        })
    }

    /// The acceptor's choice from the initiator's NegTokenInit; returns the optimistic token
    /// when it is for the chosen mechanism.
    fn choose(&mut self, init: &NegTokenInit) -> Result<Option<Vec<u8>>, SpnegoError> {
        let (index, chosen) = init
            .mech_types
            .iter()
            .find_map(|o| {
                self.mechs
                    .iter()
                    .position(|m| m.answers_to(o))
                    .map(|i| (i, o.clone()))
            })
            .ok_or_else(|| SpnegoError::NoCommonMechanism(oid_list(&init.mech_types)))?;
        self.mech_types_der = init
            .mech_types
            .to_der()
            .map_err(|e| SpnegoError::Malformed(e.to_string()))?;
        self.selected = Some(index);
        // MS Kerberos OID quirk: answer with the OID as the initiator listed it.
        self.supported = Some(chosen);
        let first_is_chosen = init
            .mech_types
            .first()
            .is_some_and(|o| self.mechs[index].answers_to(o));
        if first_is_chosen {
            Ok(init.mech_token.as_ref().map(|t| t.to_vec()))
        } else {
            // The optimistic token was for another mechanism: discard it.
            self.mic.required = true;
            Ok(None)
        }
    }

    fn raw_step(&mut self, bytes: &[u8]) -> Result<Step, sesame_gss::Error> {
        let held = Suspended {
            mic: None,
            was_done: self.mech_done,
        };
        let out = self.step_mech(Input::Token(bytes))?;
        self.after_mech(out, held)
    }

    fn raw_reply(&mut self, out: Option<Vec<u8>>) -> Result<Step, sesame_gss::Error> {
        if self.mech_done {
            self.phase = Phase::Established;
            Ok(Step::Complete(out))
        } else {
            out.map(Step::Continue)
                .ok_or_else(|| SpnegoError::Protocol("mechanism produced nothing").into())
        }
    }
}

impl SecurityContext for SpnegoAcceptor {
    fn step(&mut self, input: Input<'_>) -> Result<Step, sesame_gss::Error> {
        if self.phase == Phase::Failed {
            return Err(SpnegoError::State("the context failed earlier").into());
        }
        let result = match input {
            Input::Token(_) if self.suspended.is_some() => {
                Err(SpnegoError::State("a token while waiting for the KDC").into())
            }
            Input::Token(bytes) => self.advance(bytes),
            Input::KdcReply(reply) => self.resume(Ok(reply)),
            Input::Start => Err(SpnegoError::State("an acceptor takes tokens").into()),
        };
        result.inspect_err(|_| self.phase = Phase::Failed)
    }

    /// The caller could not reach the KDC for the mechanism's request: the mechanism decides
    /// (an IAKerb acceptor fails with the transport's facts).
    fn kdc_failed(&mut self, error: sesame_gss::Error) -> Result<Step, sesame_gss::Error> {
        if self.phase == Phase::Failed {
            return Err(SpnegoError::State("the context failed earlier").into());
        }
        self.resume(Err(error))
            .inspect_err(|_| self.phase = Phase::Failed)
    }

    /// The chosen mechanism's keys exist before SPNEGO's mechListMIC round is over.
    fn prot_ready(&self) -> bool {
        self.phase != Phase::Failed && self.inner().is_some_and(SecurityContext::is_established)
    }

    fn key_info(&self) -> Option<sesame_gss::KeyInfo> {
        self.is_established()
            .then(|| self.inner().and_then(SecurityContext::key_info))
            .flatten()
    }

    fn is_established(&self) -> bool {
        self.phase == Phase::Established
    }

    fn flags(&self) -> ContextFlags {
        self.inner()
            .map_or(ContextFlags::NONE, SecurityContext::flags)
    }

    fn mechanism(&self) -> &'static [u32] {
        &[1, 3, 6, 1, 5, 5, 2]
    }

    fn peer_name(&self) -> Option<&PeerName> {
        if self.phase == Phase::Established {
            self.inner().and_then(SecurityContext::peer_name)
        } else {
            None
        }
    }
}

impl MessageProtection for SpnegoAcceptor {
    fn wrap_in_place(
        &mut self,
        buf: &mut Vec<u8>,
        confidential: bool,
    ) -> Result<(), sesame_gss::Error> {
        self.mech()?.wrap_in_place(buf, confidential)
    }

    fn unwrap_in_place<'a>(
        &mut self,
        buf: &'a mut [u8],
    ) -> Result<Unwrapped<'a>, sesame_gss::Error> {
        self.mech()?.unwrap_in_place(buf)
    }

    fn get_mic(&mut self, message: &[u8]) -> Result<Vec<u8>, sesame_gss::Error> {
        self.mech()?.get_mic(message)
    }

    fn verify_mic(&mut self, message: &[u8], mic: &[u8]) -> Result<(), sesame_gss::Error> {
        self.mech()?.verify_mic(message, mic)
    }
}
