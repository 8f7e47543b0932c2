//! The NTLM server (MS-NLMP 3.2): CHALLENGE with target info and a timestamp, then the checks
//! of the AUTHENTICATE — NTLMv2 proof, MIC (and a stripped MIC), channel bindings, freshness.

use std::sync::Arc;
use std::time::Duration;

use sesame_gss::{
    ChannelBindingPolicy, ChannelBindings, Clock, ContextFlags, Error, Input, MessageProtection,
    PeerName, Random, SecurityContext, Step, Unwrapped,
};
use subtle::ConstantTimeEq;

use crate::av_pairs::{AvPairs, MSV_AV_FLAG_MIC, av_id};
use crate::context::Established;
use crate::crypto::{Key16, ResponseKey, exchange_key, mic_of_parts, ntlm_v1_ess, ntowf_v2};
use crate::messages::{
    Authenticate, Challenge, Negotiate, Version, authenticate::MIC_OFFSET, to_utf16le,
};
use crate::users::NtlmUserStore;
use crate::{NTLMSSP_OID, NegotiateFlags, NtlmError, filetime};

/// The server's names and policy.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// NetBIOS domain name (MsvAvNbDomainName, and the target name).
    pub netbios_domain: String,
    /// NetBIOS computer name.
    pub netbios_computer: String,
    /// DNS domain name.
    pub dns_domain: String,
    /// DNS computer name.
    pub dns_computer: String,
    /// The channel this server runs in (its TLS certificate's `tls-server-end-point`),
    /// checked against the client's MsvAvChannelBindings by `channel_binding_policy`
    /// (MS-NLMP 3.2.5.1.2).
    pub channel_bindings: Option<ChannelBindings>,
    /// Whether the client must send channel bindings, may, or is not checked.
    pub channel_binding_policy: ChannelBindingPolicy,
    /// This server's service names (`HTTP/web.example.com`), compared case-insensitively with
    /// the client's MsvAvTargetName so that an AUTHENTICATE made for another service (a relay)
    /// is refused. Empty: no name is checked.
    pub service_names: Vec<String>,
    /// When the client's target name is checked against `service_names`.
    pub target_name_policy: TargetNamePolicy,
    /// The least session security a client may ask for (Windows' "minimum session security
    /// for NTLM SSP based servers"): flags its NEGOTIATE and AUTHENTICATE must both carry.
    /// Default `KEY_128`, as Windows since Windows 7; add `EXTENDED_SESSIONSECURITY`, `SIGN`
    /// or `SEAL` to require them too.
    pub minimum: NegotiateFlags,
    /// How far the client's timestamp may be from the server's clock.
    pub max_clock_skew: Duration,
    /// Whether anonymous logons are accepted.
    pub allow_anonymous: bool,
    /// The explicit opt-in to NTLMv1 responses, only with extended session security (the
    /// "NTLM2 session response"); plain NTLMv1 and LM are refused even then. Off by default.
    pub allow_ntlmv1: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            netbios_domain: "WORKGROUP".into(),
            netbios_computer: "SESAME".into(),
            dns_domain: "localdomain".into(),
            dns_computer: "sesame.localdomain".into(),
            channel_bindings: None,
            channel_binding_policy: ChannelBindingPolicy::default(),
            service_names: Vec::new(),
            target_name_policy: TargetNamePolicy::default(),
            minimum: NegotiateFlags::KEY_128,
            max_clock_skew: Duration::from_secs(300),
            allow_anonymous: false,
            allow_ntlmv1: false,
        }
    }
}

/// When the server checks the client's MsvAvTargetName against its service names: Windows'
/// "server SPN target name validation level" (`SmbServerNameHardeningLevel` 0, 1, 2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TargetNamePolicy {
    /// Not checked (level 0).
    Off,
    /// Checked when the client sends one (level 1, the default): Windows clients send their
    /// target's SPN, older ones and some libraries send none.
    #[default]
    WhenPresent,
    /// The client must send one, and it must be one of the server's names (level 2).
    Required,
}

