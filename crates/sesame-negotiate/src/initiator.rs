//! Composition: the Negotiate initiator (SPNEGO over Kerberos then NTLM, with the fallback
//! decided by the policy) and the Negotiate acceptor (SPNEGO over whatever credentials it has).

use std::sync::Arc;

use sesame_asn1::{ObjectIdentifier, oid};
use sesame_gss::{
    ChannelBindings, Clock, ContextFlags, Input, MessageProtection, PeerName, Random,
    SecurityContext, Spn, Step, Unwrapped,
};
use sesame_kerberos::gssapi::{
    AcceptorConfig, AcceptorCredentials, IakerbAcceptor, IakerbInitiator, InitiatorConfig,
    InitiatorCredentials, KerberosAcceptor, KerberosInitiator,
};
use sesame_kerberos::principal::Principal;
use sesame_ntlm::{ClientCredentials, NtlmClient, NtlmServer, ServerCredentials};
use sesame_spnego::{Mech, MechContext, SpnegoAcceptor, SpnegoInitiator};

use crate::{FallbackPolicy, FallbackReason, Packages};

/// Makes a fresh random source for each mechanism context.
pub type RandomSource = Arc<dyn Fn() -> Box<dyn Random> + Send + Sync>;

/// Who the initiator is, for each mechanism: one identity, two forms.
#[derive(Clone, Default)]
pub struct Identity {
    /// For Kerberos (a password, keys or a ccache's tickets).
    pub kerberos: Option<Arc<InitiatorCredentials>>,
    /// For NTLM (`DOMAIN\user` with a password or NT hash).
    pub ntlm: Option<Arc<ClientCredentials>>,
}

/// What the initiator asks for.
#[derive(Clone, Debug)]
pub struct NegotiateConfig {
    /// The mechanisms allowed.
    pub packages: Packages,
    /// When NTLM may take over from a failed first Kerberos leg.
    pub policy: FallbackPolicy,
    /// The target (`HTTP/host`).
    pub target: Spn,
    /// The Kerberos realm of the target.
    pub realm: String,
    /// Context flags (MUTUAL, DELEGATE, ...); USE_SESSION_KEY comes from the packages.
    pub flags: ContextFlags,
    /// Channel bindings.
    pub channel_bindings: Option<ChannelBindings>,
    /// Kerberos enctypes for the session key, in order of preference (`None`: the
    /// mechanism's default).
    pub enctypes: Option<Vec<sesame_kerberos::crypto::Enctype>>,
    /// Constrained delegation: the Kerberos credentials act as this user (S4U2Self, then
    /// S4U2Proxy to the target). NTLM is never offered then: it could only authenticate the
    /// service's own account, not the user.
    pub impersonate: Option<Principal>,
}

/// The Kerberos initiator `config` asks for: the target's service principal in the realm
/// (or, for user-to-user, the other user), the flags, bindings and enctypes. Negotiate offers
/// it inside SPNEGO; the front door's raw Kerberos client uses it alone.
pub(crate) fn kerberos_initiator(
    config: &NegotiateConfig,
    credentials: Arc<sesame_kerberos::gssapi::InitiatorCredentials>,
    clock: Arc<dyn Clock>,
    random: Box<dyn sesame_gss::Random>,
) -> Result<KerberosInitiator, sesame_gss::Error> {
    let u2u = config.packages.user_to_user;
    let target = if u2u {
        Principal::parse(&config.target.host, Some(&config.realm))
            .map_err(|e| sesame_gss::Error::new(sesame_gss::MajorStatus::BadName, e))?
    } else {
        Principal::service(&config.target.service, &config.target.host, &config.realm)
    };
    let mut kc = InitiatorConfig::new(target);
    kc.flags = config.flags;
    if u2u {
        kc.flags |= ContextFlags::USE_SESSION_KEY;
    }
    kc.channel_bindings.clone_from(&config.channel_bindings);
    kc.impersonate.clone_from(&config.impersonate);
    if let Some(enctypes) = &config.enctypes {
        kc.enctypes.clone_from(enctypes);
    }
    Ok(KerberosInitiator::new(credentials, kc, clock, random))
}

/// The Negotiate initiator.
pub struct NegotiateInitiator {
    spnego: SpnegoInitiator,
    config: NegotiateConfig,
    identity: Identity,
    clock: Arc<dyn Clock>,
    random: RandomSource,
    kerberos_offered: bool,
    iakerb_possible: bool,
    first_leg_sent: bool,
    fallback: Option<FallbackReason>,
}

/// The mechanisms of one SPNEGO offer, in this order.
#[derive(Clone, Copy, Debug)]
struct Offer {
    kerberos: bool,
    iakerb: bool,
    ntlm: bool,
}

