//! The NTLM client (MS-NLMP 3.1): NEGOTIATE, then AUTHENTICATE with NTLMv2, the MIC, the target
//! name and channel bindings.

use std::sync::Arc;

use sesame_gss::{
    ChannelBindings, Clock, ContextFlags, Error, Input, MessageProtection, PeerName, Random,
    SecurityContext, Step, Unwrapped,
};
use zeroize::Zeroizing;

use crate::av_pairs::{MSV_AV_FLAG_MIC, av_id};
use crate::context::Established;
use crate::crypto::{ResponseKey, client_blob, exchange_key, mic, nt_hash, ntlm_v1_ess, ntowf_v2};
use crate::messages::{
    Authenticate, Challenge, Negotiate, Version, authenticate::MIC_OFFSET, to_utf16le,
};
use crate::{NTLMSSP_OID, NegotiateFlags, NtlmError, filetime};

/// What proves the client's identity.
#[derive(Clone)]
pub enum Credentials {
    /// A password.
    Password(Zeroizing<String>),
    /// The NT hash of the password (pass-the-hash).
    NtHash(Zeroizing<[u8; 16]>),
    /// Anonymous authentication (MS-NLMP 3.1.5.1.2): no identity, no session key.
    Anonymous,
}

impl core::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Password(_) => "Password(<secret>)",
            Self::NtHash(_) => "NtHash(<secret>)",
            Self::Anonymous => "Anonymous",
        })
    }
}

/// How the client authenticates.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// The user name.
    pub user: String,
    /// The user's domain (NetBIOS name, as Windows sends it).
    pub domain: String,
    /// Password, NT hash or anonymous.
    pub credentials: Credentials,
    /// This machine's name, sent in the AUTHENTICATE.
    pub workstation: String,
    /// The target's SPN (`HTTP/host`), sent as MsvAvTargetName.
    pub target: Option<String>,
    /// The channel bindings, sent as the MD5 in MsvAvChannelBindings.
    pub channel_bindings: Option<ChannelBindings>,
    /// Ask for integrity (NTLMSSP_NEGOTIATE_SIGN), as SSPI does for ISC_REQ_INTEGRITY.
    /// Without it and without confidentiality the context authenticates only: what an
    /// LDAP bind inside TLS must do (AD and Samba refuse signing or sealing there).
    pub integrity: bool,
    /// Ask for confidentiality (sealing) as well as integrity.
    pub confidentiality: bool,
    /// The explicit opt-in to NTLMv1 (with extended session security, the "NTLM2 session
    /// response"), for servers that accept nothing better. Off by default: NTLMv1 responses can
    /// be cracked offline. LM responses are never sent.
    pub ntlmv1: bool,
    /// The least session security the server may grant (Windows' "minimum session security
    /// for NTLM SSP based clients"): flags the CHALLENGE must carry. Default `KEY_128`, as
    /// Windows since Windows 7.
    pub minimum: NegotiateFlags,
}

impl ClientConfig {
    /// A user with a password, asking for integrity and confidentiality. Only the password's
    /// NT hash is kept.
    pub fn password(domain: &str, user: &str, password: &str) -> Self {
        Self {
            user: user.into(),
            domain: domain.into(),
            credentials: Credentials::NtHash(nt_hash(password)),
            workstation: String::new(),
            target: None,
            channel_bindings: None,
            integrity: true,
            confidentiality: true,
            ntlmv1: false,
            minimum: NegotiateFlags::KEY_128,
        }
    }
}

#[allow(clippy::large_enum_variant)] // one per context, not worth a box
enum State {
    Initial,
    SentNegotiate(Vec<u8>),
    Established(Established),
    Failed,
}

/// What a client keeps across connections, as SSPI's credential handle: the configuration with
/// the password reduced to its NT hash, and NTOWFv2 keyed into HMAC-MD5 once.
pub struct ClientCredentials {
    config: ClientConfig,
    response_key: Option<ResponseKey>,
}

impl ClientCredentials {
    /// Prepares the credentials of `config`.
    pub fn new(mut config: ClientConfig) -> Self {
        if let Credentials::Password(p) = &config.credentials {
            config.credentials = Credentials::NtHash(nt_hash(p));
        }
        let response_key = match &config.credentials {
            Credentials::NtHash(h) => {
                Some(ResponseKey::new(&ntowf_v2(h, &config.user, &config.domain)))
            }
            _ => None,
        };
        Self {
            config,
            response_key,
        }
    }

    /// The configuration (with the password replaced by its NT hash).
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }
}

