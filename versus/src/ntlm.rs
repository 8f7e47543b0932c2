//! NTLMv2: a whole handshake in process (both contexts created, NEGOTIATE, CHALLENGE,
//! AUTHENTICATE with MIC, its verification) and seal+unseal of 64 KiB, Sesame beside sspi-rs.
//! Both sides hold what outlives a connection (the credentials handle) and make the rest anew.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use sesame_gss::{
    Clock, FixedClock, Input, MessageProtection, SecurityContext, Step, SystemRandom,
};
use sesame_ntlm::{
    ClientConfig, ClientCredentials, MemoryUserStore, NtlmClient, NtlmServer, ServerConfig,
    ServerCredentials,
};
use sspi::{
    AuthIdentity, AuthIdentityBuffers, BufferType, ClientRequestFlags, CredentialUse,
    DataRepresentation, EncryptionFlags, Ntlm, SecurityBuffer, SecurityBufferRef, SecurityStatus,
    ServerRequestFlags, Sspi, SspiImpl, Username,
};

const TARGET: &str = "HTTP/server.example.test";

/// Sesame's long-lived side: the client's credentials, the server's user store, the clock.
pub struct Sesame {
    client: Arc<ClientCredentials>,
    server: Arc<ServerCredentials>,
    clock: Arc<dyn Clock>,
}

impl Sesame {
    pub fn new() -> Self {
        let mut users = MemoryUserStore::new();
        users.add_password("EXAMPLE", "user1", "Passw0rd1");
        let mut client = ClientConfig::password("EXAMPLE", "user1", "Passw0rd1");
        client.target = Some(TARGET.into());
        Self {
            client: Arc::new(ClientCredentials::new(client)),
            server: Arc::new(ServerCredentials::new(
                ServerConfig::default(),
                Arc::new(users),
            )),
            clock: Arc::new(FixedClock(
                SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_674_471),
            )),
        }
    }

    /// A new client and server context, as each connection makes them.
    fn contexts(&self) -> (NtlmClient, NtlmServer) {
        (
            NtlmClient::with_credentials(
                self.client.clone(),
                self.clock.clone(),
                Box::new(SystemRandom),
            ),
            NtlmServer::with_credentials(
                self.server.clone(),
                self.clock.clone(),
                Box::new(SystemRandom),
            ),
        )
    }

    /// Both contexts, the three messages; the server's verification asserted.
    pub fn handshake(&self) -> (NtlmClient, NtlmServer) {
        let (mut c, mut s) = self.contexts();
        let Ok(Step::Continue(n)) = c.step(Input::Start) else {
            panic!("NEGOTIATE")
        };
        let Ok(Step::Continue(ch)) = s.step(Input::Token(&n)) else {
            panic!("CHALLENGE")
        };
        let Ok(Step::Complete(Some(a))) = c.step(Input::Token(&ch)) else {
            panic!("AUTHENTICATE")
        };
        let Ok(Step::Complete(None)) = s.step(Input::Token(&a)) else {
            panic!("not verified")
        };
        (c, s)
    }

    /// The server after NEGOTIATE, waiting for AUTHENTICATE.
    pub fn pending(&self) -> NtlmServer {
        let (mut c, mut s) = self.contexts();
        let Ok(Step::Continue(n)) = c.step(Input::Start) else {
            panic!("NEGOTIATE")
        };
        let Ok(Step::Continue(_)) = s.step(Input::Token(&n)) else {
            panic!("CHALLENGE")
        };
        s
    }
}

impl Sesame {
    /// Mean microseconds of each step over `n` handshakes: the client's NEGOTIATE (with both
    /// contexts made), the server's CHALLENGE, the client's AUTHENTICATE, the server's
    /// verification (with both contexts dropped); and the three messages' sizes.
    pub fn phases(&self, n: usize) -> ([f64; 4], [usize; 3]) {
        use std::time::Instant;
        let mut t = [0f64; 4];
        let mut sizes = [0; 3];
        for _ in 0..n {
            let t0 = Instant::now();
            let (mut c, mut s) = self.contexts();
            let Ok(Step::Continue(neg)) = c.step(Input::Start) else {
                panic!("NEGOTIATE")
            };
            let t1 = Instant::now();
            let Ok(Step::Continue(ch)) = s.step(Input::Token(&neg)) else {
                panic!("CHALLENGE")
            };
            let t2 = Instant::now();
            let Ok(Step::Complete(Some(a))) = c.step(Input::Token(&ch)) else {
                panic!("AUTHENTICATE")
            };
            let t3 = Instant::now();
            let Ok(Step::Complete(None)) = s.step(Input::Token(&a)) else {
                panic!("not verified")
            };
            sizes = [neg.len(), ch.len(), a.len()];
            drop((c, s, neg, ch, a));
            let t4 = Instant::now();
            for (i, d) in [t1 - t0, t2 - t1, t3 - t2, t4 - t3].iter().enumerate() {
                t[i] += d.as_secs_f64();
            }
        }
        (t.map(|x| x * 1e6 / n as f64), sizes)
    }
}

