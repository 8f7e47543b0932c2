//! Kerberos in the CLI: `sesame kinit`, `kvno`, `kdestroy`, `locate`, and the contexts
//! `sesame init --mech kerberos` and `sesame accept --mech kerberos` run over the token line
//! protocol.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sesame_gss::{Clock, ContextFlags, SystemRandom};
use sesame_kerberos::KerberosError;
use sesame_kerberos::ccache::{self, Ccache};
use sesame_kerberos::crypto::Enctype;
use sesame_kerberos::gssapi::{AcceptorCredentials, KerberosAcceptor};
use sesame_kerberos::keytab::Keytab;
use sesame_kerberos::krb5_conf::Krb5Conf;
use sesame_kerberos::principal::Principal;
use sesame_kerberos::transport::{
    DnsDiscovery, KdcClient, KdcTransport, ProxyClient, ProxyConfig, SrvRecord, TransportError,
};
use sesame_negotiate::{Client, Kinit};

use crate::cli::{
    ContextArgs, KdcArgs, KdestroyArgs, KerberosArgs, KinitArgs, KpasswdArgs, KswitchArgs,
    KvnoArgs, LocateArgs,
};

/// The krb5.conf MIT would read (an absent file is an empty configuration).
pub fn conf() -> Result<Krb5Conf, String> {
    Krb5Conf::from_env().map_err(|e| e.to_string())
}

/// The transport to the KDCs of `realm`: `--kdc` / `--kdc-proxy` if given, else krb5.conf, else
/// DNS SRV records (`--dns-server` names the nameserver).
pub fn transport(args: &KdcArgs, conf: &Krb5Conf, realm: &str) -> Result<KdcClient, String> {
    let mut client = KdcClient::from_conf(conf);
    if let Some(kdc) = &args.kdc {
        client = client.with_kdc(realm, kdc);
    }
    if let Some(proxy) = &args.kdc_proxy {
        if !proxy.starts_with("https://") {
            return Err(format!("--kdc-proxy takes an https:// URL, not {proxy}"));
        }
        client = client.with_kdc(realm, proxy);
    }
    if let Some(addr) = &args.dns_server {
        let addr: SocketAddr = addr
            .parse()
            .map_err(|_| format!("--dns-server takes ADDRESS:PORT, not {addr}"))?;
        client = client.with_dns(DnsDiscovery::with_nameserver(addr));
    }
    // An extra CA is read now, so that a bad file is a usage error; without one the client
    // builds its proxy client when (and if) a proxy is used.
    if let Some(ca) = &args.ca_file {
        let proxy = ProxyConfig {
            extra_ca: Some(PathBuf::from(ca)),
            ..ProxyConfig::default()
        };
        client = client.with_proxy(ProxyClient::new(&proxy)?);
    }
    Ok(client)
}

pub fn enctypes(args: &KerberosArgs, conf: &Krb5Conf) -> Result<Vec<Enctype>, String> {
    let allow_weak = args.allow_weak;
    match args.enctypes.as_deref() {
        Some(list) => list
            .split([',', ' '])
            .filter(|s| !s.is_empty())
            .map(|n| {
                Enctype::from_name(n)
                    .filter(|e| allow_weak || !e.is_weak())
                    .ok_or_else(|| {
                        format!("unknown or weak enctype {n} (rc4-hmac needs --allow-weak)")
                    })
            })
            .collect(),
        None => Ok(conf
            .enctypes("default_tkt_enctypes", allow_weak)
            .unwrap_or_else(|| Enctype::DEFAULT_PREFERENCE.to_vec())),
    }
}

fn principal(name: &str, conf: &Krb5Conf) -> Result<Principal, String> {
    Principal::parse(name, conf.default_realm()).map_err(|e| e.to_string())
}

/// The system clock, shifted by `--clock-offset`.
pub fn clock(args: &KerberosArgs) -> Arc<dyn Clock> {
    Arc::new(sesame_gss::OffsetClock {
        inner: sesame_gss::SystemClock,
        offset_secs: args.clock_offset.unwrap_or(0),
    })
}

pub fn keytab(name: Option<&str>) -> Result<Keytab, String> {
    let path = keytab_path(name)?;
    Keytab::read(Path::new(&path)).map_err(|e| e.to_string())
}

