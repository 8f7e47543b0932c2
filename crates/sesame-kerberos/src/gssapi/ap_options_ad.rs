//! AD-AUTH-DATA-AP-OPTIONS in the authenticator (MS-KILE 2.2.10, 3.2.5.8): the client's
//! `KERB_AP_OPTIONS_CBT` says "my application sends channel bindings whenever there is an
//! outer channel". Windows sends it with Extended Protection, MIT with
//! `client_aware_channel_bindings`; an acceptor that has bindings of its own then requires the
//! initiator's, whatever its policy would otherwise let pass (MIT 1.19 and Windows do the
//! same): a client that promised bindings and sent none did not speak for this channel.

use sesame_asn1::Der as _;
use sesame_asn1::kerberos::constants::ad_type;
use sesame_asn1::kerberos::{AuthorizationData, AuthorizationDataEntry};

use crate::error::KerberosError;

/// KERB_AP_OPTIONS_CBT: the client is aware of channel bindings.
pub(crate) const KERB_AP_OPTIONS_CBT: u32 = 0x4000;

/// The authenticator's authorization data announcing `options`: AD-IF-RELEVANT around
/// AD-AUTH-DATA-AP-OPTIONS, a four-byte little-endian integer, as Windows sends it.
pub(crate) fn authorization_data(options: u32) -> Result<AuthorizationData, KerberosError> {
    crate::pac::if_relevant(ad_type::AP_OPTIONS, options.to_le_bytes().to_vec())
}

/// The AP options the authenticator's authorization data announces (0 when none), looking
/// inside AD-IF-RELEVANT as MS-KILE places them. Malformed entries announce nothing: the
/// element is only "if relevant", and an unreadable one is not.
pub(crate) fn announced(authorization_data: &[AuthorizationDataEntry]) -> u32 {
    let mut options = 0;
    for entry in authorization_data {
        match entry.ad_type {
            ad_type::AP_OPTIONS => {
                if let Ok(bytes) = <[u8; 4]>::try_from(&entry.ad_data[..]) {
                    options |= u32::from_le_bytes(bytes);
                }
            }
            ad_type::IF_RELEVANT => {
                if let Ok(inner) = AuthorizationData::from_der(&entry.ad_data) {
                    options |= announced(&inner);
                }
            }
            _ => {}
        }
    }
    options
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cbt_round_trips_inside_if_relevant() {
        let ad = authorization_data(KERB_AP_OPTIONS_CBT).unwrap();
        assert_eq!(ad.len(), 1);
        assert_eq!(ad[0].ad_type, ad_type::IF_RELEVANT);
        // AD-IF-RELEVANT { { ad-type 143, ad-data 00 40 00 00 } }, as Windows writes it.
        assert_eq!(
            ad[0].ad_data.to_vec(),
            [
                0x30, 0x10, 0x30, 0x0e, 0xa0, 0x04, 0x02, 0x02, 0x00, 0x8f, 0xa1, 0x06, 0x04, 0x04,
                0x00, 0x40, 0x00, 0x00
            ]
        );
        assert_eq!(announced(&ad), KERB_AP_OPTIONS_CBT);
    }

    #[test]
    fn nothing_announced_without_the_element_or_when_it_is_malformed() {
        assert_eq!(announced(&[]), 0);
        let short = AuthorizationDataEntry {
            ad_type: ad_type::AP_OPTIONS,
            ad_data: vec![0x00, 0x40].into(),
        };
        assert_eq!(announced(&[short]), 0);
        let garbage = AuthorizationDataEntry {
            ad_type: ad_type::IF_RELEVANT,
            ad_data: vec![0x30, 0x05, 0x01].into(),
        };
        assert_eq!(announced(&[garbage]), 0);
    }
}
