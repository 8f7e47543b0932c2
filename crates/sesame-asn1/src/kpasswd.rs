//! The Kerberos password-changing protocol's messages (RFC 3244; MIT's and Active Directory's
//! kpasswd service on port 464).
//!
//! Request and reply share one frame: a 2-byte message length, a 2-byte protocol version, the
//! length of the AP-REQ (or AP-REP) and its bytes, then a KRB-PRIV (or, in a reply, a
//! KRB-ERROR with an empty AP-REP). All numbers are big-endian. Over TCP the frame is sent
//! behind the 4-byte length of RFC 4120 7.2.2, as a KDC message is.

use rasn::prelude::*;

use crate::Error;
use crate::kerberos::{KerberosString, PrincipalName};

/// Version 1: change one's own password (the KRB-PRIV's user data is the new password).
pub const VERSION_CHANGE: u16 = 1;
/// Version 0xff80: set a password, one's own or with `targname` another's (the user data is
/// a [`ChangePasswdData`]).
pub const VERSION_SET: u16 = 0xff80;

/// Result codes carried in the reply's user data (RFC 3244 2, with MIT's and AD's additions).
pub mod result_code {
    /// The password was changed.
    pub const SUCCESS: u16 = 0;
    /// The request could not be parsed.
    pub const MALFORMED: u16 = 1;
    /// A server error ("hard error").
    pub const HARDERROR: u16 = 2;
    /// Authentication failed (the AP-REQ, or a ticket not from a password).
    pub const AUTHERROR: u16 = 3;
    /// Refused by policy ("soft error"): too short, too recent, reused.
    pub const SOFTERROR: u16 = 4;
    /// Not allowed to change this password.
    pub const ACCESSDENIED: u16 = 5;
    /// Protocol version not supported.
    pub const BAD_VERSION: u16 = 6;
    /// The ticket must come from the password itself (INITIAL flag).
    pub const INITIAL_FLAG_NEEDED: u16 = 7;

    /// MIT's name of `code` (`KRB5_KPASSWD_SOFTERROR`), or `None`.
    pub fn name(code: u16) -> Option<&'static str> {
        Some(match code {
            SUCCESS => "KRB5_KPASSWD_SUCCESS",
            MALFORMED => "KRB5_KPASSWD_MALFORMED",
            HARDERROR => "KRB5_KPASSWD_HARDERROR",
            AUTHERROR => "KRB5_KPASSWD_AUTHERROR",
            SOFTERROR => "KRB5_KPASSWD_SOFTERROR",
            ACCESSDENIED => "KRB5_KPASSWD_ACCESSDENIED",
            BAD_VERSION => "KRB5_KPASSWD_BAD_VERSION",
            INITIAL_FLAG_NEEDED => "KRB5_KPASSWD_INITIAL_FLAG_NEEDED",
            _ => return None,
        })
    }
}

/// `ChangePasswdData ::= SEQUENCE { newpasswd [0] OCTET STRING, targname [1] PrincipalName
/// OPTIONAL, targrealm [2] Realm OPTIONAL }` (RFC 3244 2): the user data of a set-password
/// request. The password is a secret: wiped on drop, never printed by Debug.
#[derive(AsnType, Encode, Decode, Clone, PartialEq, Eq)]
pub struct ChangePasswdData {
    /// The new password.
    #[rasn(tag(explicit(0)))]
    pub newpasswd: crate::kerberos::SecretOctets,
    /// Whose password (default: the ticket's client).
    #[rasn(tag(explicit(1)))]
    pub targname: Option<PrincipalName>,
    /// That principal's realm.
    #[rasn(tag(explicit(2)))]
    pub targrealm: Option<KerberosString>,
}

impl core::fmt::Debug for ChangePasswdData {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ChangePasswdData")
            .field("newpasswd", &"<secret>")
            .field("targname", &self.targname)
            .field("targrealm", &self.targrealm)
            .finish()
    }
}

/// One kpasswd frame: a request (AP-REQ and KRB-PRIV) or a reply (AP-REP and KRB-PRIV, or an
/// empty AP-REP and a KRB-ERROR).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KpasswdMessage {
    /// The protocol version ([`VERSION_CHANGE`], [`VERSION_SET`]; replies say 1).
    pub version: u16,
    /// The AP-REQ (request) or AP-REP (reply) DER; empty in an error reply.
    pub ap: Vec<u8>,
    /// The KRB-PRIV DER, or in an error reply the KRB-ERROR DER.
    pub body: Vec<u8>,
}

