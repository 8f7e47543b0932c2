//! The front door for acceptors: a [`Server`] holds what a service accepts with (its keytab,
//! its NTLM users, its names and policies, one replay cache) and makes an [`Acceptor`] per
//! connection; the acceptor takes SPNEGO, raw NTLM and raw Kerberos tokens.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use sesame_gss::{
    ChannelBindingPolicy, ChannelBindings, Clock, Error, Input, MajorStatus, MessageProtection,
    SecurityContext, Spn, Step, SystemClock, SystemRandom, Unwrapped,
};
use sesame_kerberos::gssapi::{AcceptorConfig, AcceptorCredentials, ReplayStore};
use sesame_kerberos::keytab::Keytab;
use sesame_kerberos::krb5_conf::Krb5Conf;
use sesame_kerberos::principal::Principal;
use sesame_kerberos::transport::{KdcClient, KdcTransport, step_with_kdc};
use sesame_ntlm::{
    FileUserStore, NegotiateFlags, NtlmUserStore, ServerConfig, ServerCredentials, TargetNamePolicy,
};
use sesame_spnego::SpnegoAcceptor;

use crate::client::SetupError;
use crate::{AcceptorSetup, Negotiated, Packages, Progress, RandomSource, negotiate_acceptor};

/// A Negotiate service: its credentials and policies, shared by all its connections.
///
/// ```no_run
/// use sesame_gss::{ChannelBindingPolicy, ChannelBindings};
/// use sesame_negotiate::Server;
/// # let certificate_hash = [0u8; 32];
/// let server = Server::new()? // the default keytab, NTLM_USER_FILE
///     .service_names(&["HTTP/web.example.com"])?
///     .channel_bindings(
///         Some(ChannelBindings::tls_server_end_point_hash(&certificate_hash)),
///         ChannelBindingPolicy::Required,
///     );
/// let acceptor = server.accept(); // one per connection
/// # Ok::<(), sesame_gss::Error>(())
/// ```
pub struct Server {
    packages: Packages,
    keytab: Option<Arc<AcceptorCredentials>>,
    kerberos: AcceptorConfig,
    users: Option<Arc<dyn NtlmUserStore>>,
    ntlm: ServerConfig,
    ntlm_credentials: OnceLock<Arc<ServerCredentials>>,
    clock: Arc<dyn Clock>,
    random: RandomSource,
    kdc: Option<Arc<dyn KdcTransport + Send + Sync>>,
}

impl Server {
    /// A service with the default keytab (`KRB5_KTNAME`, else krb5.conf's
    /// `default_keytab_name` with its tokens expanded, else `/etc/krb5.keytab`, when readable) and the NTLM users of
    /// `NTLM_USER_FILE` (gss-ntlmssp's format), when set. An error if it has neither.
    pub fn new() -> Result<Self, Error> {
        let mut server = Self::empty();
        let conf = Krb5Conf::from_env().map_err(|e| SetupError::Config(e.to_string()))?;
        server.kerberos.clock_skew = conf.clockskew();
        server.kdc = Some(Arc::new(KdcClient::from_conf(&conf)));
        let keytab = sesame_kerberos::defaults::keytab_name(Some(&conf));
        if let Some(path) = sesame_kerberos::defaults::keytab_path(&keytab)
            && let Ok(k) = Keytab::read(&path)
        {
            server = server.with_keytab(k);
        }
        if let Some(file) = std::env::var_os("NTLM_USER_FILE") {
            let users = FileUserStore::read(Path::new(&file))
                .map_err(|e| SetupError::NoCredentials(e.to_string()))?;
            server = server.with_ntlm_users(Arc::new(users));
        }
        if server.keytab.is_none() && server.users.is_none() {
            return Err(SetupError::NoCredentials(format!(
                "no readable keytab ({keytab}) and no NTLM_USER_FILE"
            ))
            .into());
        }
        Ok(server)
    }

    /// A service with no credentials yet.
    pub fn empty() -> Self {
        Self {
            packages: Packages::default(),
            keytab: None,
            kerberos: AcceptorConfig::default(),
            users: None,
            ntlm: ServerConfig::default(),
            ntlm_credentials: OnceLock::new(),
            clock: Arc::new(SystemClock),
            random: Arc::new(|| Box::new(SystemRandom)),
            kdc: None,
        }
    }

