//! The TGS exchange (RFC 4120 3.3): a service ticket from a TGT, following cross-realm
//! referrals (RFC 6806) for a bounded number of hops, the user-to-user form (3.3.3,
//! ENC-TKT-IN-SKEY with the other user's TGT as additional ticket), and renewal (3.3.3,
//! RENEW: the TGT itself, renewed until its renew-till).

use std::time::Duration;

use sesame_asn1::Der;
use sesame_asn1::kerberos::constants::{msg_type, pa_type, ticket_flags};
use sesame_asn1::kerberos::{
    ApReq, Authenticator, Checksum, EncKdcRepPart, EncryptedData, EncryptionKey, KdcReq,
    KdcReqBody, KerberosFlags, KerberosTime, KrbError, PaData, PaForUser, PaPacOptions,
    PaS4uX509User, S4uUserId, SecretOctets, TgsRep, TgsReq, Ticket,
};
use sesame_gss::{Clock, KdcRequest, Random};

use super::{KdcStep, enctype_ids, issued, kdc_options, later, nonce, now};
use crate::crypto::{Enctype, Key};
use crate::error::{KerberosError, KrbErrorFacts};
use crate::key_usage;
use crate::principal::Principal;
use crate::tickets::IssuedTicket;

/// Referrals followed before giving up (MIT allows 10; real forests need 2 or 3).
const MAX_HOPS: usize = 5;

/// S4UUserID option "signed-with-kun-27" (MS-SFU 2.2.2): the KDC's echo is checksummed with
/// the reply usage, so a request checksum cannot be replayed as the reply's.
const S4U_REPLY_KEY_USAGE: u32 = 0x2000_0000;

/// PA-PAC-OPTIONS bit 3 (MS-KILE 2.2.10): resource-based constrained delegation.
const PAC_OPTION_RBCD: usize = 3;

/// What to ask for.
#[derive(Clone, Debug)]
#[allow(clippy::struct_excessive_bools)] // each is one KDC option, independent of the others
pub struct TgsOptions {
    /// Enctypes in order of preference (for the session key).
    pub enctypes: Vec<Enctype>,
    /// Requested lifetime.
    pub lifetime: Duration,
    /// FORWARDABLE.
    pub forwardable: bool,
    /// FORWARDED: ask for a forwarded TGT (delegation); the server must be a krbtgt.
    pub forwarded: bool,
    /// User-to-user: the other user's TGT, whose session key will encrypt the ticket.
    pub second_ticket: Option<Ticket>,
    /// Accept an rc4-hmac session key.
    pub allow_weak: bool,
    /// RENEW: ask for the ticket of the request (the TGT) again, with a new end time; the
    /// server must be the TGT's own (see [`TgsExchange::renew`]).
    pub renew: bool,
    /// S4U2Self (MS-SFU 3.1.5.1.1): a ticket to the TGT's own client for this user, asked
    /// with PA-FOR-USER; the server of the request must be the service itself.
    pub impersonate: Option<Principal>,
    /// S4U2Proxy (MS-SFU 3.1.5.2.1): the user's ticket to this service (from S4U2Self or an
    /// AP-REQ), sent as the additional ticket with CNAME-IN-ADDL-TKT, for a ticket to the
    /// server of the request in the user's name.
    pub evidence: Option<Ticket>,
    /// FAST (RFC 6113 5.4.1.1): armor the request with the TGT itself (the PA-TGS-REQ's
    /// subkey and the TGT's session key), as MIT does once the TGT came through FAST
    /// (`fast_avail` in the cache); the KDC's reply and errors then come through the tunnel.
    pub fast: bool,
}

impl Default for TgsOptions {
    fn default() -> Self {
        Self {
            enctypes: Enctype::DEFAULT_PREFERENCE.to_vec(),
            lifetime: Duration::from_secs(10 * 3600),
            forwardable: true,
            forwarded: false,
            second_ticket: None,
            allow_weak: false,
            renew: false,
            impersonate: None,
            evidence: None,
            fast: false,
        }
    }
}

/// A TGS exchange in progress.
#[derive(Debug)]
pub struct TgsExchange {
    tgt: IssuedTicket,
    server: Principal,
    options: TgsOptions,
    nonce: u32,
    subkey: Key,
    referrals: Vec<IssuedTicket>,
}

