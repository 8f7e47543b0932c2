//! Negotiate: composes Kerberos, NTLM and SPNEGO and owns the Kerberos-to-NTLM fallback policy.
//!
//! This crate is empty so far: its public API arrives with the issue that builds it (see
//! docs/architecture.md). It exports nothing, so nothing can be mistaken for a working mechanism.
#![forbid(unsafe_code)]
