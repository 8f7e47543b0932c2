//! The MS-KKDCP framing (MS-KKDCP 2.2.2, 3.2.5): a KDC request wrapped for the HTTPS proxy, and
//! the proxy's answer unwrapped. Not behind a feature, so that the decoder is always fuzzed.

use sesame_asn1::Der;
use sesame_asn1::kkdcp::KdcProxyMessage;

use super::KdcFailure;

/// The body of the POST: KDC-PROXY-MESSAGE with the length-prefixed request and the realm.
pub fn encode_request(message: &[u8], realm: &str) -> Result<Vec<u8>, KdcFailure> {
    KdcProxyMessage::new(message, Some(realm))
        .and_then(|m| m.to_der())
        .map_err(|_| KdcFailure::BadReply("request cannot be framed for the KDC proxy"))
}

/// The KDC's reply inside the proxy's answer; anything else is
/// [`KdcFailure::NotKdcProxyMessage`].
pub fn decode_reply(body: &[u8]) -> Result<Vec<u8>, KdcFailure> {
    let message = KdcProxyMessage::from_der(body)
        .map_err(|_| KdcFailure::NotKdcProxyMessage("not a KDC-PROXY-MESSAGE"))?;
    let reply = message
        .kdc_message()
        .map_err(|_| KdcFailure::NotKdcProxyMessage("kerb-message length prefix is wrong"))?;
    if reply.is_empty() {
        return Err(KdcFailure::NotKdcProxyMessage("empty kerb-message"));
    }
    Ok(reply.to_vec())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        let body = encode_request(b"\x6a\x03abc", "EXAMPLE.TEST").unwrap();
        assert_eq!(decode_reply(&body).unwrap(), b"\x6a\x03abc");
        assert!(matches!(
            decode_reply(b"<html>502</html>"),
            Err(KdcFailure::NotKdcProxyMessage(_))
        ));
        assert!(matches!(
            decode_reply(&[]),
            Err(KdcFailure::NotKdcProxyMessage(_))
        ));
    }
}
