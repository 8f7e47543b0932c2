//! The front door for initiators: `Client::new("HTTP/web.example.com")`, credentials in any of
//! the forms users have them, and `step` until done. Kerberos first with NTLM as the fallback
//! policy allows, the KDC exchanges done with the blocking transport (or one the caller gives),
//! and afterwards what was negotiated.
//!
//! Underneath is the sans-IO [`NegotiateInitiator`], unchanged; the client only assembles it
//! and drives its KDC requests, as pyspnego's `spnego.client(...)` and `curl --negotiate` do.

use std::path::PathBuf;
use std::sync::Arc;

use sesame_gss::{
    ChannelBindings, Clock, ContextFlags, Error, Input, MajorStatus, MessageProtection,
    SecurityContext, Spn, Step, SystemClock, SystemRandom, Unwrapped,
};
use sesame_kerberos::ccache::Ccache;
use sesame_kerberos::crypto::Enctype;
use sesame_kerberos::gssapi::InitiatorCredentials;
use sesame_kerberos::gssapi::KerberosInitiator;
use sesame_kerberos::keytab::Keytab;
use sesame_kerberos::krb5_conf::Krb5Conf;
use sesame_kerberos::principal::Principal;
use sesame_kerberos::transport::{KdcClient, KdcTransport, step_with_kdc};
use sesame_ntlm::{ClientConfig, ClientCredentials, Credentials, NtlmClient};
use zeroize::Zeroizing;

use crate::{
    FallbackPolicy, Identity, NegotiateConfig, NegotiateInitiator, Negotiated, Packages, Progress,
    RandomSource, UserName,
};

/// Why the front door could not set a context up (before any token).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// The target is not an SPN.
    #[error("target: {0}")]
    Target(String),
    /// The user name parses as none of the forms.
    #[error(transparent)]
    UserName(#[from] crate::BadUserName),
    /// The package list names an unknown package.
    #[error(transparent)]
    Packages(#[from] crate::UnknownPackage),
    /// No credentials: none given, and no default ccache or client keytab usable.
    #[error("no credentials: {0}")]
    NoCredentials(String),
    /// krb5.conf could not be read.
    #[error("krb5.conf: {0}")]
    Config(String),
}

impl From<SetupError> for Error {
    fn from(e: SetupError) -> Self {
        let major = match e {
            SetupError::Target(_) | SetupError::UserName(_) => MajorStatus::BadName,
            SetupError::NoCredentials(_) => MajorStatus::NoCred,
            _ => MajorStatus::Failure,
        };
        Error::new(major, e)
    }
}

/// Where the client's identity comes from.
#[derive(Clone)]
enum Source {
    /// The default ccache as MIT resolves it, else the default client keytab.
    Default,
    Password(String, Zeroizing<String>),
    NtHash(String, Zeroizing<[u8; 16]>),
    Ccache(String),
    Keytab(PathBuf, Option<String>),
}

/// The target error of `Client::new("")`: raw NTLM takes it as "no target name".
const NO_TARGET: &str = "no target given";

/// A service ticket [`Client::service_ticket`] got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceTicket {
    /// The service principal (`HTTP/web.example.com@EXAMPLE.COM`).
    pub server: String,
    /// The key version the ticket is encrypted with (what `kvno` prints).
    pub kvno: u32,
    /// The session key's enctype.
    pub enctype: i32,
}

/// What the client speaks on the wire.
///
/// ```no_run
/// use sesame_negotiate::{Client, Mechanism};
/// // An LDAP SASL GSSAPI bind carries raw Kerberos tokens, not SPNEGO.
/// let mut client = Client::new("ldap/dc1.example.com").mechanism(Mechanism::Kerberos);
/// let first = client.step(None)?;
/// # Ok::<(), sesame_gss::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mechanism {
    /// SPNEGO (RFC 4178) over Kerberos and NTLM as the packages and the fallback policy
    /// allow: HTTP Negotiate, SMB, RDP, WinRM.
    #[default]
    Negotiate,
    /// Kerberos V5 GSS-API tokens alone (RFC 4121), as SASL GSSAPI (LDAP binds) and other
    /// Kerberos-only protocols carry them; user-to-user with the package `u2u`.
    Kerberos,
    /// NTLM messages alone (MS-NLMP), as HTTP's `NTLM` scheme and SASL NTLM carry them.
    Ntlm,
    /// IAKerb (draft-ietf-kitten-iakerb): Kerberos whose AS and TGS exchanges go through the
    /// server, for a client that cannot reach a KDC; the server must relay them.
    Iakerb,
}

