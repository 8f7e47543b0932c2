//! Kerberos V5 messages (RFC 4120 section 5, its ASN.1 module in appendix A) and the additions
//! that Active Directory and the user-to-user exchange need.
//!
//! The module is `DEFINITIONS EXPLICIT TAGS`: every context tag is explicit.

mod ap;
mod authz;
mod basic;
pub mod constants;
mod fast;
mod kdc;
mod krb_error;
mod padata;
mod primitive;
mod safe_priv_cred;
mod string;
mod ticket;
mod time;
mod u2u;

pub use ap::{ApOptions, ApRep, ApReq, Authenticator, EncApRepPart};
pub use authz::{
    AdAndOr, AdIfRelevant, AdKdcIssued, AdMandatoryForKdc, KerbAdRestrictionEntry,
    KerbAdRestrictions,
};
pub use basic::{
    AuthorizationData, AuthorizationDataEntry, Checksum, EncryptedData, EncryptionKey, HostAddress,
    HostAddresses, KerberosFlags, LastReq, LastReqEntry, Microseconds, PaData, PrincipalName,
    Realm, SecretOctets,
};
pub use fast::{
    KrbFastArmor, KrbFastArmoredRep, KrbFastArmoredReq, KrbFastFinished, KrbFastReq,
    KrbFastResponse, PaFxFastReply, PaFxFastRequest,
};
pub use kdc::{
    AsRep, AsReq, EncAsRepPart, EncKdcRepPart, EncTgsRepPart, KdcOptions, KdcRep, KdcReq,
    KdcReqBody, TgsRep, TgsReq,
};
pub use krb_error::{KrbError, MethodData, TypedData, TypedDataEntry};
pub use padata::{
    EtypeInfo, EtypeInfo2, EtypeInfo2Entry, EtypeInfoEntry, PaEncTsEnc, PaForUser, PaPacOptions,
    PaPacRequest, PaS4uX509User, S4uUserId,
};
pub use safe_priv_cred::{
    EncKrbCredPart, EncKrbPrivPart, KrbCred, KrbCredInfo, KrbPriv, KrbSafe, KrbSafeBody,
};
pub use string::KerberosString;
pub use ticket::{EncTicketPart, Ticket, TicketFlags, TransitedEncoding};
pub use time::KerberosTime;
pub use u2u::{KerbTgtReply, KerbTgtRequest};