/// Every key of a krbtgt keytab (`--kdc-keytab`), to check a PAC's KDC signature with.
pub fn kdc_keys(path: &str) -> Result<Vec<sesame_kerberos::crypto::Key>, String> {
    let keytab = Keytab::read(Path::new(path)).map_err(|e| format!("{path}: {e}"))?;
    let keys: Vec<_> = keytab
        .entries
        .iter()
        .filter_map(|e| e.key(true).ok())
        .collect();
    if keys.is_empty() {
        return Err(format!("{path}: no usable key"));
    }
    Ok(keys)
}

/// Whether the default keytab (KRB5_KTNAME, krb5.conf's `default_keytab_name`,
/// `/etc/krb5.keytab`) is a file that exists.
pub fn default_keytab_exists() -> bool {
    keytab_path(None).is_ok_and(|p| Path::new(&p).exists())
}

/// The keytab file `name` names, else the default keytab (KRB5_KTNAME, krb5.conf's
/// `default_keytab_name`, `/etc/krb5.keytab`), without MIT's `FILE:` prefix.
fn keytab_path(name: Option<&str>) -> Result<String, String> {
    let name = name.map_or_else(
        || sesame_kerberos::defaults::keytab_name(Krb5Conf::from_env().ok().as_ref()),
        str::to_string,
    );
    sesame_kerberos::defaults::keytab_path(&name)
        .map(|p| p.display().to_string())
        .ok_or_else(|| format!("{name}: only FILE: keytabs are supported"))
}

/// A lifetime as seconds or as krb5.conf writes durations (`10h`, `1d`, `1h30m`).
fn lifetime(text: &str) -> Result<Duration, String> {
    text.parse::<u64>()
        .map(Duration::from_secs)
        .ok()
        .or_else(|| sesame_kerberos::krb5_conf::parse_duration(text))
        .ok_or_else(|| format!("{text} is not a lifetime (seconds, or 10h, 30m, 1d)"))
}

/// The KDC transport of a command, telling each try on standard error with `--verbose`.
struct Reported {
    inner: KdcClient,
    verbose: bool,
}

impl KdcTransport for Reported {
    fn send(
        &self,
        request: &sesame_gss::KdcRequest,
    ) -> Result<Vec<u8>, sesame_kerberos::transport::TransportError> {
        let reply = self.inner.send(request);
        if self.verbose {
            for line in self.inner.trace() {
                eprintln!("sesame: kdc {line}");
            }
        }
        reply
    }
}

fn reported(args: &KdcArgs, conf: &Krb5Conf, realm: &str) -> Result<Arc<Reported>, String> {
    Ok(Arc::new(Reported {
        inner: transport(args, conf, realm)?,
        verbose: args.verbose,
    }))
}

/// A failure of the front door, with the Kerberos fact's kind when there is one.
fn failure(e: &sesame_gss::Error) -> String {
    match e.mech_error::<KerberosError>() {
        Some(k) => format!("{}: {k}", crate::kinds::kerberos_kind(k)),
        None => e.to_string(),
    }
}