/// Seals `plain` on one side and unseals it on the other, in place; asserts the round trip.
pub fn sesame_seal_unseal(c: &mut NtlmClient, s: &mut NtlmServer, plain: &[u8], buf: &mut Vec<u8>) {
    buf.clear();
    buf.extend_from_slice(plain);
    c.wrap_in_place(buf, true).expect("seal");
    let out = s.unwrap_in_place(buf).expect("unseal");
    assert!(out.confidential && out.message.len() == plain.len());
}

/// sspi-rs's long-lived side: the two credentials handles (AcquireCredentialsHandle).
pub struct SspiRs {
    client: Option<AuthIdentityBuffers>,
    server: Option<AuthIdentityBuffers>,
}

impl SspiRs {
    pub fn new() -> Self {
        let identity = AuthIdentity {
            username: Username::new("user1", Some("EXAMPLE")).expect("user name"),
            password: String::from("Passw0rd1").into(),
        };
        let mut ntlm = Ntlm::new();
        let client = ntlm
            .acquire_credentials_handle()
            .with_credential_use(CredentialUse::Outbound)
            .with_auth_data(&identity)
            .execute(&mut ntlm)
            .expect("client credentials")
            .credentials_handle;
        let server = ntlm
            .acquire_credentials_handle()
            .with_credential_use(CredentialUse::Inbound)
            .with_auth_data(&identity)
            .execute(&mut ntlm)
            .expect("server credentials")
            .credentials_handle;
        Self { client, server }
    }

    fn init(
        &self,
        ctx: &mut Ntlm,
        handle: &mut Option<AuthIdentityBuffers>,
        input: Option<Vec<u8>>,
    ) -> (SecurityStatus, Vec<u8>) {
        let mut out = [SecurityBuffer::new(Vec::new(), BufferType::Token)];
        let mut inp = [SecurityBuffer::new(
            input.unwrap_or_default(),
            BufferType::Token,
        )];
        let mut builder = ctx
            .initialize_security_context()
            .with_credentials_handle(handle)
            .with_context_requirements(
                ClientRequestFlags::MUTUAL_AUTH
                    | ClientRequestFlags::INTEGRITY
                    | ClientRequestFlags::CONFIDENTIALITY
                    | ClientRequestFlags::ALLOCATE_MEMORY,
            )
            .with_target_data_representation(DataRepresentation::Native)
            .with_target_name(TARGET)
            .with_input(&mut inp)
            .with_output(&mut out);
        let r = ctx
            .initialize_security_context_impl(&mut builder)
            .expect("initialize")
            .resolve_to_result()
            .expect("initialize");
        let [token] = out;
        (r.status, token.buffer)
    }

    fn accept(
        &self,
        ctx: &mut Ntlm,
        handle: &mut Option<AuthIdentityBuffers>,
        input: Vec<u8>,
    ) -> (SecurityStatus, Vec<u8>) {
        let mut out = [SecurityBuffer::new(Vec::new(), BufferType::Token)];
        let mut inp = [SecurityBuffer::new(input, BufferType::Token)];
        let builder = ctx
            .accept_security_context()
            .with_credentials_handle(handle)
            .with_context_requirements(ServerRequestFlags::ALLOCATE_MEMORY)
            .with_target_data_representation(DataRepresentation::Native)
            .with_input(&mut inp)
            .with_output(&mut out);
        let r = ctx
            .accept_security_context_impl(builder)
            .expect("accept")
            .resolve_to_result()
            .expect("accept");
        let [token] = out;
        (r.status, token.buffer)
    }

    /// Both contexts, the three messages; the server's completion asserted.
    pub fn handshake(&self) -> (Ntlm, Ntlm) {
        let (mut ch, mut sh) = (self.client.clone(), self.server.clone());
        let (mut c, mut s) = (Ntlm::new(), Ntlm::new());
        let (st, negotiate) = self.init(&mut c, &mut ch, None);
        assert_eq!(st, SecurityStatus::ContinueNeeded);
        let (st, challenge) = self.accept(&mut s, &mut sh, negotiate);
        assert_eq!(st, SecurityStatus::ContinueNeeded);
        let (st, authenticate) = self.init(&mut c, &mut ch, Some(challenge));
        assert!(
            matches!(st, SecurityStatus::Ok | SecurityStatus::CompleteNeeded),
            "{st:?}"
        );
        let (st, _) = self.accept(&mut s, &mut sh, authenticate);
        if st == SecurityStatus::CompleteNeeded {
            s.complete_auth_token(&mut []).expect("complete");
        } else {
            assert_eq!(st, SecurityStatus::Ok);
        }
        (c, s)
    }
}

/// Seals `data` with sspi-rs's EncryptMessage and unseals it with DecryptMessage, in place.
pub fn sspi_seal_unseal(c: &mut Ntlm, s: &mut Ntlm, plain: &[u8], data: &mut [u8]) {
    let mut token = [0u8; 16];
    data.copy_from_slice(plain);
    let mut message = [
        SecurityBufferRef::token_buf(&mut token),
        SecurityBufferRef::data_buf(data),
    ];
    c.encrypt_message(EncryptionFlags::empty(), &mut message)
        .expect("seal");
    s.decrypt_message(&mut message).expect("unseal");
    assert_eq!(message[1].data().len(), plain.len());
}
