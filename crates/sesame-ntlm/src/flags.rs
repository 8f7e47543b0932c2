//! NEGOTIATE flags (MS-NLMP 2.2.2.5).

/// A set of `NTLMSSP_NEGOTIATE_*` flags.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NegotiateFlags(pub u32);

macro_rules! flags {
    ($($name:ident = $bit:expr, $doc:literal;)*) => {
        impl NegotiateFlags {
            $(
                #[doc = $doc]
                pub const $name: Self = Self($bit);
            )*

            /// Every named flag with its name (`NTLMSSP_NEGOTIATE_` left off).
            const NAMED: &[(Self, &'static str)] = &[$((Self::$name, stringify!($name)),)*];
        }
    };
}

flags! {
    UNICODE = 0x0000_0001, "A: Unicode strings.";
    OEM = 0x0000_0002, "B: OEM strings.";
    REQUEST_TARGET = 0x0000_0004, "C: the server's name is requested.";
    SIGN = 0x0000_0010, "D: message integrity.";
    SEAL = 0x0000_0020, "E: message confidentiality.";
    DATAGRAM = 0x0000_0040, "F: connectionless.";
    LM_KEY = 0x0000_0080, "G: LAN Manager session key (NTLMv1 only).";
    NTLM = 0x0000_0200, "H: NTLM authentication.";
    ANONYMOUS = 0x0000_0800, "J: anonymous connection.";
    OEM_DOMAIN_SUPPLIED = 0x0000_1000, "K: the NEGOTIATE carries a domain.";
    OEM_WORKSTATION_SUPPLIED = 0x0000_2000, "L: the NEGOTIATE carries a workstation.";
    ALWAYS_SIGN = 0x0000_8000, "M: a dummy signature when no integrity.";
    TARGET_TYPE_DOMAIN = 0x0001_0000, "N: the target is a domain.";
    TARGET_TYPE_SERVER = 0x0002_0000, "O: the target is a server.";
    EXTENDED_SESSIONSECURITY = 0x0008_0000, "P: NTLM2 session security (always with NTLMv2).";
    IDENTIFY = 0x0010_0000, "Q: identify-level token.";
    NON_NT_SESSION_KEY = 0x0040_0000, "R: LMOWF session key.";
    TARGET_INFO = 0x0080_0000, "S: the CHALLENGE carries target info.";
    VERSION = 0x0200_0000, "T: the version field is present.";
    KEY_128 = 0x2000_0000, "U: 128-bit session key.";
    KEY_EXCH = 0x4000_0000, "V: explicit key exchange (encrypted random session key).";
    KEY_56 = 0x8000_0000, "W: 56-bit encryption.";
}

impl NegotiateFlags {
    /// Whether every flag of `other` is set.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// Both sets.
    #[must_use]
    pub const fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// The flags set in both.
    #[must_use]
    pub const fn intersection(self, other: Self) -> Self {
        Self(self.0 & other.0)
    }

    /// Without the flags of `other`.
    #[must_use]
    pub const fn without(self, other: Self) -> Self {
        Self(self.0 & !other.0)
    }
}

impl core::fmt::Display for NegotiateFlags {
    /// The names of the flags set, joined by `|` (`KEY_128|SEAL`); unnamed bits in hex.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut rest = self.0;
        let mut first = true;
        for (flag, name) in Self::NAMED {
            if self.contains(*flag) {
                f.write_str(if first { "" } else { "|" })?;
                f.write_str(name)?;
                rest &= !flag.0;
                first = false;
            }
        }
        if rest != 0 || first {
            write!(f, "{}{rest:#x}", if first { "" } else { "|" })?;
        }
        Ok(())
    }
}

impl core::ops::BitOr for NegotiateFlags {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        self.union(rhs)
    }
}

#[cfg(test)]
mod tests {
    use super::NegotiateFlags;

    #[test]
    fn display_names_the_flags() {
        assert_eq!(
            (NegotiateFlags::KEY_128 | NegotiateFlags::SEAL).to_string(),
            "SEAL|KEY_128"
        );
        assert_eq!(NegotiateFlags(0x0000_0100).to_string(), "0x100");
        assert_eq!(NegotiateFlags::default().to_string(), "0x0");
    }
}
