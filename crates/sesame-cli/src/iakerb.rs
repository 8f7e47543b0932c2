//! `sesame accept --mech iakerb`: an IAKerb acceptor whose relayed KDC requests go to the
//! realm's KDCs (krb5.conf, `--kdc`), as MIT's acceptor sends them.

use std::sync::Arc;

use sesame_gss::{
    ContextFlags, Input, KeyInfo, MessageProtection, PeerName, SecurityContext, Step, SystemRandom,
    Unwrapped,
};
use sesame_kerberos::gssapi::{
    AcceptorConfig, AcceptorCredentials, IakerbAcceptor, KerberosAcceptor,
};
use sesame_kerberos::transport::{KdcClient, step_with_kdc};

use crate::cli::ContextArgs;

/// The IAKerb acceptor with the transport its relays go over.
pub struct Relaying {
    ctx: IakerbAcceptor,
    kdc: KdcClient,
}

/// The acceptor of `args`: the keytab's keys, relaying for the keytab's realms.
pub fn acceptor(args: &ContextArgs) -> Result<Relaying, String> {
    let clock = crate::kerberos::clock(&args.kerberos);
    let conf = crate::kerberos::conf()?;
    let keytab = crate::kerberos::keytab(args.keytab.as_deref())?;
    let mut realms: Vec<String> = Vec::new();
    for e in &keytab.entries {
        if !realms.contains(&e.principal.realm) {
            realms.push(e.principal.realm.clone());
        }
    }
    let realm = realms.first().cloned().ok_or("the keytab has no entry")?;
    let config = AcceptorConfig {
        allow_weak: args.kerberos.allow_weak,
        clock_skew: conf.clockskew(),
        ..AcceptorConfig::default()
    };
    let inner = KerberosAcceptor::new(
        Arc::new(AcceptorCredentials::Keytab(keytab)),
        config,
        clock,
        Box::new(SystemRandom),
    );
    Ok(Relaying {
        ctx: IakerbAcceptor::new(inner, realms),
        kdc: crate::kerberos::transport(&args.kdc, &conf, &realm)?,
    })
}

impl SecurityContext for Relaying {
    fn step(&mut self, input: Input<'_>) -> Result<Step, sesame_gss::Error> {
        step_with_kdc(&mut self.ctx, input, &self.kdc)
    }
    fn is_established(&self) -> bool {
        self.ctx.is_established()
    }
    fn flags(&self) -> ContextFlags {
        self.ctx.flags()
    }
    fn mechanism(&self) -> &'static [u32] {
        self.ctx.mechanism()
    }
    fn peer_name(&self) -> Option<&PeerName> {
        self.ctx.peer_name()
    }
    fn key_info(&self) -> Option<KeyInfo> {
        self.ctx.key_info()
    }
}

impl MessageProtection for Relaying {
    fn wrap_in_place(
        &mut self,
        buf: &mut Vec<u8>,
        confidential: bool,
    ) -> Result<(), sesame_gss::Error> {
        self.ctx.wrap_in_place(buf, confidential)
    }
    fn unwrap_in_place<'a>(
        &mut self,
        buf: &'a mut [u8],
    ) -> Result<Unwrapped<'a>, sesame_gss::Error> {
        self.ctx.unwrap_in_place(buf)
    }
    fn get_mic(&mut self, message: &[u8]) -> Result<Vec<u8>, sesame_gss::Error> {
        self.ctx.get_mic(message)
    }
    fn verify_mic(&mut self, message: &[u8], mic: &[u8]) -> Result<(), sesame_gss::Error> {
        self.ctx.verify_mic(message, mic)
    }
}
