//! Kerberos in the CLI: `sesame kinit`, and the contexts `sesame init --mech kerberos` and
//! `sesame accept --mech kerberos` run over the token line protocol.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sesame_gss::{Clock, ContextFlags, SystemRandom};
use sesame_kerberos::KerberosError;
use sesame_kerberos::ccache::{self, Ccache};
use sesame_kerberos::crypto::{CryptoError, Enctype};
use sesame_kerberos::exchange::{AsExchange, AsOptions, ClientSecret, KdcStep};
use sesame_kerberos::gssapi::{
    AcceptorConfig, AcceptorCredentials, InitiatorConfig, InitiatorCredentials, KerberosAcceptor,
    KerberosInitiator,
};
use sesame_kerberos::keytab::Keytab;
use sesame_kerberos::krb5_conf::Krb5Conf;
use sesame_kerberos::principal::Principal;
use sesame_kerberos::transport::{
    DnsDiscovery, KdcClient, KdcFailure, KdcTransport, ProxyClient, ProxyConfig, SrvRecord,
    TlsProblem, TransportError,
};
use zeroize::Zeroizing;

use crate::args::Args;

pub const KINIT_USAGE: &str =
    "sesame kinit PRINCIPAL (--password-env VAR | --keytab FILE) [--ccache NAME]
            [--kdc HOST[:PORT]] [--enctypes LIST] [--allow-weak] [--lifetime SECONDS]
            [--clock-offset SECONDS]
  Gets a TGT from the KDC and writes it to the ccache (default KRB5CCNAME, as MIT).";

/// The facts of a Kerberos failure as a short kind for `error` lines: the KRB-ERROR name in
/// lower case (`kdc-err-preauth-failed`), or the transport fact (`no-kdc`, `kdc-unreachable`).
pub fn error_kind(e: &KerberosError) -> String {
    match e {
        KerberosError::Transport(t) => transport_kind(t).into(),
        KerberosError::ChannelBindings(r) => crate::tokens::bindings_kind(*r).into(),
        KerberosError::MutualAuthFailed(_) => "mutual-auth-failed".into(),
        KerberosError::ReplayCache(_) => "replay-cache-unavailable".into(),
        KerberosError::ReplyMismatch { .. } => "kdc-reply-mismatch".into(),
        KerberosError::NoCredentials(_) | KerberosError::Ccache(_) | KerberosError::Keytab(_) => {
            "no-credentials".into()
        }
        KerberosError::Sequence(_) => "sequence".into(),
        KerberosError::ReplyKeyMismatch => "wrong-password".into(),
        KerberosError::Crypto(
            CryptoError::WeakEnctypeRefused(_) | CryptoError::UnsupportedEnctype(_),
        )
        | KerberosError::NoPreauthMethod { .. } => "enctype-refused".into(),
        KerberosError::Crypto(_) => "bad-mic".into(),
        KerberosError::Decode { .. } | KerberosError::Protocol(_) => "defective-token".into(),
        other => match other.krb_error_code() {
            Some(code) => {
                let name = sesame_kerberos::error::error_name(code);
                if name.is_empty() {
                    format!("krb-error-{code}")
                } else {
                    name.to_lowercase().replace('_', "-")
                }
            }
            None => "failure".into(),
        },
    }
}

/// The kind of a transport failure, from the first KDC's fact when there is one.
fn transport_kind(e: &TransportError) -> &'static str {
    match e {
        TransportError::NoKdc { .. } => "no-kdc",
        TransportError::Discovery { .. } => "dns-failed",
        TransportError::AllFailed { attempts, .. } => match attempts.first().map(|a| &a.failure) {
            Some(KdcFailure::Tls(TlsProblem::UntrustedIssuer)) => "kdc-proxy-untrusted-certificate",
            Some(KdcFailure::Tls(TlsProblem::Expired)) => "kdc-proxy-expired-certificate",
            Some(KdcFailure::Tls(TlsProblem::WrongHostName)) => "kdc-proxy-wrong-host-certificate",
            Some(KdcFailure::Tls(_)) => "kdc-proxy-tls",
            Some(KdcFailure::HttpStatus { .. }) => "kdc-proxy-http-error",
            Some(KdcFailure::NotKdcProxyMessage(_)) => "kdc-proxy-bad-answer",
            _ => "kdc-unreachable",
        },
        _ => "kdc-unreachable",
    }
}

/// The krb5.conf MIT would read (an absent file is an empty configuration).
pub fn conf() -> Result<Krb5Conf, String> {
    Krb5Conf::from_env().map_err(|e| e.to_string())
}