/// The context a client drives.
enum Inner {
    Negotiate(Box<NegotiateInitiator>),
    Kerberos(Box<KerberosInitiator>),
    Iakerb(Box<sesame_kerberos::gssapi::IakerbInitiator>),
    Ntlm(Box<NtlmClient>),
}

impl Inner {
    fn context(&self) -> &dyn SecurityContext {
        match self {
            Self::Negotiate(c) => c.as_ref(),
            Self::Kerberos(c) => c.as_ref(),
            Self::Iakerb(c) => c.as_ref(),
            Self::Ntlm(c) => c.as_ref(),
        }
    }

    fn context_mut(&mut self) -> &mut (dyn SecurityContext + Send) {
        match self {
            Self::Negotiate(c) => c.as_mut(),
            Self::Kerberos(c) => c.as_mut(),
            Self::Iakerb(c) => c.as_mut(),
            Self::Ntlm(c) => c.as_mut(),
        }
    }

    fn protection(&mut self) -> &mut dyn MessageProtection {
        match self {
            Self::Negotiate(c) => c.as_mut(),
            Self::Kerberos(c) => c.as_mut(),
            Self::Iakerb(c) => c.as_mut(),
            Self::Ntlm(c) => c.as_mut(),
        }
    }
}

/// A Negotiate client for one target: one handshake.
///
/// ```no_run
/// use sesame_negotiate::{Client, FallbackPolicy, Progress};
/// # fn send(_: &[u8]) -> Vec<u8> { Vec::new() }
/// let mut client = Client::new("HTTP/web.example.com")
///     .with_password("EXAMPLE\\user1", "Passw0rd1")
///     .fallback(FallbackPolicy::Never);
/// let mut progress = client.step(None)?;
/// while let Progress::Continue(token) = &progress {
///     progress = client.step(Some(&send(token)))?;
/// }
/// let negotiated = client.negotiated().expect("complete");
/// println!("{} ({:?})", negotiated.mechanism, negotiated.key);
/// # Ok::<(), sesame_gss::Error>(())
/// ```
pub struct Client {
    target: Result<Spn, String>,
    source: Source,
    domain: Option<String>,
    packages: Result<Packages, crate::UnknownPackage>,
    policy: FallbackPolicy,
    flags: ContextFlags,
    channel_bindings: Option<ChannelBindings>,
    enctypes: Option<Vec<Enctype>>,
    impersonate: Option<String>,
    ntlm_minimum: Option<sesame_ntlm::NegotiateFlags>,
    allow_weak: bool,
    conf: Option<Krb5Conf>,
    transport: Option<Arc<dyn KdcTransport + Send + Sync>>,
    #[cfg(feature = "tokio")]
    async_transport: Option<Arc<dyn sesame_kerberos::transport::AsyncKdcTransport>>,
    clock: Arc<dyn Clock>,
    random: RandomSource,
    mechanism: Mechanism,
    ntlmv1: bool,
    workstation: Option<String>,
    context: Option<Inner>,
    /// The ccache the Kerberos tickets came from, written back with new ones when done.
    write_back: Option<(String, Arc<InitiatorCredentials>)>,
    /// The Kerberos credentials of the context built, for the tickets it got.
    kerberos: Option<Arc<InitiatorCredentials>>,
}

impl Client {
    /// A client for `target`: an SPN (`HTTP/web.example.com`, `HTTP/web@REALM`, or GSS's
    /// `HTTP@web`), with the default credentials, mutual authentication, Kerberos then NTLM as
    /// [`FallbackPolicy::Allowlist`] allows. For raw NTLM ([`Mechanism::Ntlm`]) the target may
    /// be empty: no target name is sent, as with SSPI's NULL target.
    pub fn new(target: &str) -> Self {
        Self {
            target: if target.is_empty() {
                Err(NO_TARGET.into())
            } else {
                Spn::parse(target).map_err(|e| e.to_string())
            },
            source: Source::Default,
            domain: None,
            packages: Ok(Packages::default()),
            policy: FallbackPolicy::Allowlist,
            flags: ContextFlags::MUTUAL
                | ContextFlags::REPLAY
                | ContextFlags::SEQUENCE
                | ContextFlags::CONFIDENTIALITY
                | ContextFlags::INTEGRITY,
            channel_bindings: None,
            enctypes: None,
            impersonate: None,
            ntlm_minimum: None,
            allow_weak: false,
            conf: None,
            transport: None,
            #[cfg(feature = "tokio")]
            async_transport: None,
            clock: Arc::new(SystemClock),
            random: Arc::new(|| Box::new(SystemRandom)),
            mechanism: Mechanism::Negotiate,
            ntlmv1: false,
            workstation: None,
            context: None,
            write_back: None,
            kerberos: None,
        }
    }