    /// The way to the service's KDCs, over which IAKerb relays its clients' AS and TGS
    /// requests ([`Server::new`] takes krb5.conf's; a [`Server::empty`] has none, and an
    /// IAKerb client then fails with `MajorStatus::Unavailable`).
    #[must_use]
    pub fn kdc_transport(mut self, transport: Arc<dyn KdcTransport + Send + Sync>) -> Self {
        self.kdc = Some(transport);
        self
    }

    /// Accepts Kerberos with the keys of `keytab`.
    #[must_use]
    pub fn with_keytab(mut self, keytab: Keytab) -> Self {
        self.keytab = Some(Arc::new(AcceptorCredentials::Keytab(keytab)));
        self
    }

    /// Accepts Kerberos with these credentials: a keytab, or for user-to-user a TGT of the
    /// service's own (`AcceptorCredentials::UserToUser`), as a desktop user's process has.
    #[must_use]
    pub fn with_kerberos_credentials(mut self, credentials: AcceptorCredentials) -> Self {
        self.keytab = Some(Arc::new(credentials));
        self
    }

    /// The largest clock difference tolerated in Kerberos authenticators (krb5.conf's
    /// `clockskew`; [`Server::new`] reads it; default 5 minutes).
    #[must_use]
    pub fn clock_skew(mut self, skew: std::time::Duration) -> Self {
        self.kerberos.clock_skew = skew;
        self
    }

    /// Accepts rc4-hmac Kerberos tickets (opt-in, as for the client).
    #[must_use]
    pub fn allow_weak(mut self, allow: bool) -> Self {
        self.kerberos.allow_weak = allow;
        self
    }

    /// Verifies the KDC signature of every PAC with these krbtgt keys (a keytab exported from
    /// the domain, e.g. Samba's `domain exportkeytab --principal=krbtgt`), besides the server
    /// signature that is always verified.
    #[must_use]
    pub fn pac_kdc_keys(mut self, keys: Vec<sesame_kerberos::crypto::Key>) -> Self {
        self.kerberos.pac_kdc_keys = keys;
        self
    }

    /// Accepts NTLM for these users.
    #[must_use]
    pub fn with_ntlm_users(mut self, users: Arc<dyn NtlmUserStore>) -> Self {
        self.users = Some(users);
        self.ntlm_credentials = OnceLock::new();
        self
    }

    /// The service's names (`HTTP/web.example.com`, several for a host with aliases): a
    /// Kerberos ticket for another principal of the keytab, or an NTLM AUTHENTICATE made for
    /// another service, is refused (docs/security.md). Without names, any principal of the
    /// keytab is taken and NTLM target names are not checked.
    pub fn service_names(mut self, names: &[&str]) -> Result<Self, Error> {
        let spns: Vec<Spn> = names
            .iter()
            .map(|n| Spn::parse(n))
            .collect::<Result<_, _>>()?;
        self.kerberos.service_names = spns
            .iter()
            .map(|s| Principal::service(&s.service, &s.host, s.realm.as_deref().unwrap_or("")))
            .collect();
        self.ntlm.service_names = spns
            .iter()
            .map(|s| match s.port {
                Some(p) => format!("{}/{}:{p}", s.service, s.host),
                None => format!("{}/{}", s.service, s.host),
            })
            .collect();
        self.ntlm_credentials = OnceLock::new();
        Ok(self)
    }

    /// The channel this service runs in and what to require of the client's bindings, for
    /// both mechanisms (Extended Protection; docs/security.md).
    #[must_use]
    pub fn channel_bindings(
        mut self,
        bindings: Option<ChannelBindings>,
        policy: ChannelBindingPolicy,
    ) -> Self {
        self.kerberos.channel_bindings.clone_from(&bindings);
        self.kerberos.channel_binding_policy = policy;
        self.ntlm.channel_bindings = bindings;
        self.ntlm.channel_binding_policy = policy;
        self.ntlm_credentials = OnceLock::new();
        self
    }

    /// When NTLM target names are checked against the service names.
    #[must_use]
    pub fn target_name_policy(mut self, policy: TargetNamePolicy) -> Self {
        self.ntlm.target_name_policy = policy;
        self.ntlm_credentials = OnceLock::new();
        self
    }

    /// The least NTLM session security a client may ask for (default 128-bit keys).
    #[must_use]
    pub fn ntlm_minimum(mut self, minimum: NegotiateFlags) -> Self {
        self.ntlm.minimum = minimum;
        self.ntlm_credentials = OnceLock::new();
        self
    }