impl TgsExchange {
    /// Starts the exchange with `tgt` for `server`; returns the TGS-REQ.
    pub fn start(
        tgt: IssuedTicket,
        server: Principal,
        options: TgsOptions,
        clock: &dyn Clock,
        rng: &mut dyn Random,
    ) -> Result<(Self, KdcRequest), KerberosError> {
        let subkey = Key::random(tgt.session_key.enctype(), rng)?;
        let exchange = Self {
            tgt,
            server,
            options,
            nonce: nonce(rng)?,
            subkey,
            referrals: Vec::new(),
        };
        let request = exchange.request(clock, rng)?;
        Ok((exchange, request))
    }

    /// Starts renewing `tgt` (what `kinit -R` does): a TGS-REQ with RENEW for the TGT's own
    /// server, answered with the same ticket valid until `lifetime` from now or its
    /// renew-till, whichever comes first. The KDC refuses a ticket that is not renewable
    /// (KDC_ERR_BADOPTION) or past its renew-till (KRB_AP_ERR_TKT_EXPIRED).
    pub fn renew(
        tgt: IssuedTicket,
        mut options: TgsOptions,
        clock: &dyn Clock,
        rng: &mut dyn Random,
    ) -> Result<(Self, KdcRequest), KerberosError> {
        options.renew = true;
        options.second_ticket = None;
        let server = tgt.server.clone();
        Self::start(tgt, server, options, clock, rng)
    }

    /// The referral TGTs received on the way (worth caching).
    pub fn referrals(&self) -> &[IssuedTicket] {
        &self.referrals
    }

    /// The KDC options of the request, and whether it asks for renewability.
    fn kdc_options(&self) -> (KerberosFlags, bool) {
        let mut options = KerberosFlags::default();
        let has = |flag: usize| self.tgt.flags & (1 << (31 - flag)) != 0;
        // A renewal asks again for what the TGT has (as MIT's krb5_get_renewed_creds does):
        // a KDC gives the renewed ticket only the renewability the request asks for.
        let renewable = self.options.renew && has(ticket_flags::RENEWABLE);
        options.set(kdc_options::RENEWABLE, renewable);
        // Forwardable only from a forwardable TGT: Heimdal (Samba AD) refuses the request
        // with KDC_ERR_BADOPTION otherwise, where MIT quietly issues a ticket without the flag.
        options.set(
            kdc_options::FORWARDABLE,
            self.options.forwardable && has(ticket_flags::FORWARDABLE),
        );
        options.set(kdc_options::FORWARDED, self.options.forwarded);
        options.set(kdc_options::CANONICALIZE, !self.options.renew);
        options.set(kdc_options::RENEW, self.options.renew);
        options.set(
            kdc_options::ENC_TKT_IN_SKEY,
            self.options.second_ticket.is_some(),
        );
        options.set(
            kdc_options::CNAME_IN_ADDL_TKT,
            self.options.evidence.is_some(),
        );
        (options, renewable)
    }

