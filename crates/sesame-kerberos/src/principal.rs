//! Principal names as files and users write them: `user@REALM`, `HTTP/host@REALM`.

use core::fmt;

use sesame_asn1::kerberos::{KerberosString, PrincipalName, constants::name_type};

/// A principal: name components, realm and name type.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Principal {
    /// The components, e.g. `["HTTP", "www.example.test"]`.
    pub components: Vec<String>,
    /// The realm.
    pub realm: String,
    /// The name type (`NT_PRINCIPAL`, `NT_SRV_HST`, ...).
    pub name_type: i32,
}

/// A name that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a principal name: {0}")]
pub struct BadPrincipal(pub String);

impl Principal {
    /// Parses `comp1/comp2@REALM`, with `\` escaping `/`, `@` and `\` as MIT does; without a
    /// realm, `default_realm` is used. Two components make an `NT_SRV_HST`-free
    /// `NT_PRINCIPAL` like MIT's `krb5_parse_name`.
    pub fn parse(s: &str, default_realm: Option<&str>) -> Result<Self, BadPrincipal> {
        let mut components = vec![String::new()];
        let mut realm: Option<String> = None;
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            let in_realm = realm.is_some();
            let unescaped = match c {
                '\\' => match chars.next() {
                    Some('n') => '\n',
                    Some('t') => '\t',
                    Some('0') => '\0',
                    Some(e) => e,
                    None => return Err(BadPrincipal(s.into())),
                },
                '/' if !in_realm => {
                    components.push(String::new());
                    continue;
                }
                '@' if !in_realm => {
                    realm = Some(String::new());
                    continue;
                }
                '@' => return Err(BadPrincipal(s.into())),
                c => c,
            };
            match &mut realm {
                Some(r) => r.push(unescaped),
                None => components
                    .last_mut()
                    .ok_or_else(|| BadPrincipal(s.into()))?
                    .push(unescaped),
            }
        }
        let realm = match realm {
            Some(r) if !r.is_empty() => r,
            Some(_) => return Err(BadPrincipal(s.into())),
            None => default_realm
                .ok_or_else(|| BadPrincipal(format!("{s} (no realm)")))?
                .to_string(),
        };
        if components.iter().any(String::is_empty) {
            return Err(BadPrincipal(s.into()));
        }
        Ok(Self {
            components,
            realm,
            name_type: name_type::NT_PRINCIPAL,
        })
    }

    /// An enterprise name (RFC 6806 5, `NT-ENTERPRISE`): `user@upn.suffix` as one component,
    /// in the realm after a second `@` or else `default_realm`, as MIT's `kinit -E` parses it.
    /// The KDC finds the account by its UPN and answers with its canonical name.
    pub fn parse_enterprise(s: &str, default_realm: Option<&str>) -> Result<Self, BadPrincipal> {
        let (name, realm) = match s.rsplit_once('@') {
            Some((name, realm)) if name.contains('@') => (name, Some(realm)),
            _ => (s, default_realm),
        };
        let realm = realm
            .filter(|r| !r.is_empty())
            .ok_or_else(|| BadPrincipal(format!("{s} (no realm)")))?;
        if name.is_empty() || name.starts_with('@') || name.ends_with('@') {
            return Err(BadPrincipal(s.into()));
        }
        Ok(Self {
            components: vec![name.to_string()],
            realm: realm.to_string(),
            name_type: name_type::NT_ENTERPRISE,
        })
    }

    /// The default salt of RFC 4120 4: the realm followed by the components.
    pub fn default_salt(&self) -> Vec<u8> {
        let mut salt = self.realm.as_bytes().to_vec();
        for c in &self.components {
            salt.extend_from_slice(c.as_bytes());
        }
        salt
    }

    /// The wire form of the name part.
    pub fn to_principal_name(&self) -> PrincipalName {
        PrincipalName {
            name_type: self.name_type,
            name_string: self
                .components
                .iter()
                .map(|c| KerberosString::from(c.as_str()))
                .collect(),
        }
    }

    /// A principal from its wire form.
    pub fn from_wire(name: &PrincipalName, realm: &KerberosString) -> Self {
        Self {
            components: name
                .name_string
                .iter()
                .map(KerberosString::to_string_lossy)
                .collect(),
            realm: realm.to_string_lossy(),
            name_type: name.name_type,
        }
    }

    /// The realm in its wire form.
    pub fn wire_realm(&self) -> KerberosString {
        KerberosString::from(self.realm.as_str())
    }

    /// `krbtgt/REALM@ISSUER`: the ticket-granting service of `realm` as known to `issuer`.
    pub fn krbtgt(realm: &str, issuer: &str) -> Self {
        Self {
            components: vec!["krbtgt".into(), realm.into()],
            realm: issuer.into(),
            name_type: name_type::NT_SRV_INST,
        }
    }

    /// A host-based service `service/host@realm` (`NT_SRV_HST`).
    pub fn service(service: &str, host: &str, realm: &str) -> Self {
        Self {
            components: vec![service.into(), host.into()],
            realm: realm.into(),
            name_type: name_type::NT_SRV_HST,
        }
    }

    /// For `krbtgt/R@I`: `Some(R)`.
    pub fn tgs_realm(&self) -> Option<&str> {
        match self.components.as_slice() {
            [k, r] if k == "krbtgt" => Some(r),
            _ => None,
        }
    }

    /// Whether two principals name the same entity (the name type is a hint, RFC 4120 6.2).
    pub fn same_name(&self, other: &Self) -> bool {
        self.realm == other.realm && self.components == other.components
    }
}

