#![no_main]
use sesame_asn1::message::AnyMessage;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(message) = AnyMessage::decode(data) {
        assert_eq!(message.encode().expect("re-encode"), data);
    }
});
