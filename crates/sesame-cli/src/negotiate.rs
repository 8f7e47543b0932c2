//! `sesame init|accept --mech negotiate` (SPNEGO with the Kerberos-to-NTLM fallback policy) and
//! `--mech spnego` (SPNEGO over the same mechanisms, no fallback).

use std::path::Path;
use std::sync::Arc;

use sesame_gss::{Random, SystemRandom};
use sesame_kerberos::ccache::Ccache;
use sesame_kerberos::gssapi::FileReplayCache;
use sesame_negotiate::{
    Acceptor, Client, FallbackPolicy, Mechanism, NegotiateInitiator, Packages, RandomSource,
    Server, UserName,
};
use sesame_ntlm::FileUserStore;
use sesame_spnego::{SpnegoAcceptor, SpnegoInitiator};

use crate::cli::ContextArgs;

fn random() -> RandomSource {
    Arc::new(|| Box::new(SystemRandom) as Box<dyn Random>)
}

/// `--fallback allowlist|any|never` (default allowlist).
pub fn fallback(text: Option<&str>) -> Result<FallbackPolicy, String> {
    match text {
        None => Ok(FallbackPolicy::Allowlist),
        Some(p) => FallbackPolicy::parse(p)
            .ok_or_else(|| format!("--fallback takes allowlist, any or never, not {p}")),
    }
}

/// The initiator of `init --mech MECH`, the front door's `Client` for all of them: Negotiate
/// (with the fallback policy), SPNEGO (no fallback), raw Kerberos or raw NTLM. It does its KDC
/// exchanges and writes new tickets back to the cache it used.
pub fn initiator(args: &ContextArgs, mech: &str) -> Result<Client, String> {
    let conf = crate::kerberos::conf()?;
    let (mechanism, policy) = match mech {
        "negotiate" => (Mechanism::Negotiate, fallback(args.fallback.as_deref())?),
        "spnego" => (Mechanism::Negotiate, FallbackPolicy::Never),
        "kerberos" => (Mechanism::Kerberos, FallbackPolicy::Never),
        "iakerb" => (Mechanism::Iakerb, FallbackPolicy::Never),
        "ntlm" => (Mechanism::Ntlm, FallbackPolicy::Never),
        other => {
            return Err(format!(
                "--mech takes negotiate, spnego, kerberos, iakerb or ntlm, not {other}"
            ));
        }
    };
    let target = match args.target.as_deref() {
        Some(t) => t,
        // Raw NTLM may name no target.
        None if mechanism == Mechanism::Ntlm => "",
        None => return Err("--target is required".into()),
    };
    // User-to-user names the other user (`user2@REALM`); the front door takes it as the host
    // of a host-based name.
    let target = if args.u2u && !target.contains('/') {
        format!("host/{target}")
    } else {
        target.to_string()
    };
    let mut packages = args.packages.clone().unwrap_or_default();
    if args.u2u {
        packages.push_str(",u2u");
    }
    if mechanism == Mechanism::Ntlm && args.user.is_none() {
        return Err("--user is required".into());
    }
    let mut client = Client::new(&target)
        .mechanism(mechanism)
        .packages(&packages)
        .fallback(policy)
        .flags(crate::kerberos::context_flags(
            args.mutual,
            args.dce,
            args.delegate,
        ))
        .allow_weak(args.kerberos.allow_weak)
        .ntlm_minimum(crate::policy::ntlm_minimum(args)?)
        .ntlmv1(args.ntlmv1)
        .workstation(&crate::policy::hostname());
    if let Some(user) = &args.impersonate {
        client = client.impersonate(user);
    }
    let default_realm = conf.default_realm().map(str::to_string);
    // The realm whose KDC the transport must know (for --kdc and friends).
    let realm = match (&args.user, &args.ccache) {
        (Some(user), _) => {
            let name =
                UserName::parse(user, default_realm.as_deref()).map_err(|e| e.to_string())?;
            client = match (args.nt_hash.as_deref(), args.keytab.as_deref()) {
                (Some(hex), _) => client.with_nt_hash(
                    user,
                    crate::policy::parse_nt_hash(hex).ok_or("--nt-hash takes 32 hex digits")?,
                ),
                (None, Some(keytab)) => client.with_keytab(keytab, Some(user)),
                (None, None) => {
                    let password =
                        crate::password::read(&args.password, &format!("Password for {name}: "))?;
                    client.with_password(user, &password)
                }
            };
            name.kerberos(default_realm.as_deref())
                .ok()
                .map(|p| p.realm)
        }
        (None, Some(cache)) => {
            client = client.with_ccache(cache);
            Ccache::read(cache).ok().map(|c| c.default_principal.realm)
        }
        (None, None) => Ccache::read(&sesame_kerberos::ccache::default_name())
            .ok()
            .map(|c| c.default_principal.realm),
    };
    let realm = realm.or(default_realm).unwrap_or_default();
    if let Some(d) = &args.domain {
        client = client.domain(d);
    }
    if let Some(cb) = crate::policy::bindings(args.channel_bindings.as_deref()) {
        client = client.channel_bindings(cb);
    }
    if args.kerberos.enctypes.is_some() {
        client = client.enctypes(crate::kerberos::enctypes(&args.kerberos, &conf)?);
    }
    let transport = crate::kerberos::transport(&args.kdc, &conf, &realm)?;
    Ok(client
        .environment(crate::kerberos::clock(&args.kerberos), random())
        .kdc_transport(Arc::new(transport))
        .krb5_conf(conf))
}