/// `sesame kinit`: the front door's `Kinit`, a TGT into the cache.
pub fn kinit(args: &KinitArgs) -> Result<(), String> {
    let conf = conf()?;
    let use_keytab = args.use_keytab || args.keytab.is_some();
    let name = args.ccache.clone().unwrap_or_else(ccache::default_name);
    let keytab_name = args
        .keytab
        .clone()
        .or_else(|| std::env::var("KRB5_CLIENT_KTNAME").ok());
    let (mut kinit, client) = if args.renew {
        // The cache's own TGT, renewed: no password, no keytab.
        let cache = Ccache::read(&name).map_err(|e| format!("{name}: {e}"))?;
        let client = cache.default_principal.clone();
        (Kinit::renew(&name), client)
    } else if use_keytab {
        let path = keytab_path(keytab_name.as_deref())?;
        let client = match &args.principal {
            Some(name) => principal(name, &conf)?,
            None => keytab(Some(&path))?
                .entries
                .first()
                .map(|e| e.principal.clone())
                .ok_or("the keytab is empty")?,
        };
        if args.enterprise {
            return Err("-E takes a password, not a keytab".into());
        }
        (Kinit::with_keytab(path, Some(&client.to_string())), client)
    } else {
        let name = args
            .principal
            .as_deref()
            .ok_or("a principal is needed (or -k for the keytab's first)")?;
        let client = if args.enterprise {
            Principal::parse_enterprise(name, conf.default_realm()).map_err(|e| e.to_string())?
        } else {
            principal(name, &conf)?
        };
        let pw = crate::password::read(&args.password, &format!("Password for {client}: "))?;
        let given = if args.enterprise {
            name.to_string()
        } else {
            client.to_string()
        };
        (
            Kinit::with_password(&given, &pw).enterprise(args.enterprise),
            client,
        )
    };
    if args.kerberos.enctypes.is_some() {
        kinit = kinit.enctypes(enctypes(&args.kerberos, &conf)?);
    }
    if let Some(l) = &args.lifetime {
        kinit = kinit.lifetime(lifetime(l)?);
    }
    if let Some(r) = &args.renewable {
        kinit = kinit.renewable(lifetime(r)?);
    }
    if args.forwardable || args.not_forwardable {
        kinit = kinit.forwardable(args.forwardable);
    }
    if args.proxiable || args.not_proxiable {
        kinit = kinit.proxiable(args.proxiable);
    }
    if let Some(var) = &args.new_password_env {
        kinit = kinit.new_password(&crate::password::new(Some(var), &client.to_string())?);
    }
    if let Some(server) = &args.kpasswd_server {
        kinit = kinit.kpasswd_server(server);
    }
    if let Some(armor) = &args.armor_ccache {
        kinit = kinit.armor_ccache(armor);
    }
    let transport = reported(&args.kdc, &conf, &client.realm)?;
    kinit
        .allow_weak(args.kerberos.allow_weak)
        .clock(clock(&args.kerberos))
        .kdc_transport(transport)
        .krb5_conf(conf)
        .store(&name)
        .map(drop)
        .map_err(|e| failure(&e))
}

/// `sesame kpasswd [PRINCIPAL]`: the current password, the new one, the change over kpasswd
/// (RFC 3244); `Password changed.` as MIT prints it, or the server's refusal with its code.
pub fn kpasswd(args: &KpasswdArgs) -> Result<(), String> {
    let conf = conf()?;
    let client = if let Some(name) = &args.principal {
        principal(name, &conf)?
    } else {
        let name = ccache::default_name();
        Ccache::read(&name)
            .map_err(|e| format!("no principal given and none in {name}: {e}"))?
            .default_principal
    };
    let old = crate::password::read(&args.password, &format!("Password for {client}: "))?;
    let whose = args.set_for.clone().unwrap_or_else(|| client.to_string());
    let new = crate::password::new(args.new_password_env.as_deref(), &whose)?;
    let transport = reported(&args.kdc, &conf, &client.realm)?;
    let mut kinit = Kinit::with_password(&client.to_string(), &old)
        .allow_weak(args.kerberos.allow_weak)
        .clock(clock(&args.kerberos))
        .kdc_transport(transport)
        .krb5_conf(conf);
    if args.kerberos.enctypes.is_some() {
        kinit = kinit.enctypes(enctypes(&args.kerberos, &crate::kerberos::conf()?)?);
    }
    if let Some(server) = &args.kpasswd_server {
        kinit = kinit.kpasswd_server(server);
    }
    match &args.set_for {
        Some(target) => kinit.set_password(target, &new),
        None => kinit.change_password(&new),
    }
    .map_err(|e| failure(&e))?;
    println!("Password changed.");
    Ok(())
}

