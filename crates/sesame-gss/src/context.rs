//! The security-context state machine and message protection.

use crate::{ContextFlags, Error, PeerName};

/// What the caller feeds a context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input<'a> {
    /// The initiator's first call: no token yet.
    Start,
    /// A token from the peer.
    Token(&'a [u8]),
    /// The KDC's answer to the last [`Step::NeedKdc`] request (without a TCP length prefix).
    KdcReply(&'a [u8]),
}

/// What a context asks the caller to do next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Send the token to the peer and feed its answer back (`GSS_S_CONTINUE_NEEDED`,
    /// `SEC_I_CONTINUE_NEEDED`).
    Continue(Vec<u8>),
    /// The context is established; send the token, if any, to the peer (`GSS_S_COMPLETE`,
    /// `SEC_E_OK`).
    Complete(Option<Vec<u8>>),
    /// Send the request to a KDC of the realm and feed the answer back with
    /// [`Input::KdcReply`]. The transport is the caller's (or sesame-kerberos's blocking one).
    NeedKdc(KdcRequest),
}

/// The algorithm of an established context's session key: SSPI's `SECPKG_ATTR_KEY_INFO`,
/// what MIT reports through `gss_inquire_sec_context_by_oid` (`GSS_C_INQ_SSPI_SESSION_KEY`'s
/// enctype).
///
/// ```
/// fn report(ctx: &dyn sesame_gss::SecurityContext) {
///     if let Some(key) = ctx.key_info() {
///         println!("{} ({} bits, enctype {:?})", key.algorithm, key.bits, key.enctype);
///     }
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeyInfo {
    /// The algorithm's name (`aes256-cts-hmac-sha1-96`, `rc4` for NTLM's session security).
    pub algorithm: &'static str,
    /// The Kerberos enctype number (RFC 3961 8), for Kerberos.
    pub enctype: Option<i32>,
    /// The key's length in bits.
    pub bits: u32,
}

/// A message for a KDC, produced by a sans-IO mechanism.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KdcRequest {
    /// The realm whose KDC must answer.
    pub realm: String,
    /// The DER of the AS-REQ or TGS-REQ, without a length prefix.
    pub message: Vec<u8>,
}

/// A GSS-API security context, initiator or acceptor, of one mechanism.
///
/// ```
/// use sesame_gss::{Error, Input, MajorStatus, SecurityContext, Step};
/// /// Drives any context to the end; `send` carries a token to the peer and returns its answer.
/// fn drive(
///     ctx: &mut dyn SecurityContext,
///     send: &mut dyn FnMut(&[u8]) -> Vec<u8>,
/// ) -> Result<(), Error> {
///     let mut step = ctx.step(Input::Start)?;
///     loop {
///         match step {
///             Step::Continue(token) => {
///                 let answer = send(&token);
///                 step = ctx.step(Input::Token(&answer))?;
///             }
///             Step::Complete(last) => {
///                 if let Some(token) = last {
///                     send(&token);
///                 }
///                 return Ok(());
///             }
///             // A Kerberos context asks for its KDC: sesame-kerberos's step_with_kdc does it.
///             Step::NeedKdc(_) => return Err(Error::bare(MajorStatus::Unavailable)),
///         }
///     }
/// }
/// ```
pub trait SecurityContext {
    /// Advances the exchange (`GSS_Init_sec_context` / `GSS_Accept_sec_context`). An error ends
    /// the context; it carries the mechanism's own error as its source.
    fn step(&mut self, input: Input<'_>) -> Result<Step, Error>;

    /// Whether the exchange is complete.
    fn is_established(&self) -> bool;

    /// The flags in force: requested ones until established, then the negotiated ones.
    fn flags(&self) -> ContextFlags;

    /// The mechanism's OID arcs, e.g. `[1, 3, 6, 1, 4, 1, 311, 2, 2, 10]` for NTLM.
    fn mechanism(&self) -> &'static [u32];

    /// The authenticated peer: on an acceptor the client (`DOMAIN\user`, `user@REALM`), on an
    /// initiator the target. `None` until established.
    fn peer_name(&self) -> Option<&PeerName>;

    /// Whether SPNEGO must exchange mechListMIC with this mechanism even when the peer did not
    /// ask for it, as Windows does (MS-SPNG 3.1.5.1): NTLM when its AUTHENTICATE carried a MIC,
    /// Kerberos user-to-user and DCE style. Asked once the context is established.
    fn requires_mech_list_mic(&self) -> bool {
        false
    }

    /// The caller could not get an answer to the last [`Step::NeedKdc`]; `error` says why (the
    /// transport's facts). A context that can go on without the KDC (Negotiate handing over to
    /// NTLM) answers with its next step; the others return the error, as this default does.
    fn kdc_failed(&mut self, error: Error) -> Result<Step, Error> {
        Err(error)
    }

    /// The session key's algorithm, once established (`None` before, and for mechanisms
    /// without one).
    fn key_info(&self) -> Option<KeyInfo> {
        None
    }

    /// Whether message protection works already (RFC 2743 `GSS_C_PROT_READY_FLAG`): SPNEGO's
    /// mechanism can wrap once it is established, before SPNEGO's own last token. CredSSP
    /// binds the TLS key in the message that carries that last token.
    fn prot_ready(&self) -> bool {
        self.is_established()
    }

    /// After a failed step: an error token for the peer, if the mechanism has one (a Kerberos
    /// acceptor's KRB-ERROR, as `GSS_Accept_sec_context` returns it). Sending it is the
    /// caller's choice; SPNEGO carries it in its reject.
    fn error_token(&self) -> Option<Vec<u8>> {
        None
    }
}

/// A message unwrapped in place.
#[derive(Debug, PartialEq, Eq)]
pub struct Unwrapped<'a> {
    /// The plaintext, a sub-slice of the caller's buffer.
    pub message: &'a mut [u8],
    /// Whether it had been encrypted (`conf_state`).
    pub confidential: bool,
}

