//! Numbers with names: message types, error codes, padata and other registries of RFC 4120
//! section 7.5 and its successors (RFC 6113, RFC 6806, MS-KILE).

/// Message types (RFC 4120 7.5.7; 16 and 17 from MS-KILE 2.2.1/2.2.2).
pub mod msg_type {
    /// Request for initial authentication.
    pub const AS_REQ: i32 = 10;
    /// Response to KRB_AS_REQ.
    pub const AS_REP: i32 = 11;
    /// Request for authentication based on TGT.
    pub const TGS_REQ: i32 = 12;
    /// Response to KRB_TGS_REQ.
    pub const TGS_REP: i32 = 13;
    /// Application request to server.
    pub const AP_REQ: i32 = 14;
    /// Response to KRB_AP_REQ.
    pub const AP_REP: i32 = 15;
    /// KERB-TGT-REQUEST, user-to-user (MS-KILE 2.2.1).
    pub const TGT_REQ: i32 = 16;
    /// KERB-TGT-REPLY, user-to-user (MS-KILE 2.2.2).
    pub const TGT_REP: i32 = 17;
    /// Safe (checksummed) application message.
    pub const SAFE: i32 = 20;
    /// Private (encrypted) application message.
    pub const PRIV: i32 = 21;
    /// Private (encrypted) message to forward credentials.
    pub const CRED: i32 = 22;
    /// Error response.
    pub const ERROR: i32 = 30;
}