impl TargetNamePolicy {
    /// Parses `off`, `when-present` or `required`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "off" => Some(Self::Off),
            "when-present" => Some(Self::WhenPresent),
            "required" => Some(Self::Required),
            _ => None,
        }
    }

    /// Checks `sent`, the client's MsvAvTargetName (absent or empty when it sent none),
    /// against the server's `names` (nothing is checked when there are none).
    fn check(self, names: &[String], sent: Option<&str>) -> Result<(), NtlmError> {
        let sent = sent.filter(|s| !s.is_empty());
        if self == Self::Off || names.is_empty() {
            return Ok(());
        }
        match sent {
            Some(sent) if names.iter().any(|n| n.eq_ignore_ascii_case(sent)) => Ok(()),
            Some(sent) => Err(NtlmError::TargetNameMismatch {
                sent: sent.to_string(),
                expected: names.to_vec(),
            }),
            None if self == Self::Required => Err(NtlmError::TargetNameMissing {
                expected: names.to_vec(),
            }),
            None => Ok(()),
        }
    }
}

/// The flags of `minimum` that `flags` lacks, as the error naming them.
pub(crate) fn check_minimum(
    message: &'static str,
    flags: NegotiateFlags,
    minimum: NegotiateFlags,
) -> Result<(), NtlmError> {
    let missing = minimum.without(flags);
    if missing == NegotiateFlags::default() {
        Ok(())
    } else {
        Err(NtlmError::BelowMinimum { message, missing })
    }
}

#[allow(clippy::large_enum_variant)] // one per context, not worth a box
enum State {
    Initial,
    SentChallenge {
        negotiate: Vec<u8>,
        challenge: Vec<u8>,
        server_challenge: [u8; 8],
        flags: NegotiateFlags,
    },
    Established(Established),
    Failed,
}

/// What a server keeps across connections, as SSPI's credential handle: its configuration, its
/// users, and the parts of the CHALLENGE that never change (names in UTF-16, as AV pairs).
pub struct ServerCredentials {
    config: ServerConfig,
    users: Arc<dyn NtlmUserStore>,
    target_name: Vec<u8>,
    names: AvPairs,
}

impl ServerCredentials {
    /// Prepares a server's configuration and users.
    pub fn new(config: ServerConfig, users: Arc<dyn NtlmUserStore>) -> Self {
        let mut names = AvPairs::default();
        names.set(av_id::NB_DOMAIN_NAME, &to_utf16le(&config.netbios_domain));
        names.set(
            av_id::NB_COMPUTER_NAME,
            &to_utf16le(&config.netbios_computer),
        );
        names.set(av_id::DNS_DOMAIN_NAME, &to_utf16le(&config.dns_domain));
        names.set(av_id::DNS_COMPUTER_NAME, &to_utf16le(&config.dns_computer));
        Self {
            target_name: to_utf16le(&config.netbios_domain),
            config,
            users,
            names,
        }
    }
}

/// An NTLM acceptor context.
pub struct NtlmServer {
    creds: Arc<ServerCredentials>,
    clock: Arc<dyn Clock>,
    rng: Box<dyn Random>,
    state: State,
    flags: ContextFlags,
    peer: Option<PeerName>,
}

/// Flags the server agrees to.
const SUPPORTED: NegotiateFlags = NegotiateFlags(
    NegotiateFlags::UNICODE.0
        | NegotiateFlags::SIGN.0
        | NegotiateFlags::SEAL.0
        | NegotiateFlags::NTLM.0
        | NegotiateFlags::ALWAYS_SIGN.0
        | NegotiateFlags::EXTENDED_SESSIONSECURITY.0
        | NegotiateFlags::KEY_128.0
        | NegotiateFlags::KEY_EXCH.0
        | NegotiateFlags::KEY_56.0
        | NegotiateFlags::ANONYMOUS.0,
);

