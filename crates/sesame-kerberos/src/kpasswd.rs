//! Changing and setting passwords over the kpasswd protocol (RFC 3244), sans-IO: the request
//! is built from a ticket for `kadmin/changepw` (from an AS exchange with the old password, as
//! MIT's `kpasswd` gets it: the server wants an INITIAL ticket), the reply is checked and its
//! result code kept as a fact ([`KpasswdRefusal`]). Sending it to the server (port 464) is
//! the caller's job, as for KDC requests.
//!
//! The request is an AP-REQ whose authenticator carries a fresh subkey and sequence number,
//! and a KRB-PRIV (RFC 4120 5.7) sealed in that subkey holding the new password (version 1)
//! or a `ChangePasswdData` naming whose password to set (version 0xff80). The reply is an
//! AP-REP and a KRB-PRIV with the result code and text, or a KRB-ERROR carrying them in its
//! e-data.

use std::fmt::Write as _;
use std::net::IpAddr;

use sesame_asn1::Der;
use sesame_asn1::kerberos::constants::{address_type, msg_type};
use sesame_asn1::kerberos::{
    ApRep, EncApRepPart, EncKrbPrivPart, EncryptedData, HostAddress, KrbError, KrbPriv,
    SecretOctets,
};
use sesame_asn1::kpasswd::{
    ChangePasswdData, KpasswdMessage, KpasswdResult, VERSION_CHANGE, VERSION_SET, result_code,
};
use sesame_gss::{Clock, Random};
use zeroize::Zeroizing;

use crate::crypto::{Enctype, Key};
use crate::error::KerberosError;
use crate::key_usage;
use crate::principal::Principal;
use crate::tickets::IssuedTicket;

pub use sesame_asn1::kpasswd::AdPasswordPolicy;

/// The service whose ticket a kpasswd request carries.
pub fn changepw_principal(realm: &str) -> Principal {
    Principal::service("kadmin", "changepw", realm)
}

/// The server's refusal: its result code (RFC 3244 2), its words, and Active Directory's
/// policy when it sent that instead of words.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}: {}", result_code::name(self.code).unwrap_or("KRB5_KPASSWD_UNKNOWN"), self.reason())]
pub struct KpasswdRefusal {
    /// One of [`result_code`].
    pub code: u16,
    /// The server's text (MIT: "Password is too short" and the policy's words).
    pub message: Option<String>,
    /// Active Directory's password policy (a refusal from an AD or Samba DC).
    pub policy: Option<AdPasswordPolicy>,
}

impl KpasswdRefusal {
    fn from_result(result: &KpasswdResult) -> Self {
        Self {
            code: result.code,
            message: result.message().filter(|m| !m.is_empty()),
            policy: result.policy(),
        }
    }

    /// The server's words, or the policy spelt out as MIT's `kpasswd` does.
    pub fn reason(&self) -> String {
        if let Some(m) = &self.message {
            return m.clone();
        }
        match &self.policy {
            Some(p) => {
                let mut s = format!(
                    "the password must be at least {} characters long",
                    p.min_length
                );
                if p.properties & AdPasswordPolicy::COMPLEX != 0 {
                    s +=
                        ", contain characters of three of: upper case, lower case, digits, symbols";
                }
                if p.history > 0 {
                    let _ = write!(s, ", and not be one of the last {} passwords", p.history);
                }
                if p.min_age > 0 {
                    // 100-ns units; AD's default is one day.
                    let hours = p.min_age / 10_000_000 / 3600;
                    let _ = write!(s, "; it can be changed {hours} h after the last change");
                }
                s
            }
            None => "no reason given".into(),
        }
    }
}

/// A password change (or set) in flight: what is needed to read the reply.
#[derive(Debug)]
pub struct PasswordChange {
    session: Key,
    subkey: Key,
}

impl PasswordChange {
    /// Changes the ticket's client's own password (version 1). `ticket` is for
    /// [`changepw_principal`] and should be INITIAL (MIT refuses others with
    /// KRB5_KPASSWD_INITIAL_FLAG_NEEDED); `sender` is this host's address towards the server
    /// (RFC 4120 requires it in the KRB-PRIV; MIT and AD no longer compare it, for NAT).
    /// Returns the request frame (without the TCP length prefix).
    pub fn change(
        ticket: &IssuedTicket,
        new_password: &str,
        sender: IpAddr,
        clock: &dyn Clock,
        rng: &mut dyn Random,
    ) -> Result<(Self, Vec<u8>), KerberosError> {
        let data = Zeroizing::new(new_password.as_bytes().to_vec());
        Self::start(ticket, VERSION_CHANGE, &data, sender, clock, rng)
    }

    /// Sets `target`'s password (version 0xff80), with a ticket of a principal allowed to
    /// (MIT: a `c` right in kadm5.acl; AD: reset-password permission). With `target` `None`
    /// it sets the client's own, as a change does.
    pub fn set(
        ticket: &IssuedTicket,
        target: Option<&Principal>,
        new_password: &str,
        sender: IpAddr,
        clock: &dyn Clock,
        rng: &mut dyn Random,
    ) -> Result<(Self, Vec<u8>), KerberosError> {
        let data = ChangePasswdData {
            newpasswd: SecretOctets::new(new_password.as_bytes().to_vec()),
            targname: target.map(Principal::to_principal_name),
            targrealm: target.map(Principal::wire_realm),
        };
        let der = Zeroizing::new(
            data.to_der()
                .map_err(KerberosError::decode("ChangePasswdData"))?,
        );
        Self::start(ticket, VERSION_SET, &der, sender, clock, rng)
    }

