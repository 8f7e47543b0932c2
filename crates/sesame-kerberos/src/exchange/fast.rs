//! FAST (RFC 6113 5.4): the AS request sealed in a tunnel keyed by an armor ticket, so that
//! the client's pre-authentication and the KDC's errors cannot be read or forged on the wire,
//! and the reply key strengthened by a key only the tunnel carries.
//!
//! The armor is an AP-REQ with a TGT of another principal (a host's, from its keytab: MIT's
//! `kinit -T ARMOR_CCACHE`); the armor key is KRB-FX-CF2 of the AP-REQ's subkey and the armor
//! ticket's session key. Inside, encrypted challenge (5.4.6) replaces encrypted timestamp,
//! keyed with the armor key and the client's long-term key, and the KDC answers with its own
//! challenge, which proves it knew that key too.

use sesame_asn1::Der;
use sesame_asn1::kerberos::constants::pa_type;
use sesame_asn1::kerberos::{
    Checksum, EncryptedData, KdcRep, KdcReqBody, KerberosFlags, KrbError, KrbFastArmor,
    KrbFastArmoredReq, KrbFastReq, KrbFastResponse, PaData, PaEncTsEnc, PaFxFastReply,
    PaFxFastRequest,
};
use sesame_gss::{Clock, Random};

use super::now;
use crate::crypto::{Enctype, Key};
use crate::error::KerberosError;
use crate::key_usage;
use crate::tickets::IssuedTicket;

/// FX_FAST_ARMOR_AP_REQUEST (RFC 6113 5.4.1).
const ARMOR_AP_REQUEST: i32 = 1;

/// The tunnel of one exchange: the armor AP-REQ (none for a TGS request, whose PA-TGS-REQ is
/// the armor) and the key it sets up.
pub(crate) struct Fast {
    armor: Option<Vec<u8>>,
    armor_key: Key,
}

impl core::fmt::Debug for Fast {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Fast").finish_non_exhaustive()
    }
}

/// What an armored reply said once opened.
pub(crate) struct Opened {
    /// The KDC's real padata (ETYPE-INFO2, PA-FX-COOKIE, PA-ENCRYPTED-CHALLENGE, ...).
    pub padata: Vec<PaData>,
    /// In an error reply: the real KRB-ERROR (PA-FX-ERROR).
    pub error: Option<KrbError>,
    /// In a successful reply: the response (strengthen key, finished).
    pub response: KrbFastResponse,
}

impl Fast {
    /// Armor from `ticket` (a TGT of the armor principal): an AP-REQ with a fresh subkey; the
    /// armor key is KRB-FX-CF2(subkey, session key, "subkeyarmor", "ticketarmor") (5.4.1.1).
    pub(crate) fn armor(
        ticket: &IssuedTicket,
        clock: &dyn Clock,
        rng: &mut dyn Random,
    ) -> Result<Self, KerberosError> {
        let session = &ticket.session_key;
        let subkey = Key::random(session.enctype(), rng)?;
        let armor = super::plain_ap_req(ticket, &subkey, None, clock, rng)?;
        let armor_key = subkey.cf2(session, b"subkeyarmor", b"ticketarmor")?;
        Ok(Self {
            armor: Some(armor),
            armor_key,
        })
    }

    /// The implicit armor of a TGS request (5.4.1.1): the key of the PA-TGS-REQ's
    /// authenticator subkey and the TGT's session key, no armor field.
    pub(crate) fn implicit(subkey: &Key, tgt_session: &Key) -> Result<Self, KerberosError> {
        Ok(Self {
            armor: None,
            armor_key: subkey.cf2(tgt_session, b"subkeyarmor", b"ticketarmor")?,
        })
    }