/// Error codes (RFC 4120 7.5.9, RFC 4556, RFC 6113, RFC 6806).
pub mod error_code {
    /// No error.
    pub const KDC_ERR_NONE: i32 = 0;
    /// Client's entry in database has expired.
    pub const KDC_ERR_NAME_EXP: i32 = 1;
    /// Server's entry in database has expired.
    pub const KDC_ERR_SERVICE_EXP: i32 = 2;
    /// Requested protocol version number not supported.
    pub const KDC_ERR_BAD_PVNO: i32 = 3;
    /// Client's key encrypted in old master key.
    pub const KDC_ERR_C_OLD_MAST_KVNO: i32 = 4;
    /// Server's key encrypted in old master key.
    pub const KDC_ERR_S_OLD_MAST_KVNO: i32 = 5;
    /// Client not found in Kerberos database.
    pub const KDC_ERR_C_PRINCIPAL_UNKNOWN: i32 = 6;
    /// Server not found in Kerberos database.
    pub const KDC_ERR_S_PRINCIPAL_UNKNOWN: i32 = 7;
    /// Multiple principal entries in database.
    pub const KDC_ERR_PRINCIPAL_NOT_UNIQUE: i32 = 8;
    /// The client or server has a null key.
    pub const KDC_ERR_NULL_KEY: i32 = 9;
    /// Ticket not eligible for postdating.
    pub const KDC_ERR_CANNOT_POSTDATE: i32 = 10;
    /// Requested starttime is later than end time.
    pub const KDC_ERR_NEVER_VALID: i32 = 11;
    /// KDC policy rejects request.
    pub const KDC_ERR_POLICY: i32 = 12;
    /// KDC cannot accommodate requested option.
    pub const KDC_ERR_BADOPTION: i32 = 13;
    /// KDC has no support for encryption type.
    pub const KDC_ERR_ETYPE_NOSUPP: i32 = 14;
    /// KDC has no support for checksum type.
    pub const KDC_ERR_SUMTYPE_NOSUPP: i32 = 15;
    /// KDC has no support for padata type.
    pub const KDC_ERR_PADATA_TYPE_NOSUPP: i32 = 16;
    /// KDC has no support for transited type.
    pub const KDC_ERR_TRTYPE_NOSUPP: i32 = 17;
    /// Clients credentials have been revoked.
    pub const KDC_ERR_CLIENT_REVOKED: i32 = 18;
    /// Credentials for server have been revoked.
    pub const KDC_ERR_SERVICE_REVOKED: i32 = 19;
    /// TGT has been revoked.
    pub const KDC_ERR_TGT_REVOKED: i32 = 20;
    /// Client not yet valid; try again later.
    pub const KDC_ERR_CLIENT_NOTYET: i32 = 21;
    /// Server not yet valid; try again later.
    pub const KDC_ERR_SERVICE_NOTYET: i32 = 22;
    /// Password has expired; change password to reset.
    pub const KDC_ERR_KEY_EXPIRED: i32 = 23;
    /// Pre-authentication information was invalid.
    pub const KDC_ERR_PREAUTH_FAILED: i32 = 24;
    /// Additional pre-authentication required.
    pub const KDC_ERR_PREAUTH_REQUIRED: i32 = 25;
    /// Requested server and ticket don't match.
    pub const KDC_ERR_SERVER_NOMATCH: i32 = 26;
    /// Server principal valid for user2user only.
    pub const KDC_ERR_MUST_USE_USER2USER: i32 = 27;
    /// KDC Policy rejects transited path.
    pub const KDC_ERR_PATH_NOT_ACCEPTED: i32 = 28;
    /// A service is not available.
    pub const KDC_ERR_SVC_UNAVAILABLE: i32 = 29;
    /// Integrity check on decrypted field failed.
    pub const KRB_AP_ERR_BAD_INTEGRITY: i32 = 31;
    /// Ticket expired.
    pub const KRB_AP_ERR_TKT_EXPIRED: i32 = 32;
    /// Ticket not yet valid.
    pub const KRB_AP_ERR_TKT_NYV: i32 = 33;
    /// Request is a replay.
    pub const KRB_AP_ERR_REPEAT: i32 = 34;
    /// The ticket isn't for us.
    pub const KRB_AP_ERR_NOT_US: i32 = 35;
    /// Ticket and authenticator don't match.
    pub const KRB_AP_ERR_BADMATCH: i32 = 36;
    /// Clock skew too great.
    pub const KRB_AP_ERR_SKEW: i32 = 37;
    /// Incorrect net address.
    pub const KRB_AP_ERR_BADADDR: i32 = 38;
    /// Protocol version mismatch.
    pub const KRB_AP_ERR_BADVERSION: i32 = 39;
    /// Invalid msg type.
    pub const KRB_AP_ERR_MSG_TYPE: i32 = 40;
    /// Message stream modified.
    pub const KRB_AP_ERR_MODIFIED: i32 = 41;
    /// Message out of order.
    pub const KRB_AP_ERR_BADORDER: i32 = 42;
    /// Specified version of key is not available.
    pub const KRB_AP_ERR_BADKEYVER: i32 = 44;
    /// Service key not available.
    pub const KRB_AP_ERR_NOKEY: i32 = 45;
    /// Mutual authentication failed.
    pub const KRB_AP_ERR_MUT_FAIL: i32 = 46;
    /// Incorrect message direction.
    pub const KRB_AP_ERR_BADDIRECTION: i32 = 47;
    /// Alternative authentication method required.
    pub const KRB_AP_ERR_METHOD: i32 = 48;
    /// Incorrect sequence number in message.
    pub const KRB_AP_ERR_BADSEQ: i32 = 49;
    /// Inappropriate type of checksum in message.
    pub const KRB_AP_ERR_INAPP_CKSUM: i32 = 50;
    /// Policy rejects transited path.
    pub const KRB_AP_PATH_NOT_ACCEPTED: i32 = 51;
    /// Response too big for UDP; retry with TCP.
    pub const KRB_ERR_RESPONSE_TOO_BIG: i32 = 52;
    /// Generic error.
    pub const KRB_ERR_GENERIC: i32 = 60;
    /// Field is too long for this implementation.
    pub const KRB_ERR_FIELD_TOOLONG: i32 = 61;
    /// Client not trusted (PKINIT).
    pub const KDC_ERROR_CLIENT_NOT_TRUSTED: i32 = 62;
    /// KDC not trusted (PKINIT).
    pub const KDC_ERROR_KDC_NOT_TRUSTED: i32 = 63;
    /// Invalid signature (PKINIT).
    pub const KDC_ERROR_INVALID_SIG: i32 = 64;
    /// Key too weak (PKINIT).
    pub const KDC_ERR_KEY_TOO_WEAK: i32 = 65;
    /// Certificate mismatch (PKINIT).
    pub const KDC_ERR_CERTIFICATE_MISMATCH: i32 = 66;
    /// No TGT available to validate USER-TO-USER.
    pub const KRB_AP_ERR_NO_TGT: i32 = 67;
    /// Wrong realm.
    pub const KDC_ERR_WRONG_REALM: i32 = 68;
    /// Ticket must be for USER-TO-USER.
    pub const KRB_AP_ERR_USER_TO_USER_REQUIRED: i32 = 69;
    /// Cannot verify certificate (PKINIT).
    pub const KDC_ERR_CANT_VERIFY_CERTIFICATE: i32 = 70;
    /// Invalid certificate (PKINIT).
    pub const KDC_ERR_INVALID_CERTIFICATE: i32 = 71;
    /// Revoked certificate (PKINIT).
    pub const KDC_ERR_REVOKED_CERTIFICATE: i32 = 72;
    /// Revocation status unknown (PKINIT).
    pub const KDC_ERR_REVOCATION_STATUS_UNKNOWN: i32 = 73;
    /// Revocation status unavailable (PKINIT).
    pub const KDC_ERR_REVOCATION_STATUS_UNAVAILABLE: i32 = 74;
    /// Client name mismatch (PKINIT).
    pub const KDC_ERR_CLIENT_NAME_MISMATCH: i32 = 75;
    /// KDC name mismatch (PKINIT).
    pub const KDC_ERR_KDC_NAME_MISMATCH: i32 = 76;
    /// The IAKerb acceptor knows no KDC for the realm asked (draft-ietf-kitten-iakerb 3).
    pub const KRB_AP_ERR_IAKERB_KDC_NOT_FOUND: i32 = 85;
    /// The IAKerb acceptor's KDC did not answer (draft-ietf-kitten-iakerb 3).
    pub const KRB_AP_ERR_IAKERB_KDC_NO_RESPONSE: i32 = 86;
    /// Unknown critical FAST options (RFC 6113).
    pub const KDC_ERR_UNKNOWN_CRITICAL_FAST_OPTIONS: i32 = 93;