/// Per-message protection on an established context (RFC 2743 2.3).
///
/// The in-place methods are the primitive ones, so that a caller who keeps its buffers pays no
/// allocation per message; the others allocate and are written in terms of them.
///
/// ```
/// use sesame_gss::{Error, MessageProtection};
/// fn seal(ctx: &mut dyn MessageProtection, message: &[u8]) -> Result<Vec<u8>, Error> {
///     ctx.wrap(message, true) // confidential: encrypted and signed
/// }
/// ```
pub trait MessageProtection {
    /// Replaces the plaintext in `buf` by the wrap token (`GSS_Wrap`, `EncryptMessage`). The
    /// buffer grows by the header and trailer; with enough spare capacity it does not allocate.
    fn wrap_in_place(&mut self, buf: &mut Vec<u8>, confidential: bool) -> Result<(), Error>;

    /// Verifies and decrypts the token in `buf` in place (`GSS_Unwrap`, `DecryptMessage`).
    fn unwrap_in_place<'a>(&mut self, buf: &'a mut [u8]) -> Result<Unwrapped<'a>, Error>;

    /// A MIC token over `message` (`GSS_GetMIC`, `MakeSignature`).
    fn get_mic(&mut self, message: &[u8]) -> Result<Vec<u8>, Error>;

    /// Checks a MIC token (`GSS_VerifyMIC`, `VerifySignature`).
    fn verify_mic(&mut self, message: &[u8], mic: &[u8]) -> Result<(), Error>;

    /// Called by SPNEGO after it produced (`outgoing`) or verified a mechListMIC with this
    /// context. NTLM restarts that direction's RC4 stream, as Windows, gss-ntlmssp and pyspnego
    /// do; other mechanisms need nothing.
    fn reset_after_mech_list_mic(&mut self, outgoing: bool) {
        let _ = outgoing;
    }

    /// `GSS_Wrap` into a new buffer.
    fn wrap(&mut self, message: &[u8], confidential: bool) -> Result<Vec<u8>, Error> {
        let mut buf = Vec::with_capacity(message.len() + 128);
        buf.extend_from_slice(message);
        self.wrap_in_place(&mut buf, confidential)?;
        Ok(buf)
    }

    /// `GSS_Unwrap` into a new buffer; returns the plaintext and whether it was encrypted.
    fn unwrap(&mut self, token: &[u8]) -> Result<(Vec<u8>, bool), Error> {
        let mut buf = token.to_vec();
        let out = self.unwrap_in_place(&mut buf)?;
        Ok((out.message.to_vec(), out.confidential))
    }
}
