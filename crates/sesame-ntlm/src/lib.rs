//! NTLM (MS-NLMP): messages, NTLMv2, MIC and session security, for client and server.
//!
//! This crate is empty so far: its public API arrives with the issue that builds it (see
//! docs/architecture.md). It exports nothing, so nothing can be mistaken for a working mechanism.
#![forbid(unsafe_code)]
