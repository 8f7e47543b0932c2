//! One parser for the names users type, and what each mechanism makes of them.
//!
//! | typed | form | Kerberos principal | NTLM domain, user |
//! |---|---|---|---|
//! | `EXAMPLE\user1` | down-level logon name | `user1@EXAMPLE.TEST` when the default realm's first label is `EXAMPLE`, else `user1@EXAMPLE` | `EXAMPLE`, `user1` |
//! | `user1@EXAMPLE.TEST` | principal (the suffix in upper case, or a known realm) | `user1@EXAMPLE.TEST` | `EXAMPLE`, `user1` (the realm's first label) |
//! | `user1@example.test` | UPN (any other suffix) | `user1@EXAMPLE.TEST` | empty, `user1@example.test` (as Windows sends a UPN, MS-NLMP 3.1.5.1.2) |
//! | `user1` | bare | `user1@` the default realm | the default domain (else the default realm's first label, else empty), `user1` |
//!
//! A `--domain` given beside the name (`domain` below) overrides the NTLM domain of every
//! form.

use core::fmt;

use sesame_kerberos::principal::Principal;

/// A user name as typed, in one of the four forms Windows users type.
///
/// ```
/// use sesame_negotiate::UserName;
/// let name = UserName::parse("EXAMPLE\\user1", Some("EXAMPLE.TEST")).unwrap();
/// assert_eq!(name.kerberos(Some("EXAMPLE.TEST")).unwrap().to_string(), "user1@EXAMPLE.TEST");
/// assert_eq!(name.ntlm(None, None), ("EXAMPLE".into(), "user1".into()));
/// let upn = UserName::parse("user1@corp.example.com", Some("EXAMPLE.TEST")).unwrap();
/// assert_eq!(upn.ntlm(None, None), ("".into(), "user1@corp.example.com".into()));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserName {
    /// `DOMAIN\user`.
    DownLevel {
        /// The NetBIOS domain.
        domain: String,
        /// The user.
        user: String,
    },
    /// `user@REALM`: the suffix is in upper case, or names a known realm.
    Principal {
        /// The user.
        user: String,
        /// The Kerberos realm.
        realm: String,
    },
    /// `user@dns.domain`: a user principal name.
    Upn {
        /// The user.
        user: String,
        /// The UPN suffix.
        suffix: String,
    },
    /// `user`, with the defaults' realm and domain.
    Bare(String),
}

/// A name that parses as none of the forms.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a user name (DOMAIN\\user, user@REALM, user@dns.domain or user)")]
pub struct BadUserName(pub String);

impl UserName {
    /// Parses `text`; `known_realm` (krb5.conf's `default_realm`) tells a realm suffix in any
    /// case from a UPN suffix.
    pub fn parse(text: &str, known_realm: Option<&str>) -> Result<Self, BadUserName> {
        let bad = || BadUserName(text.to_string());
        if let Some((domain, user)) = text.split_once('\\') {
            if domain.is_empty() || user.is_empty() || user.contains(['\\', '@']) {
                return Err(bad());
            }
            return Ok(Self::DownLevel {
                domain: domain.into(),
                user: user.into(),
            });
        }
        if let Some((user, suffix)) = text.rsplit_once('@') {
            if user.is_empty() || suffix.is_empty() {
                return Err(bad());
            }
            let is_realm = suffix == suffix.to_uppercase()
                || known_realm.is_some_and(|r| r.eq_ignore_ascii_case(suffix));
            return Ok(if is_realm {
                Self::Principal {
                    user: user.into(),
                    realm: suffix.to_uppercase(),
                }
            } else {
                Self::Upn {
                    user: user.into(),
                    suffix: suffix.into(),
                }
            });
        }
        if text.is_empty() {
            return Err(bad());
        }
        Ok(Self::Bare(text.into()))
    }