    /// A password for `user`, typed in any form: `DOMAIN\user`, `user@REALM`, a UPN
    /// `user@dns.domain`, or a bare name with the default realm (see [`UserName`]). Both
    /// Kerberos and NTLM use it.
    #[must_use]
    pub fn with_password(mut self, user: &str, password: &str) -> Self {
        self.source = Source::Password(user.into(), Zeroizing::new(password.into()));
        self
    }

    /// The NT hash of `user`'s password: NTLM only (pass-the-hash).
    #[must_use]
    pub fn with_nt_hash(mut self, user: &str, hash: [u8; 16]) -> Self {
        self.source = Source::NtHash(user.into(), Zeroizing::new(hash));
        self
    }

    /// The tickets of a credential cache (`FILE:...`, `DIR:...`): Kerberos only; new service
    /// tickets are written back to it, as MIT does.
    #[must_use]
    pub fn with_ccache(mut self, name: &str) -> Self {
        self.source = Source::Ccache(name.into());
        self
    }

    /// The keys of `principal` (the keytab's first principal when `None`) in a keytab:
    /// Kerberos only (a service acting as itself, `kinit -k`).
    #[must_use]
    pub fn with_keytab(mut self, path: impl Into<PathBuf>, principal: Option<&str>) -> Self {
        self.source = Source::Keytab(path.into(), principal.map(str::to_string));
        self
    }

    /// The NTLM domain, overriding the one the user name implies.
    #[must_use]
    pub fn domain(mut self, domain: &str) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// The packages, in SSPI's form: `"kerberos,!ntlm"`, `"ntlm"`, `"!kerberos"`, `"u2u"`.
    #[must_use]
    pub fn packages(mut self, list: &str) -> Self {
        self.packages = Packages::parse(list);
        self
    }