    /// PA-FX-FAST for a request: `padata` and `body` sealed in the armor key (usage 51), a
    /// checksum (usage 50) over `checksummed` (5.4.2: an AS request's outer KDC-REQ-BODY, a TGS
    /// request's PA-TGS-REQ AP-REQ), the armor beside them.
    pub(crate) fn request(
        &self,
        padata: Vec<PaData>,
        body: &KdcReqBody,
        checksummed: &[u8],
        rng: &mut dyn Random,
    ) -> Result<PaData, KerberosError> {
        let inner = KrbFastReq {
            fast_options: KerberosFlags::default(),
            padata,
            req_body: body.clone(),
        }
        .to_der()
        .map_err(KerberosError::decode("KrbFastReq"))?;
        let enctype = self.armor_key.enctype();
        let armored = PaFxFastRequest::ArmoredData(KrbFastArmoredReq {
            armor: self.armor.as_ref().map(|a| KrbFastArmor {
                armor_type: ARMOR_AP_REQUEST,
                armor_value: a.clone().into(),
            }),
            req_checksum: Checksum {
                cksumtype: enctype.checksum_type(),
                checksum: self
                    .armor_key
                    .usage(key_usage::FAST_REQ_CHKSUM)
                    .checksum(checksummed)
                    .into(),
            },
            enc_fast_req: EncryptedData {
                etype: enctype.id(),
                kvno: None,
                cipher: self
                    .armor_key
                    .usage(key_usage::FAST_ENC)
                    .encrypt(&inner, rng)?
                    .into(),
            },
        });
        Ok(PaData {
            padata_type: pa_type::FX_FAST,
            padata_value: armored
                .to_der()
                .map_err(KerberosError::decode("PA-FX-FAST"))?
                .into(),
        })
    }

    /// Opens the PA-FX-FAST among `padata` (a reply's, or an error's METHOD-DATA): `None`
    /// when there is none (the KDC answered outside the tunnel), an error when it does not
    /// decrypt or answers another request (nonce).
    pub(crate) fn open(
        &self,
        padata: &[PaData],
        nonce: u32,
    ) -> Result<Option<Opened>, KerberosError> {
        let Some(pa) = padata.iter().find(|p| p.padata_type == pa_type::FX_FAST) else {
            return Ok(None);
        };
        let PaFxFastReply::ArmoredData(armored) = PaFxFastReply::from_der(&pa.padata_value)
            .map_err(KerberosError::decode("PA-FX-FAST reply"))?;
        let plain = self
            .armor_key
            .usage(key_usage::FAST_REP)
            .decrypt(&armored.enc_fast_rep.cipher)?;
        let response =
            KrbFastResponse::from_der(&plain).map_err(KerberosError::decode("KrbFastResponse"))?;
        if response.nonce != nonce {
            return Err(KerberosError::ReplyMismatch {
                field: "FAST nonce",
                expected: nonce.to_string(),
                got: response.nonce.to_string(),
            });
        }
        let error = match response
            .padata
            .iter()
            .find(|p| p.padata_type == pa_type::FX_ERROR)
        {
            Some(p) => Some(
                KrbError::from_der(&p.padata_value)
                    .map_err(KerberosError::decode("PA-FX-ERROR"))?,
            ),
            None => None,
        };
        Ok(Some(Opened {
            padata: response.padata.clone(),
            error,
            response,
        }))
    }

    /// The strengthened reply key (5.4.3): KRB-FX-CF2(strengthen key, reply key,
    /// "strengthenkey", "replykey"), or the reply key when the KDC sent none.
    pub(crate) fn reply_key(
        response: &KrbFastResponse,
        reply_key: &Key,
        allow_weak: bool,
    ) -> Result<Key, KerberosError> {
        let Some(k) = &response.strengthen_key else {
            return Ok(reply_key.clone());
        };
        let enctype = if allow_weak {
            Enctype::from_id_allow_weak(k.keytype)?
        } else {
            Enctype::from_id(k.keytype)?
        };
        let strengthen = Key::new(enctype, k.keyvalue.expose())?;
        Ok(strengthen.cf2(reply_key, b"strengthenkey", b"replykey")?)
    }

