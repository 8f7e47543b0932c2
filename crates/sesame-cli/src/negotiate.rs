//! `sesame init|accept --mech negotiate` (SPNEGO with the Kerberos-to-NTLM fallback policy) and
//! `--mech spnego` (SPNEGO over the same mechanisms, no fallback).

use std::path::Path;
use std::sync::Arc;

use sesame_gss::{Random, Spn, SystemRandom};
use sesame_kerberos::ccache::Ccache;
use sesame_kerberos::exchange::ClientSecret;
use sesame_kerberos::gssapi::InitiatorCredentials;
use sesame_negotiate::{
    AcceptorSetup, FallbackPolicy, Identity, NegotiateConfig, NegotiateInitiator, Packages,
    RandomSource, UserName, negotiate_acceptor,
};
use sesame_ntlm::{ClientConfig, ClientCredentials, FileUserStore, ServerCredentials};
use sesame_spnego::{SpnegoAcceptor, SpnegoInitiator};
use zeroize::Zeroizing;

use crate::cli::ContextArgs;
use crate::kerberos::AfterDone;
use sesame_kerberos::transport::KdcClient;

fn random() -> RandomSource {
    Arc::new(|| Box::new(SystemRandom) as Box<dyn Random>)
}

fn packages(args: &ContextArgs) -> Result<Packages, String> {
    let mut p =
        Packages::parse(args.packages.as_deref().unwrap_or("")).map_err(|e| e.to_string())?;
    if args.u2u {
        p.user_to_user = true;
        p.kerberos = true;
    }
    Ok(p)
}

/// `--fallback allowlist|any|never` (default allowlist).
pub fn fallback(text: Option<&str>) -> Result<FallbackPolicy, String> {
    match text {
        None => Ok(FallbackPolicy::Allowlist),
        Some(p) => FallbackPolicy::parse(p)
            .ok_or_else(|| format!("--fallback takes allowlist, any or never, not {p}")),
    }
}

/// The Negotiate (or plain SPNEGO) initiator, its KDC transport and what to do once done.
pub fn initiator(
    args: &ContextArgs,
    with_fallback: bool,
) -> Result<(NegotiateInitiator, KdcClient, Option<AfterDone>), String> {
    let conf = crate::kerberos::conf()?;
    let packages = packages(args)?;
    let policy = if with_fallback {
        fallback(args.fallback.as_deref())?
    } else {
        FallbackPolicy::Never
    };
    let target_text = args.target.as_deref().ok_or("--target is required")?;
    let target = Spn::parse(target_text).map_err(|e| e.to_string())?;
    let allow_weak = args.kerberos.allow_weak;
    let realm_default = conf.default_realm();
    let mut identity = Identity::default();
    let mut ccache_name = None;
    let user = args
        .user
        .as_deref()
        .map(|u| UserName::parse(u, realm_default))
        .transpose()
        .map_err(|e| e.to_string())?;
    let password = match &user {
        Some(name) => Some(crate::password::read(
            &args.password,
            &format!("Password for {name}: "),
        )?),
        None => crate::password::given(&args.password)?,
    };
    // No credentials named: the default cache, as MIT resolves it (curl --negotiate -u :).
    let ccache = args
        .ccache
        .clone()
        .or_else(|| user.is_none().then(sesame_kerberos::ccache::default_name));
    if let Some(name) = ccache.as_deref() {
        let cache = Ccache::read(name).map_err(|e| e.to_string())?;
        let mut creds = InitiatorCredentials::from_ccache(&cache, allow_weak);
        if let Some(pw) = &password {
            creds = creds.and_secret(ClientSecret::Password(Zeroizing::new(
                pw.as_bytes().to_vec(),
            )));
        }
        identity.kerberos = Some(Arc::new(creds));
        ccache_name = Some(name.to_string());
    } else if let (Some(name), Some(pw)) = (&user, &password)
        && let Ok(principal) = name.kerberos(realm_default)
    {
        identity.kerberos = Some(Arc::new(InitiatorCredentials::with_password(principal, pw)));
    }
    if let (Some(name), Some(pw)) = (&user, &password) {
        // One identity, two forms (UserName): EXAMPLE\user1 and user1@EXAMPLE.TEST are both
        // EXAMPLE\user1 for NTLM unless --domain says otherwise.
        let (domain, name) = name.ntlm(args.domain.as_deref(), realm_default);
        let mut config = ClientConfig::password(&domain, &name, pw);
        config.target = Some(target_text.to_string());
        config.channel_bindings = crate::policy::bindings(args.channel_bindings.as_deref());
        config.minimum = crate::policy::ntlm_minimum(args)?;
        identity.ntlm = Some(Arc::new(ClientCredentials::new(config)));
    }
    if identity.kerberos.is_none() && identity.ntlm.is_none() {
        return Err("give --user USER (a password from --password-env, --password-file or a prompt), or --ccache NAME".into());
    }
    let realm = target
        .realm
        .clone()
        .or_else(|| conf.realm_of_host(&target.host).map(str::to_string))
        .or_else(|| identity.kerberos.as_ref().map(|k| k.client.realm.clone()))
        .or_else(|| conf.default_realm().map(str::to_string))
        .unwrap_or_default();
    let flags = crate::kerberos::context_flags(args.mutual, args.dce, args.delegate);
    let config = NegotiateConfig {
        packages,
        policy,
        target,
        realm: realm.clone(),
        flags,
        channel_bindings: crate::policy::bindings(args.channel_bindings.as_deref()),
        enctypes: args
            .kerberos
            .enctypes
            .is_some()
            .then(|| crate::kerberos::enctypes(&args.kerberos, &conf))
            .transpose()?,
    };
    let kerberos_creds = identity.kerberos.clone();
    let ctx = NegotiateInitiator::new(
        config,
        identity,
        crate::kerberos::clock(&args.kerberos),
        random(),
    )
    .map_err(|e| e.to_string())?;
    let client_realm = kerberos_creds
        .as_ref()
        .map_or(realm, |k| k.client.realm.clone());
    let transport = crate::kerberos::transport(&args.kdc, &conf, &client_realm)?;
    let after = match (ccache_name, kerberos_creds) {
        (Some(name), Some(creds)) => Some(crate::kerberos::store_tickets_later(creds, name)),
        _ => None,
    };
    Ok((ctx, transport, after))
}

