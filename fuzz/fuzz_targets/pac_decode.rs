#![no_main]
use sesame_pac::{LogonInfo, Pac, Sid};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    // Any bytes are a PAC or an error, never a panic; the NDR logon info is also fed bare,
    // since random bytes seldom get past the PAC's buffer list. Every SID a decoded PAC
    // yields reads back from its string form.
    if let Ok(info) = LogonInfo::decode(data) {
        let _ = info.group_sids();
    }
    if let Ok(pac) = Pac::parse(data) {
        let sids = pac.group_sids().into_iter().map(|g| g.sid).chain(pac.user_sid());
        for sid in sids.chain(pac.requestor.clone()) {
            assert_eq!(sid.to_string().parse::<Sid>().as_ref(), Ok(&sid));
        }
        let _ = pac.zeroed_signatures();
    }
});
