#![no_main]
//! What a KDC proxy answers (MS-KKDCP), arbitrary bytes: the KDC's reply or a
//! NotKdcProxyMessage fact, never a panic.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(reply) = sesame_kerberos::transport::kkdcp::decode_reply(data) {
        assert!(!reply.is_empty());
        assert!(reply.len() + 4 <= data.len(), "the reply is inside the message");
    }
});