/// `sesame kvno SPN...`: the front door's `Client::service_ticket` for each, into the cache;
/// `SPN: kvno = N` as MIT prints it.
pub fn kvno(args: &KvnoArgs) -> Result<(), String> {
    let conf = conf()?;
    let name = args.ccache.clone().unwrap_or_else(ccache::default_name);
    let cache = Ccache::read(&name).map_err(|e| format!("{name}: {e}"))?;
    let transport = reported(&args.kdc, &conf, &cache.default_principal.realm)?;
    if let Some(user) = &args.impersonate {
        return s4u(args, user, &conf, &name, cache, transport.as_ref());
    }
    for service in &args.services {
        let mut client = Client::new(service)
            .with_ccache(&name)
            .allow_weak(args.kerberos.allow_weak)
            .environment(
                clock(&args.kerberos),
                Arc::new(|| Box::new(SystemRandom) as Box<dyn sesame_gss::Random>),
            )
            .kdc_transport(transport.clone())
            .krb5_conf(conf.clone());
        if args.kerberos.enctypes.is_some() {
            client = client.enctypes(enctypes(&args.kerberos, &conf)?);
        }
        let ticket = client.service_ticket().map_err(|e| failure(&e))?;
        println!("{}: kvno = {}", ticket.server, ticket.kvno);
    }
    Ok(())
}

/// `kvno -U USER [-P] SPN...` (MS-SFU): S4U2Self for USER to the cache's principal, then with
/// -P S4U2Proxy to each SPN with that ticket as the evidence; every ticket goes to the cache,
/// where MIT `klist` shows it `for client USER`.
fn s4u(
    args: &KvnoArgs,
    user: &str,
    conf: &Krb5Conf,
    name: &str,
    mut cache: Ccache,
    transport: &dyn KdcTransport,
) -> Result<(), String> {
    use sesame_kerberos::exchange::{KdcStep, TgsExchange, TgsOptions};
    let clock = clock(&args.kerberos);
    let now = clock
        .now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let me = cache.default_principal.clone();
    let tgt = sesame_kerberos::gssapi::InitiatorCredentials::from_ccache(
        &cache,
        args.kerberos.allow_weak,
    )
    .tgt(now)
    .ok_or_else(|| format!("{name}: no valid TGT for {me}"))?;
    let user = Principal::parse(user, conf.default_realm()).map_err(|e| e.to_string())?;
    let mut rng = SystemRandom;
    let run = |server: Principal, options: TgsOptions, rng: &mut SystemRandom| {
        let (mut exchange, mut request) =
            TgsExchange::start(tgt.clone(), server, options, clock.as_ref(), rng)
                .map_err(|e| failure(&e.into()))?;
        loop {
            let reply = transport
                .send(&request)
                .map_err(|e| failure(&KerberosError::Transport(e).into()))?;
            match exchange
                .receive(&reply, clock.as_ref(), rng)
                .map_err(|e| failure(&e.into()))?
            {
                KdcStep::Send(next) => request = next,
                KdcStep::Done(ticket) => return Ok::<_, String>(ticket),
            }
        }
    };
    let base = TgsOptions {
        allow_weak: args.kerberos.allow_weak,
        fast: cache.config("fast_avail").is_some(),
        ..TgsOptions::default()
    };
    let evidence = run(
        me.clone(),
        TgsOptions {
            impersonate: Some(user.clone()),
            ..base.clone()
        },
        &mut rng,
    )?;
    let mut issued = vec![evidence.clone()];
    if args.proxy {
        for service in &args.services {
            let server = Principal::parse(service, Some(&me.realm)).map_err(|e| e.to_string())?;
            issued.push(run(
                server,
                TgsOptions {
                    evidence: Some(evidence.ticket.clone()),
                    ..base.clone()
                },
                &mut rng,
            )?);
        }
    } else if args
        .services
        .iter()
        .any(|s| Principal::parse(s, Some(&me.realm)).ok().as_ref() != Some(&me))
    {
        return Err(format!(
            "without -P the service must be the cache's principal, {me}"
        ));
    }
    for t in &issued {
        cache
            .credentials
            .push(t.to_credential().map_err(|e| e.to_string())?);
        if args.proxy && t.server == me {
            continue;
        }
        println!(
            "{}: kvno = {}, for client {}",
            t.server,
            t.ticket.enc_part.kvno.unwrap_or(0),
            t.client
        );
    }
    cache.write(name).map_err(|e| format!("{name}: {e}"))
}

