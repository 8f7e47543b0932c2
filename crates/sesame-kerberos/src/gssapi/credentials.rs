//! Credentials, as SSPI credential handles and GSS-API `gss_cred_id_t` hold them: what an
//! initiator authenticates with (a password, keys, or tickets) and what an acceptor decrypts
//! tickets with (a keytab, or its own TGT for user-to-user). Shared by `Arc` among contexts.

use zeroize::Zeroizing;

use crate::ccache::Ccache;
use crate::crypto::Key;
use crate::error::KerberosError;
use crate::exchange::{AsOptions, ClientSecret};
use crate::keytab::Keytab;
use crate::principal::Principal;
use crate::tickets::{IssuedTicket, TicketCache};

/// What an initiator authenticates with.
#[derive(Debug)]
pub struct InitiatorCredentials {
    /// The client principal.
    pub client: Principal,
    secret: Option<ClientSecret>,
    /// Tickets obtained or loaded; new ones are added as contexts get them.
    pub cache: TicketCache,
    /// How initial tickets are requested.
    pub as_options: AsOptions,
    /// Armor TGS requests with the TGT (FAST, RFC 6113 5.4.1.1): the cache says the KDC does
    /// FAST (`fast_avail`, which MIT's kinit and `sesame kinit -T` write).
    pub fast_tgs: bool,
}

impl InitiatorCredentials {
    /// A password: the TGT is requested when first needed.
    pub fn with_password(client: Principal, password: &str) -> Self {
        Self {
            client,
            secret: Some(ClientSecret::Password(Zeroizing::new(
                password.as_bytes().to_vec(),
            ))),
            cache: TicketCache::new(),
            as_options: AsOptions::default(),
            fast_tgs: false,
        }
    }

    /// The client's keys from a keytab (`kinit -k`).
    pub fn with_keytab(
        client: Principal,
        keytab: &Keytab,
        allow_weak: bool,
    ) -> Result<Self, KerberosError> {
        let keys = keytab.keys_for(&client, allow_weak);
        if keys.is_empty() {
            return Err(KerberosError::NoCredentials(format!(
                "the keytab has no usable key for {client}"
            )));
        }
        Ok(Self {
            client,
            secret: Some(ClientSecret::Keys(keys)),
            cache: TicketCache::new(),
            as_options: AsOptions {
                allow_weak,
                ..AsOptions::default()
            },
            fast_tgs: false,
        })
    }

    /// The tickets of a credential cache, its default principal as client (no KDC trip for a
    /// TGT while the cached one is valid).
    pub fn from_ccache(cache: &Ccache, allow_weak: bool) -> Self {
        Self {
            client: cache.default_principal.clone(),
            secret: None,
            cache: TicketCache::from_ccache(cache, allow_weak),
            as_options: AsOptions {
                allow_weak,
                ..AsOptions::default()
            },
            fast_tgs: cache.config("fast_avail").is_some(),
        }
    }

    /// Also keeps a password or keys, to get a new TGT when the cached one expires.
    #[must_use]
    pub fn and_secret(mut self, secret: ClientSecret) -> Self {
        self.secret = Some(secret);
        self
    }

    pub(crate) fn secret(&self) -> Option<&ClientSecret> {
        self.secret.as_ref()
    }

    /// Adds the tickets these credentials hold that the ccache `name` does not have (what MIT
    /// does with the service tickets a GSSAPI initiator gets); writes only when something is
    /// new. Returns whether it wrote.
    pub fn store_new_tickets(&self, name: &str) -> Result<bool, KerberosError> {
        let mut ccache = Ccache::read(name)?;
        let mut added = false;
        for t in self.cache.all() {
            let known = ccache
                .tickets()
                .any(|c| c.server.same_name(&t.server) && c.is_user_to_user() == t.user_to_user);
            if !known {
                ccache.credentials.push(t.to_credential()?);
                added = true;
            }
        }
        if added {
            ccache.write(name)?;
        }
        Ok(added)
    }

