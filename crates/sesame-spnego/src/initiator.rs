//! The SPNEGO initiator (RFC 4178 4.2.1, MS-SPNG 3.1.5): the first mechanism's token goes
//! optimistically in the NegTokenInit; the acceptor's choice, request-mic and mechListMIC are
//! handled as Windows does.

use sesame_asn1::Der;
use sesame_asn1::ObjectIdentifier;
use sesame_asn1::spnego::{
    MechTypeList, NegState, NegTokenInit, NegTokenResp, NegotiationToken, SpnegoToken,
};
use sesame_gss::{
    ContextFlags, Input, MessageProtection, PeerName, SecurityContext, Step, Unwrapped,
};

use crate::mic::MicExchange;
use crate::{Mech, MechContext, Phase, SpnegoError};

/// An SPNEGO initiator context over `mechs`, the first being the preferred (optimistic) one.
pub struct SpnegoInitiator {
    mechs: Vec<Mech>,
    selected: usize,
    mech_types: MechTypeList,
    round: Round,
    mech_done: bool,
    acceptor_done: bool,
    mic: MicExchange,
    pending_mic: Option<Vec<u8>>,
    phase: Phase,
}

/// Which message comes next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Round {
    /// The NegTokenInit is not out yet.
    Init,
    /// Waiting for the acceptor's first reply, with its choice.
    Choice,
    /// The chosen mechanism's exchange.
    Mechanism,
}

impl SpnegoInitiator {
    /// An initiator offering `mechs` in order; every OID of every mechanism is listed.
    pub fn new(mechs: Vec<Mech>) -> Self {
        let mech_types = mechs.iter().flat_map(|m| m.oids.iter().cloned()).collect();
        Self {
            mechs,
            selected: 0,
            mech_types,
            round: Round::Init,
            mech_done: false,
            acceptor_done: false,
            mic: MicExchange::default(),
            pending_mic: None,
            phase: Phase::Running,
        }
    }

    /// The mechanism OIDs as offered (what the mechListMIC covers).
    pub fn mech_types(&self) -> &[ObjectIdentifier] {
        &self.mech_types
    }

    /// The negotiated mechanism's context.
    pub fn inner(&self) -> &dyn MechContext {
        self.mechs[self.selected].context.as_ref()
    }

    /// Whether a mechListMIC went out / came in.
    pub fn mic_exchanged(&self) -> (bool, bool) {
        (self.mic.sent, self.mic.received)
    }

    fn mech(&mut self) -> &mut dyn MechContext {
        self.mechs[self.selected].context.as_mut()
    }

    fn mech_types_der(&self) -> Result<Vec<u8>, SpnegoError> {
        self.mech_types
            .to_der()
            .map_err(|e| SpnegoError::Malformed(e.to_string()))
    }

    /// Steps the selected mechanism; `Err(step)` when it needs the KDC first.
    fn step_mech(
        &mut self,
        input: Input<'_>,
    ) -> Result<Result<Option<Vec<u8>>, Step>, sesame_gss::Error> {
        match self.mech().step(input)? {
            Step::NeedKdc(r) => Ok(Err(Step::NeedKdc(r))),
            Step::Continue(t) => Ok(Ok(Some(t))),
            Step::Complete(t) => {
                self.mech_done = true;
                Ok(Ok(t))
            }
        }
    }

    fn advance(&mut self, input: Input<'_>) -> Result<Step, sesame_gss::Error> {
        if self.phase == Phase::Established {
            return Err(SpnegoError::State("already established").into());
        }
        let out = match input {
            Input::Start | Input::KdcReply(_) => match self.step_mech(input)? {
                Err(kdc) => return Ok(kdc),
                Ok(t) => t,
            },
            Input::Token(bytes) if self.round == Round::Init => {
                // An acceptor's NegTokenInit2 (HTTP, SMB): keep the mechanisms it offers.
                let Ok(NegotiationToken::NegTokenInit(hint)) =
                    SpnegoToken::decode(bytes).map(|t| t.token().clone())
                else {
                    return Err(
                        SpnegoError::Malformed("expected NegTokenInit2 hints".into()).into(),
                    );
                };
                self.mechs
                    .retain(|m| hint.mech_types.iter().any(|o| m.answers_to(o)));
                if self.mechs.is_empty() {
                    return Err(SpnegoError::NoCommonMechanism(oid_list(&hint.mech_types)).into());
                }
                self.mech_types = self
                    .mechs
                    .iter()
                    .flat_map(|m| m.oids.iter().cloned())
                    .collect();
                match self.step_mech(Input::Start)? {
                    Err(kdc) => return Ok(kdc),
                    Ok(t) => t,
                }
            }
            Input::Token(bytes) => match self.response(bytes)? {
                Err(kdc) => return Ok(kdc),
                Ok(t) => t,
            },
        };
        self.finish(out)
    }

