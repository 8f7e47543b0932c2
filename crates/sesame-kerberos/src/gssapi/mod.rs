//! The Kerberos V5 GSS-API mechanism (RFC 4121, RFC 1964 framing), with the DCE-style
//! three-leg exchange (MS-KILE 3.4.5.1, RFC 4757 7.1) and user-to-user (MS-KILE 2.2.1-2.2.2,
//! OID 1.2.840.113554.1.2.2.3): [`KerberosInitiator`] and [`KerberosAcceptor`].

mod acceptor;
mod ap_options_ad;
mod checksum;
mod credentials;
mod iakerb;
mod initiator;
mod replay;
mod sequence;
mod tokens;

pub use acceptor::{AcceptorConfig, Delegated, KerberosAcceptor};
pub use credentials::{AcceptorCredentials, InitiatorCredentials};
pub use iakerb::{IakerbAcceptor, IakerbInitiator};
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
/// The IAKerb mechanism OID arcs.
pub(crate) const IAKERB_ARCS: &[u32] = &[1, 3, 6, 1, 5, 2, 5];

/// The IAKerb finish (KRB-FINISHED) for `conversation`: the checksum over every IAKerb token
/// of the exchange with the AP-REQ's subkey (key usage 41), as the 0x8003 checksum's
/// extension of type 2 (type and length big-endian, then the DER).
pub(crate) fn iakerb_finish_extension(
    subkey: &crate::crypto::Key,
    conversation: &[u8],
) -> Result<Vec<u8>, KerberosError> {
    use sesame_asn1::Der as _;
    let finished = sesame_asn1::iakerb::KrbFinished {
        gss_mic: sesame_asn1::kerberos::Checksum {
            cksumtype: subkey.enctype().checksum_type(),
            checksum: subkey
                .usage(crate::key_usage::FINISHED)
                .checksum(conversation)
                .into(),
        },
    }
    .to_der()
    .map_err(KerberosError::decode("KRB-FINISHED"))?;
    let len = u32::try_from(finished.len())
        .map_err(|_| KerberosError::Protocol("KRB-FINISHED too long"))?;
    let mut ext = sesame_asn1::iakerb::EXTENSION_FINISHED
        .to_be_bytes()
        .to_vec();
    ext.extend_from_slice(&len.to_be_bytes());
    ext.extend_from_slice(&finished);
    Ok(ext)
}

/// Checks the IAKerb finish among the 0x8003 checksum's `extensions` against `conversation`
/// with the authenticator's subkey: it must be there and verify (KRB_AP_ERR_BAD_INTEGRITY
/// otherwise: the tokens the two sides saw differ).
pub(crate) fn check_iakerb_finish(
    extensions: &[u8],
    subkey: Option<&crate::crypto::Key>,
    conversation: &[u8],
) -> Result<(), KerberosError> {
    use sesame_asn1::Der as _;
    use sesame_asn1::kerberos::constants::error_code::KRB_AP_ERR_BAD_INTEGRITY;
    let refuse = |why: &str| {
        KerberosError::rejected(KRB_AP_ERR_BAD_INTEGRITY, format!("IAKerb finish: {why}"))
    };
    let subkey = subkey.ok_or_else(|| refuse("no subkey in the authenticator"))?;
    let mut rest = extensions;
    while let Some((kind, r)) = rest.split_first_chunk::<4>() {
        let (len, r) = r
            .split_first_chunk::<4>()
            .ok_or_else(|| refuse("truncated extension"))?;
        let len =
            usize::try_from(u32::from_be_bytes(*len)).map_err(|_| refuse("extension too long"))?;
        let data = r.get(..len).ok_or_else(|| refuse("truncated extension"))?;
        rest = r.get(len..).unwrap_or_default();
        if u32::from_be_bytes(*kind) != sesame_asn1::iakerb::EXTENSION_FINISHED {
            continue;
        }
        let finished = sesame_asn1::iakerb::KrbFinished::from_der(data)
            .map_err(|_| refuse("KRB-FINISHED does not decode"))?;
        return subkey
            .usage(crate::key_usage::FINISHED)
            .verify_checksum(conversation, &finished.gss_mic.checksum)
            .map_err(|_| refuse("the checksum over the conversation does not verify"));
    }
    Err(refuse("missing after IAKerb steps"))
}

/// The OID a context token is framed with (RFC 2743 3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Framing {
    /// Kerberos (or Microsoft's mistyped Kerberos OID, read as Kerberos).
    Kerberos,
    /// Kerberos user-to-user.
    UserToUser,
    /// IAKerb: its AP-REQ and AP-REP are Kerberos tokens under the IAKerb OID.
    Iakerb,
}

/// Frames a Kerberos context token (the user-to-user OID when `user_to_user`).
pub(crate) fn frame(
    user_to_user: bool,
    token: &KerberosContextToken,
) -> Result<Vec<u8>, KerberosError> {
    frame_as(
        if user_to_user {
            Framing::UserToUser
        } else {
            Framing::Kerberos
        },
        token,
    )
}

/// Frames a Kerberos context token under `framing`'s OID.
pub(crate) fn frame_as(
    framing: Framing,
    token: &KerberosContextToken,
) -> Result<Vec<u8>, KerberosError> {
    let mech: ObjectIdentifier = match framing {
        Framing::Kerberos => oid::KERBEROS.to_owned(),
        Framing::UserToUser => oid::KERBEROS_U2U.to_owned(),
        Framing::Iakerb => oid::IAKERB.to_owned(),
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
    let (framing, token) = unframe_as(bytes)?;
    Ok((framing == Framing::UserToUser, token))
}

/// Opens a framed context token, saying how it was framed.
pub(crate) fn unframe_as(bytes: &[u8]) -> Result<(Framing, KerberosContextToken), KerberosError> {
    let outer = InitialContextToken::decode(bytes).map_err(KerberosError::decode("GSS framing"))?;
    let mech = &*outer.this_mech;
    let framing = if mech == oid::KERBEROS_U2U {
        Framing::UserToUser
    } else if mech == oid::KERBEROS || mech == oid::MS_KERBEROS {
        Framing::Kerberos
    } else if mech == oid::IAKERB {
        Framing::Iakerb
    } else {
        return Err(KerberosError::Protocol(
            "token is not for the Kerberos mechanism",
        ));
    };
    let token = KerberosContextToken::decode_inner(&outer.inner_token)
        .map_err(KerberosError::decode("Kerberos context token"))?;
    Ok((framing, token))
}

/// The flags requested by `flags` that go into the 0x8003 checksum.
pub(crate) fn checksum_flags(flags: ContextFlags) -> u32 {
    flags.bits() & CHECKSUM_FLAGS
}