    /// When NTLM may take over from a failed first Kerberos leg (docs/fallback.md).
    #[must_use]
    pub fn fallback(mut self, policy: FallbackPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The context flags asked for (default: mutual authentication, replay and sequence
    /// detection, integrity and confidentiality).
    #[must_use]
    pub fn flags(mut self, flags: ContextFlags) -> Self {
        self.flags = flags;
        self
    }

    /// The channel bindings of the TLS connection (`tls-server-end-point`, RFC 5929): sent in
    /// NTLM's MsvAvChannelBindings and Kerberos's authenticator checksum.
    #[must_use]
    pub fn channel_bindings(mut self, bindings: ChannelBindings) -> Self {
        self.channel_bindings = Some(bindings);
        self
    }

    /// What to speak: [`Mechanism::Negotiate`] (the default), or raw Kerberos or raw NTLM
    /// tokens for protocols that carry one mechanism alone (SASL GSSAPI, HTTP `NTLM`).
    #[must_use]
    pub fn mechanism(mut self, mechanism: Mechanism) -> Self {
        self.mechanism = mechanism;
        self
    }

    /// Answers with NTLMv1 (and LM) responses, for servers that know nothing newer (opt-in;
    /// an acceptor refuses them by default, and they are weak).
    #[must_use]
    pub fn ntlmv1(mut self, ntlmv1: bool) -> Self {
        self.ntlmv1 = ntlmv1;
        self
    }

    /// The machine name NTLM's AUTHENTICATE carries, as Windows sends its computer name
    /// (default: none).
    #[must_use]
    pub fn workstation(mut self, name: &str) -> Self {
        self.workstation = Some(name.to_string());
        self
    }

    /// Whether channel bindings were given (an HTTPS integration binds to the connection's
    /// certificate only when the caller did not choose).
    pub fn has_channel_bindings(&self) -> bool {
        self.channel_bindings.is_some()
    }

    /// The Kerberos enctypes, in order of preference (default: krb5.conf's, else AES).
    #[must_use]
    pub fn enctypes(mut self, enctypes: Vec<Enctype>) -> Self {
        self.enctypes = Some(enctypes);
        self
    }

    /// Constrained delegation (MS-SFU): with the Kerberos credentials of a service (its
    /// keytab or cache), authenticate to the target as `user` (`user1`, `user1@REALM`): a
    /// ticket to the service itself in the user's name (S4U2Self), then the target's
    /// (S4U2Proxy), as MIT's `gss_acquire_cred_impersonate_name` does. The KDC must allow
    /// the service to delegate to the target; NTLM is not offered.
    #[must_use]
    pub fn impersonate(mut self, user: &str) -> Self {
        self.impersonate = Some(user.to_string());
        self
    }

    /// The least NTLM session security the server may grant (default 128-bit keys).
    #[must_use]
    pub fn ntlm_minimum(mut self, minimum: sesame_ntlm::NegotiateFlags) -> Self {
        self.ntlm_minimum = Some(minimum);
        self
    }

    /// Accept rc4-hmac (opt-in, RFC 8429).
    #[must_use]
    pub fn allow_weak(mut self, allow: bool) -> Self {
        self.allow_weak = allow;
        self
    }

    /// The krb5.conf to use (default: MIT's, from `KRB5_CONFIG`).
    #[must_use]
    pub fn krb5_conf(mut self, conf: Krb5Conf) -> Self {
        self.conf = Some(conf);
        self
    }

    /// The transport for KDC requests (default: the blocking TCP/UDP client of krb5.conf).
    #[must_use]
    pub fn kdc_transport(mut self, transport: Arc<dyn KdcTransport + Send + Sync>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// The transport for KDC requests of [`Client::step_async`] (default: the same KDCs as
    /// the blocking transport, over tokio; a blocking transport given with
    /// [`Client::kdc_transport`] runs on tokio's blocking pool).
    #[cfg(feature = "tokio")]
    #[must_use]
    pub fn async_kdc_transport(
        mut self,
        transport: Arc<dyn sesame_kerberos::transport::AsyncKdcTransport>,
    ) -> Self {
        self.async_transport = Some(transport);
        self
    }

    /// The clock and the random source (for tests: a fixed clock, a deterministic source).
    #[must_use]
    pub fn environment(mut self, clock: Arc<dyn Clock>, random: RandomSource) -> Self {
        self.clock = clock;
        self.random = random;
        self
    }

    /// Advances the handshake: `None` first, then each token from the server. The KDC
    /// exchanges happen inside.
    pub fn step(&mut self, token: Option<&[u8]>) -> Result<Progress, Error> {
        self.prepare()?;
        let transport = self.transport.clone();
        let ctx = self
            .context
            .as_mut()
            .ok_or_else(|| Error::bare(MajorStatus::NoContext))?;
        let ctx = ctx.context_mut();
        let input = token.map_or(Input::Start, Input::Token);
        let step = match &transport {
            Some(t) => step_with_kdc(ctx, input, t.as_ref())?,
            None => ctx.step(input)?,
        };
        self.finish(step)
    }

    /// [`Client::step`] on the caller's tokio runtime (feature `tokio`): the KDC exchanges go
    /// over tokio's sockets, and nothing blocks the runtime's threads.
    #[cfg(feature = "tokio")]
    pub async fn step_async(&mut self, token: Option<&[u8]>) -> Result<Progress, Error> {
        use sesame_kerberos::transport::{OnBlockingPool, step_with_kdc_async};
        self.prepare()?;
        let transport: Arc<dyn sesame_kerberos::transport::AsyncKdcTransport> =
            match (&self.async_transport, &self.transport) {
                (Some(t), _) => t.clone(),
                (None, Some(blocking)) => Arc::new(OnBlockingPool(blocking.clone())),
                (None, None) => return Err(Error::bare(MajorStatus::Unavailable)),
            };
        let ctx = self
            .context
            .as_mut()
            .ok_or_else(|| Error::bare(MajorStatus::NoContext))?;
        let input = token.map_or(Input::Start, Input::Token);
        let step = step_with_kdc_async(ctx.context_mut(), input, transport.as_ref()).await?;
        self.finish(step)
    }

    /// Builds the context on the first step.
    fn prepare(&mut self) -> Result<(), Error> {
        if self.context.is_none() {
            self.context = Some(self.build()?);
        }
        Ok(())
    }

    fn finish(&mut self, step: Step) -> Result<Progress, Error> {
        match step {
            Step::Continue(t) => Ok(Progress::Continue(t)),
            Step::Complete(t) => {
                if let Some((name, creds)) = self.write_back.take() {
                    // A failure to update the cache does not undo the logon.
                    let _ = creds.store_new_tickets(&name);
                }
                Ok(Progress::Complete(t))
            }
            Step::NeedKdc(_) => Err(Error::bare(MajorStatus::Unavailable)),
        }
    }

    /// A service ticket for the target into the credential cache the client's tickets came
    /// from, as MIT's `kvno` gets one: the TGS exchange of a raw Kerberos context's first step
    /// (no token is sent anywhere), the ticket written back. Its service principal and key
    /// version, as `kvno` prints them.
    ///
    /// ```no_run
    /// let ticket = sesame_negotiate::Client::new("HTTP/web.example.com")
    ///     .with_ccache("FILE:/tmp/krb5cc_1000")
    ///     .service_ticket()?;
    /// println!("{}: kvno = {}", ticket.server, ticket.kvno);
    /// # Ok::<(), sesame_gss::Error>(())
    /// ```
    pub fn service_ticket(mut self) -> Result<ServiceTicket, Error> {
        self.mechanism = Mechanism::Kerberos;
        self.flags = self
            .flags
            .difference(ContextFlags::MUTUAL | ContextFlags::DELEGATE);
        let target = self.target.clone().map_err(SetupError::Target)?;
        self.step(None)?;
        let credentials = self
            .kerberos
            .clone()
            .ok_or_else(|| SetupError::NoCredentials("no Kerberos credentials".into()))?;
        let ticket = credentials
            .cache
            .all()
            .into_iter()
            .filter(|t| {
                matches!(t.server.components.as_slice(), [service, host]
                    if service.eq_ignore_ascii_case(&target.service)
                        && host.eq_ignore_ascii_case(&target.host))
            })
            .max_by_key(|t| t.authtime)
            .ok_or_else(|| SetupError::NoCredentials(format!("{target}: no ticket")))?;
        if let Some((name, creds)) = self.write_back.take() {
            creds.store_new_tickets(&name)?;
        }
        Ok(ServiceTicket {
            server: ticket.server.to_string(),
            kvno: ticket.ticket.enc_part.kvno.unwrap_or(0),
            enctype: ticket.session_key.enctype().id(),
        })
    }

    /// Whether the handshake is complete.
    pub fn is_complete(&self) -> bool {
        self.context
            .as_ref()
            .is_some_and(|c| c.context().is_established())
    }

    /// What was negotiated, once complete.
    pub fn negotiated(&self) -> Option<Negotiated> {
        let inner = self.context.as_ref()?;
        let ctx = inner.context();
        if !ctx.is_established() {
            return None;
        }
        let (mechanism, fallback) = match inner {
            Inner::Negotiate(n) => (n.mechanism_name(), n.fallback().cloned()),
            Inner::Kerberos(_) | Inner::Iakerb(_) | Inner::Ntlm(_) => (
                sesame_asn1::oid::mech_name(ctx.mechanism()).unwrap_or("unknown"),
                None,
            ),
        };
        Some(Negotiated {
            mechanism,
            fallback,
            key: ctx.key_info(),
            flags: ctx.flags(),
            peer: ctx.peer_name().map(|p| p.0.clone()),
        })
    }

    /// The Negotiate context underneath (for what the front door does not show); `None`
    /// before the first step and for the raw mechanisms.
    pub fn context(&self) -> Option<&NegotiateInitiator> {
        match self.context.as_ref()? {
            Inner::Negotiate(n) => Some(n.as_ref()),
            _ => None,
        }
    }

    fn build(&mut self) -> Result<Inner, Error> {
        let conf = match self.conf.take() {
            Some(c) => c,
            None => Krb5Conf::from_env().map_err(|e| SetupError::Config(e.to_string()))?,
        };
        let default_realm = conf.default_realm().map(str::to_string);
        if self.mechanism == Mechanism::Ntlm {
            // Raw NTLM may name no target (SSPI's NULL target name): no MsvAvTargetName.
            if let Err(e) = &self.target
                && e != NO_TARGET
            {
                return Err(SetupError::Target(e.clone()).into());
            }
            let identity = self.identity(&conf, default_realm.as_deref())?;
            let credentials = identity.ntlm.ok_or_else(|| {
                SetupError::NoCredentials("NTLM needs a user with a password or an NT hash".into())
            })?;
            return Ok(Inner::Ntlm(Box::new(NtlmClient::with_credentials(
                credentials,
                self.clock.clone(),
                (self.random)(),
            ))));
        }
        let target = self.target.clone().map_err(SetupError::Target)?;
        let packages = self.packages.clone().map_err(SetupError::Packages)?;
        let identity = self.identity(&conf, default_realm.as_deref())?;
        self.kerberos.clone_from(&identity.kerberos);
        let realm = target
            .realm
            .clone()
            .or_else(|| conf.realm_of_host(&target.host).map(str::to_string))
            .or_else(|| identity.kerberos.as_ref().map(|k| k.client.realm.clone()))
            .or(default_realm)
            .unwrap_or_default();
        if self.transport.is_none() {
            let kdc = Arc::new(KdcClient::from_conf(&conf));
            #[cfg(feature = "tokio")]
            if self.async_transport.is_none() {
                self.async_transport = Some(kdc.clone());
            }
            self.transport = Some(kdc);
        }
        let enctypes = self
            .enctypes
            .clone()
            .or_else(|| conf.enctypes("default_tgs_enctypes", self.allow_weak));
        // A user without a realm is in the service account's realm.
        let own_realm = identity.kerberos.as_ref().map(|k| k.client.realm.clone());
        let impersonate = match &self.impersonate {
            Some(user) => Some(
                Principal::parse(user, Some(own_realm.as_deref().unwrap_or(&realm)))
                    .map_err(|e| Error::new(MajorStatus::BadName, e))?,
            ),
            None => None,
        };
        let config = NegotiateConfig {
            packages,
            policy: self.policy,
            target,
            realm,
            flags: self.flags,
            channel_bindings: self.channel_bindings.clone(),
            enctypes,
            impersonate,
        };
        match self.mechanism {
            Mechanism::Negotiate => Ok(Inner::Negotiate(Box::new(NegotiateInitiator::new(
                config,
                identity,
                self.clock.clone(),
                self.random.clone(),
            )?))),
            Mechanism::Kerberos => Ok(Inner::Kerberos(Box::new(
                self.raw_kerberos(&config, identity)?,
            ))),
            Mechanism::Iakerb => Ok(Inner::Iakerb(Box::new(
                sesame_kerberos::gssapi::IakerbInitiator::new(
                    self.raw_kerberos(&config, identity)?,
                ),
            ))),
            Mechanism::Ntlm => Err(Error::bare(MajorStatus::Failure)),
        }
    }

    /// The raw Kerberos initiator of `config` with the identity's Kerberos credentials.
    fn raw_kerberos(
        &self,
        config: &NegotiateConfig,
        identity: Identity,
    ) -> Result<KerberosInitiator, Error> {
        let credentials = identity.kerberos.ok_or_else(|| {
            SetupError::NoCredentials(
                "no Kerberos credentials (an NT hash is for NTLM only)".into(),
            )
        })?;
        crate::initiator::kerberos_initiator(
            config,
            credentials,
            self.clock.clone(),
            (self.random)(),
        )
    }

    /// The identity of the source, in both mechanisms' forms.
    fn identity(&mut self, conf: &Krb5Conf, realm: Option<&str>) -> Result<Identity, Error> {
        let spn = self.target.as_ref().map(ToString::to_string).ok();
        let ntlm = |domain: String, user: String, credentials: Credentials| {
            let mut config = ClientConfig::password("", "", "");
            config.user = user;
            config.domain = domain;
            config.credentials = credentials;
            config.target.clone_from(&spn);
            config.channel_bindings.clone_from(&self.channel_bindings);
            // The context flags asked for, in NTLM's terms (as SSPI maps ISC_REQ_*).
            config.confidentiality = self.flags.contains(ContextFlags::CONFIDENTIALITY);
            config.integrity =
                config.confidentiality || self.flags.contains(ContextFlags::INTEGRITY);
            if let Some(m) = self.ntlm_minimum {
                config.minimum = m;
            }
            config.ntlmv1 = self.ntlmv1;
            if let Some(w) = &self.workstation {
                config.workstation.clone_from(w);
            }
            Arc::new(ClientCredentials::new(config))
        };
        let mut identity = Identity::default();
        match self.source.clone() {
            Source::Password(user, password) => {
                let name = UserName::parse(&user, realm).map_err(SetupError::from)?;
                let principal = match (name.kerberos(realm), &name) {
                    (Ok(p), _) => Some(p),
                    // No realm anywhere: IAKerb asks the acceptor for its own (realm
                    // discovery); direct Kerberos then fails for want of a KDC.
                    (Err(_), UserName::Bare(user)) if self.wants_iakerb() => Some(Principal {
                        components: vec![user.clone()],
                        realm: String::new(),
                        name_type: sesame_asn1::kerberos::constants::name_type::NT_PRINCIPAL,
                    }),
                    (Err(_), _) => None,
                };
                if let Some(principal) = principal {
                    let mut creds = InitiatorCredentials::with_password(principal, &password);
                    self.kerberos_options(&mut creds, conf);
                    identity.kerberos = Some(Arc::new(creds));
                }
                let (domain, user) = name.ntlm(self.domain.as_deref(), realm);
                identity.ntlm = Some(ntlm(
                    domain,
                    user,
                    Credentials::Password(Zeroizing::new(password.to_string())),
                ));
            }
            Source::NtHash(user, hash) => {
                let name = UserName::parse(&user, realm).map_err(SetupError::from)?;
                let (domain, user) = name.ntlm(self.domain.as_deref(), realm);
                identity.ntlm = Some(ntlm(domain, user, Credentials::NtHash(hash)));
            }
            Source::Ccache(name) => identity.kerberos = Some(self.ccache_credentials(&name, conf)?),
            Source::Keytab(path, principal) => {
                identity.kerberos =
                    Some(self.keytab_credentials(&path, principal.as_deref(), conf)?);
            }
            Source::Default => {
                let name = sesame_kerberos::defaults::ccache_name(Some(conf));
                let kerberos =
                    self.ccache_credentials(&name, conf).or_else(
                        |e| match default_client_keytab(conf) {
                            Some(path) => self.keytab_credentials(&path, None, conf),
                            None => Err(e),
                        },
                    )?;
                identity.kerberos = Some(kerberos);
            }
        }
        Ok(identity)
    }

    /// Whether IAKerb may be used: raw, or in the Negotiate packages.
    fn wants_iakerb(&self) -> bool {
        self.mechanism == Mechanism::Iakerb
            || (self.mechanism == Mechanism::Negotiate
                && self.packages.as_ref().is_ok_and(|p| p.iakerb))
    }

    fn kerberos_options(&self, creds: &mut InitiatorCredentials, conf: &Krb5Conf) {
        creds.as_options.allow_weak = self.allow_weak;
        if let Some(e) = self
            .enctypes
            .clone()
            .or_else(|| conf.enctypes("default_tkt_enctypes", self.allow_weak))
        {
            creds.as_options.enctypes = e;
        }
    }

    fn ccache_credentials(
        &mut self,
        name: &str,
        conf: &Krb5Conf,
    ) -> Result<Arc<InitiatorCredentials>, Error> {
        let cache = Ccache::read(name)
            .map_err(|e| SetupError::NoCredentials(format!("ccache {name}: {e}")))?;
        let mut creds = InitiatorCredentials::from_ccache(&cache, self.allow_weak);
        self.kerberos_options(&mut creds, conf);
        let creds = Arc::new(creds);
        self.write_back = Some((name.to_string(), creds.clone()));
        Ok(creds)
    }

    fn keytab_credentials(
        &self,
        path: &std::path::Path,
        principal: Option<&str>,
        conf: &Krb5Conf,
    ) -> Result<Arc<InitiatorCredentials>, Error> {
        let (keytab, principal) = keytab_client(path, principal, conf)?;
        let mut creds = InitiatorCredentials::with_keytab(principal, &keytab, self.allow_weak)?;
        self.kerberos_options(&mut creds, conf);
        Ok(Arc::new(creds))
    }
}

impl core::fmt::Debug for Client {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Client")
            .field("target", &self.target)
            .field("policy", &self.policy)
            .field("complete", &self.is_complete())
            .finish_non_exhaustive()
    }
}

/// A client keytab and the principal it is used for: `principal` (in the default realm when
/// it names none), else the keytab's first, as `kinit -k` takes it.
pub(crate) fn keytab_client(
    path: &std::path::Path,
    principal: Option<&str>,
    conf: &Krb5Conf,
) -> Result<(Keytab, Principal), Error> {
    let keytab = Keytab::read(path)
        .map_err(|e| SetupError::NoCredentials(format!("keytab {}: {e}", path.display())))?;
    let principal = match principal {
        Some(p) => Principal::parse(p, conf.default_realm())
            .map_err(|e| SetupError::NoCredentials(format!("{p}: {e}")))?,
        None => keytab
            .entries
            .first()
            .map(|e| e.principal.clone())
            .ok_or_else(|| {
                SetupError::NoCredentials(format!("keytab {} is empty", path.display()))
            })?,
    };
    Ok((keytab, principal))
}

/// MIT's default client keytab: `KRB5_CLIENT_KTNAME`, else krb5.conf's
/// `default_client_keytab_name`, else the built-in one, if its file exists.
fn default_client_keytab(conf: &Krb5Conf) -> Option<PathBuf> {
    let name = sesame_kerberos::defaults::client_keytab_name(Some(conf));
    sesame_kerberos::defaults::keytab_path(&name).filter(|p| p.exists())
}

impl MessageProtection for Client {
    fn wrap_in_place(&mut self, buf: &mut Vec<u8>, confidential: bool) -> Result<(), Error> {
        self.established()?.wrap_in_place(buf, confidential)
    }

    fn unwrap_in_place<'a>(&mut self, buf: &'a mut [u8]) -> Result<Unwrapped<'a>, Error> {
        self.established()?.unwrap_in_place(buf)
    }