impl KpasswdMessage {
    /// The frame's bytes.
    pub fn encode(&self) -> Result<Vec<u8>, Error> {
        let total = 6 + self.ap.len() + self.body.len();
        let total16 =
            u16::try_from(total).map_err(|_| Error::Malformed("kpasswd message over 64 KiB"))?;
        let ap_len =
            u16::try_from(self.ap.len()).map_err(|_| Error::Malformed("AP-REQ over 64 KiB"))?;
        let mut out = Vec::with_capacity(total);
        out.extend_from_slice(&total16.to_be_bytes());
        out.extend_from_slice(&self.version.to_be_bytes());
        out.extend_from_slice(&ap_len.to_be_bytes());
        out.extend_from_slice(&self.ap);
        out.extend_from_slice(&self.body);
        Ok(out)
    }

    /// Parses a frame; the announced lengths must match the bytes exactly.
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        let word = |i: usize| -> Result<u16, Error> {
            bytes
                .get(i..)
                .and_then(<[u8]>::first_chunk::<2>)
                .map(|b| u16::from_be_bytes(*b))
                .ok_or(Error::Truncated("kpasswd header"))
        };
        let total = usize::from(word(0)?);
        let version = word(2)?;
        let ap_len = usize::from(word(4)?);
        if total != bytes.len() {
            return Err(Error::Malformed(
                "kpasswd message length does not match its bytes",
            ));
        }
        let ap = bytes
            .get(6..6 + ap_len)
            .ok_or(Error::Truncated("kpasswd AP-REQ/AP-REP"))?
            .to_vec();
        let body = bytes.get(6 + ap_len..).unwrap_or_default().to_vec();
        if body.is_empty() {
            return Err(Error::Truncated("kpasswd KRB-PRIV/KRB-ERROR"));
        }
        Ok(Self { version, ap, body })
    }
}

/// The user data of a kpasswd reply: the result code and its text (RFC 3244 2). Active
/// Directory puts a binary password policy in the text of a policy refusal
/// ([`AdPasswordPolicy`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KpasswdResult {
    /// One of [`result_code`].
    pub code: u16,
    /// The rest of the user data.
    pub text: Vec<u8>,
}

impl KpasswdResult {
    /// Parses the 2-byte code and the text after it.
    pub fn parse(user_data: &[u8]) -> Result<Self, Error> {
        let (code, text) = user_data
            .split_first_chunk::<2>()
            .ok_or(Error::Truncated("kpasswd result code"))?;
        Ok(Self {
            code: u16::from_be_bytes(*code),
            text: text.to_vec(),
        })
    }

    /// The text as a string, unless it is Active Directory's policy block.
    pub fn message(&self) -> Option<String> {
        if self.policy().is_some() {
            return None;
        }
        Some(
            String::from_utf8_lossy(&self.text)
                .trim_end_matches('\0')
                .to_string(),
        )
    }

    /// Active Directory's password policy, when the text is one.
    pub fn policy(&self) -> Option<AdPasswordPolicy> {
        AdPasswordPolicy::parse(&self.text)
    }
}

/// The password policy Active Directory (and Samba) send as the text of a refusal: 30 bytes,
/// big-endian, starting with two zero bytes (MS-KILE 3.1.5.13 / MIT's
/// `krb5_chpw_message`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdPasswordPolicy {
    /// Minimum length in characters.
    pub min_length: u32,
    /// How many earlier passwords may not be reused.
    pub history: u32,
    /// DOMAIN_PASSWORD_COMPLEX (1) and the other password properties.
    pub properties: u32,
    /// Maximum age, in 100-ns units.
    pub max_age: u64,
    /// Minimum age, in 100-ns units.
    pub min_age: u64,
}

impl AdPasswordPolicy {
    /// The block's size.
    pub const LEN: usize = 30;
    /// DOMAIN_PASSWORD_COMPLEX: complexity required.
    pub const COMPLEX: u32 = 1;

    /// Parses the 30-byte block.
    pub fn parse(text: &[u8]) -> Option<Self> {
        let block: &[u8; Self::LEN] = text.try_into().ok()?;
        let (zero, rest) = block.split_first_chunk::<2>()?;
        if *zero != [0, 0] {
            return None;
        }
        let u32_at = |i: usize| {
            rest.get(i - 2..)
                .and_then(<[u8]>::first_chunk::<4>)
                .map_or(0, |b| u32::from_be_bytes(*b))
        };
        let u64_at = |i: usize| (u64::from(u32_at(i)) << 32) | u64::from(u32_at(i + 4));
        Some(Self {
            min_length: u32_at(2),
            history: u32_at(6),
            properties: u32_at(10),
            max_age: u64_at(14),
            min_age: u64_at(22),
        })
    }
}
