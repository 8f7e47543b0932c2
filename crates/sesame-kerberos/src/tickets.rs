//! Tickets as a client holds them: the ticket, its session key and what the KDC said about it
//! (RFC 4120 5.4.2 EncKDCRepPart), and an in-memory cache of them that can be loaded from and
//! saved to a credential cache.

use std::sync::Mutex;

use sesame_asn1::Der;
use sesame_asn1::kerberos::Ticket;
use zeroize::Zeroizing;

use crate::ccache::{Ccache, Credential};
use crate::crypto::{Enctype, Key};
use crate::error::KerberosError;
use crate::principal::Principal;

/// A ticket with its session key.
#[derive(Clone, Debug)]
pub struct IssuedTicket {
    /// The client it was issued to.
    pub client: Principal,
    /// The service it is for.
    pub server: Principal,
    /// The ticket.
    pub ticket: Ticket,
    /// The session key shared with the service.
    pub session_key: Key,
    /// Ticket flags, flag 0 in the most significant bit.
    pub flags: u32,
    /// Times, seconds since the epoch.
    pub authtime: i64,
    /// Start of validity (the authtime when absent).
    pub starttime: Option<i64>,
    /// End of validity.
    pub endtime: i64,
    /// Renewal limit.
    pub renew_till: Option<i64>,
    /// Whether the ticket is encrypted in another TGT's session key (user-to-user).
    pub user_to_user: bool,
}

impl IssuedTicket {
    /// Whether it is a ticket-granting ticket for its client's or another realm.
    pub fn is_tgt(&self) -> bool {
        self.server.tgs_realm().is_some()
    }

    /// Whether the ticket is still valid at `now` (seconds since the epoch).
    pub fn valid_at(&self, now: i64) -> bool {
        self.starttime.unwrap_or(self.authtime) <= now + 300 && now < self.endtime
    }

    /// The credential-cache form.
    pub fn to_credential(&self) -> Result<Credential, KerberosError> {
        let clamp = |t: i64| u32::try_from(t.max(0)).unwrap_or(u32::MAX);
        Ok(Credential {
            client: self.client.clone(),
            server: self.server.clone(),
            key_enctype: self.session_key.enctype().id(),
            key: Zeroizing::new(self.session_key.as_bytes().to_vec()),
            authtime: clamp(self.authtime),
            starttime: clamp(self.starttime.unwrap_or(self.authtime)),
            endtime: clamp(self.endtime),
            renew_till: clamp(self.renew_till.unwrap_or(0)),
            is_skey: u8::from(self.user_to_user),
            ticket_flags: self.flags,
            addresses: Vec::new(),
            authdata: Vec::new(),
            ticket: self
                .ticket
                .to_der()
                .map_err(KerberosError::decode("ticket"))?,
            second_ticket: Vec::new(),
        })
    }

    /// A ticket from a credential-cache entry; rc4 session keys only with `allow_weak`.
    pub fn from_credential(c: &Credential, allow_weak: bool) -> Result<Self, KerberosError> {
        let enctype = if allow_weak {
            Enctype::from_id_allow_weak(c.key_enctype)?
        } else {
            Enctype::from_id(c.key_enctype)?
        };
        Ok(Self {
            client: c.client.clone(),
            server: c.server.clone(),
            ticket: c
                .decode_ticket()
                .map_err(KerberosError::decode("cached ticket"))?,
            session_key: Key::new(enctype, &c.key)?,
            flags: c.ticket_flags,
            authtime: i64::from(c.authtime),
            starttime: Some(i64::from(c.starttime)),
            endtime: i64::from(c.endtime),
            renew_till: (c.renew_till != 0).then_some(i64::from(c.renew_till)),
            user_to_user: c.is_user_to_user(),
        })
    }
}

/// Tickets shared by the contexts of one client credential (what SSPI keeps in the logon
/// session and MIT in the ccache), so a second context to the same service costs no KDC trip.
#[derive(Debug, Default)]
pub struct TicketCache {
    tickets: Mutex<Vec<IssuedTicket>>,
}

impl TicketCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The usable tickets of a credential cache (rc4 ones only with `allow_weak`).
    pub fn from_ccache(cache: &Ccache, allow_weak: bool) -> Self {
        let tickets = cache
            .tickets()
            .filter_map(|c| IssuedTicket::from_credential(c, allow_weak).ok())
            .collect();
        Self {
            tickets: Mutex::new(tickets),
        }
    }

    /// A valid ticket of `client` for `server` at `now`, if cached (user-to-user tickets are
    /// only returned when `user_to_user` asks for them).
    pub fn find(
        &self,
        client: &Principal,
        server: &Principal,
        user_to_user: bool,
        now: i64,
    ) -> Option<IssuedTicket> {
        let tickets = self.tickets.lock().ok()?;
        tickets
            .iter()
            .rev()
            .find(|t| {
                t.client.same_name(client)
                    && t.server.same_name(server)
                    && t.user_to_user == user_to_user
                    && t.valid_at(now)
            })
            .cloned()
    }

    /// The latest end time of the tickets for `client` and `server`, valid or not (to say that
    /// a TGT expired rather than that there is none).
    pub fn latest_end(&self, client: &Principal, server: &Principal) -> Option<i64> {
        let tickets = self.tickets.lock().ok()?;
        tickets
            .iter()
            .filter(|t| t.client.same_name(client) && t.server.same_name(server))
            .map(|t| t.endtime)
            .max()
    }

    /// Adds (or replaces) a ticket.
    pub fn insert(&self, ticket: IssuedTicket) {
        if let Ok(mut tickets) = self.tickets.lock() {
            tickets.retain(|t| {
                !(t.client.same_name(&ticket.client)
                    && t.server.same_name(&ticket.server)
                    && t.user_to_user == ticket.user_to_user)
            });
            tickets.push(ticket);
        }
    }

    /// All tickets, oldest first.
    pub fn all(&self) -> Vec<IssuedTicket> {
        self.tickets.lock().map(|t| t.clone()).unwrap_or_default()
    }

    /// A credential cache holding every ticket, with `client` as its default principal.
    pub fn to_ccache(&self, client: &Principal) -> Result<Ccache, KerberosError> {
        let mut cache = Ccache::new(client.clone());
        for t in self.all() {
            cache.credentials.push(t.to_credential()?);
        }
        Ok(cache)
    }
}