impl NtlmServer {
    /// A server context over a user store, with an injected clock and random source.
    pub fn new(
        config: ServerConfig,
        users: Arc<dyn NtlmUserStore>,
        clock: Arc<dyn Clock>,
        rng: Box<dyn Random>,
    ) -> Self {
        Self::with_credentials(Arc::new(ServerCredentials::new(config, users)), clock, rng)
    }

    /// A server context over credentials shared with other contexts.
    pub fn with_credentials(
        creds: Arc<ServerCredentials>,
        clock: Arc<dyn Clock>,
        rng: Box<dyn Random>,
    ) -> Self {
        Self {
            creds,
            clock,
            rng,
            state: State::Initial,
            flags: ContextFlags::REPLAY | ContextFlags::SEQUENCE,
            peer: None,
        }
    }

    fn challenge(&mut self, negotiate_bytes: &[u8]) -> Result<State, NtlmError> {
        let negotiate = Negotiate::parse(negotiate_bytes)?;
        check_minimum("NEGOTIATE", negotiate.flags, self.creds.config.minimum)?;
        let mut flags = negotiate.flags.intersection(SUPPORTED)
            | NegotiateFlags::TARGET_INFO
            | NegotiateFlags::TARGET_TYPE_DOMAIN
            | NegotiateFlags::VERSION
            | NegotiateFlags::EXTENDED_SESSIONSECURITY
            | NegotiateFlags::NTLM;
        if negotiate.flags.contains(NegotiateFlags::REQUEST_TARGET) {
            flags = flags | NegotiateFlags::REQUEST_TARGET;
        }
        if !negotiate.flags.contains(NegotiateFlags::UNICODE) {
            // Sesame only speaks Unicode; OEM clients are long gone.
            return Err(NtlmError::Malformed("client does not support Unicode"));
        }
        let mut server_challenge = [0u8; 8];
        self.rng
            .fill(&mut server_challenge)
            .map_err(|e| NtlmError::Random(e.to_string()))?;
        let mut info = self.creds.names.clone();
        info.set(av_id::TIMESTAMP, &filetime(self.clock.now()).to_le_bytes());
        let challenge = Challenge {
            target_name: self.creds.target_name.clone(),
            flags,
            server_challenge,
            target_info: info,
            version: Some(Version::SESAME),
        }
        .to_bytes();
        Ok(State::SentChallenge {
            negotiate: negotiate_bytes.to_vec(),
            challenge,
            server_challenge,
            flags,
        })
    }

