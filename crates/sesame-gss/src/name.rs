//! Names: the target a client authenticates to, and the peer a context authenticated.

use core::fmt;
use core::str::FromStr;
use std::net::IpAddr;

use crate::{Error, MajorStatus};

/// A service principal name: `service/host[:port][@REALM]` (the SSPI and Kerberos form), also
/// parsed from the GSS host-based form `service@host` (`GSS_C_NT_HOSTBASED_SERVICE`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Spn {
    /// `HTTP`, `host`, `cifs`, `ldap`, `MSSQLSvc`, `WSMAN`, `TERMSRV`, ...
    pub service: String,
    /// The host name (or address).
    pub host: String,
    /// A port, as in `MSSQLSvc/db.example.test:1433`.
    pub port: Option<u16>,
    /// An explicit realm.
    pub realm: Option<String>,
}

/// Why a name did not parse.
#[derive(Debug, thiserror::Error)]
#[error("not a service name `{0}`: expected service/host[:port][@REALM] or service@host")]
pub struct BadSpn(String);

impl Spn {
    /// Parses `service/host[:port][@REALM]` or `service@host`.
    pub fn parse(s: &str) -> Result<Self, Error> {
        let bad = || Error::new(MajorStatus::BadName, BadSpn(s.to_string()));
        if let Some((service, rest)) = s.split_once('/') {
            let (hostport, realm) = match rest.rsplit_once('@') {
                Some((h, r)) if !r.is_empty() => (h, Some(r.to_string())),
                Some(_) => return Err(bad()),
                None => (rest, None),
            };
            let (host, port) = split_port(hostport).ok_or_else(bad)?;
            if service.is_empty() || host.is_empty() {
                return Err(bad());
            }
            Ok(Self {
                service: service.into(),
                host: host.into(),
                port,
                realm,
            })
        } else if let Some((service, host)) = s.split_once('@') {
            if service.is_empty() || host.is_empty() || host.contains('@') {
                return Err(bad());
            }
            Ok(Self {
                service: service.into(),
                host: host.into(),
                port: None,
                realm: None,
            })
        } else {
            Err(bad())
        }
    }

    /// Whether the host is an IP address, for which Kerberos has no principal and Negotiate goes
    /// straight to NTLM.
    pub fn host_is_ip(&self) -> bool {
        self.host
            .trim_matches(|c| c == '[' || c == ']')
            .parse::<IpAddr>()
            .is_ok()
    }
}

/// Splits `host[:port]`, allowing `[v6]:port` and a bare IPv6 address.
fn split_port(s: &str) -> Option<(&str, Option<u16>)> {
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        return match after.strip_prefix(':') {
            Some(p) => Some((host, Some(p.parse().ok()?))),
            None if after.is_empty() => Some((host, None)),
            None => None,
        };
    }
    match s.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => Some((host, Some(port.parse().ok()?))),
        _ => Some((s, None)),
    }
}

impl FromStr for Spn {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse(s)
    }
}

impl fmt::Display for Spn {
    /// The SSPI form, `service/host[:port][@REALM]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/", self.service)?;
        if self.host.contains(':') && self.port.is_some() {
            write!(f, "[{}]", self.host)?;
        } else {
            f.write_str(&self.host)?;
        }
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        if let Some(realm) = &self.realm {
            write!(f, "@{realm}")?;
        }
        Ok(())
    }
}

/// An authenticated name as a mechanism reports it: `DOMAIN\user` for NTLM, `user@REALM` for
/// Kerberos, the SPN for a target.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PeerName(pub String);

impl fmt::Display for PeerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_usual_forms() {
        let s = Spn::parse("HTTP/www.example.test").unwrap();
        assert_eq!(
            (s.service.as_str(), s.host.as_str(), s.port, s.realm),
            ("HTTP", "www.example.test", None, None)
        );
        let s = Spn::parse("MSSQLSvc/db.example.test:1433@EXAMPLE.TEST").unwrap();
        assert_eq!(
            (s.port, s.realm.as_deref()),
            (Some(1433), Some("EXAMPLE.TEST"))
        );
        assert_eq!(s.to_string(), "MSSQLSvc/db.example.test:1433@EXAMPLE.TEST");
        let s = Spn::parse("HTTP@localhost").unwrap();
        assert_eq!((s.service.as_str(), s.host.as_str()), ("HTTP", "localhost"));
        assert_eq!(s.to_string(), "HTTP/localhost");
        let s = Spn::parse("cifs/[::1]:445").unwrap();
        assert_eq!((s.host.as_str(), s.port), ("::1", Some(445)));
        assert!(s.host_is_ip());
        assert_eq!(s.to_string(), "cifs/[::1]:445");
        assert!(Spn::parse("HTTP/127.0.0.1").unwrap().host_is_ip());
        assert!(Spn::parse("HTTP/::1").unwrap().host_is_ip());
        assert!(!Spn::parse("HTTP/localhost").unwrap().host_is_ip());
    }

    #[test]
    fn refuses_what_is_not_a_service_name() {
        for bad in [
            "",
            "user",
            "/host",
            "HTTP/",
            "HTTP/host@",
            "HTTP/host:port",
            "a@b@c",
            "@host",
        ] {
            let e = Spn::parse(bad).unwrap_err();
            assert_eq!(e.major(), MajorStatus::BadName, "{bad}");
        }
    }
}
