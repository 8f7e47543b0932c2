//! NTLMv2 (MS-NLMP 3.3.2) and the session keys (3.4.5).

use hmac::{Hmac, KeyInit, Mac};
use md4::Md4;
use md5::{Digest, Md5};
use rc4::{Rc4, StreamCipher};
use zeroize::Zeroizing;

use crate::messages::to_utf16le;

type HmacMd5 = Hmac<Md5>;

/// A 16-byte secret, wiped on drop.
pub type Key16 = Zeroizing<[u8; 16]>;

/// HMAC-MD5 of the concatenation of `parts`.
pub(crate) fn hmac_md5(key: &[u8], parts: &[&[u8]]) -> [u8; 16] {
    // HMAC accepts any key length.
    let mut m = <HmacMd5 as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| <HmacMd5 as KeyInit>::new(&hmac::digest::Key::<HmacMd5>::default()));
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().into()
}

/// RC4 over `data` in place with `key` (a fresh stream).
pub(crate) fn rc4(key: &[u8], data: &mut [u8]) {
    if let Ok(mut c) = <Rc4 as rc4::KeyInit>::new_from_slice(key) {
        c.apply_keystream(data);
    }
}

/// NTOWFv1 / the NT hash: MD4 of the UTF-16LE password (MS-NLMP 3.3.1).
pub fn nt_hash(password: &str) -> Key16 {
    let utf16 = Zeroizing::new(to_utf16le(password));
    Zeroizing::new(Md4::digest(&*utf16).into())
}

/// NTOWFv2 = HMAC-MD5(NT hash, UTF-16LE(UPPER(user) | domain)) (MS-NLMP 3.3.2). The user
/// name is case-insensitive, the domain is not.
pub fn ntowf_v2(nt_hash: &[u8; 16], user: &str, domain: &str) -> Key16 {
    let mut who = to_utf16le(&user.to_uppercase());
    who.extend_from_slice(&to_utf16le(domain));
    Zeroizing::new(hmac_md5(nt_hash, &[&who]))
}

/// The NTLMv2 response key (NTOWFv2) as a keyed HMAC-MD5, keyed once for the proof, the LMv2
/// response and the session base key.
#[derive(Clone)]
pub struct ResponseKey(HmacMd5);

impl ResponseKey {
    /// Keys HMAC-MD5 with NTOWFv2.
    pub fn new(ntowf_v2: &[u8; 16]) -> Self {
        Self(
            <HmacMd5 as KeyInit>::new_from_slice(ntowf_v2).unwrap_or_else(|_| {
                <HmacMd5 as KeyInit>::new(&hmac::digest::Key::<HmacMd5>::default())
            }),
        )
    }

    fn mac(&self, parts: &[&[u8]]) -> [u8; 16] {
        let mut m = self.0.clone();
        for p in parts {
            m.update(p);
        }
        m.finalize().into_bytes().into()
    }

    /// NTProofStr = HMAC-MD5(NTOWFv2, ServerChallenge | temp).
    pub fn nt_proof(&self, server_challenge: &[u8; 8], temp: &[u8]) -> [u8; 16] {
        self.mac(&[server_challenge, temp])
    }

    /// The LMv2 response.
    pub fn lm_v2_response(
        &self,
        server_challenge: &[u8; 8],
        client_challenge: &[u8; 8],
    ) -> [u8; 24] {
        let mut out = [0u8; 24];
        out[..16].copy_from_slice(&self.mac(&[server_challenge, client_challenge]));
        out[16..].copy_from_slice(client_challenge);
        out
    }

    /// SessionBaseKey = HMAC-MD5(NTOWFv2, NTProofStr).
    pub fn session_base_key(&self, nt_proof: &[u8; 16]) -> Key16 {
        Zeroizing::new(self.mac(&[nt_proof]))
    }
}

/// The client blob of an NTLMv2 response (`temp` in MS-NLMP 3.3.2): versions 1 and 1, the
/// FILETIME, the client challenge, and the AV pairs (ending with `MsvAvEOL`), then 4 zeros.
pub fn client_blob(timestamp: u64, client_challenge: &[u8; 8], av_pairs: &[u8]) -> Vec<u8> {
    let mut temp = Vec::with_capacity(32 + av_pairs.len());
    temp.extend_from_slice(&[1, 1, 0, 0, 0, 0, 0, 0]);
    temp.extend_from_slice(&timestamp.to_le_bytes());
    temp.extend_from_slice(client_challenge);
    temp.extend_from_slice(&[0; 4]);
    temp.extend_from_slice(av_pairs);
    temp.extend_from_slice(&[0; 4]);
    temp
}

/// NTProofStr = HMAC-MD5(NTOWFv2, ServerChallenge | temp).
pub fn nt_proof(response_key: &[u8; 16], server_challenge: &[u8; 8], temp: &[u8]) -> [u8; 16] {
    ResponseKey::new(response_key).nt_proof(server_challenge, temp)
}

/// The LMv2 response: HMAC-MD5(NTOWFv2, ServerChallenge | ClientChallenge) | ClientChallenge.
pub fn lm_v2_response(
    response_key: &[u8; 16],
    server_challenge: &[u8; 8],
    client_challenge: &[u8; 8],
) -> [u8; 24] {
    ResponseKey::new(response_key).lm_v2_response(server_challenge, client_challenge)
}

