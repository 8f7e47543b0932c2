//! RFC 4121 per-message tokens: MIC (4.2.6.1) and Wrap (4.2.6.2), sealed or not, with the
//! right rotation count (4.2.5) and extra count (4.2.4) as MIT and Windows send them.
//!
//! The keys of both directions are derived once when the context is established; wrapping and
//! unwrapping in place then allocate nothing.

use sesame_gss::{ContextFlags, Random, Unwrapped};

use super::sequence::SequenceWindow;
use crate::crypto::{CryptoError, Key, UsageKeys};
use crate::error::KerberosError;
use crate::key_usage;

const HEADER: usize = 16;
/// Flags (4.2.2).
const SENT_BY_ACCEPTOR: u8 = 0x01;
const SEALED: u8 = 0x02;
const ACCEPTOR_SUBKEY: u8 = 0x04;

/// The per-message state of an established context.
#[derive(Clone)]
pub(crate) struct Protection {
    enctype: crate::crypto::Enctype,
    initiator: bool,
    acceptor_subkey: bool,
    /// The context key; each direction's seal and sign keys are derived from it when first
    /// used (an HTTP or LDAP logon that never wraps derives none).
    key: Key,
    usages: [u32; 4],
    derived: [std::sync::OnceLock<UsageKeys>; 4],
    send_seq: u64,
    recv: SequenceWindow,
}

impl core::fmt::Debug for Protection {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Protection")
            .field("initiator", &self.initiator)
            .field("acceptor_subkey", &self.acceptor_subkey)
            .field("send_seq", &self.send_seq)
            .finish_non_exhaustive()
    }
}

impl Protection {
    /// The session key's algorithm, as the contexts report it.
    pub(crate) fn key_info(&self) -> sesame_gss::KeyInfo {
        sesame_gss::KeyInfo {
            algorithm: self.enctype.name(),
            enctype: Some(self.enctype.id()),
            bits: u32::try_from(self.enctype.key_len() * 8).unwrap_or(0),
        }
    }

    /// The state for `key` (the acceptor subkey if there is one, else the initiator subkey,
    /// else the session key), our role, and the first sequence numbers of each side.
    pub(crate) fn new(
        key: &Key,
        initiator: bool,
        acceptor_subkey: bool,
        (send_seq, recv_seq): (u64, u64),
        flags: ContextFlags,
    ) -> Result<Self, KerberosError> {
        let replay = flags.contains(ContextFlags::REPLAY);
        let sequence = flags.contains(ContextFlags::SEQUENCE);
        if key.enctype().is_weak() {
            return Err(KerberosError::Config(
                "rc4-hmac per-message tokens (RFC 4757 7.2) are not implemented".into(),
            ));
        }
        let (send_seal, send_sign, recv_seal, recv_sign) = if initiator {
            (
                key_usage::INITIATOR_SEAL,
                key_usage::INITIATOR_SIGN,
                key_usage::ACCEPTOR_SEAL,
                key_usage::ACCEPTOR_SIGN,
            )
        } else {
            (
                key_usage::ACCEPTOR_SEAL,
                key_usage::ACCEPTOR_SIGN,
                key_usage::INITIATOR_SEAL,
                key_usage::INITIATOR_SIGN,
            )
        };
        Ok(Self {
            enctype: key.enctype(),
            initiator,
            acceptor_subkey,
            key: key.clone(),
            usages: [send_seal, send_sign, recv_seal, recv_sign],
            derived: Default::default(),
            send_seq,
            recv: SequenceWindow::new(recv_seq, replay, sequence),
        })
    }

    /// The keys of usage slot `i` (send seal, send sign, receive seal, receive sign).
    fn keys(&self, i: usize) -> &UsageKeys {
        self.derived[i].get_or_init(|| self.key.usage(self.usages[i]))
    }

    fn send_seal(&self) -> &UsageKeys {
        self.keys(0)
    }