impl fmt::Display for Principal {
    /// `comp1/comp2@REALM`, escaping as MIT's `krb5_unparse_name` does.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let escape = |s: &str, f: &mut fmt::Formatter<'_>| -> fmt::Result {
            for c in s.chars() {
                match c {
                    '/' | '@' | '\\' => write!(f, "\\{c}")?,
                    '\n' => f.write_str("\\n")?,
                    '\t' => f.write_str("\\t")?,
                    '\0' => f.write_str("\\0")?,
                    c => write!(f, "{c}")?,
                }
            }
            Ok(())
        };
        for (i, c) in self.components.iter().enumerate() {
            if i > 0 {
                f.write_str("/")?;
            }
            escape(c, f)?;
        }
        f.write_str("@")?;
        escape(&self.realm, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enterprise_names_keep_their_at_sign() {
        let p = Principal::parse_enterprise("user1@samba.test", Some("SAMBA.TEST")).unwrap();
        assert_eq!(p.components, ["user1@samba.test"]);
        assert_eq!(p.realm, "SAMBA.TEST");
        assert_eq!(p.name_type, name_type::NT_ENTERPRISE);
        assert_eq!(p.to_string(), "user1\\@samba.test@SAMBA.TEST");
        let p = Principal::parse_enterprise("alice@corp.example@SAMBA.TEST", None).unwrap();
        assert_eq!(
            (p.components[0].as_str(), p.realm.as_str()),
            ("alice@corp.example", "SAMBA.TEST")
        );
        assert!(Principal::parse_enterprise("alice@corp.example", None).is_err());
        assert!(Principal::parse_enterprise("@x", Some("R")).is_err());
        // An enterprise name round-trips through MIT's unparsed form as one component.
        assert_eq!(
            Principal::parse(&p.to_string(), None).unwrap().components,
            p.components
        );
    }

    #[test]
    fn parse_and_print() {
        let p = Principal::parse("HTTP/www.example.test@EXAMPLE.TEST", None).unwrap();
        assert_eq!(p.components, ["HTTP", "www.example.test"]);
        assert_eq!(p.realm, "EXAMPLE.TEST");
        assert_eq!(p.to_string(), "HTTP/www.example.test@EXAMPLE.TEST");
        assert_eq!(p.default_salt(), b"EXAMPLE.TESTHTTPwww.example.test");
        let p = Principal::parse("пользователь", Some("EXAMPLE.TEST")).unwrap();
        assert_eq!(p.to_string(), "пользователь@EXAMPLE.TEST");
        let p = Principal::parse("a\\/b\\@c@R", None).unwrap();
        assert_eq!(p.components, ["a/b@c"]);
        assert_eq!(p.to_string(), "a\\/b\\@c@R");
        for bad in ["", "@R", "a@", "a//b@R", "a@R@S", "a\\"] {
            assert!(Principal::parse(bad, Some("R")).is_err(), "{bad}");
        }
        assert!(Principal::parse("user", None).is_err());
    }
}
