//! The front door for credentials, as MIT's `kinit` gets them: [`Kinit`] runs the AS exchange
//! (pre-authentication, the KDC's hints, its errors as facts) with a password or a keytab's
//! keys, over the blocking KDC transport krb5.conf describes (or one the caller gives), and
//! stores the TGT in a credential cache. [`crate::Client::service_ticket`] is its `kvno`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use sesame_gss::{Clock, Error, SystemClock, SystemRandom};
use sesame_kerberos::KerberosError;
use sesame_kerberos::ccache::Ccache;
use sesame_kerberos::crypto::Enctype;
use sesame_kerberos::exchange::{
    AsExchange, AsOptions, ClientSecret, KdcStep, TgsExchange, TgsOptions,
};
use sesame_kerberos::krb5_conf::Krb5Conf;
use sesame_kerberos::principal::Principal;
use sesame_kerberos::tickets::IssuedTicket;
use sesame_kerberos::transport::{KdcClient, KdcTransport};
use zeroize::Zeroizing;

use crate::client::SetupError;

/// What proves the client's identity to the KDC.
enum Secret {
    Password(Zeroizing<String>),
    /// A keytab and, when not the keytab's first, the principal.
    Keytab(PathBuf),
    /// No secret: the TGT of this credential cache, renewed (`kinit -R`).
    Renew(String),
}

/// A TGT for a principal, as `kinit` gets it.
///
/// ```no_run
/// use sesame_negotiate::Kinit;
/// let tgt = Kinit::with_password("user1@EXAMPLE.COM", "Passw0rd1")
///     .lifetime(std::time::Duration::from_secs(10 * 3600))
///     .store("FILE:/tmp/krb5cc_demo")?;
/// println!("{} until {}", tgt.client, tgt.endtime);
/// # Ok::<(), sesame_gss::Error>(())
/// ```
pub struct Kinit {
    principal: Option<String>,
    secret: Secret,
    lifetime: Option<Duration>,
    renewable: Option<Duration>,
    forwardable: Option<bool>,
    proxiable: Option<bool>,
    enctypes: Option<Vec<Enctype>>,
    allow_weak: bool,
    enterprise: bool,
    conf: Option<Krb5Conf>,
    transport: Option<Arc<dyn KdcTransport + Send + Sync>>,
    clock: Arc<dyn Clock>,
}

impl Kinit {
    /// `principal` (`user@REALM`, or `user` in the default realm) with its password.
    pub fn with_password(principal: &str, password: &str) -> Self {
        Self::new(
            Some(principal.to_string()),
            Secret::Password(Zeroizing::new(password.to_string())),
        )
    }

    /// The keys of a keytab (`kinit -k -t`), for `principal` or, without one, the keytab's
    /// first.
    pub fn with_keytab(path: impl Into<PathBuf>, principal: Option<&str>) -> Self {
        Self::new(principal.map(str::to_string), Secret::Keytab(path.into()))
    }

    fn new(principal: Option<String>, secret: Secret) -> Self {
        Self {
            principal,
            secret,
            lifetime: None,
            renewable: None,
            forwardable: None,
            proxiable: None,
            enctypes: None,
            allow_weak: false,
            enterprise: false,
            conf: None,
            transport: None,
            clock: Arc::new(SystemClock),
        }
    }