/// SessionBaseKey = HMAC-MD5(NTOWFv2, NTProofStr); for NTLMv2 it is also the key-exchange key.
pub fn session_base_key(response_key: &[u8; 16], nt_proof: &[u8; 16]) -> Key16 {
    ResponseKey::new(response_key).session_base_key(nt_proof)
}

/// RC4(KeyExchangeKey, key): encrypts (or, being RC4, decrypts) the exported session key.
pub fn exchange_key(key_exchange_key: &[u8; 16], key: &[u8; 16]) -> Key16 {
    let mut out = Zeroizing::new(*key);
    rc4(key_exchange_key, &mut *out);
    out
}

/// The MIC: HMAC-MD5(ExportedSessionKey, NEGOTIATE | CHALLENGE | AUTHENTICATE with a zero MIC)
/// (MS-NLMP 3.1.5.1.2, 3.2.5.1.2).
pub fn mic(
    exported_session_key: &[u8; 16],
    negotiate: &[u8],
    challenge: &[u8],
    authenticate_zero_mic: &[u8],
) -> [u8; 16] {
    hmac_md5(
        exported_session_key,
        &[negotiate, challenge, authenticate_zero_mic],
    )
}

/// The MIC over message parts (the AUTHENTICATE split around its zeroed MIC field), without
/// copying the messages.
pub fn mic_of_parts(exported_session_key: &[u8; 16], parts: &[&[u8]]) -> [u8; 16] {
    hmac_md5(exported_session_key, parts)
}

/// SIGNKEY and SEALKEY (MS-NLMP 3.4.5.2, 3.4.5.3) with extended session security and 128-bit
/// keys: MD5 of the exported session key and the direction's magic constant.
pub fn direction_keys(exported_session_key: &[u8; 16], client_to_server: bool) -> (Key16, Key16) {
    let (sign, seal): (&[u8], &[u8]) = if client_to_server {
        (
            b"session key to client-to-server signing key magic constant\0",
            b"session key to client-to-server sealing key magic constant\0",
        )
    } else {
        (
            b"session key to server-to-client signing key magic constant\0",
            b"session key to server-to-client sealing key magic constant\0",
        )
    };
    let md5 = |magic: &[u8]| {
        Zeroizing::new(<[u8; 16]>::from(
            Md5::new()
                .chain_update(exported_session_key)
                .chain_update(magic)
                .finalize(),
        ))
    };
    (md5(sign), md5(seal))
}

/// DESL (MS-NLMP 6): the 16-byte key padded to 21 bytes, cut into three 7-byte DES keys, each
/// encrypting `data`.
pub fn desl(key: &[u8; 16], data: &[u8; 8]) -> [u8; 24] {
    use des::Des;
    use des::cipher::{BlockCipherEncrypt, KeyInit as _};
    let mut k21 = Zeroizing::new([0u8; 21]);
    k21[..16].copy_from_slice(key);
    let mut out = [0u8; 24];
    for (i, seven) in k21.chunks_exact(7).enumerate() {
        // Seven key bytes spread over eight, the low bit of each left for (ignored) parity.
        let b: [u8; 7] = seven.try_into().unwrap_or_default();
        let k8 = Zeroizing::new([
            b[0],
            (b[0] << 7) | (b[1] >> 1),
            (b[1] << 6) | (b[2] >> 2),
            (b[2] << 5) | (b[3] >> 3),
            (b[3] << 4) | (b[4] >> 4),
            (b[4] << 3) | (b[5] >> 5),
            (b[5] << 2) | (b[6] >> 6),
            b[6] << 1,
        ]);
        let cipher = Des::new(&(*k8).into());
        let mut block = des::cipher::Block::<Des>::from(*data);
        cipher.encrypt_block(&mut block);
        out[i * 8..i * 8 + 8].copy_from_slice(&block);
    }
    out
}

/// NTLMv1 with extended session security (the "NTLM2 session response", MS-NLMP 3.3.1): the NT
/// response DESL(NT hash, MD5(ServerChallenge | ClientChallenge)[..8]), the LM response the
/// client challenge followed by 16 zeros, and the key-exchange key HMAC-MD5(MD4(NT hash),
/// ServerChallenge | ClientChallenge).
pub fn ntlm_v1_ess(
    nt_hash: &[u8; 16],
    server_challenge: &[u8; 8],
    client_challenge: &[u8; 8],
) -> ([u8; 24], [u8; 24], Key16) {
    let digest = Md5::new()
        .chain_update(server_challenge)
        .chain_update(client_challenge)
        .finalize();
    let mut eight = [0u8; 8];
    eight.copy_from_slice(&digest[..8]);
    let nt = desl(nt_hash, &eight);
    let mut lm = [0u8; 24];
    lm[..8].copy_from_slice(client_challenge);
    let base = Zeroizing::new(<[u8; 16]>::from(Md4::digest(nt_hash)));
    let kx = Zeroizing::new(hmac_md5(&*base, &[server_challenge, client_challenge]));
    (lm, nt, kx)
}