    /// The RFC name of an error code, e.g. `KDC_ERR_PREAUTH_REQUIRED` for 25.
    pub fn name(code: i32) -> Option<&'static str> {
        describe(code).map(|(name, _)| name)
    }

    /// The RFC name and the RFC's one-line meaning of an error code.
    pub fn describe(code: i32) -> Option<(&'static str, &'static str)> {
        Some(match code {
            KDC_ERR_NONE => ("KDC_ERR_NONE", "No error"),
            KDC_ERR_NAME_EXP => ("KDC_ERR_NAME_EXP", "Client's entry in database has expired"),
            KDC_ERR_SERVICE_EXP => (
                "KDC_ERR_SERVICE_EXP",
                "Server's entry in database has expired",
            ),
            KDC_ERR_BAD_PVNO => (
                "KDC_ERR_BAD_PVNO",
                "Requested protocol version number not supported",
            ),
            KDC_ERR_C_OLD_MAST_KVNO => (
                "KDC_ERR_C_OLD_MAST_KVNO",
                "Client's key encrypted in old master key",
            ),
            KDC_ERR_S_OLD_MAST_KVNO => (
                "KDC_ERR_S_OLD_MAST_KVNO",
                "Server's key encrypted in old master key",
            ),
            KDC_ERR_C_PRINCIPAL_UNKNOWN => (
                "KDC_ERR_C_PRINCIPAL_UNKNOWN",
                "Client not found in Kerberos database",
            ),
            KDC_ERR_S_PRINCIPAL_UNKNOWN => (
                "KDC_ERR_S_PRINCIPAL_UNKNOWN",
                "Server not found in Kerberos database",
            ),
            KDC_ERR_PRINCIPAL_NOT_UNIQUE => (
                "KDC_ERR_PRINCIPAL_NOT_UNIQUE",
                "Multiple principal entries in database",
            ),
            KDC_ERR_NULL_KEY => ("KDC_ERR_NULL_KEY", "The client or server has a null key"),
            KDC_ERR_CANNOT_POSTDATE => (
                "KDC_ERR_CANNOT_POSTDATE",
                "Ticket not eligible for postdating",
            ),
            KDC_ERR_NEVER_VALID => (
                "KDC_ERR_NEVER_VALID",
                "Requested starttime is later than end time",
            ),
            KDC_ERR_POLICY => ("KDC_ERR_POLICY", "KDC policy rejects request"),
            KDC_ERR_BADOPTION => (
                "KDC_ERR_BADOPTION",
                "KDC cannot accommodate requested option",
            ),
            KDC_ERR_ETYPE_NOSUPP => (
                "KDC_ERR_ETYPE_NOSUPP",
                "KDC has no support for encryption type",
            ),
            KDC_ERR_SUMTYPE_NOSUPP => (
                "KDC_ERR_SUMTYPE_NOSUPP",
                "KDC has no support for checksum type",
            ),
            KDC_ERR_PADATA_TYPE_NOSUPP => (
                "KDC_ERR_PADATA_TYPE_NOSUPP",
                "KDC has no support for padata type",
            ),
            KDC_ERR_TRTYPE_NOSUPP => (
                "KDC_ERR_TRTYPE_NOSUPP",
                "KDC has no support for transited type",
            ),
            KDC_ERR_CLIENT_REVOKED => (
                "KDC_ERR_CLIENT_REVOKED",
                "Clients credentials have been revoked",
            ),
            KDC_ERR_SERVICE_REVOKED => (
                "KDC_ERR_SERVICE_REVOKED",
                "Credentials for server have been revoked",
            ),
            KDC_ERR_TGT_REVOKED => ("KDC_ERR_TGT_REVOKED", "TGT has been revoked"),
            KDC_ERR_CLIENT_NOTYET => (
                "KDC_ERR_CLIENT_NOTYET",
                "Client not yet valid; try again later",
            ),
            KDC_ERR_SERVICE_NOTYET => (
                "KDC_ERR_SERVICE_NOTYET",
                "Server not yet valid; try again later",
            ),
            KDC_ERR_KEY_EXPIRED => (
                "KDC_ERR_KEY_EXPIRED",
                "Password has expired; change password to reset",
            ),
            KDC_ERR_PREAUTH_FAILED => (
                "KDC_ERR_PREAUTH_FAILED",
                "Pre-authentication information was invalid",
            ),
            KDC_ERR_PREAUTH_REQUIRED => (
                "KDC_ERR_PREAUTH_REQUIRED",
                "Additional pre-authentication required",
            ),
            KDC_ERR_SERVER_NOMATCH => (
                "KDC_ERR_SERVER_NOMATCH",
                "Requested server and ticket don't match",
            ),
            KDC_ERR_MUST_USE_USER2USER => (
                "KDC_ERR_MUST_USE_USER2USER",
                "Server principal valid for user2user only",
            ),
            KDC_ERR_PATH_NOT_ACCEPTED => (
                "KDC_ERR_PATH_NOT_ACCEPTED",
                "KDC Policy rejects transited path",
            ),
            KDC_ERR_SVC_UNAVAILABLE => ("KDC_ERR_SVC_UNAVAILABLE", "A service is not available"),
            KRB_AP_ERR_BAD_INTEGRITY => (
                "KRB_AP_ERR_BAD_INTEGRITY",
                "Integrity check on decrypted field failed",
            ),
            KRB_AP_ERR_TKT_EXPIRED => ("KRB_AP_ERR_TKT_EXPIRED", "Ticket expired"),
            KRB_AP_ERR_TKT_NYV => ("KRB_AP_ERR_TKT_NYV", "Ticket not yet valid"),
            KRB_AP_ERR_REPEAT => ("KRB_AP_ERR_REPEAT", "Request is a replay"),
            KRB_AP_ERR_NOT_US => ("KRB_AP_ERR_NOT_US", "The ticket isn't for us"),
            KRB_AP_ERR_BADMATCH => (
                "KRB_AP_ERR_BADMATCH",
                "Ticket and authenticator don't match",
            ),
            KRB_AP_ERR_SKEW => ("KRB_AP_ERR_SKEW", "Clock skew too great"),
            KRB_AP_ERR_BADADDR => ("KRB_AP_ERR_BADADDR", "Incorrect net address"),
            KRB_AP_ERR_BADVERSION => ("KRB_AP_ERR_BADVERSION", "Protocol version mismatch"),
            KRB_AP_ERR_MSG_TYPE => ("KRB_AP_ERR_MSG_TYPE", "Invalid msg type"),
            KRB_AP_ERR_MODIFIED => ("KRB_AP_ERR_MODIFIED", "Message stream modified"),
            KRB_AP_ERR_BADORDER => ("KRB_AP_ERR_BADORDER", "Message out of order"),
            KRB_AP_ERR_BADKEYVER => (
                "KRB_AP_ERR_BADKEYVER",
                "Specified version of key is not available",
            ),
            KRB_AP_ERR_NOKEY => ("KRB_AP_ERR_NOKEY", "Service key not available"),
            KRB_AP_ERR_MUT_FAIL => ("KRB_AP_ERR_MUT_FAIL", "Mutual authentication failed"),
            KRB_AP_ERR_BADDIRECTION => ("KRB_AP_ERR_BADDIRECTION", "Incorrect message direction"),
            KRB_AP_ERR_METHOD => (
                "KRB_AP_ERR_METHOD",
                "Alternative authentication method required",
            ),
            KRB_AP_ERR_BADSEQ => ("KRB_AP_ERR_BADSEQ", "Incorrect sequence number in message"),
            KRB_AP_ERR_INAPP_CKSUM => (
                "KRB_AP_ERR_INAPP_CKSUM",
                "Inappropriate type of checksum in message",
            ),
            KRB_AP_PATH_NOT_ACCEPTED => {
                ("KRB_AP_PATH_NOT_ACCEPTED", "Policy rejects transited path")
            }
            KRB_ERR_RESPONSE_TOO_BIG => (
                "KRB_ERR_RESPONSE_TOO_BIG",
                "Response too big for UDP; retry with TCP",
            ),
            KRB_ERR_GENERIC => ("KRB_ERR_GENERIC", "Generic error"),
            KRB_ERR_FIELD_TOOLONG => (
                "KRB_ERR_FIELD_TOOLONG",
                "Field is too long for this implementation",
            ),
            KDC_ERROR_CLIENT_NOT_TRUSTED => (
                "KDC_ERROR_CLIENT_NOT_TRUSTED",
                "Client not trusted (PKINIT)",
            ),
            KDC_ERROR_KDC_NOT_TRUSTED => ("KDC_ERROR_KDC_NOT_TRUSTED", "KDC not trusted (PKINIT)"),
            KDC_ERROR_INVALID_SIG => ("KDC_ERROR_INVALID_SIG", "Invalid signature (PKINIT)"),
            KDC_ERR_KEY_TOO_WEAK => ("KDC_ERR_KEY_TOO_WEAK", "Key too weak (PKINIT)"),
            KDC_ERR_CERTIFICATE_MISMATCH => (
                "KDC_ERR_CERTIFICATE_MISMATCH",
                "Certificate mismatch (PKINIT)",
            ),
            KRB_AP_ERR_NO_TGT => (
                "KRB_AP_ERR_NO_TGT",
                "No TGT available to validate USER-TO-USER",
            ),
            KDC_ERR_WRONG_REALM => ("KDC_ERR_WRONG_REALM", "Wrong realm"),
            KRB_AP_ERR_USER_TO_USER_REQUIRED => (
                "KRB_AP_ERR_USER_TO_USER_REQUIRED",
                "Ticket must be for USER-TO-USER",
            ),
            KDC_ERR_CANT_VERIFY_CERTIFICATE => (
                "KDC_ERR_CANT_VERIFY_CERTIFICATE",
                "Cannot verify certificate (PKINIT)",
            ),
            KDC_ERR_INVALID_CERTIFICATE => (
                "KDC_ERR_INVALID_CERTIFICATE",
                "Invalid certificate (PKINIT)",
            ),
            KDC_ERR_REVOKED_CERTIFICATE => (
                "KDC_ERR_REVOKED_CERTIFICATE",
                "Revoked certificate (PKINIT)",
            ),
            KDC_ERR_REVOCATION_STATUS_UNKNOWN => (
                "KDC_ERR_REVOCATION_STATUS_UNKNOWN",
                "Revocation status unknown (PKINIT)",
            ),
            KDC_ERR_REVOCATION_STATUS_UNAVAILABLE => (
                "KDC_ERR_REVOCATION_STATUS_UNAVAILABLE",
                "Revocation status unavailable (PKINIT)",
            ),
            KDC_ERR_CLIENT_NAME_MISMATCH => (
                "KDC_ERR_CLIENT_NAME_MISMATCH",
                "Client name mismatch (PKINIT)",
            ),
            KDC_ERR_KDC_NAME_MISMATCH => {
                ("KDC_ERR_KDC_NAME_MISMATCH", "KDC name mismatch (PKINIT)")
            }
            KRB_AP_ERR_IAKERB_KDC_NOT_FOUND => (
                "KRB_AP_ERR_IAKERB_KDC_NOT_FOUND",
                "The IAKerb proxy could not find a KDC",
            ),
            KRB_AP_ERR_IAKERB_KDC_NO_RESPONSE => (
                "KRB_AP_ERR_IAKERB_KDC_NO_RESPONSE",
                "The KDC did not respond to the IAKerb proxy",
            ),
            KDC_ERR_UNKNOWN_CRITICAL_FAST_OPTIONS => (
                "KDC_ERR_UNKNOWN_CRITICAL_FAST_OPTIONS",
                "Unknown critical FAST options (RFC 6113)",
            ),
            _ => return None,
        })
    }
}