    fn send_sign(&self) -> &UsageKeys {
        self.keys(1)
    }

    fn recv_seal(&self) -> &UsageKeys {
        self.keys(2)
    }

    fn recv_sign(&self) -> &UsageKeys {
        self.keys(3)
    }

    fn flags(&self, sealed: bool) -> u8 {
        let mut f = 0;
        if !self.initiator {
            f |= SENT_BY_ACCEPTOR;
        }
        if sealed {
            f |= SEALED;
        }
        if self.acceptor_subkey {
            f |= ACCEPTOR_SUBKEY;
        }
        f
    }

    fn next_seq(&mut self) -> u64 {
        let s = self.send_seq;
        self.send_seq = self.send_seq.wrapping_add(1);
        s
    }

    /// Wraps the plaintext in `buf` into a Wrap token, in place.
    pub(crate) fn wrap_in_place(
        &mut self,
        buf: &mut Vec<u8>,
        confidential: bool,
        rng: &mut dyn Random,
    ) -> Result<(), KerberosError> {
        let n = buf.len();
        let seq = self.next_seq();
        let mut header = [0u8; HEADER];
        header[0] = 0x05;
        header[1] = 0x04;
        header[2] = self.flags(confidential);
        header[3] = 0xff;
        header[8..].copy_from_slice(&seq.to_be_bytes());
        if confidential {
            // header | E(confounder | plaintext | header) with EC = 0 and RRC = 0: CTS needs
            // no padding, and MIT sends no rotation either.
            let enctype = self.send_seal().enctype();
            let conf = enctype.confounder_len();
            let total = HEADER + enctype.ciphertext_len(n + HEADER);
            buf.resize(total, 0);
            buf.copy_within(..n, HEADER + conf);
            buf[..HEADER].copy_from_slice(&header);
            buf[HEADER + conf + n..HEADER + conf + n + HEADER].copy_from_slice(&header);
            self.send_seal().seal_in_place(&mut buf[HEADER..], rng)?;
        } else {
            // header(EC = checksum length) | plaintext | checksum(plaintext | header with EC
            // and RRC zero), keyed with the SEAL usage as every Wrap token is (RFC 4121 2,
            // 4.2.4; the SIGN usages are for MIC tokens): MIT and Heimdal check it so.
            let mac = self.send_seal().enctype().mac_len();
            let mut cksum = [0u8; 24];
            self.send_seal()
                .checksum_parts_into(&[buf, &header], &mut cksum[..mac]);
            header[4..6].copy_from_slice(&u16::try_from(mac).unwrap_or(0).to_be_bytes());
            buf.resize(HEADER + n + mac, 0);
            buf.copy_within(..n, HEADER);
            buf[..HEADER].copy_from_slice(&header);
            buf[HEADER + n..].copy_from_slice(&cksum[..mac]);
        }
        Ok(())
    }