/// The transport to the KDCs of `realm`: `--kdc` / `--kdc-proxy` if given, else krb5.conf, else
/// DNS SRV records (`--dns-server` names the nameserver).
pub fn transport(args: &Args, conf: &Krb5Conf, realm: &str) -> Result<KdcClient, String> {
    let mut client = KdcClient::from_conf(conf);
    for option in ["kdc", "kdc-proxy"] {
        if let Some(kdc) = args.value(option) {
            if option == "kdc-proxy" && !kdc.starts_with("https://") {
                return Err(format!("--kdc-proxy takes an https:// URL, not {kdc}"));
            }
            client = client.with_kdc(realm, kdc);
        }
    }
    if let Some(addr) = args.value("dns-server") {
        let addr: SocketAddr = addr
            .parse()
            .map_err(|_| format!("--dns-server takes ADDRESS:PORT, not {addr}"))?;
        client = client.with_dns(DnsDiscovery::with_nameserver(addr));
    }
    // An extra CA is read now, so that a bad file is a usage error; without one the client
    // builds its proxy client when (and if) a proxy is used.
    if let Some(ca) = args.value("ca-file") {
        let proxy = ProxyConfig {
            extra_ca: Some(PathBuf::from(ca)),
            ..ProxyConfig::default()
        };
        client = client.with_proxy(ProxyClient::new(&proxy)?);
    }
    Ok(client)
}

/// With `--verbose`: each KDC tried and what happened, on standard error.
pub fn report(args: &Args, client: &KdcClient) {
    if args.flag("verbose") {
        for line in client.trace() {
            eprintln!("sesame: kdc {line}");
        }
    }
}