/// Pre-authentication data types (RFC 4120 7.5.2, MS-KILE 2.2).
pub mod pa_type {
    /// PA-TGS-REQ: the AP-REQ in a TGS-REQ.
    pub const TGS_REQ: i32 = 1;
    /// PA-ENC-TIMESTAMP: encrypted PA-ENC-TS-ENC.
    pub const ENC_TIMESTAMP: i32 = 2;
    /// PA-PW-SALT.
    pub const PW_SALT: i32 = 3;
    /// PA-ETYPE-INFO.
    pub const ETYPE_INFO: i32 = 11;
    /// PA-PK-AS-REQ (RFC 4556).
    pub const PK_AS_REQ: i32 = 16;
    /// PA-PK-AS-REP (RFC 4556).
    pub const PK_AS_REP: i32 = 17;
    /// PA-ETYPE-INFO2.
    pub const ETYPE_INFO2: i32 = 19;
    /// PA-SVR-REFERRAL-INFO.
    pub const SVR_REFERRAL_INFO: i32 = 20;
    /// PA-FX-COOKIE (RFC 6113).
    pub const FX_COOKIE: i32 = 133;
    /// PA-FX-FAST (RFC 6113).
    pub const FX_FAST: i32 = 136;
    /// PA-FX-ERROR (RFC 6113).
    pub const FX_ERROR: i32 = 137;
    /// PA-ENCRYPTED-CHALLENGE (RFC 6113).
    pub const ENCRYPTED_CHALLENGE: i32 = 138;
    /// PA-PAC-REQUEST (MS-KILE 2.2.3).
    pub const PAC_REQUEST: i32 = 128;
    /// PA-FOR-USER (S4U2Self, MS-SFU).
    pub const FOR_USER: i32 = 129;
    /// PA-S4U-X509-USER (S4U2Self, MS-SFU 2.2.2).
    pub const S4U_X509_USER: i32 = 130;
    /// PA-REQ-ENC-PA-REP (RFC 6806).
    pub const REQ_ENC_PA_REP: i32 = 149;
    /// PA-AS-FRESHNESS (RFC 8070).
    pub const AS_FRESHNESS: i32 = 150;
    /// PA-SPAKE (RFC 9587 draft numbering as MIT uses it).
    pub const SPAKE: i32 = 151;
    /// PA-SUPPORTED-ENCTYPES (MS-KILE 2.2.8).
    pub const SUPPORTED_ENCTYPES: i32 = 165;
    /// PA-PAC-OPTIONS (MS-KILE 2.2.10).
    pub const PAC_OPTIONS: i32 = 167;
}