    /// Opens an armored AS-REP or TGS-REP: the tunnel must be there (a reply outside it
    /// answers an armored request: refused), answer this request, and its KrbFastFinished
    /// must checksum the reply's ticket (armor key, usage 53).
    pub(crate) fn open_reply(&self, rep: &KdcRep, nonce: u32) -> Result<Opened, KerberosError> {
        let opened = self
            .open(rep.padata.as_deref().unwrap_or_default(), nonce)?
            .ok_or(KerberosError::Protocol(
                "an armored request answered without FAST",
            ))?;
        let finished = opened
            .response
            .finished
            .as_ref()
            .ok_or(KerberosError::Protocol(
                "FAST reply without KrbFastFinished",
            ))?;
        let ticket_der = rep
            .ticket
            .to_der()
            .map_err(KerberosError::decode("Ticket"))?;
        self.armor_key
            .usage(key_usage::FAST_FINISHED)
            .verify_checksum(&ticket_der, &finished.ticket_checksum.checksum)
            .map_err(|_| KerberosError::Protocol("FAST ticket checksum does not verify"))?;
        Ok(opened)
    }

    /// PA-ENCRYPTED-CHALLENGE for the client (5.4.6): the time in PA-ENC-TS-ENC, sealed in
    /// KRB-FX-CF2(armor key, client key, "clientchallengearmor", "challengelongterm"), usage
    /// 54.
    pub(crate) fn client_challenge(
        &self,
        client_key: &Key,
        clock: &dyn Clock,
        rng: &mut dyn Random,
    ) -> Result<PaData, KerberosError> {
        let key = self
            .armor_key
            .cf2(client_key, b"clientchallengearmor", b"challengelongterm")?;
        let (patimestamp, pausec) = now(clock);
        let ts = PaEncTsEnc {
            patimestamp,
            pausec: Some(pausec),
        }
        .to_der()
        .map_err(KerberosError::decode("PA-ENC-TS-ENC"))?;
        let enc = EncryptedData {
            etype: key.enctype().id(),
            kvno: None,
            cipher: key
                .usage(key_usage::ENC_CHALLENGE_CLIENT)
                .encrypt(&ts, rng)?
                .into(),
        }
        .to_der()
        .map_err(KerberosError::decode("PA-ENCRYPTED-CHALLENGE"))?;
        Ok(PaData {
            padata_type: pa_type::ENCRYPTED_CHALLENGE,
            padata_value: enc.into(),
        })
    }

    /// The KDC's PA-ENCRYPTED-CHALLENGE in a reply (5.4.6): it must be there, decrypt with
    /// KRB-FX-CF2(armor key, client key, "kdcchallengearmor", "challengelongterm") (usage 55)
    /// and hold a time within `skew` of ours: the KDC knew the client's key.
    pub(crate) fn check_kdc_challenge(
        &self,
        padata: &[PaData],
        client_key: &Key,
        clock: &dyn Clock,
        skew: i64,
    ) -> Result<(), KerberosError> {
        let pa = padata
            .iter()
            .find(|p| p.padata_type == pa_type::ENCRYPTED_CHALLENGE)
            .ok_or(KerberosError::Protocol(
                "the KDC did not answer the encrypted challenge",
            ))?;
        let key = self
            .armor_key
            .cf2(client_key, b"kdcchallengearmor", b"challengelongterm")?;
        let enc = EncryptedData::from_der(&pa.padata_value)
            .map_err(KerberosError::decode("PA-ENCRYPTED-CHALLENGE"))?;
        let plain = key
            .usage(key_usage::ENC_CHALLENGE_KDC)
            .decrypt(&enc.cipher)
            .map_err(|_| {
                KerberosError::Protocol("the KDC's encrypted challenge does not decrypt")
            })?;
        let ts = PaEncTsEnc::from_der(&plain).map_err(KerberosError::decode("PA-ENC-TS-ENC"))?;
        let (mine, _) = now(clock);
        if (ts.patimestamp.unix() - mine.unix()).abs() > skew {
            return Err(KerberosError::Protocol(
                "the KDC's encrypted challenge is outside the clock skew",
            ));
        }
        Ok(())
    }
}
