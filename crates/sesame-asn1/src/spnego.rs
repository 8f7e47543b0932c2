//! SPNEGO (RFC 4178) with Microsoft's NegTokenInit2 (MS-SPNG 2.2.1).
//!
//! The module is `DEFINITIONS EXPLICIT TAGS`. The initial token travels inside the GSS-API
//! framing of RFC 2743 3.1 with the SPNEGO OID ([`SpnegoToken::Initial`]); later tokens are a
//! bare `NegotiationToken` ([`SpnegoToken::Subsequent`]).
//!
//! **NegTokenInit is decoded with the NegTokenInit2 schema**, as Windows does: RFC 4178 puts
//! `mechListMIC` at `[3]`, where MS-SPNG puts `negHints` and moves `mechListMIC` to `[4]`.
//! Windows acceptors send NegTokenInit2 with hints; no initiator sends a mechListMIC in its
//! first token (there is no mechanism context yet to compute it), so reading `[3]` as
//! `negHints` loses nothing, and a token carrying an OCTET STRING at `[3]` is refused.

use core::fmt;

use rasn::prelude::*;

use crate::gss::InitialContextToken;
use crate::kerberos::KerberosString;
use crate::{Der, Error, oid};

/// `MechType ::= OBJECT IDENTIFIER`.
pub type MechType = ObjectIdentifier;

/// `MechTypeList ::= SEQUENCE OF MechType`.
pub type MechTypeList = SequenceOf<MechType>;

/// `NegotiationToken ::= CHOICE { negTokenInit [0] NegTokenInit, negTokenResp [1] NegTokenResp }`
/// (RFC 4178 4.2).
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
#[rasn(choice)]
pub enum NegotiationToken {
    /// The initiator's first token, or an acceptor's NegTokenInit2 with hints.
    #[rasn(tag(explicit(0)))]
    NegTokenInit(NegTokenInit),
    /// Every later token.
    #[rasn(tag(explicit(1)))]
    NegTokenResp(NegTokenResp),
}

/// `NegTokenInit2 ::= SEQUENCE { mechTypes [0] MechTypeList, reqFlags [1] ContextFlags OPTIONAL,
/// mechToken [2] OCTET STRING OPTIONAL, negHints [3] NegHints OPTIONAL, mechListMIC [4] OCTET
/// STRING OPTIONAL, ... }` (MS-SPNG 2.2.1), which is RFC 4178's NegTokenInit with `negHints`
/// inserted; see the module documentation.
#[derive(AsnType, Encode, Decode, Clone, Debug, Default, PartialEq, Eq)]
pub struct NegTokenInit {
    /// The mechanisms offered, most preferred first.
    #[rasn(tag(explicit(0)))]
    pub mech_types: MechTypeList,
    /// Requested context flags (deprecated by RFC 4178, still sent by some).
    #[rasn(tag(explicit(1)))]
    pub req_flags: Option<ContextFlags>,
    /// The optimistic token of the first mechanism in `mech_types`.
    #[rasn(tag(explicit(2)))]
    pub mech_token: Option<OctetString>,
    /// Hints from an acceptor (MS-SPNG 2.2.1).
    #[rasn(tag(explicit(3)))]
    pub neg_hints: Option<NegHints>,
    /// MIC over the DER of `mech_types` (MS-SPNG places it at `[4]`).
    #[rasn(tag(explicit(4)))]
    pub mech_list_mic: Option<OctetString>,
}

/// `NegHints ::= SEQUENCE { hintName [0] GeneralString OPTIONAL, hintAddress [1] OCTET STRING
/// OPTIONAL }` (MS-SPNG 2.2.1). Windows sends `not_defined_in_RFC4178@please_ignore`.
#[derive(AsnType, Encode, Decode, Clone, Debug, Default, PartialEq, Eq)]
pub struct NegHints {
    /// The hint name.
    #[rasn(tag(explicit(0)))]
    pub hint_name: Option<KerberosString>,
    /// The hint address.
    #[rasn(tag(explicit(1)))]
    pub hint_address: Option<OctetString>,
}

impl NegHints {
    /// The hint name Windows puts in every NegTokenInit2 (MS-SPNG 3.2.5.2).
    pub const WINDOWS_HINT_NAME: &'static str = "not_defined_in_RFC4178@please_ignore";
}

