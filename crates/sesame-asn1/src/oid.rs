//! Object identifiers of the mechanisms Sesame speaks.

use rasn::types::Oid;

/// SPNEGO, RFC 4178: 1.3.6.1.5.5.2.
pub const SPNEGO: &Oid = Oid::const_new(&[1, 3, 6, 1, 5, 5, 2]);
/// Kerberos V5 GSS-API mechanism, RFC 4121: 1.2.840.113554.1.2.2.
pub const KERBEROS: &Oid = Oid::const_new(&[1, 2, 840, 113_554, 1, 2, 2]);
/// Microsoft's mistyped Kerberos OID (MS-SPNG 3.1.5.2): 1.2.840.48018.1.2.2. Windows lists it
/// first; an acceptor answers with whichever of the two the initiator listed.
pub const MS_KERBEROS: &Oid = Oid::const_new(&[1, 2, 840, 48_018, 1, 2, 2]);
/// Kerberos user-to-user, RFC 4121 / MS-KILE 3.1.5.8: 1.2.840.113554.1.2.2.3.
pub const KERBEROS_U2U: &Oid = Oid::const_new(&[1, 2, 840, 113_554, 1, 2, 2, 3]);
/// IAKerb, draft-ietf-kitten-iakerb: 1.3.6.1.5.2.5.
pub const IAKERB: &Oid = Oid::const_new(&[1, 3, 6, 1, 5, 2, 5]);
/// NTLMSSP, MS-NLMP: 1.3.6.1.4.1.311.2.2.10.
pub const NTLMSSP: &Oid = Oid::const_new(&[1, 3, 6, 1, 4, 1, 311, 2, 2, 10]);
/// NegoEx, MS-NEGOEX: 1.3.6.1.4.1.311.2.2.30.
pub const NEGOEX: &Oid = Oid::const_new(&[1, 3, 6, 1, 4, 1, 311, 2, 2, 30]);

/// The conventional name of a known mechanism OID (`"kerberos"`, `"ntlm"`, ...).
pub fn mech_name(oid: &[u32]) -> Option<&'static str> {
    [
        (SPNEGO, "spnego"),
        (KERBEROS, "kerberos"),
        (MS_KERBEROS, "kerberos (MS OID)"),
        (KERBEROS_U2U, "kerberos-u2u"),
        (IAKERB, "iakerb"),
        (NTLMSSP, "ntlm"),
        (NEGOEX, "negoex"),
    ]
    .into_iter()
    .find_map(|(known, name)| (**known == *oid).then_some(name))
}
