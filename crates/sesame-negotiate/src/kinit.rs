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
    new_password: Option<Zeroizing<String>>,
    kpasswd_server: Option<String>,
    armor_ccache: Option<String>,
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
            new_password: None,
            kpasswd_server: None,
            armor_ccache: None,
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

    /// When the KDC says the password has expired (KDC_ERR_KEY_EXPIRED), change it to
    /// `new_password` over kpasswd and get the TGT with it, as MIT's `kinit` does after
    /// prompting for a new one. Without it the expiry is the error.
    #[must_use]
    pub fn new_password(mut self, new_password: &str) -> Self {
        self.new_password = Some(Zeroizing::new(new_password.to_string()));
        self
    }

    /// Armors the AS exchange with FAST (RFC 6113) using the TGT in the credential cache
    /// `name` (a host's, from its keytab: MIT's `kinit -T`); pre-authentication is then an
    /// encrypted challenge, and the KDC's errors and reply come through the tunnel.
    #[must_use]
    pub fn armor_ccache(mut self, name: &str) -> Self {
        self.armor_ccache = Some(name.to_string());
        self
    }

    /// The password-change server (`host[:port]`, default port 464) instead of krb5.conf's.
    #[must_use]
    pub fn kpasswd_server(mut self, server: &str) -> Self {
        self.kpasswd_server = Some(server.to_string());
        self
    }

    /// Runs the AS exchange (or, for [`Kinit::renew`], the TGS exchange); the TGT.
    pub fn run(mut self) -> Result<IssuedTicket, Error> {
        let conf = self.conf()?;
        let transport = self.transport(&conf);
        match self.exchange(&conf, transport.as_ref(), None) {
            Err(e) if key_expired(&e) && matches!(self.secret, Secret::Password(_)) => {
                let Some(new) = self.new_password.take() else {
                    return Err(e);
                };
                self.change(&conf, transport.as_ref(), None, &new)?;
                self.secret = Secret::Password(new);
                self.exchange(&conf, transport.as_ref(), None)
            }
            other => other,
        }
    }

    /// Changes the password (RFC 3244): a ticket for `kadmin/changepw` from the AS exchange
    /// with the current password (an INITIAL ticket, which the server requires; allowed
    /// even when the password has expired), then the kpasswd request to the realm's
    /// password-change server. The server's refusal is the error, with its result code and
    /// words ([`sesame_kerberos::kpasswd::KpasswdRefusal`]); a wrong current password is the
    /// KDC's KDC_ERR_PREAUTH_FAILED.
    pub fn change_password(self, new_password: &str) -> Result<(), Error> {
        let conf = self.conf()?;
        let transport = self.transport(&conf);
        self.change(&conf, transport.as_ref(), None, new_password)
    }

    /// Sets `target`'s password (RFC 3244's set-password, version 0xff80) with this
    /// principal's credentials: an administrator's (MIT: the `c` right in kadm5.acl; Active
    /// Directory: reset-password permission on the account). A principal without the right
    /// gets KRB5_KPASSWD_ACCESSDENIED, or MIT's KRB5_KPASSWD_HARDERROR with its words.
    pub fn set_password(self, target: &str, new_password: &str) -> Result<(), Error> {
        let conf = self.conf()?;
        let transport = self.transport(&conf);
        let target = Principal::parse(target, conf.default_realm())
            .map_err(|e| SetupError::NoCredentials(format!("{target}: {e}")))?;
        self.change(&conf, transport.as_ref(), Some(&target), new_password)
    }

    /// The KDC transport given, else krb5.conf's KDCs.
    fn transport(&self, conf: &Krb5Conf) -> Arc<dyn KdcTransport + Send + Sync> {
        self.transport
            .clone()
            .unwrap_or_else(|| Arc::new(KdcClient::from_conf(conf)))
    }

    fn conf(&self) -> Result<Krb5Conf, Error> {
        match &self.conf {
            Some(c) => Ok(c.clone()),
            None => Ok(Krb5Conf::from_env().map_err(|e| SetupError::Config(e.to_string()))?),
        }
    }

    fn change(
        &self,
        conf: &Krb5Conf,
        transport: &dyn KdcTransport,
        target: Option<&Principal>,
        new_password: &str,
    ) -> Result<(), Error> {
        let principal = self.principal(conf)?;
        let service = sesame_kerberos::kpasswd::changepw_principal(&principal.realm);
        let ticket = self.exchange(conf, transport, Some(service))?;
        let (kpasswd, source) = sesame_kerberos::transport::kpasswd_transport(
            conf,
            &ticket.client.realm,
            self.kpasswd_server.as_deref(),
        )
        .map_err(KerberosError::Transport)?;
        let mut rng = SystemRandom;
        let (change, message) = match target {
            None => sesame_kerberos::kpasswd::PasswordChange::change(
                &ticket,
                new_password,
                source,
                self.clock.as_ref(),
                &mut rng,
            )?,
            Some(t) => sesame_kerberos::kpasswd::PasswordChange::set(
                &ticket,
                Some(t),
                new_password,
                source,
                self.clock.as_ref(),
                &mut rng,
            )?,
        };
        let reply = kpasswd
            .send(&sesame_gss::KdcRequest {
                realm: ticket.client.realm.clone(),
                message,
            })
            .map_err(KerberosError::Transport)?;
        Ok(change.receive(&reply)?)
    }

    fn principal(&self, conf: &Krb5Conf) -> Result<Principal, Error> {
        let name = self
            .principal
            .as_deref()
            .ok_or_else(|| SetupError::NoCredentials("no principal".into()))?;
        Ok(if self.enterprise {
            Principal::parse_enterprise(name, conf.default_realm())
        } else {
            Principal::parse(name, conf.default_realm())
        }
        .map_err(|e| SetupError::NoCredentials(format!("{name}: {e}")))?)
    }

    /// The AS exchange for `service` (default the TGT), or the renewal.
    fn exchange(
        &self,
        conf: &Krb5Conf,
        transport: &dyn KdcTransport,
        service: Option<Principal>,
    ) -> Result<IssuedTicket, Error> {
        let clock = self.clock.as_ref();
        let mut rng = SystemRandom;
        let (client, secret) = match &self.secret {
            Secret::Password(password) => {
                let bytes = Zeroizing::new(password.as_bytes().to_vec());
                (self.principal(conf)?, ClientSecret::Password(bytes))
            }
            Secret::Keytab(path) => {
                let (keytab, client) =
                    crate::client::keytab_client(path, self.principal.as_deref(), conf)?;
                let keys = keytab.keys_for(&client, self.allow_weak);
                (client, ClientSecret::Keys(keys))
            }
            // No secret: a TGS exchange with the cached TGT.
            Secret::Renew(name) => {
                let tgt = cached_tgt(name, self.allow_weak)?;
                let options = TgsOptions {
                    lifetime: self.lifetime.unwrap_or_else(|| conf.ticket_lifetime()),
                    enctypes: vec![tgt.session_key.enctype()],
                    allow_weak: self.allow_weak,
                    ..TgsOptions::default()
                };
                let (mut exchange, request) = TgsExchange::renew(tgt, options, clock, &mut rng)?;
                return until_done(transport, request, |reply| {
                    exchange.receive(reply, clock, &mut rng)
                });
            }
        };
        let for_password_change = service.is_some();
        let options = AsOptions {
            enctypes: self
                .enctypes
                .clone()
                .or_else(|| conf.enctypes("default_tkt_enctypes", self.allow_weak))
                .unwrap_or_else(|| AsOptions::default().enctypes),
            // A ticket to change the password with lives minutes, as MIT's (5 min).
            lifetime: if for_password_change {
                Duration::from_secs(300)
            } else {
                self.lifetime.unwrap_or_else(|| conf.ticket_lifetime())
            },
            renew: self.renewable.filter(|_| !for_password_change),
            forwardable: !for_password_change
                && self
                    .forwardable
                    .or_else(|| conf.bool(&["libdefaults", "forwardable"]))
                    .unwrap_or(false),
            proxiable: !for_password_change
                && self
                    .proxiable
                    .or_else(|| conf.bool(&["libdefaults", "proxiable"]))
                    .unwrap_or(false),
            allow_weak: self.allow_weak,
            service,
            armor: match &self.armor_ccache {
                Some(name) => Some(cached_tgt(name, self.allow_weak)?),
                None => None,
            },
            ..AsOptions::default()
        };
        let (mut exchange, request) = AsExchange::start(client, secret, options, clock, &mut rng)?;
        until_done(transport, request, |reply| {
            exchange.receive(reply, clock, &mut rng)
        })
    }

    /// Runs the AS exchange and writes the TGT to the credential cache `name` (replacing what
    /// it held, as `kinit` does); the TGT.
    pub fn store(self, name: &str) -> Result<IssuedTicket, Error> {
        let armored = self.armor_ccache.is_some();
        let tgt = self.run()?;
        let mut cache = Ccache::new(tgt.client.clone());
        cache.credentials.push(tgt.to_credential()?);
        if armored {
            // As MIT's kinit: the KDC does FAST, so TGS requests with this TGT are armored
            // with it (MIT and Sesame read `fast_avail`).
            cache
                .credentials
                .push(sesame_kerberos::ccache::Credential::config(
                    &tgt.client,
                    "fast_avail",
                    Some(&tgt.server),
                    b"yes",
                ));
        }
        cache
            .write(name)
            .map_err(|e| SetupError::NoCredentials(format!("ccache {name}: {e}")))?;
        Ok(tgt)
    }
}

/// Whether the KDC said the password has expired (KDC_ERR_KEY_EXPIRED).
fn key_expired(e: &Error) -> bool {
    e.mech_error::<KerberosError>()
        .and_then(KerberosError::krb_error_code)
        == Some(sesame_asn1::kerberos::constants::error_code::KDC_ERR_KEY_EXPIRED)
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