    /// MS-NLMP 3.2.5.1.2.
    fn verify(
        &mut self,
        negotiate: &[u8],
        challenge: &[u8],
        server_challenge: [u8; 8],
        offered: NegotiateFlags,
        auth_bytes: &[u8],
    ) -> Result<(Established, PeerName), NtlmError> {
        let auth = Authenticate::parse(auth_bytes)?;
        let flags = auth.flags.intersection(offered);
        let config = &self.creds.config;
        check_minimum("AUTHENTICATE", flags, config.minimum)?;
        let name = PeerName(format!("{}\\{}", auth.domain, auth.user));
        if auth.nt_response.is_empty() && auth.user.is_empty() {
            if !config.allow_anonymous {
                return Err(NtlmError::AnonymousRefused);
            }
            return Ok((
                Established::new(&[0u8; 16], false, flags),
                PeerName("\\".into()),
            ));
        }
        let v1 = response_is_v1(&auth, flags, config)?;
        let hash = self
            .creds
            .users
            .nt_hash(&auth.domain, &auth.user)
            .ok_or_else(|| NtlmError::UnknownUser {
                domain: auth.domain.clone(),
                user: auth.user.clone(),
            })?;
        if v1 {
            // NTLMv1 carries no AV pairs: no channel bindings and no target name to check.
            check_av_pairs(config, &AvPairs::default())?;
            return verify_v1(&auth, &hash, server_challenge, flags).map(|e| (e, name));
        }
        let (proof, temp) = auth.nt_response.split_at(16);
        let key = ResponseKey::new(&ntowf_v2(&hash, &auth.user, &auth.domain));
        let expected = key.nt_proof(&server_challenge, temp);
        if !bool::from(expected.ct_eq(proof)) {
            return Err(NtlmError::WrongPassword {
                domain: auth.domain.clone(),
                user: auth.user.clone(),
            });
        }
        // temp = 01 01 Z(6) time(8) client-challenge(8) Z(4) AV pairs Z(4); the proof covers it,
        // so what it says can be trusted from here on.
        let time = temp
            .get(8..16)
            .and_then(|t| t.try_into().ok())
            .map_or(0, u64::from_le_bytes);
        let now = filetime(self.clock.now());
        let skew = now.abs_diff(time) / 10_000_000;
        if skew > config.max_clock_skew.as_secs() {
            return Err(NtlmError::StaleTimestamp { seconds: skew });
        }
        let blob_info = AvPairs::parse(temp.get(28..).unwrap_or_default())?;
        check_av_pairs(config, &blob_info)?;
        let base = key.session_base_key(&expected);
        let exported = exported_session_key(&auth, flags, base)?;
        if blob_info.flags() & MSV_AV_FLAG_MIC != 0 {
            // The blob, protected by the proof, says a MIC is there: it must be, and be right.
            let Some(sent) = auth.mic else {
                return Err(NtlmError::MicMissing);
            };
            let expected_mic = mic_of_parts(
                &exported,
                &[
                    negotiate,
                    challenge,
                    &auth_bytes[..MIC_OFFSET],
                    &[0; 16],
                    &auth_bytes[MIC_OFFSET + 16..],
                ],
            );
            if !bool::from(expected_mic.ct_eq(&sent)) {
                return Err(NtlmError::BadMic);
            }
        }
        let mut established = Established::new(&exported, false, flags);
        established.with_mic = auth.mic.is_some();
        Ok((established, name))
    }

    fn established_mut(&mut self) -> Result<&mut Established, Error> {
        match &mut self.state {
            State::Established(e) => Ok(e),
            _ => Err(NtlmError::State.into()),
        }
    }
}

/// Which NTLM version the responses are (`true`: NTLMv1 with extended session security, taken
/// only after the opt-in), or the error naming what they are instead.
fn response_is_v1(
    auth: &Authenticate,
    flags: NegotiateFlags,
    config: &ServerConfig,
) -> Result<bool, NtlmError> {
    // An LM response alone is LM authentication; nothing at all is no proof of any kind.
    if auth.nt_response.is_empty() && auth.lm_response.iter().all(|b| *b == 0) {
        return Err(NtlmError::EmptyResponse {
            domain: auth.domain.clone(),
            user: auth.user.clone(),
        });
    }
    let v1 = auth.nt_response.len() == 24;
    let v1_allowed =
        config.allow_ntlmv1 && flags.contains(NegotiateFlags::EXTENDED_SESSIONSECURITY);
    if auth.nt_response.is_empty() || (v1 && !v1_allowed) {
        return Err(NtlmError::Ntlmv1Refused);
    }
    if !v1 && auth.nt_response.len() < 16 + 28 {
        return Err(NtlmError::Malformed(
            "NTLMv2 response shorter than its blob",
        ));
    }
    Ok(v1)
}

/// The checks of the proof-protected AV pairs (MS-NLMP 3.2.5.1.2): channel bindings and the
/// target name, each by its policy.
fn check_av_pairs(config: &ServerConfig, info: &AvPairs) -> Result<(), NtlmError> {
    config
        .channel_binding_policy
        .check(
            config.channel_bindings.as_ref(),
            info.get(av_id::CHANNEL_BINDINGS),
        )
        .map_err(NtlmError::BadChannelBindings)?;
    config.target_name_policy.check(
        &config.service_names,
        info.string(av_id::TARGET_NAME).as_deref(),
    )
}

