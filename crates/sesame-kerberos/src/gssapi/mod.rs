//! The Kerberos V5 GSS-API mechanism (RFC 4121, RFC 1964 framing), with the DCE-style
//! three-leg exchange (MS-KILE 3.4.5.1, RFC 4757 7.1) and user-to-user (MS-KILE 2.2.1-2.2.2,
//! OID 1.2.840.113554.1.2.2.3): [`KerberosInitiator`] and [`KerberosAcceptor`].

mod acceptor;
mod ap_options_ad;
mod checksum;
mod credentials;
mod initiator;
mod replay;
mod sequence;
mod tokens;

pub use acceptor::{AcceptorConfig, Delegated, KerberosAcceptor};
pub use credentials::{AcceptorCredentials, InitiatorCredentials};
pub use initiator::{InitiatorConfig, KerberosInitiator};
pub use replay::{FileReplayCache, ReplayCache, ReplayRefusal, ReplayStore};

use sesame_asn1::gss::{InitialContextToken, KerberosContextToken};
use sesame_asn1::{ObjectIdentifier, oid};
use sesame_gss::ContextFlags;

use crate::error::KerberosError;

/// AP options (RFC 4120 5.5.1), as bit numbers.
pub(crate) mod ap_options {
    /// USE-SESSION-KEY: the ticket is encrypted in a TGT session key (user-to-user).
    pub const USE_SESSION_KEY: usize = 1;
    /// MUTUAL-REQUIRED.
    pub const MUTUAL_REQUIRED: usize = 2;
}

/// The GSS flags that travel in the 0x8003 checksum (RFC 4121 4.1.1.1, MS-KILE 3.2.5.2).
pub(crate) const CHECKSUM_FLAGS: u32 =
    0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x20 | 0x1000 | 0x2000 | 0x4000;

/// The mechanism OID arcs.
pub(crate) const KERBEROS_ARCS: &[u32] = &[1, 2, 840, 113_554, 1, 2, 2];
/// The user-to-user mechanism OID arcs.
pub(crate) const U2U_ARCS: &[u32] = &[1, 2, 840, 113_554, 1, 2, 2, 3];

/// Frames a context token in the RFC 2743 3.1 InitialContextToken header.
pub(crate) fn frame(
    user_to_user: bool,
    token: &KerberosContextToken,
) -> Result<Vec<u8>, KerberosError> {
    let mech: ObjectIdentifier = if user_to_user {
        oid::KERBEROS_U2U.to_owned()
    } else {
        oid::KERBEROS.to_owned()
    };
    let inner = token
        .encode_inner()
        .map_err(KerberosError::decode("context token"))?;
    InitialContextToken::new(mech, inner)
        .encode()
        .map_err(KerberosError::decode("GSS framing"))
}

/// Opens a framed context token; the Microsoft Kerberos OID is accepted as Kerberos. Returns
/// whether the OID was user-to-user.
pub(crate) fn unframe(bytes: &[u8]) -> Result<(bool, KerberosContextToken), KerberosError> {
    let outer = InitialContextToken::decode(bytes).map_err(KerberosError::decode("GSS framing"))?;
    let mech = &*outer.this_mech;
    let u2u = if mech == oid::KERBEROS_U2U {
        true
    } else if mech == oid::KERBEROS || mech == oid::MS_KERBEROS {
        false
    } else {
        return Err(KerberosError::Protocol(
            "token is not for the Kerberos mechanism",
        ));
    };
    let token = KerberosContextToken::decode_inner(&outer.inner_token)
        .map_err(KerberosError::decode("Kerberos context token"))?;
    Ok((u2u, token))
}

/// The flags requested by `flags` that go into the 0x8003 checksum.
pub(crate) fn checksum_flags(flags: ContextFlags) -> u32 {
    flags.bits() & CHECKSUM_FLAGS
}