    fn get_mic(&mut self, message: &[u8]) -> Result<Vec<u8>, Error> {
        self.established()?.get_mic(message)
    }

    fn verify_mic(&mut self, message: &[u8], mic: &[u8]) -> Result<(), Error> {
        self.established()?.verify_mic(message, mic)
    }
}

impl Client {
    fn established(&mut self) -> Result<&mut dyn MessageProtection, Error> {
        self.context
            .as_mut()
            // GSS_C_PROT_READY: SPNEGO's mechanism may seal before SPNEGO's last token
            // (CredSSP binds the TLS key in the message carrying it).
            .filter(|c| c.context().prot_ready())
            .map(Inner::protection)
            .ok_or_else(|| Error::bare(MajorStatus::NoContext))
    }
}

/// The client as a plain context, for callers that drive any [`SecurityContext`] (a token
/// loop, a protocol's own framing): its KDC exchanges happen inside each step, so it never
/// asks for the KDC itself.
impl SecurityContext for Client {
    fn step(&mut self, input: Input<'_>) -> Result<Step, Error> {
        let token = match input {
            Input::Start => None,
            Input::Token(t) => Some(t),
            Input::KdcReply(_) => return Err(Error::bare(MajorStatus::NoContext)),
        };
        Ok(match Client::step(self, token)? {
            Progress::Continue(t) => Step::Continue(t),
            Progress::Complete(t) => Step::Complete(t),
        })
    }

