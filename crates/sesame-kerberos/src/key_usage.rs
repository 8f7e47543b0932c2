//! Key usage numbers (RFC 4120 7.5.1, RFC 4121 2, MS-PAC 2.8).

/// AS-REQ PA-ENC-TIMESTAMP, encrypted with the client key.
pub const AS_REQ_PA_ENC_TIMESTAMP: u32 = 1;
/// Ticket EncTicketPart, encrypted with the service key.
pub const TICKET: u32 = 2;
/// AS-REP encrypted part, with the client key.
pub const AS_REP_ENC_PART: u32 = 3;
/// TGS-REQ authenticator checksum over the request body, keyed with the TGT session key.
pub const TGS_REQ_AUTH_CKSUM: u32 = 6;
/// TGS-REQ PA-TGS-REQ authenticator, with the TGT session key.
pub const TGS_REQ_AUTH: u32 = 7;
/// TGS-REP encrypted part, with the TGT session key.
pub const TGS_REP_ENC_PART_SESSION_KEY: u32 = 8;
/// TGS-REP encrypted part, with the authenticator subkey.
pub const TGS_REP_ENC_PART_SUBKEY: u32 = 9;
/// AP-REQ authenticator checksum (not used by GSS-API, whose checksum is unkeyed 0x8003).
pub const AP_REQ_AUTH_CKSUM: u32 = 10;
/// AP-REQ authenticator, with the ticket session key.
pub const AP_REQ_AUTH: u32 = 11;
/// AP-REP encrypted part, with the ticket session key.
pub const AP_REP_ENC_PART: u32 = 12;
/// KRB-CRED encrypted part (delegation), with the session key.
pub const KRB_CRED_ENC_PART: u32 = 14;
/// KRB-PRIV encrypted part (RFC 4120 7.5.1), with the subkey (kpasswd).
pub const KRB_PRIV_ENC_PART: u32 = 13;
/// PAC server and KDC signatures (KERB_NON_KERB_CKSUM_SALT).
pub const PAC_CHECKSUM: u32 = 17;
/// PA-S4U-X509-USER checksum in an S4U2Self request (MS-SFU 2.2.2).
pub const PA_S4U_X509_USER_REQUEST: u32 = 26;
/// PA-S4U-X509-USER checksum in the reply, when the request set "signed-with-kun-27".
pub const PA_S4U_X509_USER_REPLY: u32 = 27;
/// RFC 4121 Wrap token sealed by the acceptor.
pub const ACCEPTOR_SEAL: u32 = 22;
/// RFC 4121 MIC and unsealed Wrap token by the acceptor.
pub const ACCEPTOR_SIGN: u32 = 23;
/// RFC 4121 Wrap token sealed by the initiator.
pub const INITIATOR_SEAL: u32 = 24;
/// RFC 4121 MIC and unsealed Wrap token by the initiator.
pub const INITIATOR_SIGN: u32 = 25;
/// FAST: checksum over the outer request body, with the armor key (RFC 6113 5.4.2).
pub const FAST_REQ_CHKSUM: u32 = 50;
/// FAST: the sealed KrbFastReq.
pub const FAST_ENC: u32 = 51;
/// FAST: the sealed KrbFastResponse.
pub const FAST_REP: u32 = 52;
/// FAST: KrbFastFinished's checksum over the ticket.
pub const FAST_FINISHED: u32 = 53;
/// FAST encrypted challenge from the client (RFC 6113 5.4.6).
pub const ENC_CHALLENGE_CLIENT: u32 = 54;
/// FAST encrypted challenge from the KDC.
pub const ENC_CHALLENGE_KDC: u32 = 55;
/// The IAKerb finish: KRB-FINISHED's checksum over the conversation (KRB5_KEYUSAGE_FINISHED).
pub const FINISHED: u32 = 41;
