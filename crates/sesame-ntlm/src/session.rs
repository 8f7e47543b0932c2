//! Session security with extended session security (MS-NLMP 3.4): sign and seal, a sequence
//! number and an RC4 stream per direction.

use rc4::{Rc4, StreamCipher};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::NtlmError;
use crate::crypto::{direction_keys, hmac_md5};

/// Length of an NTLM signature: version 1, 8 bytes of checksum, the sequence number.
pub const SIGNATURE_LEN: usize = 16;

/// One direction: its signing key, its RC4 stream (kept across messages) and sequence number.
struct Direction {
    signing_key: Zeroizing<[u8; 16]>,
    sealing_key: Zeroizing<[u8; 16]>,
    rc4: Rc4,
    seq: u32,
}

/// An RC4 stream for a 16-byte sealing key (within RC4's key sizes).
fn rc4(key: &[u8; 16]) -> Rc4 {
    <Rc4 as rc4::KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| <Rc4 as rc4::KeyInit>::new(&rc4::cipher::Key::<Rc4>::default()))
}

impl Direction {
    fn new(exported_session_key: &[u8; 16], client_to_server: bool) -> Self {
        let (signing_key, sealing_key) = direction_keys(exported_session_key, client_to_server);
        Self {
            signing_key,
            rc4: rc4(&sealing_key),
            sealing_key,
            seq: 0,
        }
    }

    /// The signature of `message` at the current sequence number (MS-NLMP 3.4.4.2): the first 8
    /// bytes of HMAC-MD5(SigningKey, seq | message), RC4-encrypted when keys were exchanged.
    fn signature(&mut self, message: &[u8], key_exch: bool) -> [u8; SIGNATURE_LEN] {
        let mac = self.mac(message);
        self.finish(&mac, key_exch)
    }

    /// HMAC-MD5(SigningKey, seq | message) at the current sequence number.
    fn mac(&self, message: &[u8]) -> [u8; 16] {
        hmac_md5(&*self.signing_key, &[&self.seq.to_le_bytes(), message])
    }

    /// The signature from the MAC of the message: version, checksum (RC4-encrypted when keys
    /// were exchanged, continuing the stream), sequence number; then the next sequence number.
    fn finish(&mut self, mac: &[u8; 16], key_exch: bool) -> [u8; SIGNATURE_LEN] {
        let mut checksum = [0u8; 8];
        checksum.copy_from_slice(&mac[..8]);
        if key_exch {
            self.rc4.apply_keystream(&mut checksum);
        }
        let mut out = [0u8; SIGNATURE_LEN];
        out[..4].copy_from_slice(&1u32.to_le_bytes());
        out[4..12].copy_from_slice(&checksum);
        out[12..].copy_from_slice(&self.seq.to_le_bytes());
        self.seq = self.seq.wrapping_add(1);
        out
    }
}

/// Both directions of an established context.
pub struct SessionSecurity {
    outgoing: Direction,
    incoming: Direction,
    key_exch: bool,
}

impl SessionSecurity {
    /// Keys for the client (`is_client`) or the server, from the exported session key.
    pub fn new(exported_session_key: &[u8; 16], is_client: bool, key_exch: bool) -> Self {
        Self {
            outgoing: Direction::new(exported_session_key, is_client),
            incoming: Direction::new(exported_session_key, !is_client),
            key_exch,
        }
    }

    /// Restarts one direction's RC4 stream (sequence numbers go on), as SPNEGO asks after a
    /// mechListMIC (MS-SPNG 3.3.5.1; gss-ntlmssp's reset-crypto option, pyspnego).
    pub fn reset_rc4(&mut self, outgoing: bool) {
        let d = if outgoing {
            &mut self.outgoing
        } else {
            &mut self.incoming
        };
        d.rc4 = rc4(&d.sealing_key);
    }

    /// Signs `message` (GSS_GetMIC).
    pub fn sign(&mut self, message: &[u8]) -> [u8; SIGNATURE_LEN] {
        self.outgoing.signature(message, self.key_exch)
    }

    /// Verifies a signature (GSS_VerifyMIC), in constant time, advancing the sequence number.
    pub fn verify(&mut self, message: &[u8], signature: &[u8]) -> Result<(), NtlmError> {
        let expected = self.incoming.signature(message, self.key_exch);
        if bool::from(expected.ct_eq(signature)) {
            Ok(())
        } else {
            Err(NtlmError::BadSignature)
        }
    }

    /// Seals `message` in place and returns its signature (GSS_Wrap: RC4 over the message,
    /// then the signature of the plaintext with the same stream).
    pub fn seal(&mut self, message: &mut [u8]) -> [u8; SIGNATURE_LEN] {
        let mac = self.outgoing.mac(message);
        self.outgoing.rc4.apply_keystream(message);
        self.outgoing.finish(&mac, self.key_exch)
    }

    /// Unseals `message` in place and checks its signature (GSS_Unwrap).
    pub fn unseal(&mut self, message: &mut [u8], signature: &[u8]) -> Result<(), NtlmError> {
        self.incoming.rc4.apply_keystream(message);
        self.verify(message, signature)
    }
}
