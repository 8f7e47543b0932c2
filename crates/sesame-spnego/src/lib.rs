//! SPNEGO (RFC 4178, MS-SPNG) state machines: mechanism selection, the optimistic token, mechListMIC rules.
//!
//! This crate is empty so far: its public API arrives with the issue that builds it (see
//! docs/architecture.md). It exports nothing, so nothing can be mistaken for a working mechanism.
#![forbid(unsafe_code)]