    /// The same secret for the client in `realm`, with no tickets yet: an IAKerb initiator
    /// whose user named no realm takes the one the acceptor names (realm discovery).
    #[must_use]
    pub fn in_realm(&self, realm: &str) -> Self {
        let mut client = self.client.clone();
        client.realm = realm.to_string();
        Self {
            client,
            secret: self.secret.clone(),
            cache: TicketCache::new(),
            as_options: self.as_options.clone(),
            fast_tgs: self.fast_tgs,
        }
    }

    /// A valid TGT of the client's realm, if cached.
    pub fn tgt(&self, now: i64) -> Option<IssuedTicket> {
        let krbtgt = Principal::krbtgt(&self.client.realm, &self.client.realm);
        self.cache.find(&self.client, &krbtgt, false, now)
    }
}

/// What an acceptor decrypts tickets with.
#[derive(Debug)]
pub enum AcceptorCredentials {
    /// Long-term keys of one or more service principals (any principal of the keytab is
    /// accepted, as MIT does for `GSS_C_NO_NAME`).
    Keytab(Keytab),
    /// User-to-user: the acceptor's TGT, whose session key decrypts the ticket, and which is
    /// sent to the initiator in the KERB-TGT-REPLY.
    UserToUser(Box<IssuedTicket>),
}

impl AcceptorCredentials {
    /// The user-to-user credentials of a ccache: its TGT for its own realm.
    pub fn user_to_user_from_ccache(
        cache: &Ccache,
        now: i64,
        allow_weak: bool,
    ) -> Result<Self, KerberosError> {
        let client = &cache.default_principal;
        let krbtgt = Principal::krbtgt(&client.realm, &client.realm);
        TicketCache::from_ccache(cache, allow_weak)
            .find(client, &krbtgt, false, now)
            .map(|t| Self::UserToUser(Box::new(t)))
            .ok_or_else(|| {
                KerberosError::NoCredentials(format!("no valid TGT for {client} in the ccache"))
            })
    }

    /// The key that decrypts a ticket for `server` with `etype` and `kvno`.
    pub(crate) fn ticket_key(
        &self,
        server: &Principal,
        etype: i32,
        kvno: Option<u32>,
        allow_weak: bool,
    ) -> Result<Key, KerberosError> {
        use sesame_asn1::kerberos::constants::error_code::{
            KRB_AP_ERR_BADKEYVER, KRB_AP_ERR_NOKEY, KRB_AP_ERR_NOT_US,
        };
        match self {
            Self::Keytab(keytab) => {
                let named: Vec<_> = keytab
                    .entries
                    .iter()
                    .filter(|e| e.principal.same_name(server))
                    .collect();
                if named.is_empty() {
                    return Err(KerberosError::rejected(
                        KRB_AP_ERR_NOT_US,
                        format!("the keytab has no key for {server}"),
                    ));
                }
                let entry = keytab.find(server, kvno, etype).ok_or_else(|| {
                    if named.iter().any(|e| e.enctype == etype) {
                        KerberosError::rejected(
                            KRB_AP_ERR_BADKEYVER,
                            format!("no key of version {kvno:?} for {server}"),
                        )
                    } else {
                        KerberosError::rejected(
                            KRB_AP_ERR_NOKEY,
                            format!("no enctype {etype} key for {server}"),
                        )
                    }
                })?;
                Ok(entry.key(allow_weak)?)
            }
            Self::UserToUser(tgt) => {
                if !tgt.client.same_name(server) {
                    return Err(KerberosError::rejected(
                        KRB_AP_ERR_NOT_US,
                        format!("user-to-user ticket for {server}, not {}", tgt.client),
                    ));
                }
                if tgt.session_key.enctype().id() != etype {
                    return Err(KerberosError::rejected(
                        KRB_AP_ERR_NOKEY,
                        "user-to-user ticket not encrypted in the TGT session key's enctype",
                    ));
                }
                Ok(tgt.session_key.clone())
            }
        }
    }

    /// The TGT's DER for a KERB-TGT-REPLY, if user-to-user.
    pub(crate) fn tgt_ticket(&self) -> Option<&sesame_asn1::kerberos::Ticket> {
        match self {
            Self::UserToUser(t) => Some(&t.ticket),
            Self::Keytab(_) => None,
        }
    }
}