    /// The lifetime asked for (default: krb5.conf's `ticket_lifetime`).
    #[must_use]
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = Some(lifetime);
        self
    }

    /// A forwardable TGT (`kinit -f`) or not (`-F`); default: krb5.conf's `forwardable`,
    /// else not, as MIT.
    #[must_use]
    pub fn forwardable(mut self, on: bool) -> Self {
        self.forwardable = Some(on);
        self
    }

    /// A proxiable TGT (`kinit -p`) or not (`-P`); default: krb5.conf's `proxiable`, else not.
    #[must_use]
    pub fn proxiable(mut self, on: bool) -> Self {
        self.proxiable = Some(on);
        self
    }

    /// A renewable ticket, for this long.
    #[must_use]
    pub fn renewable(mut self, renew: Duration) -> Self {
        self.renewable = Some(renew);
        self
    }

    /// The enctypes, in order of preference (default: krb5.conf's `default_tkt_enctypes`, else
    /// AES).
    #[must_use]
    pub fn enctypes(mut self, enctypes: Vec<Enctype>) -> Self {
        self.enctypes = Some(enctypes);
        self
    }

    /// Accepts an rc4-hmac reply key (opt-in).
    #[must_use]
    pub fn allow_weak(mut self, allow: bool) -> Self {
        self.allow_weak = allow;
        self
    }

    /// The principal is an enterprise name (`user@upn.suffix`, MIT's `kinit -E`): the KDC finds
    /// the account by its UPN, and the cache is written under the canonical name it answers.
    #[must_use]
    pub fn enterprise(mut self, on: bool) -> Self {
        self.enterprise = on;
        self
    }

    /// krb5.conf (default: as MIT finds it).
    #[must_use]
    pub fn krb5_conf(mut self, conf: Krb5Conf) -> Self {
        self.conf = Some(conf);
        self
    }

    /// The way to the KDC (default: krb5.conf's KDCs, else DNS SRV records).
    #[must_use]
    pub fn kdc_transport(mut self, transport: Arc<dyn KdcTransport + Send + Sync>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// The clock (for tests, or a shifted clock).
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Renews the TGT of the credential cache `name` (`kinit -R`): a TGS exchange with RENEW,
    /// no password. The KDC's refusals keep their codes: KDC_ERR_BADOPTION for a ticket that
    /// is not renewable, KRB_AP_ERR_TKT_EXPIRED past its renew-till.
    pub fn renew(name: &str) -> Self {
        Self::new(None, Secret::Renew(name.to_string()))
    }

    /// Runs the AS exchange (or, for [`Kinit::renew`], the TGS exchange); the TGT.
    pub fn run(self) -> Result<IssuedTicket, Error> {
        let conf = match self.conf {
            Some(c) => c,
            None => Krb5Conf::from_env().map_err(|e| SetupError::Config(e.to_string()))?,
        };
        let transport = self
            .transport
            .unwrap_or_else(|| Arc::new(KdcClient::from_conf(&conf)));
        let enterprise = self.enterprise;
        let parse = |name: &str| {
            if enterprise {
                Principal::parse_enterprise(name, conf.default_realm())
            } else {
                Principal::parse(name, conf.default_realm())
            }
            .map_err(|e| SetupError::NoCredentials(format!("{name}: {e}")))
        };
        let clock = self.clock.as_ref();
        let mut rng = SystemRandom;
        let (client, secret) = match self.secret {
            Secret::Password(password) => {
                let name = self
                    .principal
                    .as_deref()
                    .ok_or_else(|| SetupError::NoCredentials("no principal".into()))?;
                let bytes = Zeroizing::new(password.as_bytes().to_vec());
                (parse(name)?, ClientSecret::Password(bytes))
            }
            Secret::Keytab(path) => {
                let (keytab, client) =
                    crate::client::keytab_client(&path, self.principal.as_deref(), &conf)?;
                let keys = keytab.keys_for(&client, self.allow_weak);
                (client, ClientSecret::Keys(keys))
            }
            // No secret: a TGS exchange with the cached TGT.
            Secret::Renew(name) => {
                let tgt = cached_tgt(&name, self.allow_weak)?;
                let options = TgsOptions {
                    lifetime: self.lifetime.unwrap_or_else(|| conf.ticket_lifetime()),
                    enctypes: vec![tgt.session_key.enctype()],
                    allow_weak: self.allow_weak,
                    ..TgsOptions::default()
                };
                let (mut exchange, request) = TgsExchange::renew(tgt, options, clock, &mut rng)?;
                return until_done(transport.as_ref(), request, |reply| {
                    exchange.receive(reply, clock, &mut rng)
                });
            }
        };
        let options = AsOptions {
            enctypes: self
                .enctypes
                .or_else(|| conf.enctypes("default_tkt_enctypes", self.allow_weak))
                .unwrap_or_else(|| AsOptions::default().enctypes),
            lifetime: self.lifetime.unwrap_or_else(|| conf.ticket_lifetime()),
            renew: self.renewable,
            forwardable: self
                .forwardable
                .or_else(|| conf.bool(&["libdefaults", "forwardable"]))
                .unwrap_or(false),
            proxiable: self
                .proxiable
                .or_else(|| conf.bool(&["libdefaults", "proxiable"]))
                .unwrap_or(false),
            allow_weak: self.allow_weak,
            ..AsOptions::default()
        };
        let (mut exchange, request) = AsExchange::start(client, secret, options, clock, &mut rng)?;
        until_done(transport.as_ref(), request, |reply| {
            exchange.receive(reply, clock, &mut rng)
        })
    }

    /// Runs the AS exchange and writes the TGT to the credential cache `name` (replacing what
    /// it held, as `kinit` does); the TGT.
    pub fn store(self, name: &str) -> Result<IssuedTicket, Error> {
        let tgt = self.run()?;
        let mut cache = Ccache::new(tgt.client.clone());
        cache.credentials.push(tgt.to_credential()?);
        cache
            .write(name)
            .map_err(|e| SetupError::NoCredentials(format!("ccache {name}: {e}")))?;
        Ok(tgt)
    }
}

/// Sends each request of an exchange to the KDC until the exchange is done.
fn until_done(
    transport: &dyn KdcTransport,
    mut request: sesame_gss::KdcRequest,
    mut receive: impl FnMut(&[u8]) -> Result<KdcStep<IssuedTicket>, KerberosError>,
) -> Result<IssuedTicket, Error> {
    loop {
        let reply = transport.send(&request).map_err(KerberosError::Transport)?;
        match receive(&reply)? {
            KdcStep::Send(next) => request = next,
            KdcStep::Done(tgt) => return Ok(tgt),
        }
    }
}

/// The TGT of the cache's default principal in its own realm.
fn cached_tgt(name: &str, allow_weak: bool) -> Result<IssuedTicket, Error> {
    let cache =
        Ccache::read(name).map_err(|e| SetupError::NoCredentials(format!("ccache {name}: {e}")))?;
    let client = &cache.default_principal;
    let krbtgt = Principal::krbtgt(&client.realm, &client.realm);
    let credential = cache
        .tickets()
        .find(|c| c.server.same_name(&krbtgt) && c.client.same_name(client))
        .ok_or_else(|| SetupError::NoCredentials(format!("no TGT for {client} in {name}")))?;
    Ok(IssuedTicket::from_credential(credential, allow_weak)?)
}

impl core::fmt::Debug for Kinit {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Kinit")
            .field("principal", &self.principal)
            .finish_non_exhaustive()
    }
}