/// Principal name types (RFC 4120 6.2).
pub mod name_type {
    /// Name type not known.
    pub const NT_UNKNOWN: i32 = 0;
    /// Just the name of the principal as in DCE, or for users.
    pub const NT_PRINCIPAL: i32 = 1;
    /// Service and other unique instance (krbtgt).
    pub const NT_SRV_INST: i32 = 2;
    /// Service with host name as instance (telnet, rcommands).
    pub const NT_SRV_HST: i32 = 3;
    /// Service with host as remaining components.
    pub const NT_SRV_XHST: i32 = 4;
    /// Unique ID.
    pub const NT_UID: i32 = 5;
    /// Encoded X.509 Distinguished name (RFC 2253).
    pub const NT_X500_PRINCIPAL: i32 = 6;
    /// Name in form of SMTP email name.
    pub const NT_SMTP_NAME: i32 = 7;
    /// Enterprise name; may be mapped to principal name (RFC 6806).
    pub const NT_ENTERPRISE: i32 = 10;
    /// Well-known name (RFC 6111).
    pub const NT_WELLKNOWN: i32 = 11;
    /// Microsoft: a Windows 2000 style `DOMAIN\user` name.
    pub const NT_MS_PRINCIPAL: i32 = -128;
}

/// Encryption types (RFC 3961 8, RFC 3962, RFC 4757, RFC 8009).
pub mod etype {
    /// aes128-cts-hmac-sha1-96 (RFC 3962).
    pub const AES128_CTS_HMAC_SHA1_96: i32 = 17;
    /// aes256-cts-hmac-sha1-96 (RFC 3962).
    pub const AES256_CTS_HMAC_SHA1_96: i32 = 18;
    /// aes128-cts-hmac-sha256-128 (RFC 8009).
    pub const AES128_CTS_HMAC_SHA256_128: i32 = 19;
    /// aes256-cts-hmac-sha384-192 (RFC 8009).
    pub const AES256_CTS_HMAC_SHA384_192: i32 = 20;
    /// rc4-hmac (RFC 4757).
    pub const RC4_HMAC: i32 = 23;
    /// rc4-hmac-exp (RFC 4757).
    pub const RC4_HMAC_EXP: i32 = 24;
}

