//! Context flags (RFC 2743 1.2.1.2, RFC 4121 4.1.1.1, SSPI `ISC_REQ_*`).

use core::fmt;
use core::ops::{BitOr, BitOrAssign};

/// A set of context flags. The bit values are those of the GSS-API C bindings (RFC 2744 3.9)
/// and of the RFC 4121 authenticator checksum, with Microsoft's DCE-style and identify bits.
///
/// ```
/// use sesame_gss::ContextFlags;
/// let asked = ContextFlags::MUTUAL | ContextFlags::CONFIDENTIALITY | ContextFlags::INTEGRITY;
/// assert!(asked.contains(ContextFlags::MUTUAL));
/// assert!(!asked.contains(ContextFlags::DELEGATE));
/// assert_eq!(asked.difference(ContextFlags::MUTUAL).bits(), 0x30);
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ContextFlags(u32);

impl ContextFlags {
    /// No flags.
    pub const NONE: Self = Self(0);
    /// Delegate credentials (`GSS_C_DELEG_FLAG`, `ISC_REQ_DELEGATE`).
    pub const DELEGATE: Self = Self(0x1);
    /// Mutual authentication (`GSS_C_MUTUAL_FLAG`, `ISC_REQ_MUTUAL_AUTH`).
    pub const MUTUAL: Self = Self(0x2);
    /// Replay detection (`GSS_C_REPLAY_FLAG`, `ISC_REQ_REPLAY_DETECT`).
    pub const REPLAY: Self = Self(0x4);
    /// Out-of-sequence detection (`GSS_C_SEQUENCE_FLAG`, `ISC_REQ_SEQUENCE_DETECT`).
    pub const SEQUENCE: Self = Self(0x8);
    /// Confidentiality (`GSS_C_CONF_FLAG`, `ISC_REQ_CONFIDENTIALITY`).
    pub const CONFIDENTIALITY: Self = Self(0x10);
    /// Integrity (`GSS_C_INTEG_FLAG`, `ISC_REQ_INTEGRITY`).
    pub const INTEGRITY: Self = Self(0x20);
    /// Anonymous (`GSS_C_ANON_FLAG`, NTLM anonymous).
    pub const ANONYMOUS: Self = Self(0x40);
    /// DCE style: three-leg Kerberos exchange (`GSS_C_DCE_STYLE`, `ISC_REQ_USE_DCE_STYLE`).
    pub const DCE_STYLE: Self = Self(0x1000);
    /// Identify only (`GSS_C_IDENTIFY_FLAG`, `ISC_REQ_IDENTIFY`).
    pub const IDENTIFY: Self = Self(0x2000);
    /// Extended error (`GSS_C_EXTENDED_ERROR_FLAG`, `ISC_REQ_EXTENDED_ERROR`).
    pub const EXTENDED_ERROR: Self = Self(0x4000);
    /// User-to-user: the service ticket is encrypted in the acceptor's TGT session key
    /// (`ISC_REQ_USE_SESSION_KEY`). Not a GSS bit; Sesame's own.
    pub const USE_SESSION_KEY: Self = Self(0x1_0000);

    const NAMES: [(Self, &'static str); 11] = [
        (Self::DELEGATE, "delegate"),
        (Self::MUTUAL, "mutual"),
        (Self::REPLAY, "replay"),
        (Self::SEQUENCE, "sequence"),
        (Self::CONFIDENTIALITY, "confidentiality"),
        (Self::INTEGRITY, "integrity"),
        (Self::ANONYMOUS, "anonymous"),
        (Self::DCE_STYLE, "dce-style"),
        (Self::IDENTIFY, "identify"),
        (Self::EXTENDED_ERROR, "extended-error"),
        (Self::USE_SESSION_KEY, "use-session-key"),
    ];

    /// Flags from raw bits (unknown bits are kept).
    pub const fn from_bits(bits: u32) -> Self {
        Self(bits)
    }

    /// The raw bits.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// Whether every flag of `other` is set.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// The flags set in both.
    #[must_use]
    pub const fn intersection(self, other: Self) -> Self {
        Self(self.0 & other.0)
    }

    /// `self` without the flags of `other`.
    #[must_use]
    pub const fn difference(self, other: Self) -> Self {
        Self(self.0 & !other.0)
    }
}

impl BitOr for ContextFlags {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

impl BitOrAssign for ContextFlags {
    fn bitor_assign(&mut self, rhs: Self) {
        self.0 |= rhs.0;
    }
}

impl fmt::Debug for ContextFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = *self;
        f.write_str("ContextFlags(")?;
        let mut first = true;
        for (flag, name) in Self::NAMES {
            if self.contains(flag) {
                if !first {
                    f.write_str(" | ")?;
                }
                f.write_str(name)?;
                first = false;
                rest = rest.difference(flag);
            }
        }
        if rest.0 != 0 {
            if !first {
                f.write_str(" | ")?;
            }
            write!(f, "{:#x}", rest.0)?;
        }
        f.write_str(")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_operations_and_debug() {
        let f =
            ContextFlags::MUTUAL | ContextFlags::INTEGRITY | ContextFlags::from_bits(0x8000_0000);
        assert!(f.contains(ContextFlags::MUTUAL | ContextFlags::INTEGRITY));
        assert!(!f.contains(ContextFlags::CONFIDENTIALITY));
        assert_eq!(f.difference(ContextFlags::MUTUAL).bits(), 0x8000_0020);
        assert_eq!(
            format!("{f:?}"),
            "ContextFlags(mutual | integrity | 0x80000000)"
        );
        assert_eq!(format!("{:?}", ContextFlags::NONE), "ContextFlags()");
    }
}
