//! The CredSSP client (MS-CSSP 3.1.5, client role): negoTokens until the context can protect
//! messages, then pubKeyAuth with the last token, the server's pubKeyAuth checked, and only
//! then the credentials in authInfo.

use sesame_asn1::Der;
use sesame_asn1::credssp::{NegoToken, TsRequest};
use sesame_gss::{Input, KdcRequest, MessageProtection, Random, SecurityContext, Step};
use zeroize::Zeroizing;

use crate::binding::{client_value, matches, server_value};
use crate::{Credentials, CredsspError, VERSION};

/// How the client runs the exchange.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// The TLS server's SubjectPublicKey (the BIT STRING's content of its certificate's
    /// SubjectPublicKeyInfo), as the caller's TLS session saw it.
    pub public_key: Vec<u8>,
    /// What to delegate once the server proved it sees the same key.
    pub credentials: Credentials,
    /// The version offered (default 6).
    pub version: u32,
    /// The lowest server version accepted (default 5: the nonce-bound hash; 2 accepts every
    /// server, including those without the CVE-2018-0886 fix).
    pub minimum_version: u32,
}

impl ClientConfig {
    /// Version 6, servers of version 5 and later.
    pub fn new(public_key: Vec<u8>, credentials: Credentials) -> Self {
        Self {
            public_key,
            credentials,
            version: VERSION,
            minimum_version: 5,
        }
    }
}

/// What the client asks its caller to do.
#[derive(Debug)]
pub enum ClientStep {
    /// Send this TSRequest to the server and feed its answer back.
    Send(Vec<u8>),
    /// The context needs the KDC: send the request, give the reply to
    /// [`CredsspClient::kdc_reply`].
    NeedKdc(KdcRequest),
    /// Send this last TSRequest (the credentials); the exchange is over.
    Done(Vec<u8>),
}

enum State {
    Negotiating,
    AwaitServerKey,
    Done,
    Failed,
}

/// A CredSSP client over the security context `C`.
pub struct CredsspClient<C> {
    ctx: C,
    config: ClientConfig,
    nonce: [u8; 32],
    peer_version: Option<u32>,
    state: State,
}

impl<C: SecurityContext + MessageProtection> CredsspClient<C> {
    /// A client; draws the 32-byte clientNonce of version 5+.
    pub fn new(ctx: C, config: ClientConfig, rng: &mut dyn Random) -> Result<Self, CredsspError> {
        let mut nonce = [0u8; 32];
        rng.fill(&mut nonce)
            .map_err(|e| sesame_gss::Error::new(sesame_gss::MajorStatus::Failure, e))?;
        Ok(Self {
            ctx,
            config,
            nonce,
            peer_version: None,
            state: State::Negotiating,
        })
    }

    /// The security context (what was negotiated, the peer's name).
    pub fn context(&self) -> &C {
        &self.ctx
    }

    /// The version in force: the lower of ours and the server's.
    pub fn version(&self) -> u32 {
        self.peer_version
            .map_or(self.config.version, |p| p.min(self.config.version))
    }

    /// The first call with `None`, then each TSRequest from the server.
    pub fn step(&mut self, input: Option<&[u8]>) -> Result<ClientStep, CredsspError> {
        let result = self.advance(input);
        if result.is_err() {
            self.state = State::Failed;
        }
        result
    }

    /// The KDC's answer to [`ClientStep::NeedKdc`].
    pub fn kdc_reply(&mut self, reply: &[u8]) -> Result<ClientStep, CredsspError> {
        let step = self.ctx.step(Input::KdcReply(reply));
        self.after(step).inspect_err(|_| self.state = State::Failed)
    }

    fn advance(&mut self, input: Option<&[u8]>) -> Result<ClientStep, CredsspError> {
        let Some(bytes) = input else {
            if !matches!(self.state, State::Negotiating) || self.peer_version.is_some() {
                return Err(CredsspError::Unexpected("a second start"));
            }
            let step = self.ctx.step(Input::Start);
            return self.after(step);
        };
        let req = TsRequest::from_der(bytes).map_err(CredsspError::decode("TSRequest"))?;
        if let Some(status) = req.ntstatus().filter(|s| *s != 0) {
            return Err(CredsspError::ServerError(status));
        }
        if req.version < self.config.minimum_version {
            return Err(CredsspError::VersionTooOld {
                peer: req.version,
                minimum: self.config.minimum_version,
            });
        }
        self.peer_version = Some(req.version);
        let token = req.nego_tokens.as_ref().and_then(|t| t.first());
        match self.state {
            State::Negotiating => {
                let token = token.ok_or(CredsspError::Unexpected(
                    "a server TSRequest without negoTokens during the negotiation",
                ))?;
                let step = self.ctx.step(Input::Token(&token.nego_token));
                self.after(step)
            }
            State::AwaitServerKey => {
                if let Some(t) = token {
                    // SPNEGO's last word (accept-completed with its mechListMIC).
                    self.ctx.step(Input::Token(&t.nego_token))?;
                }
                if !self.ctx.is_established() {
                    return Err(CredsspError::Unexpected(
                        "the server answered pubKeyAuth before its context completed",
                    ));
                }
                let sealed = req
                    .pub_key_auth
                    .as_ref()
                    .ok_or(CredsspError::MissingPublicKeyAuth)?;
                let (got, _) = self.ctx.unwrap(sealed)?;
                let expected = server_value(self.version(), &self.nonce, &self.config.public_key);
                if !matches(&got, &expected) {
                    return Err(CredsspError::PublicKeyMismatch);
                }
                let credentials = self.config.credentials.encode()?;
                let sealed = Zeroizing::new(self.ctx.wrap(&credentials, true)?);
                let out = TsRequest {
                    version: self.config.version,
                    auth_info: Some(sealed.to_vec().into()),
                    ..TsRequest::default()
                };
                self.state = State::Done;
                Ok(ClientStep::Done(
                    out.to_der().map_err(CredsspError::decode("TSRequest"))?,
                ))
            }
            State::Done | State::Failed => Err(CredsspError::Unexpected("the exchange is over")),
        }
    }

    /// After a context step: its token on, with pubKeyAuth once the context can seal.
    fn after(&mut self, step: Result<Step, sesame_gss::Error>) -> Result<ClientStep, CredsspError> {
        let token = match step? {
            Step::NeedKdc(request) => return Ok(ClientStep::NeedKdc(request)),
            Step::Continue(t) => Some(t),
            Step::Complete(t) => t,
        };
        let mut out = TsRequest {
            version: self.config.version,
            nego_tokens: token.map(|t| {
                vec![NegoToken {
                    nego_token: t.into(),
                }]
            }),
            ..TsRequest::default()
        };
        if self.ctx.prot_ready() {
            let version = self.version();
            let value = client_value(version, &self.nonce, &self.config.public_key);
            out.pub_key_auth = Some(self.ctx.wrap(&value, true)?.into());
            if version >= 5 {
                out.client_nonce = Some(self.nonce.to_vec().into());
            }
            self.state = State::AwaitServerKey;
        } else if out.nego_tokens.is_none() {
            return Err(CredsspError::Unexpected(
                "the context stopped without a token and without keys",
            ));
        }
        Ok(ClientStep::Send(
            out.to_der().map_err(CredsspError::decode("TSRequest"))?,
        ))
    }
}