/// `NegTokenResp ::= SEQUENCE { negState [0] ENUMERATED OPTIONAL, supportedMech [1] MechType
/// OPTIONAL, responseToken [2] OCTET STRING OPTIONAL, mechListMIC [3] OCTET STRING OPTIONAL, ...
/// }` (RFC 4178 4.2.2).
#[derive(AsnType, Encode, Decode, Clone, Debug, Default, PartialEq, Eq)]
pub struct NegTokenResp {
    /// The state of the negotiation.
    #[rasn(tag(explicit(0)))]
    pub neg_state: Option<NegState>,
    /// The acceptor's choice, in its first reply.
    #[rasn(tag(explicit(1)))]
    pub supported_mech: Option<MechType>,
    /// The mechanism's token.
    #[rasn(tag(explicit(2)))]
    pub response_token: Option<OctetString>,
    /// MIC over the DER of the initiator's `mech_types`.
    #[rasn(tag(explicit(3)))]
    pub mech_list_mic: Option<OctetString>,
}

/// `negState ::= ENUMERATED { accept-completed (0), accept-incomplete (1), reject (2),
/// request-mic (3) }` (RFC 4178 4.2.2).
#[derive(AsnType, Encode, Decode, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[rasn(enumerated)]
pub enum NegState {
    /// The context is established.
    AcceptCompleted = 0,
    /// More tokens are needed.
    AcceptIncomplete = 1,
    /// The acceptor refuses.
    Reject = 2,
    /// The acceptor asks for a mechListMIC (its first reply only).
    RequestMic = 3,
}

/// `ContextFlags ::= BIT STRING { delegFlag (0), mutualFlag (1), replayFlag (2), sequenceFlag
/// (3), anonFlag (4), confFlag (5), integFlag (6) } (SIZE (32))` (RFC 4178 4.2.1).
///
/// A named-bit list, so DER trims trailing zero bits (X.690 11.2.2): `from_bits` sizes the bit
/// string to its last set flag, since rasn encodes a BitString exactly as long as it is given.
/// A decoded value keeps its bits as received.
#[derive(AsnType, Encode, Decode, Clone, PartialEq, Eq, Hash)]
#[rasn(delegate)]
pub struct ContextFlags(pub BitString);

impl ContextFlags {
    /// delegFlag.
    pub const DELEG: u8 = 1 << 0;
    /// mutualFlag.
    pub const MUTUAL: u8 = 1 << 1;
    /// replayFlag.
    pub const REPLAY: u8 = 1 << 2;
    /// sequenceFlag.
    pub const SEQUENCE: u8 = 1 << 3;
    /// anonFlag.
    pub const ANON: u8 = 1 << 4;
    /// confFlag.
    pub const CONF: u8 = 1 << 5;
    /// integFlag.
    pub const INTEG: u8 = 1 << 6;

    /// Flags from a mask of the constants above (bit n of the mask is flag n), in DER form.
    pub fn from_bits(mask: u8) -> Self {
        let len = 8 - usize::try_from(mask.leading_zeros()).unwrap_or(8);
        let mut bits = BitString::repeat(false, len);
        for i in 0..len {
            bits.set(i, mask & (1 << i) != 0);
        }
        Self(bits)
    }

    /// The mask of the seven named flags.
    pub fn bits(&self) -> u8 {
        (0..7).fold(0u8, |acc, i| {
            acc | (u8::from(self.0.get(i).is_some_and(|b| *b)) << i)
        })
    }
}

impl fmt::Debug for ContextFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ContextFlags({:#04x})", self.bits())
    }
}

/// A SPNEGO token as it travels: the initial one is GSS-framed, the others are not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SpnegoToken {
    /// `0x60 len OID(1.3.6.1.5.5.2) NegotiationToken` (RFC 4178 4.2).
    Initial(NegotiationToken),
    /// A bare `NegotiationToken`.
    Subsequent(NegotiationToken),
}

impl SpnegoToken {
    /// Decodes either form; a framed token must carry the SPNEGO OID.
    pub fn decode(bytes: &[u8]) -> Result<Self, Error> {
        if bytes.first() == Some(&0x60) {
            let framed = InitialContextToken::decode(bytes)?;
            if framed.this_mech != *oid::SPNEGO {
                return Err(Error::Malformed("GSS token is not for SPNEGO"));
            }
            NegotiationToken::from_der(&framed.inner_token).map(Self::Initial)
        } else {
            NegotiationToken::from_der(bytes).map(Self::Subsequent)
        }
    }

    /// Encodes in the form the variant names.
    pub fn encode(&self) -> Result<Vec<u8>, Error> {
        match self {
            Self::Initial(t) => {
                InitialContextToken::new(oid::SPNEGO.to_owned(), t.to_der()?).encode()
            }
            Self::Subsequent(t) => t.to_der(),
        }
    }

    /// The negotiation token, whichever the form.
    pub fn token(&self) -> &NegotiationToken {
        match self {
            Self::Initial(t) | Self::Subsequent(t) => t,
        }
    }
}

/// The DER of a `MechTypeList`: the bytes a mechListMIC is computed over (RFC 4178 5).
pub fn mech_type_list_der(mechs: &[MechType]) -> Result<Vec<u8>, Error> {
    mechs.to_vec().to_der()
}
