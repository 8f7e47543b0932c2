//! The mechanisms SPNEGO negotiates: a context under the OIDs it answers to.

use sesame_asn1::ObjectIdentifier;
use sesame_gss::{MessageProtection, SecurityContext};

/// What SPNEGO needs of a mechanism context.
pub trait MechContext: SecurityContext + MessageProtection + Send {
    /// For mechanism-specific queries once established (a Kerberos acceptor's PAC, ...).
    fn as_any(&self) -> &dyn std::any::Any;
}

impl<T: SecurityContext + MessageProtection + Send + 'static> MechContext for T {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// A mechanism: its context and the OIDs it is known by, the first being the one to offer
/// (Kerberos answers to 1.2.840.48018.1.2.2, Microsoft's OID, and 1.2.840.113554.1.2.2).
pub struct Mech {
    /// The OIDs, preferred first.
    pub oids: Vec<ObjectIdentifier>,
    /// The context.
    pub context: Box<dyn MechContext>,
}

impl Mech {
    /// A mechanism under `oids`.
    pub fn new(oids: Vec<ObjectIdentifier>, context: Box<dyn MechContext>) -> Self {
        Self { oids, context }
    }

    /// Whether `oid` names this mechanism.
    pub fn answers_to(&self, oid: &ObjectIdentifier) -> bool {
        self.oids.iter().any(|o| o == oid)
    }
}

impl core::fmt::Debug for Mech {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Mech")
            .field("oids", &self.oids)
            .finish_non_exhaustive()
    }
}
