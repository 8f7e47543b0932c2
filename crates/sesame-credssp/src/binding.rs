//! pubKeyAuth (MS-CSSP 3.1.5): how each side proves, under the security context, which TLS
//! public key it sees. Versions 2 to 4 encrypt the key itself (the server answers with its
//! first byte plus one); version 5 and later encrypt a SHA-256 hash of a magic string, the
//! client's nonce and the key, one magic per direction.

use sha2::{Digest, Sha256};

/// The client-to-server magic of version 5+, with its terminating NUL.
pub const CLIENT_TO_SERVER: &[u8] = b"CredSSP Client-To-Server Binding Hash\0";
/// The server-to-client magic of version 5+, with its terminating NUL.
pub const SERVER_TO_CLIENT: &[u8] = b"CredSSP Server-To-Client Binding Hash\0";

/// What the client encrypts as its pubKeyAuth under `version` (the lower of the two sides').
pub(crate) fn client_value(version: u32, nonce: &[u8], public_key: &[u8]) -> Vec<u8> {
    if version >= 5 {
        hash(CLIENT_TO_SERVER, nonce, public_key)
    } else {
        public_key.to_vec()
    }
}

/// What the server encrypts as its pubKeyAuth: the hash with the other magic, or the key with
/// its first byte plus one.
pub(crate) fn server_value(version: u32, nonce: &[u8], public_key: &[u8]) -> Vec<u8> {
    if version >= 5 {
        hash(SERVER_TO_CLIENT, nonce, public_key)
    } else {
        let mut key = public_key.to_vec();
        if let Some(first) = key.first_mut() {
            *first = first.wrapping_add(1);
        }
        key
    }
}

fn hash(magic: &[u8], nonce: &[u8], public_key: &[u8]) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(magic);
    h.update(nonce);
    h.update(public_key);
    h.finalize().to_vec()
}

/// Constant-time equality of what was decrypted and what was expected.
pub(crate) fn matches(got: &[u8], expected: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    got.len() == expected.len() && bool::from(got.ct_eq(expected))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_bind_differently() {
        let key = [0x30, 0x82, 1, 2];
        assert_eq!(client_value(2, &[], &key), key);
        assert_eq!(server_value(4, &[], &key), [0x31, 0x82, 1, 2]);
        assert_eq!(server_value(4, &[], &[0xff]), [0x00]);
        let nonce = [7u8; 32];
        let c = client_value(6, &nonce, &key);
        let s = server_value(6, &nonce, &key);
        assert_eq!((c.len(), s.len()), (32, 32));
        assert_ne!(c, s);
        assert_ne!(c, client_value(6, &[8u8; 32], &key));
        assert!(matches(&c, &c.clone()) && !matches(&c, &s) && !matches(&c, &c[..31]));
    }
}
