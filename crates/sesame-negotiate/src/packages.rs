//! The package list, in SSPI's form (`SEC_WINNT_AUTH_IDENTITY_EX::PackageList`): names enable,
//! `!name` disables; a list of only exclusions starts from everything.

/// The mechanisms Negotiate may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)] // independent switches, as SSPI's package list
pub struct Packages {
    /// Kerberos (RFC 4121).
    pub kerberos: bool,
    /// NTLM (MS-NLMP).
    pub ntlm: bool,
    /// Kerberos user-to-user instead of plain Kerberos (MS-KILE 3.1.5.11).
    pub user_to_user: bool,
    /// IAKerb (draft-ietf-kitten-iakerb): Kerberos through the acceptor when no KDC is in
    /// reach, the rung between Kerberos and NTLM (docs/fallback.md). Off unless named: MIT
    /// krb5 1.21 and older answer to the same OID with an earlier, incompatible format.
    pub iakerb: bool,
}

impl Default for Packages {
    fn default() -> Self {
        Self {
            kerberos: true,
            ntlm: true,
            user_to_user: false,
            iakerb: false,
        }
    }
}

/// A package name Negotiate does not know.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown package `{0}` (known: kerberos, iakerb, ntlm, u2u; `!name` excludes)")]
pub struct UnknownPackage(pub String);

impl Packages {
    /// Parses `"kerberos,!ntlm"`, `"ntlm"`, `"!kerberos"`, `"kerberos,u2u"`,
    /// `"kerberos,iakerb,ntlm"`, ... (comma or space separated, case-insensitive; `negotiate`
    /// means the default).
    pub fn parse(list: &str) -> Result<Self, UnknownPackage> {
        let items: Vec<&str> = list
            .split([',', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        let only_exclusions = items.iter().all(|i| i.starts_with('!'));
        let mut p = if only_exclusions {
            Self::default()
        } else {
            Self {
                kerberos: false,
                ntlm: false,
                user_to_user: false,
                iakerb: false,
            }
        };
        for item in items {
            let (on, name) = match item.strip_prefix('!') {
                Some(n) => (false, n),
                None => (true, item),
            };
            match name.to_ascii_lowercase().as_str() {
                "kerberos" | "krb5" => p.kerberos = on,
                "ntlm" => p.ntlm = on,
                "iakerb" => p.iakerb = on,
                "u2u" | "user2user" | "kerberos-u2u" => {
                    p.user_to_user = on;
                    if on {
                        p.kerberos = true;
                    }
                }
                "negotiate" if on => p = Self::default(),
                _ => return Err(UnknownPackage(item.to_string())),
            }
        }
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code
    use super::*;

    #[test]
    fn sspi_forms() {
        let p = |s| Packages::parse(s).unwrap();
        assert_eq!(
            p("kerberos,!ntlm"),
            Packages {
                kerberos: true,
                ntlm: false,
                user_to_user: false,
                iakerb: false
            }
        );
        assert_eq!(
            p("ntlm"),
            Packages {
                kerberos: false,
                ntlm: true,
                user_to_user: false,
                iakerb: false
            }
        );
        assert_eq!(
            p("!kerberos"),
            Packages {
                kerberos: false,
                ntlm: true,
                user_to_user: false,
                iakerb: false
            }
        );
        assert_eq!(
            p("u2u"),
            Packages {
                kerberos: true,
                ntlm: false,
                user_to_user: true,
                iakerb: false
            }
        );
        assert_eq!(p("Kerberos, NTLM"), Packages::default());
        assert_eq!(
            p("kerberos,iakerb,ntlm"),
            Packages {
                iakerb: true,
                ..Packages::default()
            }
        );
        assert_eq!(
            p("!ntlm,iakerb"),
            Packages {
                kerberos: false,
                ntlm: false,
                user_to_user: false,
                iakerb: true
            }
        );
        assert_eq!(p(""), Packages::default());
        assert_eq!(
            Packages::parse("kerberos,digest"),
            Err(UnknownPackage("digest".into()))
        );
        assert!(Packages::parse("!schannel").is_err());
    }
}