impl NegotiateInitiator {
    /// An initiator for `config` with `identity`. An IP-address target goes straight to NTLM.
    pub fn new(
        mut config: NegotiateConfig,
        identity: Identity,
        clock: Arc<dyn Clock>,
        random: RandomSource,
    ) -> Result<Self, sesame_gss::Error> {
        if config.impersonate.is_some() {
            config.packages.ntlm = false;
        }
        let mut fallback = None;
        let u2u = config.packages.user_to_user;
        let mut kerberos = config.packages.kerberos && identity.kerberos.is_some();
        let mut iakerb = config.packages.iakerb && identity.kerberos.is_some() && !u2u;
        if (kerberos || iakerb) && config.target.host_is_ip() && !u2u {
            // No SPN for an address: neither Kerberos nor IAKerb can name the service.
            kerberos = false;
            iakerb = false;
            fallback = Some(FallbackReason::SpnIsIpAddress);
        }
        let ntlm = config.packages.ntlm && !u2u && identity.ntlm.is_some();
        let mut me = Self {
            spnego: SpnegoInitiator::new(Vec::new()),
            config,
            identity,
            clock,
            random,
            kerberos_offered: kerberos,
            iakerb_possible: iakerb,
            first_leg_sent: false,
            fallback,
        };
        let mechs = me.mechs(Offer {
            kerberos,
            iakerb,
            ntlm,
        })?;
        if mechs.is_empty() {
            return Err(sesame_gss::Error::new(
                sesame_gss::MajorStatus::NoCred,
                sesame_spnego::SpnegoError::NoCommonMechanism(
                    "no allowed package has credentials".into(),
                ),
            ));
        }
        me.spnego = SpnegoInitiator::new(mechs);
        Ok(me)
    }

    fn mechs(&self, offer: Offer) -> Result<Vec<Mech>, sesame_gss::Error> {
        let mut mechs = Vec::new();
        let kerberos = |me: &Self, creds: &Arc<InitiatorCredentials>| {
            kerberos_initiator(&me.config, creds.clone(), me.clock.clone(), (me.random)())
        };
        if offer.kerberos
            && let Some(creds) = &self.identity.kerberos
        {
            let oids: Vec<ObjectIdentifier> = if self.config.packages.user_to_user {
                vec![oid::KERBEROS_U2U.to_owned()]
            } else {
                vec![oid::MS_KERBEROS.to_owned(), oid::KERBEROS.to_owned()]
            };
            mechs.push(Mech::new(oids, Box::new(kerberos(self, creds)?)));
        }
        if offer.iakerb
            && let Some(creds) = &self.identity.kerberos
        {
            let ctx = IakerbInitiator::new(kerberos(self, creds)?);
            mechs.push(Mech::new(vec![oid::IAKERB.to_owned()], Box::new(ctx)));
        }
        if offer.ntlm
            && let Some(creds) = &self.identity.ntlm
        {
            let ctx =
                NtlmClient::with_credentials(creds.clone(), self.clock.clone(), (self.random)());
            mechs.push(Mech::new(vec![oid::NTLMSSP.to_owned()], Box::new(ctx)));
        }
        Ok(mechs)
    }

    /// Why direct Kerberos was left (for IAKerb or NTLM: [`Self::mechanism_name`] says which),
    /// if it was.
    pub fn fallback(&self) -> Option<&FallbackReason> {
        self.fallback.as_ref()
    }

    /// The mechanism in use (`kerberos`, `kerberos-u2u`, `iakerb`, `ntlm`).
    pub fn mechanism_name(&self) -> &'static str {
        oid::mech_name(self.spnego.inner().mechanism()).unwrap_or("unknown")
    }

    /// The SPNEGO context underneath.
    pub fn spnego(&self) -> &SpnegoInitiator {
        &self.spnego
    }

    fn advance(&mut self, input: Input<'_>) -> Result<Step, sesame_gss::Error> {
        if self.first_leg_sent {
            return self.spnego.step(input);
        }
        match self.spnego.step(input) {
            Ok(step) => {
                if !matches!(step, Step::NeedKdc(_)) {
                    self.first_leg_sent = true;
                }
                Ok(step)
            }
            Err(e) => self.first_leg_failed(e),
        }
    }

    /// Nothing went to the peer yet: the policy may hand over to IAKerb (no KDC in reach) and
    /// to NTLM, offered without Kerberos so that the mechListMIC covers what was really offered.
    fn first_leg_failed(&mut self, e: sesame_gss::Error) -> Result<Step, sesame_gss::Error> {
        let Some(next) = (!self.first_leg_sent && self.kerberos_offered)
            .then(|| self.config.policy.decide(&e, self.iakerb_possible))
            .flatten()
        else {
            return Err(e);
        };
        let offer = Offer {
            kerberos: false,
            iakerb: next.iakerb,
            ntlm: next.ntlm
                && self.config.packages.ntlm
                && !self.config.packages.user_to_user
                && self.identity.ntlm.is_some(),
        };
        if !offer.iakerb && !offer.ntlm {
            return Err(e);
        }
        self.fallback = Some(next.reason);
        self.kerberos_offered = false;
        self.spnego = SpnegoInitiator::new(self.mechs(offer)?);
        self.first_leg_sent = true;
        self.spnego.step(Input::Start)
    }
}