/// Checksum types (RFC 3961 8, RFC 3962, RFC 4757, RFC 8009, RFC 4121).
pub mod cksum_type {
    /// hmac-sha1-96-aes128.
    pub const HMAC_SHA1_96_AES128: i32 = 15;
    /// hmac-sha1-96-aes256.
    pub const HMAC_SHA1_96_AES256: i32 = 16;
    /// hmac-sha256-128-aes128.
    pub const HMAC_SHA256_128_AES128: i32 = 19;
    /// hmac-sha384-192-aes256.
    pub const HMAC_SHA384_192_AES256: i32 = 20;
    /// hmac-md5 (RFC 4757), written as -138 on the wire.
    pub const HMAC_MD5: i32 = -138;
    /// The GSS-API authenticator checksum (RFC 4121 4.1.1).
    pub const GSSAPI: i32 = 0x8003;
}

/// Authorization data types (RFC 4120 7.5.4, MS-KILE, MS-PAC).
pub mod ad_type {
    /// AD-IF-RELEVANT.
    pub const IF_RELEVANT: i32 = 1;
    /// AD-INTENDED-FOR-SERVER.
    pub const INTENDED_FOR_SERVER: i32 = 2;
    /// AD-KDCIssued.
    pub const KDC_ISSUED: i32 = 4;
    /// AD-AND-OR.
    pub const AND_OR: i32 = 5;
    /// AD-MANDATORY-FOR-KDC.
    pub const MANDATORY_FOR_KDC: i32 = 8;
    /// AD-WIN2K-PAC: the PAC (MS-PAC).
    pub const WIN2K_PAC: i32 = 128;
    /// AD-ETYPE-NEGOTIATION (RFC 4537).
    pub const ETYPE_NEGOTIATION: i32 = 129;
    /// KERB-AUTH-DATA-TOKEN-RESTRICTIONS (MS-KILE 2.2.6).
    pub const TOKEN_RESTRICTIONS: i32 = 141;
    /// KERB-LOCAL (MS-KILE 2.2.5).
    pub const LOCAL: i32 = 142;
    /// AD-AUTH-DATA-AP-OPTIONS (MS-KILE 2.2.7).
    pub const AP_OPTIONS: i32 = 143;
}