fn enctypes(args: &Args, conf: &Krb5Conf) -> Result<Vec<Enctype>, String> {
    let allow_weak = args.flag("allow-weak");
    match args.value("enctypes") {
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

/// A target name: `user@REALM`, `service/host[@REALM]` or GSS's `service@host`.
pub fn target(name: &str, conf: &Krb5Conf, user_to_user: bool) -> Result<Principal, String> {
    if user_to_user || name.contains('/') {
        let mut p = principal(name, conf)?;
        if let [_, host] = p.components.as_slice() {
            if !name.contains('@')
                && let Some(realm) = conf.realm_of_host(host)
            {
                p.realm = realm.to_string();
            }
            p.name_type = sesame_asn1::kerberos::constants::name_type::NT_SRV_HST;
        }
        return Ok(p);
    }
    let (service, host) = name
        .split_once('@')
        .ok_or_else(|| format!("target {name} is neither service/host nor service@host"))?;
    let realm = conf
        .realm_of_host(host)
        .or(conf.default_realm())
        .ok_or_else(|| format!("no realm for host {host} (set default_realm)"))?;
    Ok(Principal::service(service, host, realm))
}

pub fn clock(args: &Args) -> Result<Arc<dyn Clock>, String> {
    let offset: i64 = args
        .value("clock-offset")
        .map_or(Ok(0), str::parse)
        .map_err(|_| "--clock-offset takes a number of seconds".to_string())?;
    Ok(Arc::new(sesame_gss::OffsetClock {
        inner: sesame_gss::SystemClock,
        offset_secs: offset,
    }))
}

fn password(var: &str) -> Result<Zeroizing<String>, String> {
    std::env::var(var)
        .map(Zeroizing::new)
        .map_err(|_| format!("environment variable {var} is not set"))
}

fn keytab(args: &Args) -> Result<Keytab, String> {
    let name = args
        .value("keytab")
        .map(str::to_string)
        .or_else(|| std::env::var("KRB5_KTNAME").ok())
        .ok_or("--keytab FILE (or KRB5_KTNAME) is required")?;
    let path = name
        .strip_prefix("FILE:")
        .or_else(|| name.strip_prefix("WRFILE:"))
        .unwrap_or(&name);
    Keytab::read(Path::new(path)).map_err(|e| e.to_string())
}

pub fn kinit(raw: &[String]) -> Result<(), String> {
    let args = Args::parse(
        raw,
        &[
            "password-env",
            "keytab",
            "ccache",
            "kdc",
            "kdc-proxy",
            "ca-file",
            "dns-server",
            "enctypes",
            "lifetime",
            "clock-offset",
        ],
        &["allow-weak", "verbose"],
    )?;
    let [name] = args.positional.as_slice() else {
        return Err(format!("one principal is needed\n{KINIT_USAGE}"));
    };
    let conf = conf()?;
    let client = principal(name, &conf)?;
    let allow_weak = args.flag("allow-weak");
    let secret = match (args.value("password-env"), args.value("keytab")) {
        (Some(var), None) => {
            ClientSecret::Password(Zeroizing::new(password(var)?.as_bytes().to_vec()))
        }
        (None, Some(_)) => {
            let kt = keytab(&args)?;
            let keys = kt
                .entries
                .iter()
                .filter(|e| e.principal.same_name(&client))
                .filter_map(|e| e.key(allow_weak).ok())
                .collect();
            ClientSecret::Keys(keys)
        }
        _ => {
            return Err(format!(
                "give one of --password-env VAR and --keytab FILE\n{KINIT_USAGE}"
            ));
        }
    };
    let lifetime = match args.value("lifetime") {
        Some(s) => Duration::from_secs(s.parse().map_err(|_| "--lifetime takes seconds")?),
        None => conf.ticket_lifetime(),
    };
    let options = AsOptions {
        enctypes: enctypes(&args, &conf)?,
        lifetime,
        allow_weak,
        ..AsOptions::default()
    };
    let clock = clock(&args)?;
    let transport = transport(&args, &conf, &client.realm)?;
    let mut rng = SystemRandom;
    let fail = |e: KerberosError| format!("{}: {e}", error_kind(&e));
    let (mut exchange, mut request) =
        AsExchange::start(client.clone(), secret, options, clock.as_ref(), &mut rng)
            .map_err(fail)?;
    let tgt = loop {
        let reply = transport.send(&request);
        report(&args, &transport);
        let reply = reply.map_err(|e| fail(KerberosError::Transport(e)))?;
        match exchange
            .receive(&reply, clock.as_ref(), &mut rng)
            .map_err(fail)?
        {
            KdcStep::Send(next) => request = next,
            KdcStep::Done(tgt) => break tgt,
        }
    };
    let name = args
        .value("ccache")
        .map_or_else(ccache::default_name, str::to_string);
    let mut cache = Ccache::new(tgt.client.clone());
    cache
        .credentials
        .push(tgt.to_credential().map_err(|e| e.to_string())?);
    cache.write(&name).map_err(|e| e.to_string())?;
    Ok(())
}

/// The initiator of `sesame init --mech kerberos`, and the transport its KDC requests take.
/// Writes new tickets back once the context is established.
pub type AfterDone = Box<dyn FnOnce() -> Result<(), String>>;

pub fn initiator(args: &Args) -> Result<(KerberosInitiator, KdcClient, Option<AfterDone>), String> {
    let conf = conf()?;
    let u2u = args.flag("u2u");
    let target_name = args.value("target").ok_or("--target is required")?;
    let target = target(target_name, &conf, u2u)?;
    let allow_weak = args.flag("allow-weak");
    let (credentials, ccache_name) = match (args.value("ccache"), args.value("user")) {
        (Some(name), None) => {
            let cache = Ccache::read(name).map_err(|e| e.to_string())?;
            (
                InitiatorCredentials::from_ccache(&cache, allow_weak),
                Some(name.to_string()),
            )
        }
        (None, Some(user)) => {
            let client = principal(user, &conf)?;
            let creds = match (args.value("password-env"), args.value("keytab")) {
                (Some(var), None) => InitiatorCredentials::with_password(client, &password(var)?),
                (None, Some(_)) => {
                    InitiatorCredentials::with_keytab(client, &keytab(args)?, allow_weak)
                        .map_err(|e| e.to_string())?
                }
                _ => return Err("with --user give --password-env VAR or --keytab FILE".into()),
            };
            (creds, None)
        }
        (None, None) => {
            let name = ccache::default_name();
            let cache = Ccache::read(&name).map_err(|e| e.to_string())?;
            (
                InitiatorCredentials::from_ccache(&cache, allow_weak),
                Some(name),
            )
        }
        (Some(_), Some(_)) => return Err("give --ccache or --user, not both".into()),
    };
    let mut config = InitiatorConfig::new(target);
    let mut flags = context_flags(args);
    if args.flag("u2u") {
        flags |= ContextFlags::USE_SESSION_KEY;
    }
    config.flags = flags;
    config.enctypes = enctypes(args, &conf)?;
    config.channel_bindings = crate::policy::bindings(args);
    let transport = transport(args, &conf, &credentials.client.realm)?;
    let credentials = Arc::new(credentials);
    let after = ccache_name.map(|name| store_tickets_later(Arc::clone(&credentials), name));
    let ctx = KerberosInitiator::new(credentials, config, clock(args)?, Box::new(SystemRandom));
    Ok((ctx, transport, after))
}

/// The context flags an initiator asks for: integrity, confidentiality, replay and sequence
/// detection always; `--mutual`, `--dce` (which implies mutual) and `--delegate` on request.
pub fn context_flags(args: &Args) -> ContextFlags {
    let mut flags = ContextFlags::REPLAY
        | ContextFlags::SEQUENCE
        | ContextFlags::CONFIDENTIALITY
        | ContextFlags::INTEGRITY;
    for (flag, bit) in [
        ("mutual", ContextFlags::MUTUAL),
        ("dce", ContextFlags::DCE_STYLE | ContextFlags::MUTUAL),
        ("delegate", ContextFlags::DELEGATE),
    ] {
        if args.flag(flag) {
            flags |= bit;
        }
    }
    flags
}

/// What a Kerberos acceptor decrypts tickets with: the keytab, or with `--u2u` the ccache's TGT.
pub fn acceptor_credentials(
    args: &Args,
    clock: &Arc<dyn Clock>,
) -> Result<AcceptorCredentials, String> {
    let allow_weak = args.flag("allow-weak");
    if args.flag("u2u") {
        let name = args
            .value("ccache")
            .map_or_else(ccache::default_name, str::to_string);
        let cache = Ccache::read(&name).map_err(|e| e.to_string())?;
        let now = clock
            .now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        AcceptorCredentials::user_to_user_from_ccache(&cache, now, allow_weak)
            .map_err(|e| e.to_string())
    } else {
        Ok(AcceptorCredentials::Keytab(keytab(args)?))
    }
}

/// The acceptor of `sesame accept --mech kerberos`.
pub fn acceptor(args: &Args) -> Result<KerberosAcceptor, String> {
    let clock = clock(args)?;
    let credentials = acceptor_credentials(args, &clock)?;
    let conf = conf()?;
    let config = acceptor_config(args, &conf)?;
    Ok(KerberosAcceptor::new(
        Arc::new(credentials),
        config,
        clock,
        Box::new(SystemRandom),
    ))
}

/// The Kerberos acceptor's checks from the flags: skew, channel bindings, its service names.
pub fn acceptor_config(args: &Args, conf: &Krb5Conf) -> Result<AcceptorConfig, String> {
    let mut config = AcceptorConfig {
        clock_skew: conf.clockskew(),
        channel_bindings: crate::policy::bindings(args),
        channel_binding_policy: crate::policy::binding_policy(args)?,
        service_names: crate::policy::kerberos_service_names(args)?,
        allow_weak: args.flag("allow-weak"),
        ..AcceptorConfig::default()
    };
    if let Some(path) = args.value("replay-cache") {
        // A file shared with the other processes of the service (and their restarts).
        config.replay_cache = Arc::new(
            sesame_kerberos::gssapi::FileReplayCache::open(Path::new(path))
                .map_err(|e| e.to_string())?,
        );
    }
    Ok(config)
}

/// Writes the tickets a context got back to the ccache it was loaded from, once done.
pub fn store_tickets_later(credentials: Arc<InitiatorCredentials>, name: String) -> AfterDone {
    Box::new(move || store_tickets(&credentials, &name))
}

fn store_tickets(credentials: &InitiatorCredentials, name: &str) -> Result<(), String> {
    credentials
        .store_new_tickets(name)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Writes the credentials a Kerberos acceptor was delegated to the ccache `name` (as a
/// service does to act for its client); an error if nothing was delegated.
pub fn store_delegated(ctx: &dyn std::any::Any, name: &str) -> Result<(), String> {
    let delegated = ctx
        .downcast_ref::<KerberosAcceptor>()
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

pub const LOCATE_USAGE: &str =
    "sesame locate REALM [--kdc HOST[:PORT] | --kdc-proxy URL | --dns-server ADDR:PORT]
  Prints the KDCs of REALM in the order Sesame tries them (explicit, krb5.conf, DNS SRV), and
  with DNS the _kerberos-master and _kpasswd records.";

/// `sesame locate`: where the KDCs of a realm are, as Sesame finds them.
pub fn locate(raw: &[String]) -> Result<(), String> {
    let args = Args::parse(raw, &["kdc", "kdc-proxy", "ca-file", "dns-server"], &[])?;
    let [realm] = args.positional.as_slice() else {
        return Err(format!("one realm is needed\n{LOCATE_USAGE}"));
    };
    let conf = conf()?;
    let client = transport(&args, &conf, realm)?;
    let fail = |e: TransportError| format!("{}: {e}", transport_kind(&e));
    for kdc in client.locate(realm).map_err(fail)? {
        println!("kdc {kdc}");
    }
    if let Some(addr) = args.value("dns-server") {
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
