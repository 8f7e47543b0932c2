//! What client and server share once established: session security behind
//! [`sesame_gss::MessageProtection`].

use sesame_gss::{Error, MessageProtection, Unwrapped};

use zeroize::Zeroizing;

use crate::session::{SIGNATURE_LEN, SessionSecurity};
use crate::{NegotiateFlags, NtlmError};

/// An established NTLM context's protection: wrap tokens are the 16-byte signature followed by
/// the message, sealed when confidentiality was negotiated (as SSPI's `EncryptMessage` with the
/// token and data buffers concatenated, and as pyspnego and gss-ntlmssp exchange them).
///
/// The signing and sealing keys and RC4 streams are derived on first use: an HTTP or LDAP bind
/// that only authenticates never pays for them.
#[allow(clippy::struct_excessive_bools)] // four independent facts of the negotiation
pub(crate) struct Established {
    exported_session_key: Zeroizing<[u8; 16]>,
    is_client: bool,
    key_exch: bool,
    session: Option<SessionSecurity>,
    pub(crate) seal: bool,
    /// Whether integrity (NTLMSSP_NEGOTIATE_SIGN) was negotiated.
    pub(crate) sign: bool,
    /// The sealing key's strength as negotiated (MS-NLMP 3.4.5.3: 128, 56 or 40 bits).
    key_bits: u32,
    /// Whether the AUTHENTICATE carried a MIC (then SPNEGO exchanges mechListMIC).
    pub(crate) with_mic: bool,
}

impl Established {
    pub(crate) fn new(
        exported_session_key: &[u8; 16],
        is_client: bool,
        flags: NegotiateFlags,
    ) -> Self {
        Self {
            exported_session_key: Zeroizing::new(*exported_session_key),
            is_client,
            key_exch: flags.contains(NegotiateFlags::KEY_EXCH),
            session: None,
            seal: flags.contains(NegotiateFlags::SEAL),
            sign: flags.contains(NegotiateFlags::SIGN),
            key_bits: if flags.contains(NegotiateFlags::KEY_128) {
                128
            } else if flags.contains(NegotiateFlags::KEY_56) {
                56
            } else {
                40
            },
            with_mic: false,
        }
    }

    /// Whether SPNEGO must exchange mechListMIC (MS-SPNG 3.1.5.1): when the AUTHENTICATE
    /// carried a MIC and integrity was negotiated. Without NTLMSSP_NEGOTIATE_SIGN (an
    /// authentication-only context, e.g. an LDAP bind inside TLS) there is nothing to sign
    /// with, and Windows and Samba send none; the NTLM MIC still covers the three messages.
    pub(crate) fn requires_mech_list_mic(&self) -> bool {
        self.with_mic && self.sign
    }

    /// The session security's algorithm: RC4 with HMAC-MD5 signatures (MS-NLMP 3.4).
    pub(crate) fn key_info(&self) -> sesame_gss::KeyInfo {
        sesame_gss::KeyInfo {
            algorithm: "rc4-hmac-md5",
            enctype: None,
            bits: self.key_bits,
        }
    }

    /// Restarts one direction's RC4 stream after a SPNEGO mechListMIC.
    pub(crate) fn reset_rc4(&mut self, outgoing: bool) {
        self.session().reset_rc4(outgoing);
    }

    fn session(&mut self) -> &mut SessionSecurity {
        let (key, is_client, key_exch) =
            (&self.exported_session_key, self.is_client, self.key_exch);
        self.session
            .get_or_insert_with(|| SessionSecurity::new(key, is_client, key_exch))
    }
}

impl MessageProtection for Established {
    fn wrap_in_place(&mut self, buf: &mut Vec<u8>, confidential: bool) -> Result<(), Error> {
        if confidential && !self.seal {
            return Err(Error::new(
                sesame_gss::MajorStatus::Unavailable,
                NtlmError::State,
            ));
        }
        let len = buf.len();
        buf.resize(len + SIGNATURE_LEN, 0);
        buf.copy_within(..len, SIGNATURE_LEN);
        let (sig, msg) = buf.split_at_mut(SIGNATURE_LEN);
        let seal = self.seal;
        let session = self.session();
        let signature = if seal {
            session.seal(msg)
        } else {
            session.sign(msg)
        };
        sig.copy_from_slice(&signature);
        Ok(())
    }

    fn unwrap_in_place<'a>(&mut self, buf: &'a mut [u8]) -> Result<Unwrapped<'a>, Error> {
        if buf.len() < SIGNATURE_LEN {
            return Err(NtlmError::Malformed("wrap token shorter than a signature").into());
        }
        let (sig, msg) = buf.split_at_mut(SIGNATURE_LEN);
        if self.seal {
            self.session().unseal(msg, sig)?;
        } else {
            self.session().verify(msg, sig)?;
        }
        Ok(Unwrapped {
            message: msg,
            confidential: self.seal,
        })
    }

    fn get_mic(&mut self, message: &[u8]) -> Result<Vec<u8>, Error> {
        Ok(self.session().sign(message).to_vec())
    }

    fn verify_mic(&mut self, message: &[u8], mic: &[u8]) -> Result<(), Error> {
        self.session().verify(message, mic).map_err(Into::into)
    }
}