/// The Negotiate acceptor: Kerberos with the keytab (or, with --u2u, the ccache's TGT), NTLM
/// with the users file, as the packages allow.
pub fn acceptor(args: &ContextArgs) -> Result<SpnegoAcceptor, String> {
    let packages = packages(args)?;
    let clock = crate::kerberos::clock(&args.kerberos);
    let conf = crate::kerberos::conf()?;
    let mut setup = AcceptorSetup {
        packages,
        ..AcceptorSetup::default()
    };
    let wants_kerberos =
        args.u2u || args.keytab.is_some() || std::env::var_os("KRB5_KTNAME").is_some();
    if packages.kerberos && wants_kerberos {
        let acceptor = crate::kerberos::acceptor_credentials(args, &clock)?;
        let config = crate::kerberos::acceptor_config(args, &conf)?;
        setup.kerberos = Some((Arc::new(acceptor), config));
    }
    if packages.ntlm
        && let Some(file) = args.ntlm_users.as_deref()
    {
        let users = FileUserStore::read(Path::new(file)).map_err(|e| e.to_string())?;
        let config = crate::tokens::ntlm_server_config(args)?;
        setup.ntlm = Some(Arc::new(ServerCredentials::new(config, Arc::new(users))));
    }
    if setup.kerberos.is_none() && setup.ntlm.is_none() {
        return Err("give --keytab FILE (or KRB5_KTNAME), --u2u, and/or --ntlm-users FILE".into());
    }
    Ok(negotiate_acceptor(&setup, &clock, &random()))
}

/// `spnego/<inner>` for a done line, and the fallback reason when there was one.
pub fn describe(ctx: &dyn std::any::Any) -> Option<(String, Option<String>)> {
    let name = |arcs: &[u32]| {
        sesame_asn1::oid::mech_name(arcs)
            .unwrap_or("unknown")
            .to_string()
    };
    if let Some(n) = ctx.downcast_ref::<NegotiateInitiator>() {
        return Some((
            format!("spnego/{}", n.mechanism_name()),
            n.fallback().map(ToString::to_string),
        ));
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