    /// The Kerberos principal, with `default_realm` for a bare name.
    pub fn kerberos(&self, default_realm: Option<&str>) -> Result<Principal, BadUserName> {
        let (user, realm) = match self {
            Self::DownLevel { domain, user } => {
                let realm = default_realm
                    .filter(|r| first_label(r).eq_ignore_ascii_case(domain))
                    .map_or_else(|| domain.to_uppercase(), str::to_string);
                (user.as_str(), realm)
            }
            Self::Principal { user, realm } => (user.as_str(), realm.clone()),
            Self::Upn { user, suffix } => (user.as_str(), suffix.to_uppercase()),
            Self::Bare(user) => (
                user.as_str(),
                default_realm
                    .map(str::to_string)
                    .ok_or_else(|| BadUserName(format!("{user} (no default realm)")))?,
            ),
        };
        Principal::parse(user, Some(&realm)).map_err(|_| BadUserName(format!("{user}@{realm}")))
    }

    /// The NTLM domain and user; `domain` (given beside the name) overrides the domain, and
    /// is the default domain of a bare name.
    pub fn ntlm(&self, domain: Option<&str>, default_realm: Option<&str>) -> (String, String) {
        let (d, u) = match self {
            Self::DownLevel { domain, user } => (domain.clone(), user.clone()),
            Self::Principal { user, realm } => (first_label(realm).to_string(), user.clone()),
            Self::Upn { user, suffix } => (String::new(), format!("{user}@{suffix}")),
            Self::Bare(user) => (
                default_realm
                    .map(first_label)
                    .unwrap_or_default()
                    .to_string(),
                user.clone(),
            ),
        };
        (domain.map_or(d, str::to_string), u)
    }
}

impl fmt::Display for UserName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DownLevel { domain, user } => write!(f, "{domain}\\{user}"),
            Self::Principal { user, realm } => write!(f, "{user}@{realm}"),
            Self::Upn { user, suffix } => write!(f, "{user}@{suffix}"),
            Self::Bare(user) => f.write_str(user),
        }
    }
}

fn first_label(realm: &str) -> &str {
    realm.split('.').next().unwrap_or(realm)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REALM: Option<&str> = Some("EXAMPLE.TEST");

    fn both(text: &str, domain: Option<&str>) -> (String, (String, String)) {
        let n = UserName::parse(text, REALM).unwrap();
        (
            n.kerberos(REALM).unwrap().to_string(),
            n.ntlm(domain, REALM),
        )
    }

    #[test]
    fn every_form_for_both_mechanisms() {
        let pair = |d: &str, u: &str| (d.to_string(), u.to_string());
        assert_eq!(
            both("EXAMPLE\\user1", None),
            ("user1@EXAMPLE.TEST".into(), pair("EXAMPLE", "user1"))
        );
        assert_eq!(
            both("example\\user1", None),
            ("user1@EXAMPLE.TEST".into(), pair("example", "user1"))
        );
        assert_eq!(
            both("OTHER\\user1", None),
            ("user1@OTHER".into(), pair("OTHER", "user1"))
        );
        assert_eq!(
            both("user1@EXAMPLE.TEST", None),
            ("user1@EXAMPLE.TEST".into(), pair("EXAMPLE", "user1"))
        );
        // The default realm in lower case is still the realm, not a UPN.
        assert_eq!(
            both("user1@example.test", None),
            ("user1@EXAMPLE.TEST".into(), pair("EXAMPLE", "user1"))
        );
        assert_eq!(
            both("user1@corp.example.com", None),
            (
                "user1@CORP.EXAMPLE.COM".into(),
                pair("", "user1@corp.example.com")
            )
        );
        assert_eq!(
            both("user1", None),
            ("user1@EXAMPLE.TEST".into(), pair("EXAMPLE", "user1"))
        );
        assert_eq!(
            both("user1", Some("WORKGROUP")),
            ("user1@EXAMPLE.TEST".into(), pair("WORKGROUP", "user1"))
        );
        assert_eq!(
            both("user1@EXAMPLE.TEST", Some("CORP")),
            ("user1@EXAMPLE.TEST".into(), pair("CORP", "user1"))
        );
    }

    #[test]
    fn malformed_names_are_refused() {
        for bad in [
            "", "\\user", "DOMAIN\\", "a\\b\\c", "@REALM", "user@", "D\\u@x",
        ] {
            assert!(UserName::parse(bad, REALM).is_err(), "{bad:?}");
        }
        let bare = UserName::parse("user1", None).unwrap();
        assert!(bare.kerberos(None).is_err());
        assert_eq!(bare.to_string(), "user1");
    }
}