    fn start(
        ticket: &IssuedTicket,
        version: u16,
        user_data: &[u8],
        sender: IpAddr,
        clock: &dyn Clock,
        rng: &mut dyn Random,
    ) -> Result<(Self, Vec<u8>), KerberosError> {
        let session = ticket.session_key.clone();
        let subkey = Key::random(session.enctype(), rng)?;
        let mut seq = [0u8; 4];
        rng.fill(&mut seq)
            .map_err(crate::crypto::CryptoError::from)?;
        let seq = u32::from_be_bytes(seq) & 0x3fff_ffff;
        let ap_req = crate::exchange::plain_ap_req(ticket, &subkey, Some(seq), clock, rng)?;
        let part = Zeroizing::new(
            EncKrbPrivPart {
                user_data: user_data.to_vec().into(),
                timestamp: None,
                usec: None,
                seq_number: Some(seq),
                s_address: host_address(sender),
                r_address: None,
            }
            .to_der()
            .map_err(KerberosError::decode("EncKrbPrivPart"))?,
        );
        let private = KrbPriv {
            pvno: 5,
            msg_type: msg_type::PRIV,
            enc_part: EncryptedData {
                etype: subkey.enctype().id(),
                kvno: None,
                cipher: subkey
                    .usage(key_usage::KRB_PRIV_ENC_PART)
                    .encrypt(&part, rng)?
                    .into(),
            },
        }
        .to_der()
        .map_err(KerberosError::decode("KRB-PRIV"))?;
        let frame = KpasswdMessage {
            version,
            ap: ap_req,
            body: private,
        }
        .encode()
        .map_err(KerberosError::decode("kpasswd request"))?;
        Ok((Self { session, subkey }, frame))
    }

    /// Reads the server's reply: `Ok` when the password was changed, else the refusal with
    /// its code, or the KRB-ERROR (whose e-data carries a result code when the server
    /// could say one) as a [`KerberosError::Kpasswd`] or [`KerberosError::Krb`].
    pub fn receive(&self, reply: &[u8]) -> Result<(), KerberosError> {
        if reply.first() == Some(&0x7e) {
            // A bare KRB-ERROR: the server could not even frame a reply.
            return Err(krb_error(reply));
        }
        let frame = KpasswdMessage::parse(reply).map_err(KerberosError::decode("kpasswd reply"))?;
        if frame.ap.is_empty() {
            return Err(krb_error(&frame.body));
        }
        if frame.version != VERSION_CHANGE {
            return Err(KerberosError::Protocol(
                "kpasswd reply with a version other than 1",
            ));
        }
        let ap_rep = ApRep::from_der(&frame.ap).map_err(KerberosError::decode("AP-REP"))?;
        let part = self
            .session
            .usage(key_usage::AP_REP_ENC_PART)
            .decrypt(&ap_rep.enc_part.cipher)
            .map_err(|_| KerberosError::MutualAuthFailed("the kpasswd AP-REP does not decrypt"))?;
        let part = EncApRepPart::from_der(&part).map_err(KerberosError::decode("EncAPRepPart"))?;
        // The server's subkey, when it chose one, seals the reply; else ours.
        let key = match &part.subkey {
            Some(k) => Enctype::from_id(k.keytype)
                .and_then(|e| Key::new(e, k.keyvalue.expose()))
                .map_err(|_| KerberosError::Protocol("unusable subkey in the kpasswd AP-REP"))?,
            None => self.subkey.clone(),
        };
        let private = KrbPriv::from_der(&frame.body).map_err(KerberosError::decode("KRB-PRIV"))?;
        let plain = Zeroizing::new(
            key.usage(key_usage::KRB_PRIV_ENC_PART)
                .decrypt(&private.enc_part.cipher)?,
        );
        let body =
            EncKrbPrivPart::from_der(&plain).map_err(KerberosError::decode("EncKrbPrivPart"))?;
        if let (Some(expected), Some(got)) = (part.seq_number, body.seq_number)
            && expected != got
        {
            return Err(KerberosError::Protocol(
                "the kpasswd reply's sequence number is not the AP-REP's",
            ));
        }
        let result = KpasswdResult::parse(&body.user_data)
            .map_err(KerberosError::decode("kpasswd result"))?;
        if result.code == result_code::SUCCESS {
            Ok(())
        } else {
            Err(KerberosError::Kpasswd(KpasswdRefusal::from_result(&result)))
        }
    }
}

/// A KRB-ERROR reply: its e-data is the result code and text when the server put them there
/// (MIT does), which is the more precise fact.
fn krb_error(bytes: &[u8]) -> KerberosError {
    let error = match KrbError::from_der(bytes) {
        Ok(e) => e,
        Err(e) => return KerberosError::decode("kpasswd KRB-ERROR")(e),
    };
    if let Some(result) = error
        .e_data
        .as_deref()
        .and_then(|d| KpasswdResult::parse(d).ok())
        .filter(|r| r.code != result_code::SUCCESS && result_code::name(r.code).is_some())
    {
        return KerberosError::Kpasswd(KpasswdRefusal::from_result(&result));
    }
    KerberosError::Krb(Box::new(crate::error::KrbErrorFacts::from_message(&error)))
}

fn host_address(ip: IpAddr) -> HostAddress {
    match ip {
        IpAddr::V4(v4) => HostAddress {
            addr_type: address_type::IPV4,
            address: v4.octets().to_vec().into(),
        },
        IpAddr::V6(v6) => HostAddress {
            addr_type: address_type::IPV6,
            address: v6.octets().to_vec().into(),
        },
    }
}