/// An NTLMv1 response with extended session security (the "NTLM2 session response"), after the
/// explicit opt-in: the client challenge is the first 8 bytes of the LM response.
fn verify_v1(
    auth: &Authenticate,
    hash: &[u8; 16],
    server_challenge: [u8; 8],
    flags: NegotiateFlags,
) -> Result<Established, NtlmError> {
    let client_challenge: [u8; 8] = auth
        .lm_response
        .get(..8)
        .and_then(|c| c.try_into().ok())
        .ok_or(NtlmError::Malformed("LM response"))?;
    let (_, expected, kx) = ntlm_v1_ess(hash, &server_challenge, &client_challenge);
    if !bool::from(expected.ct_eq(auth.nt_response.as_slice())) {
        return Err(NtlmError::WrongPassword {
            domain: auth.domain.clone(),
            user: auth.user.clone(),
        });
    }
    let exported = exported_session_key(auth, flags, kx)?;
    Ok(Established::new(&exported, false, flags))
}

/// The session key both sides use (MS-NLMP 3.2.5.1.2): with KEY_EXCH, the client's random key,
/// RC4-encrypted under the key exchange key; without it, the key exchange key itself.
fn exported_session_key(
    auth: &Authenticate,
    flags: NegotiateFlags,
    key_exchange_key: Key16,
) -> Result<Key16, NtlmError> {
    if !flags.contains(NegotiateFlags::KEY_EXCH) {
        return Ok(key_exchange_key);
    }
    let encrypted: [u8; 16] = auth
        .encrypted_session_key
        .as_slice()
        .try_into()
        .map_err(|_| NtlmError::Malformed("encrypted session key"))?;
    Ok(exchange_key(&key_exchange_key, &encrypted))
}

impl SecurityContext for NtlmServer {
    fn step(&mut self, input: Input<'_>) -> Result<Step, Error> {
        match (std::mem::replace(&mut self.state, State::Failed), input) {
            (State::Initial, Input::Token(negotiate)) => {
                let state = self.challenge(negotiate)?;
                let State::SentChallenge { challenge, .. } = &state else {
                    return Err(NtlmError::State.into());
                };
                let out = challenge.clone();
                self.state = state;
                Ok(Step::Continue(out))
            }
            (
                State::SentChallenge {
                    negotiate,
                    challenge,
                    server_challenge,
                    flags,
                },
                Input::Token(auth),
            ) => {
                let (established, peer) =
                    self.verify(&negotiate, &challenge, server_challenge, flags, auth)?;
                if established.sign {
                    self.flags |= ContextFlags::INTEGRITY;
                }
                if established.seal {
                    self.flags |= ContextFlags::CONFIDENTIALITY;
                }
                self.peer = Some(peer);
                self.state = State::Established(established);
                Ok(Step::Complete(None))
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
        self.peer.as_ref()
    }

    fn requires_mech_list_mic(&self) -> bool {
        matches!(&self.state, State::Established(e) if e.requires_mech_list_mic())
    }
}

impl MessageProtection for NtlmServer {
    fn wrap_in_place(&mut self, buf: &mut Vec<u8>, confidential: bool) -> Result<(), Error> {
        self.established_mut()?.wrap_in_place(buf, confidential)
    }

    fn unwrap_in_place<'a>(&mut self, buf: &'a mut [u8]) -> Result<Unwrapped<'a>, Error> {
        self.established_mut()?.unwrap_in_place(buf)
    }

    fn get_mic(&mut self, message: &[u8]) -> Result<Vec<u8>, Error> {
        self.established_mut()?.get_mic(message)
    }

    fn reset_after_mech_list_mic(&mut self, outgoing: bool) {
        if let Ok(e) = self.established_mut() {
            e.reset_rc4(outgoing);
        }
    }

    fn verify_mic(&mut self, message: &[u8], mic: &[u8]) -> Result<(), Error> {
        self.established_mut()?.verify_mic(message, mic)
    }
}