/// An NTLM initiator context.
pub struct NtlmClient {
    creds: Arc<ClientCredentials>,
    clock: Arc<dyn Clock>,
    rng: Box<dyn Random>,
    state: State,
    flags: ContextFlags,
    target: Option<PeerName>,
}

impl NtlmClient {
    /// A client context with an injected clock and random source.
    pub fn new(config: ClientConfig, clock: Arc<dyn Clock>, rng: Box<dyn Random>) -> Self {
        Self::with_credentials(Arc::new(ClientCredentials::new(config)), clock, rng)
    }

    /// A client context over credentials shared with other contexts.
    pub fn with_credentials(
        creds: Arc<ClientCredentials>,
        clock: Arc<dyn Clock>,
        rng: Box<dyn Random>,
    ) -> Self {
        let mut flags = ContextFlags::REPLAY | ContextFlags::SEQUENCE;
        if creds.config.integrity || creds.config.confidentiality {
            flags |= ContextFlags::INTEGRITY;
        }
        if creds.config.confidentiality {
            flags |= ContextFlags::CONFIDENTIALITY;
        }
        Self {
            creds,
            clock,
            rng,
            state: State::Initial,
            flags,
            target: None,
        }
    }

    fn requested_flags(&self) -> NegotiateFlags {
        let mut f = NegotiateFlags::UNICODE
            | NegotiateFlags::REQUEST_TARGET
            | NegotiateFlags::NTLM
            | NegotiateFlags::ALWAYS_SIGN
            | NegotiateFlags::EXTENDED_SESSIONSECURITY
            | NegotiateFlags::VERSION
            | NegotiateFlags::KEY_128
            | NegotiateFlags::KEY_EXCH
            | NegotiateFlags::KEY_56;
        if self.creds.config.integrity || self.creds.config.confidentiality {
            f = f | NegotiateFlags::SIGN;
        }
        if self.creds.config.confidentiality {
            f = f | NegotiateFlags::SEAL;
        }
        if matches!(self.creds.config.credentials, Credentials::Anonymous) {
            f = f | NegotiateFlags::ANONYMOUS;
        }
        f
    }

    fn random<const N: usize>(&mut self) -> Result<Zeroizing<[u8; N]>, NtlmError> {
        let mut out = Zeroizing::new([0u8; N]);
        self.rng
            .fill(&mut *out)
            .map_err(|e| NtlmError::Random(e.to_string()))?;
        Ok(out)
    }

    /// MS-NLMP 3.1.5.1.2: answer the CHALLENGE.
    fn authenticate(
        &mut self,
        negotiate: &[u8],
        challenge_bytes: &[u8],
    ) -> Result<(Vec<u8>, Established), NtlmError> {
        let challenge = Challenge::parse(challenge_bytes)?;
        let flags = challenge.flags.intersection(self.requested_flags());
        crate::server::check_minimum("CHALLENGE", flags, self.creds.config.minimum)?;
        // A handle on the shared credentials, so that drawing random bytes (`&mut self`) can
        // go on while they are borrowed.
        let creds = Arc::clone(&self.creds);
        let config = &creds.config;
        let v1 = config.ntlmv1;
        if !flags.contains(NegotiateFlags::EXTENDED_SESSIONSECURITY)
            || (challenge.target_info.is_empty() && !v1)
        {
            return Err(NtlmError::NoNtlmv2);
        }
        let anonymous = matches!(config.credentials, Credentials::Anonymous);
        // The client challenge and the exported session key in one draw: one system call.
        let fresh = self.random::<24>()?;
        let mut client_challenge = [0u8; 8];
        client_challenge.copy_from_slice(&fresh[..8]);
        let (lm_response, nt_response, base_key) = if anonymous {
            (vec![0u8], Vec::new(), Zeroizing::new([0u8; 16]))
        } else if let (true, Credentials::NtHash(hash)) = (v1, &config.credentials) {
            let (lm, nt, kx) = ntlm_v1_ess(hash, &challenge.server_challenge, &client_challenge);
            (lm.to_vec(), nt.to_vec(), kx)
        } else {
            let key = creds.response_key.as_ref().ok_or(NtlmError::State)?;
            let server_time = challenge.target_info.timestamp();
            let time = server_time.unwrap_or_else(|| filetime(self.clock.now()));
            let mut info = challenge.target_info.clone();
            if server_time.is_some() {
                info.set(
                    av_id::FLAGS,
                    &(info.flags() | MSV_AV_FLAG_MIC).to_le_bytes(),
                );
            }
            if let Some(spn) = &config.target {
                info.set(av_id::TARGET_NAME, &to_utf16le(spn));
            }
            let bindings = config
                .channel_bindings
                .as_ref()
                .map_or([0u8; 16], ChannelBindings::md5);
            info.set(av_id::CHANNEL_BINDINGS, &bindings);
            let temp = client_blob(time, &client_challenge, &info.to_bytes());
            let proof = key.nt_proof(&challenge.server_challenge, &temp);
            let mut nt = proof.to_vec();
            nt.extend_from_slice(&temp);
            // With a server timestamp the LMv2 response is all zero (MS-NLMP 3.1.5.1.2).
            let lm = if server_time.is_some() {
                vec![0u8; 24]
            } else {
                key.lm_v2_response(&challenge.server_challenge, &client_challenge)
                    .to_vec()
            };
            (lm, nt, key.session_base_key(&proof))
        };
        let (exported, encrypted_session_key) = if flags.contains(NegotiateFlags::KEY_EXCH) {
            let mut exported = Zeroizing::new([0u8; 16]);
            exported.copy_from_slice(&fresh[8..]);
            let encrypted = exchange_key(&base_key, &exported);
            (exported, encrypted.to_vec())
        } else {
            (base_key, Vec::new())
        };
        let with_mic = challenge.target_info.timestamp().is_some() && !anonymous && !v1;
        let mut message = Authenticate {
            lm_response,
            nt_response,
            domain: config.domain.clone(),
            user: config.user.clone(),
            workstation: config.workstation.clone(),
            encrypted_session_key,
            flags,
            version: Some(Version::SESAME),
            mic: with_mic.then_some([0; 16]),
        }
        .to_bytes();
        if with_mic {
            let m = mic(&exported, negotiate, challenge_bytes, &message);
            message[MIC_OFFSET..MIC_OFFSET + 16].copy_from_slice(&m);
        }
        let mut established = Established::new(&exported, true, flags);
        established.with_mic = with_mic;
        Ok((message, established))
    }