/// The acceptor of `accept --mech MECH`, from the front door's `Server` for all of them: it
/// takes SPNEGO, raw Kerberos and raw NTLM tokens, as the packages allow (`kerberos`: Kerberos
/// only, with the keytab or, with --u2u, the ccache's TGT; `iakerb`: IAKerb only, with the
/// keytab, relaying to its realm's KDCs; `ntlm`: NTLM only, with the users file).
pub fn acceptor(args: &ContextArgs, mech: &str) -> Result<Acceptor, String> {
    let mut list = match mech {
        "kerberos" => "kerberos".to_string(),
        "iakerb" => "iakerb".to_string(),
        "ntlm" => "ntlm".to_string(),
        _ => args.packages.clone().unwrap_or_default(),
    };
    if args.u2u {
        list.push_str(",u2u");
    }
    if mech == "ntlm" && args.ntlm_users.is_none() {
        return Err("--ntlm-users FILE is required".into());
    }
    let packages = Packages::parse(&list).map_err(|e| e.to_string())?;
    let clock = crate::kerberos::clock(&args.kerberos);
    let conf = crate::kerberos::conf()?;
    let names = args.target.as_deref().unwrap_or_default();
    let names: Vec<&str> = names
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect();
    let mut server = Server::empty()
        .packages(&list)
        .and_then(|s| s.service_names(&names))
        .map_err(|e| e.to_string())?
        .environment(clock.clone(), random())
        .clock_skew(conf.clockskew())
        .allow_weak(args.kerberos.allow_weak)
        .channel_bindings(
            crate::policy::bindings(args.channel_bindings.as_deref()),
            crate::policy::binding_policy(args)?,
        )
        .target_name_policy(crate::policy::target_name_policy(args)?)
        .ntlm_minimum(crate::policy::ntlm_minimum(args)?)
        .allow_ntlmv1(args.allow_ntlmv1);
    if let Some(path) = &args.kdc_keytab {
        server = server.pac_kdc_keys(crate::kerberos::kdc_keys(path)?);
    }
    if let Some(path) = &args.replay_cache {
        // A file shared with the other processes of the service (and their restarts).
        server = server.replay_cache(Arc::new(
            FileReplayCache::open(Path::new(path)).map_err(|e| e.to_string())?,
        ));
    }
    let wants_kerberos = mech == "kerberos"
        || mech == "iakerb"
        || args.u2u
        || args.keytab.is_some()
        || crate::kerberos::default_keytab_exists();
    let mut any = false;
    if (packages.kerberos || packages.iakerb) && wants_kerberos {
        let credentials = crate::kerberos::acceptor_credentials(args, &clock)?;
        if packages.iakerb
            && let sesame_kerberos::gssapi::AcceptorCredentials::Keytab(keytab) = &credentials
        {
            // IAKerb relays its clients' requests to the keytab's realm, as krb5.conf or
            // --kdc name its KDCs.
            let realm = keytab.realms().into_iter().next().unwrap_or_default();
            let transport = crate::kerberos::transport(&args.kdc, &conf, &realm)?;
            server = server.kdc_transport(Arc::new(transport));
        }
        server = server.with_kerberos_credentials(credentials);
        any = true;
    }
    if packages.ntlm
        && let Some(file) = args.ntlm_users.as_deref()
    {
        let users = FileUserStore::read(Path::new(file)).map_err(|e| e.to_string())?;
        server = server.with_ntlm_users(Arc::new(users));
        any = true;
    }
    if !any {
        return Err("give --keytab FILE (or a default keytab: KRB5_KTNAME, default_keytab_name), --u2u, and/or --ntlm-users FILE".into());
    }
    Ok(server.accept())
}

/// `spnego/<inner>` for a done line, and the fallback reason when there was one.
pub fn describe(ctx: &dyn std::any::Any) -> Option<(String, Option<String>)> {
    let name = |arcs: &[u32]| {
        sesame_asn1::oid::mech_name(arcs)
            .unwrap_or("unknown")
            .to_string()
    };
    if let Some(c) = ctx.downcast_ref::<Client>() {
        let n = c.negotiated()?;
        // Raw mechanisms have no Negotiate context underneath.
        let name = match c.context() {
            Some(_) => format!("spnego/{}", n.mechanism),
            None => n.mechanism.to_string(),
        };
        return Some((name, n.fallback.map(|f| f.to_string())));
    }
    if let Some(n) = ctx.downcast_ref::<NegotiateInitiator>() {
        return Some((
            format!("spnego/{}", n.mechanism_name()),
            n.fallback().map(ToString::to_string),
        ));
    }
    if let Some(a) = ctx.downcast_ref::<Acceptor>() {
        let n = a.negotiated()?;
        if a.context().is_raw() {
            return Some((n.mechanism.to_string(), None));
        }
        return Some((format!("spnego/{}", n.mechanism), None));
    }
    if let Some(a) = ctx.downcast_ref::<SpnegoAcceptor>() {
        let inner = a
            .inner()
            .map_or_else(|| "none".to_string(), |m| name(m.mechanism()));
        return Some((format!("spnego/{inner}"), None));
    }
    if let Some(i) = ctx.downcast_ref::<SpnegoInitiator>() {
        return Some((format!("spnego/{}", name(i.inner().mechanism())), None));
    }
    None
}
