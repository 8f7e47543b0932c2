//! The CredSSP server (MS-CSSP 3.1.5, server role): the client's negoTokens through the
//! acceptor (SPNEGO, or raw NTLM as mstsc and FreeRDP send it: the acceptor answers in the
//! form it was given), the client's pubKeyAuth checked against the TLS key this side holds,
//! its own pubKeyAuth, then the delegated credentials.

use sesame_asn1::Der;
use sesame_asn1::credssp::{NegoToken, TsRequest};
use sesame_gss::{Input, MessageProtection, SecurityContext, Step};
use zeroize::Zeroizing;

use crate::binding::{client_value, matches, server_value};
use crate::{CredsspError, Delegated, STATUS_LOGON_FAILURE, VERSION};

/// How the server runs the exchange.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// The SubjectPublicKey of the certificate this server's TLS presents.
    pub public_key: Vec<u8>,
    /// The version announced (default 6).
    pub version: u32,
    /// The lowest client version accepted (default 5; 2 takes clients without the
    /// CVE-2018-0886 fix).
    pub minimum_version: u32,
}

impl ServerConfig {
    /// Version 6, clients of version 5 and later.
    pub fn new(public_key: Vec<u8>) -> Self {
        Self {
            public_key,
            version: VERSION,
            minimum_version: 5,
        }
    }
}

/// What the server asks its caller to do.
#[derive(Debug)]
pub enum ServerStep {
    /// Send this TSRequest to the client and feed its answer back.
    Send(Vec<u8>),
    /// The client is authenticated, bound to this TLS channel, and delegated these.
    Done(Delegated),
}

enum State {
    Negotiating,
    AwaitCredentials,
    Done,
    Failed,
}

/// A CredSSP server over the acceptor `C`.
pub struct CredsspServer<C> {
    ctx: C,
    config: ServerConfig,
    peer_version: Option<u32>,
    state: State,
    error_token: Option<Vec<u8>>,
}

impl<C: SecurityContext + MessageProtection> CredsspServer<C> {
    /// A server.
    pub fn new(ctx: C, config: ServerConfig) -> Self {
        Self {
            ctx,
            config,
            peer_version: None,
            state: State::Negotiating,
            error_token: None,
        }
    }

    /// The acceptor (the authenticated user is its peer name).
    pub fn context(&self) -> &C {
        &self.ctx
    }

    /// The version in force: the lower of ours and the client's.
    pub fn version(&self) -> u32 {
        self.peer_version
            .map_or(self.config.version, |p| p.min(self.config.version))
    }

    /// Each TSRequest from the client.
    pub fn step(&mut self, input: &[u8]) -> Result<ServerStep, CredsspError> {
        let result = self.advance(input);
        if let Err(e) = &result {
            self.state = State::Failed;
            // A refused logon is reported to a client of version 3+ (MS-CSSP 3.1.5.2.2);
            // other failures close the channel.
            if matches!(e, CredsspError::Context(_)) && self.version() >= 3 {
                let code = i32::from_ne_bytes(STATUS_LOGON_FAILURE.to_ne_bytes());
                self.error_token = TsRequest {
                    version: self.config.version,
                    error_code: Some(i64::from(code)),
                    ..TsRequest::default()
                }
                .to_der()
                .ok();
            }
        }
        result
    }

    /// After a failed step: the TSRequest with errorCode to send the client, if its version
    /// takes one.
    pub fn error_token(&self) -> Option<&[u8]> {
        self.error_token.as_deref()
    }

    fn advance(&mut self, input: &[u8]) -> Result<ServerStep, CredsspError> {
        let req = TsRequest::from_der(input).map_err(CredsspError::decode("TSRequest"))?;
        if req.version < self.config.minimum_version {
            return Err(CredsspError::VersionTooOld {
                peer: req.version,
                minimum: self.config.minimum_version,
            });
        }
        self.peer_version = Some(req.version);
        match self.state {
            State::Negotiating => self.negotiate(&req),
            State::AwaitCredentials => {
                let sealed = req
                    .auth_info
                    .as_ref()
                    .ok_or(CredsspError::Unexpected("no authInfo after pubKeyAuth"))?;
                let (plain, _) = self.ctx.unwrap(sealed)?;
                let plain = Zeroizing::new(plain);
                let delegated = Delegated::decode(&plain)?;
                self.state = State::Done;
                Ok(ServerStep::Done(delegated))
            }
            State::Done | State::Failed => Err(CredsspError::Unexpected("the exchange is over")),
        }
    }

    fn negotiate(&mut self, req: &TsRequest) -> Result<ServerStep, CredsspError> {
        let token = match req.nego_tokens.as_ref().and_then(|t| t.first()) {
            Some(t) => match self.ctx.step(Input::Token(&t.nego_token))? {
                Step::Continue(t) => Some(t),
                Step::Complete(t) => t,
                Step::NeedKdc(_) => {
                    return Err(CredsspError::Unexpected(
                        "an acceptor that asks for the KDC",
                    ));
                }
            },
            None => None,
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
        match &req.pub_key_auth {
            Some(sealed) => {
                if !self.ctx.is_established() {
                    return Err(CredsspError::Unexpected(
                        "pubKeyAuth before the context is established",
                    ));
                }
                let version = self.version();
                let nonce = match (&req.client_nonce, version >= 5) {
                    (Some(n), true) => n.to_vec(),
                    (None, true) => {
                        return Err(CredsspError::Unexpected("version 5+ without clientNonce"));
                    }
                    (_, false) => Vec::new(),
                };
                let (got, _) = self.ctx.unwrap(sealed)?;
                if !matches(
                    &got,
                    &client_value(version, &nonce, &self.config.public_key),
                ) {
                    return Err(CredsspError::PublicKeyMismatch);
                }
                let value = server_value(version, &nonce, &self.config.public_key);
                out.pub_key_auth = Some(self.ctx.wrap(&value, true)?.into());
                self.state = State::AwaitCredentials;
            }
            None if self.ctx.is_established() && out.nego_tokens.is_none() => {
                return Err(CredsspError::MissingPublicKeyAuth);
            }
            None if out.nego_tokens.is_none() => {
                return Err(CredsspError::Unexpected("a TSRequest without negoTokens"));
            }
            None => {}
        }
        Ok(ServerStep::Send(
            out.to_der().map_err(CredsspError::decode("TSRequest"))?,
        ))
    }
}