/// Host address types (RFC 4120 7.5.3).
pub mod address_type {
    /// IPv4.
    pub const IPV4: i32 = 2;
    /// Directional.
    pub const DIRECTIONAL: i32 = 3;
    /// NetBIOS.
    pub const NETBIOS: i32 = 20;
    /// IPv6.
    pub const IPV6: i32 = 24;
}

/// Bit numbers of TicketFlags (RFC 4120 5.3).
pub mod ticket_flags {
    /// reserved.
    pub const RESERVED: usize = 0;
    /// forwardable.
    pub const FORWARDABLE: usize = 1;
    /// forwarded.
    pub const FORWARDED: usize = 2;
    /// proxiable.
    pub const PROXIABLE: usize = 3;
    /// proxy.
    pub const PROXY: usize = 4;
    /// may-postdate.
    pub const MAY_POSTDATE: usize = 5;
    /// postdated.
    pub const POSTDATED: usize = 6;
    /// invalid.
    pub const INVALID: usize = 7;
    /// renewable.
    pub const RENEWABLE: usize = 8;
    /// initial.
    pub const INITIAL: usize = 9;
    /// pre-authent.
    pub const PRE_AUTHENT: usize = 10;
    /// hw-authent.
    pub const HW_AUTHENT: usize = 11;
    /// transited-policy-checked.
    pub const TRANSITED_POLICY_CHECKED: usize = 12;
    /// ok-as-delegate.
    pub const OK_AS_DELEGATE: usize = 13;
    /// enc-pa-rep (RFC 6806).
    pub const ENC_PA_REP: usize = 15;
    /// anonymous (RFC 6112).
    pub const ANONYMOUS: usize = 16;
}