    /// Accepts NTLMv1 and LM responses (opt-in, for old clients; refused by default).
    #[must_use]
    pub fn allow_ntlmv1(mut self, allow: bool) -> Self {
        self.ntlm.allow_ntlmv1 = allow;
        self.ntlm_credentials = OnceLock::new();
        self
    }

    /// Where the service remembers Kerberos authenticators (default: one in-memory cache for
    /// all its connections; a `FileReplayCache` to share them with other processes).
    #[must_use]
    pub fn replay_cache(mut self, cache: Arc<dyn ReplayStore>) -> Self {
        self.kerberos.replay_cache = cache;
        self
    }

    /// The packages accepted, in SSPI's form (`"kerberos,iakerb,ntlm"` adds IAKerb, relayed
    /// through [`Server::kdc_transport`]).
    pub fn packages(mut self, list: &str) -> Result<Self, Error> {
        self.packages = Packages::parse(list).map_err(SetupError::from)?;
        Ok(self)
    }

    /// The clock and the random source (for tests).
    #[must_use]
    pub fn environment(mut self, clock: Arc<dyn Clock>, random: RandomSource) -> Self {
        self.clock = clock;
        self.random = random;
        self
    }

    /// An acceptor for one connection (NTLM is bound to its connection).
    pub fn accept(&self) -> Acceptor {
        let ntlm = self.users.as_ref().map(|users| {
            self.ntlm_credentials
                .get_or_init(|| Arc::new(ServerCredentials::new(self.ntlm.clone(), users.clone())))
                .clone()
        });
        let setup = AcceptorSetup {
            packages: self.packages,
            kerberos: self
                .keytab
                .as_ref()
                .map(|k| (k.clone(), self.kerberos.clone())),
            ntlm,
        };
        Acceptor {
            spnego: negotiate_acceptor(&setup, &self.clock, &self.random),
            kdc: self.kdc.clone(),
        }
    }
}

impl core::fmt::Debug for Server {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Server")
            .field("packages", &self.packages)
            .field("kerberos", &self.keytab.is_some())
            .field("ntlm", &self.users.is_some())
            .finish_non_exhaustive()
    }
}

/// One connection's handshake on the server side.
///
/// ```no_run
/// # fn receive() -> Vec<u8> { Vec::new() }
/// # fn send(_: &[u8]) {}
/// # let server = sesame_negotiate::Server::new()?;
/// let mut acceptor = server.accept();
/// loop {
///     match acceptor.step(&receive()) {
///         Ok(progress) => {
///             if let Some(token) = progress.token() {
///                 send(token);
///             }
///             if progress.is_complete() {
///                 break;
///             }
///         }
///         Err(e) => {
///             if let Some(token) = acceptor.error_token() {
///                 send(&token); // the client learns why
///             }
///             return Err(e);
///         }
///     }
/// }
/// println!("{:?}", acceptor.negotiated().and_then(|n| n.peer));
/// # Ok::<(), sesame_gss::Error>(())
/// ```
pub struct Acceptor {
    spnego: SpnegoAcceptor,
    kdc: Option<Arc<dyn KdcTransport + Send + Sync>>,
}

impl Acceptor {
    /// Takes the client's token; returns the answer to send (if any). An IAKerb client's KDC
    /// requests are relayed inside, over the server's KDC transport (blocking).
    pub fn step(&mut self, token: &[u8]) -> Result<Progress, Error> {
        progress(SecurityContext::step(self, Input::Token(token))?)
    }

    /// [`Acceptor::step`] on the caller's tokio runtime (feature `tokio`): an IAKerb
    /// client's KDC requests go over the server's transport on tokio's blocking pool.
    #[cfg(feature = "tokio")]
    pub async fn step_async(&mut self, token: &[u8]) -> Result<Progress, Error> {
        use sesame_kerberos::transport::{OnBlockingPool, step_with_kdc_async};
        let step = match &self.kdc {
            Some(kdc) => {
                let transport = OnBlockingPool(kdc.clone());
                step_with_kdc_async(&mut self.spnego, Input::Token(token), &transport).await?
            }
            None => self.spnego.step(Input::Token(token))?,
        };
        progress(step)
    }

    /// After a failed step: the token telling the client why (SPNEGO reject with the
    /// mechanism's KRB-ERROR, or the raw error token), if there is one.
    pub fn error_token(&self) -> Option<Vec<u8>> {
        self.spnego.error_token()
    }

