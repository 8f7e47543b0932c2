//! What the client delegates in authInfo (MS-CSSP 2.2.1.2): a password, nothing at all
//! (restricted admin mode: empty TSPasswordCreds), a smart card's PIN and CSP, or Remote
//! Credential Guard's package buffers. Secrets are wiped on drop and never printed.

use core::fmt;

use sesame_asn1::Der;
use sesame_asn1::credssp::{
    TsCredentials, TsPasswordCreds, TsRemoteGuardCreds, TsSmartCardCreds, cred_type, from_utf16le,
    utf16le,
};
use sesame_asn1::kerberos::SecretOctets;
use zeroize::Zeroizing;

use crate::CredsspError;

/// What a client sends in authInfo.
#[derive(Clone)]
pub enum Credentials {
    /// A domain, user and password (TSPasswordCreds), for the server to log on with.
    Password {
        /// The NetBIOS or DNS domain.
        domain: String,
        /// The user name.
        user: String,
        /// The password.
        password: Zeroizing<String>,
    },
    /// Restricted admin mode: TSPasswordCreds with every field empty, so that nothing
    /// reusable reaches the server.
    RestrictedAdmin,
    /// A smart card (TSSmartCardCreds) as the structure says it.
    SmartCard(TsSmartCardCreds),
    /// Remote Credential Guard (TSRemoteGuardCreds): the logon package's buffer, no secret
    /// the server can reuse elsewhere.
    RemoteGuard(TsRemoteGuardCreds),
}

impl Credentials {
    /// A password credential.
    pub fn password(domain: &str, user: &str, password: &str) -> Self {
        Self::Password {
            domain: domain.into(),
            user: user.into(),
            password: Zeroizing::new(password.into()),
        }
    }

    /// The TSCredentials DER (a secret: wiped on drop).
    pub(crate) fn encode(&self) -> Result<Zeroizing<Vec<u8>>, CredsspError> {
        let (kind, inner) = match self {
            Self::Password {
                domain,
                user,
                password,
            } => (
                cred_type::PASSWORD,
                TsPasswordCreds {
                    domain_name: utf16le(domain).into(),
                    user_name: utf16le(user).into(),
                    password: SecretOctets::new(utf16le(password)),
                }
                .to_der(),
            ),
            Self::RestrictedAdmin => (cred_type::PASSWORD, TsPasswordCreds::default().to_der()),
            Self::SmartCard(c) => (cred_type::SMART_CARD, c.to_der()),
            Self::RemoteGuard(c) => (cred_type::REMOTE_GUARD, c.to_der()),
        };
        let inner = Zeroizing::new(inner.map_err(CredsspError::decode("credentials"))?);
        let outer = TsCredentials {
            cred_type: kind,
            credentials: SecretOctets::new(inner.to_vec()),
        };
        Ok(Zeroizing::new(
            outer
                .to_der()
                .map_err(CredsspError::decode("TSCredentials"))?,
        ))
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Password { domain, user, .. } => {
                write!(f, "Password({domain}\\{user}, <secret>)")
            }
            Self::RestrictedAdmin => f.write_str("RestrictedAdmin"),
            Self::SmartCard(_) => f.write_str("SmartCard(<secret>)"),
            Self::RemoteGuard(_) => f.write_str("RemoteGuard(<secret>)"),
        }
    }
}

/// What a server received in authInfo: the same kinds, the password as text.
#[derive(Clone)]
pub enum Delegated {
    /// A password for `domain\user`.
    Password {
        /// The domain the client named.
        domain: String,
        /// The user.
        user: String,
        /// The password (wiped on drop, never in Debug).
        password: Zeroizing<String>,
    },
    /// Empty TSPasswordCreds: the client is in restricted admin mode.
    RestrictedAdmin,
    /// A smart card's PIN and CSP data.
    SmartCard(TsSmartCardCreds),
    /// Remote Credential Guard's buffers.
    RemoteGuard(TsRemoteGuardCreds),
}

impl Delegated {
    /// Decodes a TSCredentials.
    pub(crate) fn decode(der: &[u8]) -> Result<Self, CredsspError> {
        let outer = TsCredentials::from_der(der).map_err(CredsspError::decode("TSCredentials"))?;
        let inner = outer.credentials.expose();
        match outer.cred_type {
            cred_type::PASSWORD => {
                let c = TsPasswordCreds::from_der(inner)
                    .map_err(CredsspError::decode("TSPasswordCreds"))?;
                if c.domain_name.is_empty()
                    && c.user_name.is_empty()
                    && c.password.expose().is_empty()
                {
                    return Ok(Self::RestrictedAdmin);
                }
                let text = |b: &[u8], what| from_utf16le(b).ok_or(CredsspError::Unexpected(what));
                Ok(Self::Password {
                    domain: text(&c.domain_name, "TSPasswordCreds domain is not UTF-16")?,
                    user: text(&c.user_name, "TSPasswordCreds user is not UTF-16")?,
                    password: Zeroizing::new(text(
                        c.password.expose(),
                        "TSPasswordCreds password is not UTF-16",
                    )?),
                })
            }
            cred_type::SMART_CARD => Ok(Self::SmartCard(
                TsSmartCardCreds::from_der(inner)
                    .map_err(CredsspError::decode("TSSmartCardCreds"))?,
            )),
            cred_type::REMOTE_GUARD => Ok(Self::RemoteGuard(
                TsRemoteGuardCreds::from_der(inner)
                    .map_err(CredsspError::decode("TSRemoteGuardCreds"))?,
            )),
            _ => Err(CredsspError::Unexpected(
                "TSCredentials of an unknown credType",
            )),
        }
    }

    /// `password`, `restricted-admin`, `smart-card` or `remote-guard`: what the server may
    /// report without showing a secret.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Password { .. } => "password",
            Self::RestrictedAdmin => "restricted-admin",
            Self::SmartCard(_) => "smart-card",
            Self::RemoteGuard(_) => "remote-guard",
        }
    }
}

impl fmt::Debug for Delegated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Password { domain, user, .. } if domain.is_empty() => {
                write!(f, "Password({user}, <secret>)")
            }
            Self::Password { domain, user, .. } => {
                write!(f, "Password({domain}\\{user}, <secret>)")
            }
            other => f.write_str(other.kind()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_round_trips_and_hides_its_secret() {
        let pw = Credentials::password("SAMBA", "user1", "Passw0rd1!");
        let der = pw.encode().unwrap();
        let got = Delegated::decode(&der).unwrap();
        let Delegated::Password {
            domain,
            user,
            password,
        } = &got
        else {
            panic!("{got:?}");
        };
        assert_eq!(
            (domain.as_str(), user.as_str(), password.as_str()),
            ("SAMBA", "user1", "Passw0rd1!")
        );
        assert!(!format!("{pw:?}{got:?}").contains("Passw0rd1!"));
        let ra = Delegated::decode(&Credentials::RestrictedAdmin.encode().unwrap()).unwrap();
        assert_eq!(ra.kind(), "restricted-admin");
        let guard = TsRemoteGuardCreds {
            logon_cred: sesame_asn1::credssp::TsRemoteGuardPackageCred {
                package_name: utf16le("Kerberos").into(),
                cred_buffer: SecretOctets::new(vec![1, 2, 3]),
            },
            supplemental_creds: None,
        };
        let rg = Delegated::decode(&Credentials::RemoteGuard(guard).encode().unwrap()).unwrap();
        assert_eq!(rg.kind(), "remote-guard");
        assert!(Delegated::decode(&[0x30, 0x00]).is_err());
    }
}