/// Bit numbers of KDCOptions (RFC 4120 5.4.1).
pub mod kdc_options {
    /// forwardable.
    pub const FORWARDABLE: usize = 1;
    /// forwarded.
    pub const FORWARDED: usize = 2;
    /// proxiable.
    pub const PROXIABLE: usize = 3;
    /// proxy.
    pub const PROXY: usize = 4;
    /// allow-postdate.
    pub const ALLOW_POSTDATE: usize = 5;
    /// postdated.
    pub const POSTDATED: usize = 6;
    /// renewable.
    pub const RENEWABLE: usize = 8;
    /// constrained delegation (MS-SFU).
    pub const CNAME_IN_ADDL_TKT: usize = 14;
    /// canonicalize (RFC 6806).
    pub const CANONICALIZE: usize = 15;
    /// request-anonymous (RFC 6112).
    pub const REQUEST_ANONYMOUS: usize = 16;
    /// disable-transited-check.
    pub const DISABLE_TRANSITED_CHECK: usize = 26;
    /// renewable-ok.
    pub const RENEWABLE_OK: usize = 27;
    /// enc-tkt-in-skey: user-to-user.
    pub const ENC_TKT_IN_SKEY: usize = 28;
    /// renew.
    pub const RENEW: usize = 30;
    /// validate.
    pub const VALIDATE: usize = 31;
}

/// Bit numbers of APOptions (RFC 4120 5.5.1).
pub mod ap_options {
    /// reserved.
    pub const RESERVED: usize = 0;
    /// use-session-key: the ticket is encrypted in the server's TGT session key (user-to-user).
    pub const USE_SESSION_KEY: usize = 1;
    /// mutual-required.
    pub const MUTUAL_REQUIRED: usize = 2;
}