    /// Takes the acceptor's NegTokenResp; returns the mechanism's next token.
    fn response(
        &mut self,
        bytes: &[u8],
    ) -> Result<Result<Option<Vec<u8>>, Step>, sesame_gss::Error> {
        let SpnegoToken::Subsequent(NegotiationToken::NegTokenResp(resp)) =
            SpnegoToken::decode(bytes).map_err(|e| SpnegoError::Malformed(e.to_string()))?
        else {
            return Err(SpnegoError::Malformed("expected a NegTokenResp".into()).into());
        };
        let token = resp.response_token.as_ref().map(|t| t.to_vec());
        // An old Windows bug: a mechListMIC that repeats the responseToken is no MIC.
        let mic = resp
            .mech_list_mic
            .as_ref()
            .map(|m| m.to_vec())
            .filter(|m| token.as_ref() != Some(m));
        if resp.neg_state == Some(NegState::Reject) {
            if let Some(t) = token {
                // The mechanism turns its error token (a KRB-ERROR) into its error facts.
                self.mech().step(Input::Token(&t))?;
            }
            return Err(SpnegoError::Rejected.into());
        }
        let mut switched = false;
        if let Some(chosen) = &resp.supported_mech {
            if self.round == Round::Mechanism {
                return Err(SpnegoError::Protocol("supportedMech in a later reply").into());
            }
            let index = self
                .mechs
                .iter()
                .position(|m| m.answers_to(chosen))
                .ok_or_else(|| SpnegoError::UnofferedMechanism {
                    chosen: chosen.to_string(),
                    offered: oid_list(&self.mech_types),
                })?;
            if index != self.selected {
                // Not our first: its optimistic token was discarded; start the chosen one.
                self.selected = index;
                self.mech_done = false;
                self.mic.required = true;
                switched = true;
            }
        }
        self.round = Round::Mechanism;
        match resp.neg_state {
            Some(NegState::RequestMic) => self.mic.required = true,
            Some(NegState::AcceptCompleted) => self.acceptor_done = true,
            _ => {}
        }
        self.pending_mic = mic;
        if switched {
            return self.step_mech(Input::Start);
        }
        match token {
            Some(t) if !self.mech_done => self.step_mech(Input::Token(&t)),
            Some(_) => {
                Err(SpnegoError::Protocol("a mechanism token after the mechanism completed").into())
            }
            None => Ok(Ok(None)),
        }
    }