    /// Verifies and opens the Wrap token in `buf`, in place.
    pub(crate) fn unwrap_in_place<'a>(
        &mut self,
        buf: &'a mut [u8],
    ) -> Result<Unwrapped<'a>, KerberosError> {
        if buf.len() < HEADER {
            return Err(KerberosError::Protocol(
                "Wrap token shorter than its header",
            ));
        }
        let mut header = [0u8; HEADER];
        header.copy_from_slice(&buf[..HEADER]);
        if header[..2] != [0x05, 0x04] {
            return Err(KerberosError::Protocol(
                "not a Wrap token (RFC 4121 4.2.6.2)",
            ));
        }
        self.check_flags(header[2])?;
        if header[3] != 0xff {
            return Err(KerberosError::Protocol("Wrap token filler is not 0xFF"));
        }
        let ec = usize::from(u16::from_be_bytes([header[4], header[5]]));
        let rrc = usize::from(u16::from_be_bytes([header[6], header[7]]));
        let seq = u64::from_be_bytes(header[8..].try_into().unwrap_or_default());
        let sealed = header[2] & SEALED != 0;
        let body = &mut buf[HEADER..];
        if !body.is_empty() {
            let r = rrc % body.len();
            body.rotate_left(r);
        }
        let message = if sealed {
            let plain = self.recv_seal().decrypt_in_place(body)?;
            let inner = plain
                .len()
                .checked_sub(HEADER + ec)
                .ok_or(KerberosError::Protocol(
                    "Wrap token shorter than EC and header",
                ))?;
            let copy = &plain[inner + ec..];
            // The encrypted copy of the header carries RRC = 0 (4.2.5).
            if copy[..6] != header[..6] || copy[8..] != header[8..] {
                return Err(KerberosError::Protocol("encrypted Wrap header differs"));
            }
            &mut plain[..inner]
        } else {
            let mac = self.recv_seal().enctype().mac_len();
            if ec != mac {
                return Err(KerberosError::Protocol(
                    "unsealed Wrap token EC is not the checksum length",
                ));
            }
            let n = body.len().checked_sub(mac).ok_or(KerberosError::Protocol(
                "Wrap token shorter than its checksum",
            ))?;
            let mut zeroed = header;
            zeroed[4..8].fill(0);
            let (message, cksum) = body.split_at_mut(n);
            self.recv_seal()
                .verify_checksum_parts(&[message, &zeroed], cksum)
                .map_err(bad_mic)?;
            message
        };
        self.recv.check(seq).map_err(KerberosError::Sequence)?;
        Ok(Unwrapped {
            message,
            confidential: sealed,
        })
    }

    /// A MIC token over `message`.
    pub(crate) fn get_mic(&mut self, message: &[u8]) -> Vec<u8> {
        let seq = self.next_seq();
        let mut token = vec![0x04, 0x04, self.flags(false), 0xff, 0xff, 0xff, 0xff, 0xff];
        token.extend_from_slice(&seq.to_be_bytes());
        let mac = self.send_sign().enctype().mac_len();
        let mut cksum = [0u8; 24];
        self.send_sign()
            .checksum_parts_into(&[message, &token], &mut cksum[..mac]);
        token.extend_from_slice(&cksum[..mac]);
        token
    }

    /// Verifies a MIC token over `message`.
    pub(crate) fn verify_mic(&mut self, message: &[u8], token: &[u8]) -> Result<(), KerberosError> {
        let (header, cksum) = token
            .split_at_checked(HEADER)
            .ok_or(KerberosError::Protocol("MIC token shorter than its header"))?;
        if header[..2] != [0x04, 0x04] {
            return Err(KerberosError::Protocol(
                "not a MIC token (RFC 4121 4.2.6.1)",
            ));
        }
        self.check_flags(header[2])?;
        if header[3..8] != [0xff; 5] {
            return Err(KerberosError::Protocol("MIC token filler is not 0xFF"));
        }
        self.recv_sign()
            .verify_checksum_parts(&[message, header], cksum)
            .map_err(bad_mic)?;
        let seq = u64::from_be_bytes(header[8..].try_into().unwrap_or_default());
        self.recv.check(seq).map_err(KerberosError::Sequence)
    }

    fn check_flags(&self, flags: u8) -> Result<(), KerberosError> {
        if (flags & SENT_BY_ACCEPTOR != 0) != self.initiator {
            return Err(KerberosError::Protocol(
                "token's SentByAcceptor flag names the wrong direction (reflected?)",
            ));
        }
        if (flags & ACCEPTOR_SUBKEY != 0) != self.acceptor_subkey {
            return Err(KerberosError::Protocol(
                "token's AcceptorSubkey flag disagrees with the context",
            ));
        }
        Ok(())
    }
}

fn bad_mic(e: CryptoError) -> KerberosError {
    KerberosError::Crypto(match e {
        CryptoError::ChecksumMismatch => CryptoError::IntegrityCheckFailed,
        other => other,
    })
}
