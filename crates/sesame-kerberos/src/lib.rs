//! Kerberos: RFC 3961/3962/8009/4757 cryptography, AS/TGS/AP exchanges, RFC 4121 tokens, DCE style, user-to-user, keytab and ccache files, krb5.conf, KDC transports.
//!
//! This crate is empty so far: its public API arrives with the issue that builds it (see
//! docs/architecture.md). It exports nothing, so nothing can be mistaken for a working mechanism.
#![forbid(unsafe_code)]
