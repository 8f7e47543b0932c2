//! Kerberos V5 for Sesame: RFC 3961/3962/8009/4757 cryptography, keytab and credential-cache
//! files, krb5.conf. (The AS/TGS/AP exchanges, RFC 4121 tokens, DCE style, user-to-user and the
//! KDC transports come with the next issue.)
#![forbid(unsafe_code)]

pub mod ccache;
pub mod crypto;
pub mod keytab;
pub mod krb5_conf;
pub mod principal;
mod wire;

pub use wire::WireError;