impl SecurityContext for NegotiateInitiator {
    fn step(&mut self, input: Input<'_>) -> Result<Step, sesame_gss::Error> {
        self.advance(input)
    }

    fn kdc_failed(&mut self, error: sesame_gss::Error) -> Result<Step, sesame_gss::Error> {
        self.first_leg_failed(error)
    }

    fn key_info(&self) -> Option<sesame_gss::KeyInfo> {
        self.spnego.key_info()
    }

    fn prot_ready(&self) -> bool {
        self.spnego.prot_ready()
    }

    fn is_established(&self) -> bool {
        self.spnego.is_established()
    }

    fn flags(&self) -> ContextFlags {
        self.spnego.flags()
    }

    fn mechanism(&self) -> &'static [u32] {
        self.spnego.mechanism()
    }

    fn peer_name(&self) -> Option<&PeerName> {
        self.spnego.peer_name()
    }
}

impl MessageProtection for NegotiateInitiator {
    fn wrap_in_place(
        &mut self,
        buf: &mut Vec<u8>,
        confidential: bool,
    ) -> Result<(), sesame_gss::Error> {
        self.spnego.wrap_in_place(buf, confidential)
    }

    fn unwrap_in_place<'a>(
        &mut self,
        buf: &'a mut [u8],
    ) -> Result<Unwrapped<'a>, sesame_gss::Error> {
        self.spnego.unwrap_in_place(buf)
    }

    fn get_mic(&mut self, message: &[u8]) -> Result<Vec<u8>, sesame_gss::Error> {
        self.spnego.get_mic(message)
    }

    fn verify_mic(&mut self, message: &[u8], mic: &[u8]) -> Result<(), sesame_gss::Error> {
        self.spnego.verify_mic(message, mic)
    }
}

/// What a Negotiate acceptor accepts with.
#[derive(Clone, Default)]
pub struct AcceptorSetup {
    /// The mechanisms allowed.
    pub packages: Packages,
    /// Kerberos: a keytab, or a TGT for user-to-user.
    pub kerberos: Option<(Arc<AcceptorCredentials>, AcceptorConfig)>,
    /// NTLM: the users it knows.
    pub ntlm: Option<Arc<ServerCredentials>>,
}

/// A Negotiate acceptor: SPNEGO over the mechanisms `setup` has credentials for (Kerberos under
/// both its OIDs and the user-to-user OID; IAKerb when enabled, with a keytab, relaying for the
/// keytab's realms; NTLM), taking raw tokens too. With IAKerb, the acceptor's steps may ask for
/// the KDC ([`Step::NeedKdc`]): the caller relays them (the front door's [`crate::Server`] does).
pub fn negotiate_acceptor(
    setup: &AcceptorSetup,
    clock: &Arc<dyn Clock>,
    random: &RandomSource,
) -> SpnegoAcceptor {
    let mut mechs = Vec::new();
    if setup.packages.kerberos
        && let Some((creds, config)) = &setup.kerberos
    {
        let ctx = KerberosAcceptor::new(creds.clone(), config.clone(), clock.clone(), random());
        mechs.push(Mech::new(
            vec![
                oid::KERBEROS.to_owned(),
                oid::MS_KERBEROS.to_owned(),
                oid::KERBEROS_U2U.to_owned(),
            ],
            Box::new(ctx) as Box<dyn MechContext>,
        ));
    }
    if setup.packages.iakerb
        && let Some((creds, config)) = &setup.kerberos
        && let AcceptorCredentials::Keytab(keytab) = creds.as_ref()
    {
        let ctx = KerberosAcceptor::new(creds.clone(), config.clone(), clock.clone(), random());
        mechs.push(Mech::new(
            vec![oid::IAKERB.to_owned()],
            Box::new(IakerbAcceptor::new(ctx, keytab.realms())),
        ));
    }
    if setup.packages.ntlm
        && let Some(creds) = &setup.ntlm
    {
        let ctx = NtlmServer::with_credentials(creds.clone(), clock.clone(), random());
        mechs.push(Mech::new(vec![oid::NTLMSSP.to_owned()], Box::new(ctx)));
    }
    SpnegoAcceptor::new(mechs)
}