    fn established(&mut self) -> Result<&mut Established, Error> {
        match &mut self.state {
            State::Established(e) => Ok(e),
            _ => Err(NtlmError::State.into()),
        }
    }
}

impl SecurityContext for NtlmClient {
    fn step(&mut self, input: Input<'_>) -> Result<Step, Error> {
        match (std::mem::replace(&mut self.state, State::Failed), input) {
            (State::Initial, Input::Start) => {
                let negotiate = Negotiate {
                    flags: self.requested_flags(),
                    domain: Vec::new(),
                    workstation: Vec::new(),
                    version: Some(Version::SESAME),
                }
                .to_bytes();
                self.state = State::SentNegotiate(negotiate.clone());
                Ok(Step::Continue(negotiate))
            }
            (State::SentNegotiate(negotiate), Input::Token(challenge)) => {
                let (message, established) = self.authenticate(&negotiate, challenge)?;
                if !established.seal {
                    self.flags = self.flags.difference(ContextFlags::CONFIDENTIALITY);
                }
                self.target = Some(PeerName(
                    self.creds.config.target.clone().unwrap_or_default(),
                ));
                self.state = State::Established(established);
                Ok(Step::Complete(Some(message)))
            }
            _ => Err(NtlmError::State.into()),
        }
    }

    fn key_info(&self) -> Option<sesame_gss::KeyInfo> {
        match &self.state {
            State::Established(e) => Some(e.key_info()),
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
        NTLMSSP_OID
    }

    fn peer_name(&self) -> Option<&PeerName> {
        self.target.as_ref()
    }

    fn requires_mech_list_mic(&self) -> bool {
        matches!(&self.state, State::Established(e) if e.requires_mech_list_mic())
    }
}

impl MessageProtection for NtlmClient {
    fn wrap_in_place(&mut self, buf: &mut Vec<u8>, confidential: bool) -> Result<(), Error> {
        self.established()?.wrap_in_place(buf, confidential)
    }

    fn unwrap_in_place<'a>(&mut self, buf: &'a mut [u8]) -> Result<Unwrapped<'a>, Error> {
        self.established()?.unwrap_in_place(buf)
    }

    fn get_mic(&mut self, message: &[u8]) -> Result<Vec<u8>, Error> {
        self.established()?.get_mic(message)
    }

    fn reset_after_mech_list_mic(&mut self, outgoing: bool) {
        if let Ok(e) = self.established() {
            e.reset_rc4(outgoing);
        }
    }

    fn verify_mic(&mut self, message: &[u8], mic: &[u8]) -> Result<(), Error> {
        self.established()?.verify_mic(message, mic)
    }
}