    /// After the mechanism's step: the MICs, the next message, completion.
    fn finish(&mut self, out: Option<Vec<u8>>) -> Result<Step, sesame_gss::Error> {
        if self.round == Round::Init {
            self.round = Round::Choice;
            let init = NegTokenInit {
                mech_types: self.mech_types.clone(),
                mech_token: out.map(Into::into),
                ..NegTokenInit::default()
            };
            let token = SpnegoToken::Initial(NegotiationToken::NegTokenInit(init))
                .encode()
                .map_err(|e| SpnegoError::Malformed(e.to_string()))?;
            return Ok(Step::Continue(token));
        }
        if self.acceptor_done && out.is_some() {
            // The acceptor cannot have completed before seeing the mechanism's last token.
            return Err(SpnegoError::Protocol(
                "the acceptor completed before the mechanism's last token",
            )
            .into());
        }
        let mut mic_out = None;
        if self.mech_done {
            let types = self.mech_types_der()?;
            let incoming = self.pending_mic.take();
            let i = self.selected;
            let (mic, needed) =
                self.mic
                    .settle(self.mechs[i].context.as_mut(), &types, incoming)?;
            // The acceptor's MIC must come with its accept-completed, and with the
            // mechanism's final token when that was the acceptor's (RFC 4178 5, as MIT checks).
            if needed && !self.mic.received && (self.acceptor_done || out.is_none()) {
                return Err(SpnegoError::MicMissing.into());
            }
            // Complete only on the acceptor's accept-completed, or when our MIC goes out as
            // the last word of the exchange (answering the acceptor's). Both MICs verified
            // under accept-incomplete, with nothing left to send, means the acceptor is
            // waiting for a MIC of ours it never got: never report a logon it did not make.
            let last_word = mic.is_some() && out.is_none() && self.mic.received;
            if needed && self.mic.both() && !self.acceptor_done && !last_word {
                return Err(SpnegoError::AcceptorIncomplete.into());
            }
            mic_out = mic;
            let done = self.acceptor_done || last_word;
            if done && (!needed || self.mic.both()) {
                self.phase = Phase::Established;
            }
        } else if self.pending_mic.is_some() {
            return Err(SpnegoError::Protocol("mechListMIC before the mechanism completed").into());
        } else if self.acceptor_done {
            return Err(
                SpnegoError::Protocol("the acceptor completed before the mechanism").into(),
            );
        }
        let message = if out.is_some() || mic_out.is_some() {
            let resp = NegTokenResp {
                neg_state: None,
                supported_mech: None,
                response_token: out.map(Into::into),
                mech_list_mic: mic_out.map(Into::into),
            };
            Some(
                SpnegoToken::Subsequent(NegotiationToken::NegTokenResp(resp))
                    .encode()
                    .map_err(|e| SpnegoError::Malformed(e.to_string()))?,
            )
        } else {
            None
        };
        match (self.phase == Phase::Established, message) {
            (true, m) => Ok(Step::Complete(m)),
            (false, Some(m)) => Ok(Step::Continue(m)),
            (false, None) => Err(SpnegoError::Protocol("nothing to send, yet not complete").into()),
        }
    }
}

pub(crate) fn oid_list(oids: &[ObjectIdentifier]) -> String {
    oids.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl SecurityContext for SpnegoInitiator {
    fn step(&mut self, input: Input<'_>) -> Result<Step, sesame_gss::Error> {
        if self.phase == Phase::Failed {
            return Err(SpnegoError::State("the context failed earlier").into());
        }
        self.advance(input)
            .inspect_err(|_| self.phase = Phase::Failed)
    }

    fn key_info(&self) -> Option<sesame_gss::KeyInfo> {
        self.is_established()
            .then(|| self.inner().key_info())
            .flatten()
    }

    fn is_established(&self) -> bool {
        self.phase == Phase::Established
    }

    /// The chosen mechanism's keys exist before SPNEGO's mechListMIC round is over.
    fn prot_ready(&self) -> bool {
        self.phase != Phase::Failed && self.inner().is_established()
    }

    fn flags(&self) -> ContextFlags {
        self.inner().flags()
    }

    fn mechanism(&self) -> &'static [u32] {
        &[1, 3, 6, 1, 5, 5, 2]
    }

    fn peer_name(&self) -> Option<&PeerName> {
        if self.phase == Phase::Established {
            self.inner().peer_name()
        } else {
            None
        }
    }
}

impl MessageProtection for SpnegoInitiator {
    fn wrap_in_place(
        &mut self,
        buf: &mut Vec<u8>,
        confidential: bool,
    ) -> Result<(), sesame_gss::Error> {
        self.mech().wrap_in_place(buf, confidential)
    }

    fn unwrap_in_place<'a>(
        &mut self,
        buf: &'a mut [u8],
    ) -> Result<Unwrapped<'a>, sesame_gss::Error> {
        self.mech().unwrap_in_place(buf)
    }

    fn get_mic(&mut self, message: &[u8]) -> Result<Vec<u8>, sesame_gss::Error> {
        self.mech().get_mic(message)
    }

    fn verify_mic(&mut self, message: &[u8], mic: &[u8]) -> Result<(), sesame_gss::Error> {
        self.mech().verify_mic(message, mic)
    }
}