    /// The first token of a server that speaks first (an HTTP 401's `Negotiate` hints).
    pub fn hint_token(&self) -> Result<Vec<u8>, Error> {
        self.spnego.hint_token().map_err(Into::into)
    }

    /// Whether the handshake is complete.
    pub fn is_complete(&self) -> bool {
        self.spnego.is_established()
    }

    /// What was negotiated, with the authenticated user as the peer.
    pub fn negotiated(&self) -> Option<Negotiated> {
        if !self.spnego.is_established() {
            return None;
        }
        let inner = self.spnego.inner()?;
        Some(Negotiated {
            mechanism: sesame_asn1::oid::mech_name(inner.mechanism()).unwrap_or("unknown"),
            fallback: None,
            key: self.spnego.key_info(),
            flags: self.spnego.flags(),
            peer: self.spnego.peer_name().map(|p| p.0.clone()),
        })
    }

    /// The SPNEGO context underneath.
    pub fn context(&self) -> &SpnegoAcceptor {
        &self.spnego
    }

    /// The Kerberos context, once Kerberos (or IAKerb) was chosen: for what the front door does not show
    /// (the PAC, delegated credentials, the service principal the ticket was for).
    pub fn kerberos(&self) -> Option<&sesame_kerberos::gssapi::KerberosAcceptor> {
        let inner = self.spnego.inner()?.as_any();
        inner.downcast_ref().or_else(|| {
            inner
                .downcast_ref::<sesame_kerberos::gssapi::IakerbAcceptor>()
                .map(sesame_kerberos::gssapi::IakerbAcceptor::kerberos)
        })
    }

    /// The verified PAC of a Kerberos logon (an AD KDC's ticket): the user's SID and the
    /// group SIDs to authorize with. `None` for NTLM and for tickets without a PAC (MIT).
    pub fn pac(&self) -> Option<&sesame_kerberos::pac::Pac> {
        self.kerberos()?.pac()
    }
}

fn progress(step: Step) -> Result<Progress, Error> {
    match step {
        Step::Continue(t) => Ok(Progress::Continue(t)),
        Step::Complete(t) => Ok(Progress::Complete(t)),
        // A KDC request with no transport to send it over.
        Step::NeedKdc(_) => Err(Error::bare(MajorStatus::Unavailable)),
    }
}

/// The acceptor as a context like any other (`Input::Token` steps; what it negotiated through
/// the usual queries), for code written against the contract.
impl SecurityContext for Acceptor {
    /// With the server's KDC transport, IAKerb relays happen inside (as [`Acceptor::step`]);
    /// without one, the KDC requests come out as [`Step::NeedKdc`].
    fn step(&mut self, input: Input<'_>) -> Result<Step, Error> {
        match &self.kdc {
            Some(kdc) => step_with_kdc(&mut self.spnego, input, kdc.as_ref()),
            None => self.spnego.step(input),
        }
    }

    fn kdc_failed(&mut self, error: Error) -> Result<Step, Error> {
        self.spnego.kdc_failed(error)
    }

    fn is_established(&self) -> bool {
        self.spnego.is_established()
    }

    fn flags(&self) -> sesame_gss::ContextFlags {
        self.spnego.flags()
    }

    fn mechanism(&self) -> &'static [u32] {
        self.spnego.mechanism()
    }

    fn peer_name(&self) -> Option<&sesame_gss::PeerName> {
        self.spnego.peer_name()
    }

    fn key_info(&self) -> Option<sesame_gss::KeyInfo> {
        self.spnego.key_info()
    }

    fn prot_ready(&self) -> bool {
        self.spnego.prot_ready()
    }

    fn error_token(&self) -> Option<Vec<u8>> {
        self.spnego.error_token()
    }
}

impl MessageProtection for Acceptor {
    fn wrap_in_place(&mut self, buf: &mut Vec<u8>, confidential: bool) -> Result<(), Error> {
        self.spnego.wrap_in_place(buf, confidential)
    }

    fn unwrap_in_place<'a>(&mut self, buf: &'a mut [u8]) -> Result<Unwrapped<'a>, Error> {
        self.spnego.unwrap_in_place(buf)
    }

    fn get_mic(&mut self, message: &[u8]) -> Result<Vec<u8>, Error> {
        self.spnego.get_mic(message)
    }

    fn verify_mic(&mut self, message: &[u8], mic: &[u8]) -> Result<(), Error> {
        self.spnego.verify_mic(message, mic)
    }
}
