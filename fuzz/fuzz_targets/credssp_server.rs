#![no_main]
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use sesame_credssp::{CredsspServer, ServerConfig};
use sesame_gss::{DeterministicRandom, FixedClock, Random};
use sesame_negotiate::Server;
use sesame_ntlm::MemoryUserStore;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    // A CredSSP server over a Negotiate acceptor fed arbitrary TSRequests (the input split at
    // each 0xFF 0x00 into successive messages): an error or a step, never a panic.
    let mut users = MemoryUserStore::new();
    users.add_password("EXAMPLE", "user1", "Passw0rd1");
    let clock = Arc::new(FixedClock(UNIX_EPOCH + Duration::from_secs(1_790_000_000)));
    let server = Server::empty()
        .with_ntlm_users(Arc::new(users))
        .environment(
            clock,
            Arc::new(|| Box::new(DeterministicRandom::new([1; 32])) as Box<dyn Random>),
        );
    let mut credssp = CredsspServer::new(server.accept(), ServerConfig::new(b"key".to_vec()));
    for message in data.split(|b| *b == 0xff) {
        if credssp.step(message).is_err() {
            let _ = credssp.error_token();
            break;
        }
    }
});