    fn request(
        &self,
        clock: &dyn Clock,
        rng: &mut dyn Random,
    ) -> Result<KdcRequest, KerberosError> {
        let (now, cusec) = now(clock);
        let kdc_realm = self
            .tgt
            .server
            .tgs_realm()
            .ok_or(KerberosError::Protocol(
                "TGS-REQ with a ticket that is not a TGT",
            ))?
            .to_string();
        let (options, renewable) = self.kdc_options();
        let mut sname = self.server.to_principal_name();
        if self.options.second_ticket.is_some() && self.server.components.len() == 1 {
            // MIT and Windows look a user-to-user server up by its user name.
            sname.name_type = sesame_asn1::kerberos::constants::name_type::NT_PRINCIPAL;
        }
        let body = KdcReqBody {
            kdc_options: options,
            cname: None,
            realm: self.server.wire_realm(),
            sname: Some(sname),
            from: None,
            till: later(now, self.options.lifetime),
            rtime: if renewable {
                self.tgt.renew_till.and_then(KerberosTime::from_unix)
            } else {
                None
            },
            nonce: self.nonce,
            etype: enctype_ids(&self.options.enctypes),
            addresses: None,
            enc_authorization_data: None,
            additional_tickets: self
                .options
                .second_ticket
                .clone()
                .or_else(|| self.options.evidence.clone())
                .map(|t| vec![t]),
        };
        let body_der = body
            .to_der()
            .map_err(KerberosError::decode("KDC-REQ-BODY"))?;
        let session = &self.tgt.session_key;
        let checksum = session
            .usage(key_usage::TGS_REQ_AUTH_CKSUM)
            .checksum(&body_der);
        let authenticator = Authenticator {
            authenticator_vno: 5,
            crealm: self.tgt.client.wire_realm(),
            cname: self.tgt.client.to_principal_name(),
            cksum: Some(Checksum {
                cksumtype: session.enctype().checksum_type(),
                checksum: checksum.into(),
            }),
            cusec,
            ctime: now,
            subkey: Some(EncryptionKey {
                keytype: self.subkey.enctype().id(),
                keyvalue: SecretOctets::new(self.subkey.as_bytes().to_vec()),
            }),
            seq_number: None,
            authorization_data: None,
        }
        .to_der()
        .map_err(KerberosError::decode("Authenticator"))?;
        let ap_req = ApReq {
            pvno: 5,
            msg_type: msg_type::AP_REQ,
            ap_options: KerberosFlags::default(),
            ticket: self.tgt.ticket.clone(),
            authenticator: EncryptedData {
                etype: session.enctype().id(),
                kvno: None,
                cipher: session
                    .usage(key_usage::TGS_REQ_AUTH)
                    .encrypt(&authenticator, rng)?
                    .into(),
            },
        };
        let ap_req = ap_req.to_der().map_err(KerberosError::decode("AP-REQ"))?;
        let mut padata = vec![PaData {
            padata_type: pa_type::TGS_REQ,
            padata_value: ap_req.clone().into(),
        }];
        match self.fast()? {
            // Armored, the other padata travel inside the tunnel.
            Some(fast) => padata.push(fast.request(self.s4u_padata()?, &body, &ap_req, rng)?),
            None => padata.extend(self.s4u_padata()?),
        }
        let req = TgsReq(KdcReq {
            pvno: 5,
            msg_type: msg_type::TGS_REQ,
            padata: Some(padata),
            req_body: body,
        });
        Ok(KdcRequest {
            realm: kdc_realm,
            message: req.to_der().map_err(KerberosError::decode("TGS-REQ"))?,
        })
    }

    /// The implicit FAST armor of this request, when asked for.
    fn fast(&self) -> Result<Option<super::fast::Fast>, KerberosError> {
        if !self.options.fast {
            return Ok(None);
        }
        super::fast::Fast::implicit(&self.subkey, &self.tgt.session_key).map(Some)
    }

    /// The S4U padata beside PA-TGS-REQ: PA-FOR-USER and PA-S4U-X509-USER for S4U2Self,
    /// PA-PAC-OPTIONS for S4U2Proxy.
    fn s4u_padata(&self) -> Result<Vec<PaData>, KerberosError> {
        let mut padata = Vec::new();
        if let Some(user) = &self.options.impersonate {
            padata.push(self.for_user(user)?);
            padata.push(self.s4u_x509_user(user)?);
        }
        if self.options.evidence.is_some() {
            // As Windows and MIT do for every S4U2Proxy request: a KDC that supports
            // resource-based constrained delegation checks the target's
            // msDS-AllowedToActOnBehalfOfOtherIdentity first, then the classic list.
            let mut flags = KerberosFlags::default();
            flags.set(PAC_OPTION_RBCD, true);
            padata.push(PaData {
                padata_type: pa_type::PAC_OPTIONS,
                padata_value: PaPacOptions { flags }
                    .to_der()
                    .map_err(KerberosError::decode("PA-PAC-OPTIONS"))?
                    .into(),
            });
        }
        Ok(padata)
    }

