//! The Privilege Attribute Certificate in a ticket (MS-PAC, MS-KILE 3.4.5.3): found in the
//! ticket's authorization data, then verified before an acceptor hands it out. The PAC itself
//! (its buffers, NDR and SIDs) is data and lives in `sesame-pac`; what needs keys is here.

use sesame_asn1::Der;
use sesame_asn1::kerberos::constants::ad_type;
use sesame_asn1::kerberos::{AuthorizationData, AuthorizationDataEntry};
pub use sesame_pac::{Pac, PacError, Sid, buffer_type};

use crate::crypto::{CryptoError, Key};
use crate::error::KerberosError;
use crate::key_usage;
use crate::principal::Principal;

/// Why a ticket's PAC was not trusted. Each check of MS-PAC 2.8 and 2.7 has its own fact.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PacRefusal {
    /// The PAC's bytes do not decode.
    #[error("malformed PAC: {0}")]
    Malformed(#[from] PacError),
    /// A signature buffer the check needs is missing (`server` or `KDC`).
    #[error("the PAC has no {0} signature")]
    MissingSignature(&'static str),
    /// A signature's checksum type is not the one its key makes.
    #[error("the PAC's {which} signature is of checksum type {found}, the key's is {expected}")]
    SignatureType {
        /// `server` or `KDC`.
        which: &'static str,
        /// The type in the PAC.
        found: i32,
        /// The type of the key's enctype.
        expected: i32,
    },
    /// A signature does not verify: the PAC was changed after the KDC signed it, or was signed
    /// with another key.
    #[error("the PAC's {0} signature does not verify")]
    BadSignature(&'static str),
    /// No PAC_CLIENT_INFO: nothing ties the PAC to this ticket's client (MS-PAC 2.7).
    #[error("the PAC has no client info")]
    NoClientInfo,
    /// PAC_CLIENT_INFO names another client than the ticket.
    #[error("the PAC is for client {pac:?}, the ticket for {ticket:?}")]
    ClientName {
        /// The name in PAC_CLIENT_INFO.
        pac: String,
        /// The ticket's client name, without the realm.
        ticket: String,
    },
    /// PAC_CLIENT_INFO's time is not the ticket's authtime: a PAC of another logon.
    #[error("the PAC's client time {pac} is not the ticket's authtime {ticket}")]
    ClientTime {
        /// ClientId.
        pac: String,
        /// The ticket's authtime.
        ticket: String,
    },
    /// PAC_REQUESTOR names another SID than the logon info's user (the CVE-2021-42287 rule).
    #[error("the PAC's requestor {requestor} is not its user {user}")]
    Requestor {
        /// PAC_REQUESTOR's SID.
        requestor: String,
        /// The logon info's user SID.
        user: String,
    },
}

/// What a PAC is checked against: the ticket it came in and the keys at hand.
pub struct PacCheck<'a> {
    /// The key that decrypted the ticket: the server signature's key.
    pub service_key: &'a Key,
    /// The KDC's krbtgt keys, when the acceptor has them (an exported krbtgt keytab): the KDC
    /// signature must then verify with the one of its checksum type.
    pub kdc_keys: &'a [Key],
    /// The ticket's client.
    pub client: &'a Principal,
    /// The ticket's authtime, seconds since 1970.
    pub authtime: i64,
}

/// Parses and verifies a PAC as Windows does (MS-PAC 2.8, 2.7; MS-KILE 3.4.5.3): the server
/// signature always, the KDC signature when a krbtgt key of its type is at hand, the client
/// info against the ticket, and the requestor SID against the logon info's user.
pub fn verify(bytes: &[u8], check: &PacCheck<'_>) -> Result<Pac, PacRefusal> {
    let pac = Pac::parse(bytes)?;
    let server = pac
        .server_signature
        .as_ref()
        .ok_or(PacRefusal::MissingSignature("server"))?;
    verify_signature(
        "server",
        check.service_key,
        &pac.zeroed_signatures(),
        server,
    )?;
    if !check.kdc_keys.is_empty() {
        let kdc = pac
            .kdc_signature
            .as_ref()
            .ok_or(PacRefusal::MissingSignature("KDC"))?;
        let key = check
            .kdc_keys
            .iter()
            .find(|k| k.enctype().checksum_type() == kdc.checksum_type)
            .ok_or(PacRefusal::SignatureType {
                which: "KDC",
                found: kdc.checksum_type,
                expected: check.kdc_keys[0].enctype().checksum_type(),
            })?;
        verify_signature("KDC", key, &server.value, kdc)?;
    }
    let info = pac.client_info.as_ref().ok_or(PacRefusal::NoClientInfo)?;
    let name = check.client.components.join("/");
    if info.name != name {
        return Err(PacRefusal::ClientName {
            pac: info.name.clone(),
            ticket: name,
        });
    }
    if info.client_id.unix() != Some(check.authtime) {
        return Err(PacRefusal::ClientTime {
            pac: info.client_id.to_string(),
            ticket: sesame_pac::FileTime::from_unix(check.authtime).to_string(),
        });
    }
    if let (Some(requestor), Some(user)) = (&pac.requestor, pac.user_sid())
        && *requestor != user
    {
        return Err(PacRefusal::Requestor {
            requestor: requestor.to_string(),
            user: user.to_string(),
        });
    }
    Ok(pac)
}

fn verify_signature(
    which: &'static str,
    key: &Key,
    data: &[u8],
    signature: &sesame_pac::Signature,
) -> Result<(), PacRefusal> {
    let expected = key.enctype().checksum_type();
    if signature.checksum_type != expected {
        return Err(PacRefusal::SignatureType {
            which,
            found: signature.checksum_type,
            expected,
        });
    }
    key.usage(key_usage::PAC_CHECKSUM)
        .verify_checksum(data, &signature.value)
        .map_err(|_: CryptoError| PacRefusal::BadSignature(which))
}

/// Signs a PAC as a KDC does (MS-PAC 2.8): zero-filled server and KDC signature buffers are
/// appended to `buffers` (unless present), then the server signature over the PAC with both
/// zeroed, then the KDC signature over the server signature's checksum.
pub fn sign(
    buffers: &[(u32, Vec<u8>)],
    server_key: &Key,
    kdc_key: &Key,
) -> Result<Pac, KerberosError> {
    let room = |key: &Key| {
        let mut b = key.enctype().checksum_type().to_le_bytes().to_vec();
        b.resize(4 + key.enctype().mac_len(), 0);
        b
    };
    let mut all: Vec<(u32, Vec<u8>)> = buffers
        .iter()
        .filter(|(k, _)| {
            !matches!(
                *k,
                buffer_type::SERVER_CHECKSUM | buffer_type::PRIVSVR_CHECKSUM
            )
        })
        .cloned()
        .collect();
    all.push((buffer_type::SERVER_CHECKSUM, room(server_key)));
    all.push((buffer_type::PRIVSVR_CHECKSUM, room(kdc_key)));
    let mut pac = Pac::build(&all).map_err(|_| KerberosError::Protocol("PAC does not build"))?;
    resign(&mut pac, server_key, kdc_key)?;
    Ok(pac)
}

/// Computes the server and KDC signatures of `pac` again with these keys (a KDC issuing a
/// ticket from another, and tests that tamper with a PAC and sign it as a KDC would).
pub fn resign(pac: &mut Pac, server_key: &Key, kdc_key: &Key) -> Result<(), KerberosError> {
    let server = server_key
        .usage(key_usage::PAC_CHECKSUM)
        .checksum(&pac.zeroed_signatures());
    pac.set_signature(buffer_type::SERVER_CHECKSUM, &server)
        .map_err(|_| KerberosError::Protocol("PAC server signature buffer"))?;
    let kdc = kdc_key.usage(key_usage::PAC_CHECKSUM).checksum(&server);
    pac.set_signature(buffer_type::PRIVSVR_CHECKSUM, &kdc)
        .map_err(|_| KerberosError::Protocol("PAC KDC signature buffer"))?;
    Ok(())
}

/// The PAC inside authorization data: AD-WIN2K-PAC, directly or within AD-IF-RELEVANT.
pub fn find_pac(authorization_data: &[AuthorizationDataEntry]) -> Option<Vec<u8>> {
    for entry in authorization_data {
        match entry.ad_type {
            ad_type::WIN2K_PAC => return Some(entry.ad_data.to_vec()),
            ad_type::IF_RELEVANT => {
                if let Ok(inner) = AuthorizationData::from_der(&entry.ad_data)
                    && let Some(pac) = find_pac(&inner)
                {
                    return Some(pac);
                }
            }
            _ => {}
        }
    }
    None
}

/// Authorization data carrying `pac` as MS-KILE 3.3.5.7.2 says: AD-IF-RELEVANT around
/// AD-WIN2K-PAC.
pub fn pac_authorization_data(pac: &Pac) -> Result<AuthorizationData, KerberosError> {
    if_relevant(ad_type::WIN2K_PAC, pac.as_bytes().to_vec())
}

/// One element of type `kind` inside an AD-IF-RELEVANT element (RFC 4120 5.2.6.1), where
/// MS-KILE puts what a peer that does not know it may ignore.
pub fn if_relevant(kind: i32, data: Vec<u8>) -> Result<AuthorizationData, KerberosError> {
    let inner: AuthorizationData = vec![AuthorizationDataEntry {
        ad_type: kind,
        ad_data: data.into(),
    }];
    Ok(vec![AuthorizationDataEntry {
        ad_type: ad_type::IF_RELEVANT,
        ad_data: inner
            .to_der()
            .map_err(KerberosError::decode("AD-IF-RELEVANT"))?
            .into(),
    }])
}