    fn is_established(&self) -> bool {
        self.is_complete()
    }

    fn flags(&self) -> ContextFlags {
        self.context
            .as_ref()
            .map_or(self.flags, |c| c.context().flags())
    }

    /// SPNEGO's for Negotiate; the mechanism's own for the raw ones.
    fn mechanism(&self) -> &'static [u32] {
        match &self.context {
            Some(c @ (Inner::Kerberos(_) | Inner::Iakerb(_) | Inner::Ntlm(_))) => {
                c.context().mechanism()
            }
            _ => match self.mechanism {
                Mechanism::Kerberos => &[1, 2, 840, 113_554, 1, 2, 2],
                Mechanism::Iakerb => &[1, 3, 6, 1, 5, 2, 5],
                Mechanism::Ntlm => &[1, 3, 6, 1, 4, 1, 311, 2, 2, 10],
                Mechanism::Negotiate => &[1, 3, 6, 1, 5, 5, 2],
            },
        }
    }

    fn peer_name(&self) -> Option<&sesame_gss::PeerName> {
        self.context.as_ref().and_then(|c| c.context().peer_name())
    }

    fn key_info(&self) -> Option<sesame_gss::KeyInfo> {
        self.context.as_ref().and_then(|c| c.context().key_info())
    }

    fn prot_ready(&self) -> bool {
        self.context
            .as_ref()
            .is_some_and(|c| c.context().prot_ready())
    }
}