    /// PA-FOR-USER for `user` (MS-SFU 2.2.1): the checksum is hmac-md5 with the TGT's session
    /// key (usage 17) over the name type (little-endian), the name strings, the realm and the
    /// auth package, whatever the session key's enctype.
    fn for_user(&self, user: &Principal) -> Result<PaData, KerberosError> {
        const AUTH_PACKAGE: &str = "Kerberos";
        let mut data = user.name_type.to_le_bytes().to_vec();
        for c in &user.components {
            data.extend_from_slice(c.as_bytes());
        }
        data.extend_from_slice(user.realm.as_bytes());
        data.extend_from_slice(AUTH_PACKAGE.as_bytes());
        let cksum = crate::crypto::hmac_md5_checksum(&self.tgt.session_key, 17, &data);
        let value = PaForUser {
            user_name: user.to_principal_name(),
            user_realm: user.wire_realm(),
            cksum: Checksum {
                cksumtype: -138,
                checksum: cksum.to_vec().into(),
            },
            auth_package: AUTH_PACKAGE.into(),
        };
        Ok(PaData {
            padata_type: pa_type::FOR_USER,
            padata_value: value
                .to_der()
                .map_err(KerberosError::decode("PA-FOR-USER"))?
                .into(),
        })
    }

    /// The S4UUserID of an S4U2Self request for `user`.
    fn s4u_user_id(&self, user: &Principal) -> S4uUserId {
        S4uUserId {
            nonce: self.nonce,
            cname: Some(user.to_principal_name()),
            crealm: user.wire_realm(),
            subject_certificate: None,
            options: Some(KerberosFlags::from_u32(S4U_REPLY_KEY_USAGE)),
        }
    }

    /// PA-S4U-X509-USER for `user` (MS-SFU 2.2.2), sent beside PA-FOR-USER as MIT and
    /// Windows do: unlike PA-FOR-USER's fixed hmac-md5 it is keyed with the request's subkey
    /// and the enctype's own checksum, covers the nonce, and the KDC echoes it checksummed
    /// (see [`Self::check_s4u_reply`]).
    fn s4u_x509_user(&self, user: &Principal) -> Result<PaData, KerberosError> {
        let user_id = self.s4u_user_id(user);
        let der = user_id
            .to_der()
            .map_err(KerberosError::decode("S4UUserID"))?;
        let checksum = Checksum {
            cksumtype: self.subkey.enctype().checksum_type(),
            checksum: self
                .subkey
                .usage(key_usage::PA_S4U_X509_USER_REQUEST)
                .checksum(&der)
                .into(),
        };
        Ok(PaData {
            padata_type: pa_type::S4U_X509_USER,
            padata_value: PaS4uX509User { user_id, checksum }
                .to_der()
                .map_err(KerberosError::decode("PA-S4U-X509-USER"))?
                .into(),
        })
    }

    /// The KDC's PA-S4U-X509-USER in an S4U2Self reply, when it sent one (a KDC that only
    /// reads PA-FOR-USER, such as Heimdal's, does not): same nonce, the checksum over its
    /// user-id with our subkey (usage 27 when it echoes "signed-with-kun-27"), and the user
    /// it names is the one the ticket is for. Any mismatch is KRB_AP_ERR_MODIFIED's fact: the
    /// reply was altered.
    fn check_s4u_reply(
        &self,
        padata: Option<&[PaData]>,
        client: &Principal,
    ) -> Result<(), KerberosError> {
        const MODIFIED: KerberosError =
            KerberosError::Protocol("the KDC's PA-S4U-X509-USER does not match the request");
        let Some(pa) = padata
            .unwrap_or_default()
            .iter()
            .find(|p| p.padata_type == pa_type::S4U_X509_USER)
        else {
            return Ok(());
        };
        let echo = PaS4uX509User::from_der(&pa.padata_value)
            .map_err(KerberosError::decode("PA-S4U-X509-USER"))?;
        if echo.user_id.nonce != self.nonce {
            return Err(MODIFIED);
        }
        let usage = match &echo.user_id.options {
            Some(o) if o.to_u32() & S4U_REPLY_KEY_USAGE != 0 => key_usage::PA_S4U_X509_USER_REPLY,
            _ => key_usage::PA_S4U_X509_USER_REQUEST,
        };
        let der = echo
            .user_id
            .to_der()
            .map_err(KerberosError::decode("S4UUserID"))?;
        self.subkey
            .usage(usage)
            .verify_checksum(&der, &echo.checksum.checksum)
            .map_err(|_| MODIFIED)?;
        let named = echo.user_id.cname.as_ref().ok_or(MODIFIED)?;
        super::check_client(client, &Principal::from_wire(named, &echo.user_id.crealm))
            .map_err(|_| MODIFIED)
    }