/// `sesame kdestroy`: removes the cache (the primary of a `DIR:` collection).
pub fn kdestroy(args: &KdestroyArgs) -> Result<(), String> {
    let name = args.ccache.clone().unwrap_or_else(ccache::default_name);
    match Ccache::destroy(&name) {
        Ok(()) => Ok(()),
        Err(ccache::CcacheError::Io { source, .. })
            if source.kind() == std::io::ErrorKind::NotFound =>
        {
            Err(format!("no credentials cache found ({name})"))
        }
        Err(e) => Err(format!("{name}: {e}")),
    }
}

/// `sesame kswitch -c NAME`: makes a cache of a collection (KCM:, DIR::) its primary.
pub fn kswitch(args: &KswitchArgs) -> Result<(), String> {
    Ccache::switch_to(&args.ccache).map_err(|e| format!("{}: {e}", args.ccache))
}

/// The context flags an initiator asks for: integrity, confidentiality, replay and sequence
/// detection always; `--mutual`, `--dce` (which implies mutual) and `--delegate` on request.
pub fn context_flags(mutual: bool, dce: bool, delegate: bool) -> ContextFlags {
    let mut flags = ContextFlags::REPLAY
        | ContextFlags::SEQUENCE
        | ContextFlags::CONFIDENTIALITY
        | ContextFlags::INTEGRITY;
    for (on, bit) in [
        (mutual, ContextFlags::MUTUAL),
        (dce, ContextFlags::DCE_STYLE | ContextFlags::MUTUAL),
        (delegate, ContextFlags::DELEGATE),
    ] {
        if on {
            flags |= bit;
        }
    }
    flags
}

/// What a Kerberos acceptor decrypts tickets with: the keytab, or with `--u2u` the ccache's TGT.
pub fn acceptor_credentials(
    args: &ContextArgs,
    clock: &Arc<dyn Clock>,
) -> Result<AcceptorCredentials, String> {
    let allow_weak = args.kerberos.allow_weak;
    if args.u2u {
        let name = args.ccache.clone().unwrap_or_else(ccache::default_name);
        let cache = Ccache::read(&name).map_err(|e| e.to_string())?;
        let now = clock
            .now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        AcceptorCredentials::user_to_user_from_ccache(&cache, now, allow_weak)
            .map_err(|e| e.to_string())
    } else {
        Ok(AcceptorCredentials::Keytab(keytab(args.keytab.as_deref())?))
    }
}

/// Writes the credentials a Kerberos acceptor was delegated to the ccache `name` (as a
/// service does to act for its client); an error if nothing was delegated.
pub fn store_delegated(ctx: &dyn std::any::Any, name: &str) -> Result<(), String> {
    let delegated = ctx
        .downcast_ref::<sesame_negotiate::Acceptor>()
        .and_then(sesame_negotiate::Acceptor::kerberos)
        .and_then(KerberosAcceptor::delegated)
        .ok_or("the initiator delegated no credentials")?;
    let first = delegated.tickets.first().ok_or("empty delegation")?;
    let mut cache = Ccache::new(first.client.clone());
    for t in &delegated.tickets {
        cache
            .credentials
            .push(t.to_credential().map_err(|e| e.to_string())?);
    }
    cache.write(name).map_err(|e| e.to_string())
}

/// `sesame locate`: where the KDCs of a realm are, as Sesame finds them.
pub fn locate(args: &LocateArgs) -> Result<(), String> {
    let realm = &args.realm;
    let conf = conf()?;
    let client = transport(&args.kdc, &conf, realm)?;
    let fail = |e: TransportError| format!("{}: {e}", crate::kinds::transport_kind(&e));
    for kdc in client.locate(realm).map_err(fail)? {
        println!("kdc {kdc}");
    }
    if let Some(addr) = &args.kdc.dns_server {
        let addr: SocketAddr = addr
            .parse()
            .map_err(|_| format!("--dns-server takes ADDRESS:PORT, not {addr}"))?;
        let dns = DnsDiscovery::with_nameserver(addr);
        let show = |kind: &str, records: Result<Vec<SrvRecord>, String>| -> Result<(), String> {
            for r in records? {
                println!(
                    "{kind} {}:{} priority={} weight={}",
                    r.target, r.port, r.priority, r.weight
                );
            }
            Ok(())
        };
        show("master", dns.master_kdcs(realm))?;
        show("kpasswd", dns.kpasswd_servers(realm))?;
    }
    Ok(())
}