    /// Takes the KDC's reply: a request to the next realm (referral), the ticket, or the error.
    pub fn receive(
        &mut self,
        reply: &[u8],
        clock: &dyn Clock,
        rng: &mut dyn Random,
    ) -> Result<KdcStep<IssuedTicket>, KerberosError> {
        match reply.first() {
            Some(0x7e) => {
                let mut error =
                    KrbError::from_der(reply).map_err(KerberosError::decode("KRB-ERROR"))?;
                if let Some(fast) = self.fast()?
                    && let Some(inner) = fast
                        .open(&super::method_data(&error), self.nonce)?
                        .and_then(|o| o.error)
                {
                    error = inner;
                }
                Err(KerberosError::Krb(Box::new(KrbErrorFacts::from_message(
                    &error,
                ))))
            }
            Some(0x6d) => {
                let rep = TgsRep::from_der(reply)
                    .map_err(KerberosError::decode("TGS-REP"))?
                    .0;
                let plain = if let Some(fast) = self.fast()? {
                    // Armored: the reply must come through the tunnel, prove the ticket, and
                    // is sealed in the subkey as the KDC strengthened it.
                    let opened = fast.open_reply(&rep, self.nonce)?;
                    super::fast::Fast::reply_key(
                        &opened.response,
                        &self.subkey,
                        self.options.allow_weak,
                    )?
                    .usage(key_usage::TGS_REP_ENC_PART_SUBKEY)
                    .decrypt(&rep.enc_part.cipher)?
                } else {
                    match self
                        .subkey
                        .usage(key_usage::TGS_REP_ENC_PART_SUBKEY)
                        .decrypt(&rep.enc_part.cipher)
                    {
                        Ok(p) => p,
                        Err(_) => self
                            .tgt
                            .session_key
                            .usage(key_usage::TGS_REP_ENC_PART_SESSION_KEY)
                            .decrypt(&rep.enc_part.cipher)?,
                    }
                };
                let (part, _) = EncKdcRepPart::from_der_either(&plain)
                    .map_err(KerberosError::decode("EncTGSRepPart"))?;
                let client = Principal::from_wire(&rep.cname, &rep.crealm);
                match (&self.options.impersonate, &self.options.evidence) {
                    // S4U2Self: the ticket is in the impersonated user's name.
                    (Some(user), _) => {
                        super::check_client(user, &client)?;
                        self.check_s4u_reply(rep.padata.as_deref(), &client)?;
                    }
                    // S4U2Proxy: in the name of the evidence ticket's client, which only the
                    // service's key reads; the reply is bound to the request by its key and
                    // nonce.
                    (None, Some(_)) => {}
                    (None, None) => super::check_client(&self.tgt.client, &client)?,
                }
                let ticket = issued(
                    client,
                    rep.ticket,
                    &part,
                    self.nonce,
                    self.options.allow_weak,
                    self.options.second_ticket.is_some(),
                )?;
                match ticket.server.tgs_realm() {
                    Some(next)
                        if self.server.tgs_realm().is_none() && next != ticket.server.realm =>
                    {
                        // A referral to another realm's TGS: ask it for the same server.
                        if self.referrals.len() >= MAX_HOPS {
                            return Err(KerberosError::Protocol("too many cross-realm referrals"));
                        }
                        if self
                            .referrals
                            .iter()
                            .any(|t| t.server.tgs_realm() == Some(next))
                        {
                            return Err(KerberosError::Protocol("cross-realm referral loop"));
                        }
                        self.server.realm = next.to_string();
                        self.referrals.push(ticket.clone());
                        self.tgt = ticket;
                        self.nonce = nonce(rng)?;
                        Ok(KdcStep::Send(self.request(clock, rng)?))
                    }
                    _ => Ok(KdcStep::Done(ticket)),
                }
            }
            _ => Err(KerberosError::Protocol(
                "KDC answered a TGS-REQ with neither TGS-REP nor KRB-ERROR",
            )),
        }
    }
}
