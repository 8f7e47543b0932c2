//! Property tests: every message type decodes back to the value it was encoded from, and its
//! encoding passes the same strictness checks as third-party input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::cast_possible_truncation
)] // test code

use proptest::collection::vec;
use proptest::option::of;
use proptest::prelude::*;
use sesame_asn1::gss::{InitialContextToken, KerberosContextToken};
use sesame_asn1::kerberos::*;
use sesame_asn1::kkdcp::KdcProxyMessage;
use sesame_asn1::spnego::*;
use sesame_asn1::{Der, ObjectIdentifier, OctetString};

fn octets() -> impl Strategy<Value = OctetString> {
    vec(any::<u8>(), 0..48).prop_map(OctetString::from)
}
fn kstring() -> impl Strategy<Value = KerberosString> {
    vec(any::<u8>(), 0..24).prop_map(KerberosString::from_bytes)
}
fn ktime() -> impl Strategy<Value = KerberosTime> {
    (KerberosTime::MIN.unix()..=KerberosTime::MAX.unix())
        .prop_map(|t| KerberosTime::from_unix(t).unwrap())
}
fn flags() -> impl Strategy<Value = KerberosFlags> {
    prop_oneof![
        any::<u32>().prop_map(KerberosFlags::from_u32),
        vec(any::<bool>(), 0..70).prop_map(|b| KerberosFlags(b.into_iter().collect())),
    ]
}
fn principal() -> impl Strategy<Value = PrincipalName> {
    (any::<i32>(), vec(kstring(), 0..4)).prop_map(|(name_type, name_string)| PrincipalName {
        name_type,
        name_string,
    })
}
fn enc_data() -> impl Strategy<Value = EncryptedData> {
    (any::<i32>(), of(any::<u32>()), octets()).prop_map(|(etype, kvno, cipher)| EncryptedData {
        etype,
        kvno,
        cipher,
    })
}
fn key() -> impl Strategy<Value = EncryptionKey> {
    (any::<i32>(), vec(any::<u8>(), 0..32)).prop_map(|(keytype, k)| EncryptionKey {
        keytype,
        keyvalue: SecretOctets::new(k),
    })
}
fn checksum() -> impl Strategy<Value = Checksum> {
    (any::<i32>(), octets()).prop_map(|(cksumtype, checksum)| Checksum {
        cksumtype,
        checksum,
    })
}
fn padata() -> impl Strategy<Value = PaData> {
    (any::<i32>(), octets()).prop_map(|(padata_type, padata_value)| PaData {
        padata_type,
        padata_value,
    })
}
fn address() -> impl Strategy<Value = HostAddress> {
    (any::<i32>(), octets()).prop_map(|(addr_type, address)| HostAddress { addr_type, address })
}
fn authz() -> impl Strategy<Value = AuthorizationData> {
    vec(
        (any::<i32>(), octets())
            .prop_map(|(ad_type, ad_data)| AuthorizationDataEntry { ad_type, ad_data }),
        0..3,
    )
}
fn ticket() -> impl Strategy<Value = Ticket> {
    (any::<i32>(), kstring(), principal(), enc_data()).prop_map(
        |(tkt_vno, realm, sname, enc_part)| Ticket {
            tkt_vno,
            realm,
            sname,
            enc_part,
        },
    )
}
fn mech() -> impl Strategy<Value = ObjectIdentifier> {
    (0u32..=2, 0u32..40, vec(any::<u32>(), 0..6)).prop_map(|(a, b, rest)| {
        let mut arcs = vec![a, b];
        arcs.extend(rest);
        ObjectIdentifier::new(arcs).unwrap()
    })
}
fn req_body() -> impl Strategy<Value = KdcReqBody> {
    (
        (flags(), of(principal()), kstring(), of(principal())),
        (
            of(ktime()),
            ktime(),
            of(ktime()),
            any::<u32>(),
            vec(any::<i32>(), 0..5),
        ),
        (
            of(vec(address(), 0..2)),
            of(enc_data()),
            of(vec(ticket(), 0..2)),
        ),
    )
        .prop_map(
            |(
                (kdc_options, cname, realm, sname),
                (from, till, rtime, nonce, etype),
                (addresses, enc_authorization_data, additional_tickets),
            )| KdcReqBody {
                kdc_options,
                cname,
                realm,
                sname,
                from,
                till,
                rtime,
                nonce,
                etype,
                addresses,
                enc_authorization_data,
                additional_tickets,
            },
        )
}
fn kdc_req() -> impl Strategy<Value = KdcReq> {
    (
        any::<i32>(),
        any::<i32>(),
        of(vec(padata(), 0..3)),
        req_body(),
    )
        .prop_map(|(pvno, msg_type, padata, req_body)| KdcReq {
            pvno,
            msg_type,
            padata,
            req_body,
        })
}
fn kdc_rep() -> impl Strategy<Value = KdcRep> {
    (
        any::<i32>(),
        any::<i32>(),
        of(vec(padata(), 0..3)),
        kstring(),
        principal(),
        ticket(),
        enc_data(),
    )
        .prop_map(
            |(pvno, msg_type, padata, crealm, cname, ticket, enc_part)| KdcRep {
                pvno,
                msg_type,
                padata,
                crealm,
                cname,
                ticket,
                enc_part,
            },
        )
}
fn enc_kdc_rep_part() -> impl Strategy<Value = EncKdcRepPart> {
    (
        (
            key(),
            vec(
                (any::<i32>(), ktime())
                    .prop_map(|(lr_type, lr_value)| LastReqEntry { lr_type, lr_value }),
                0..2,
            ),
            any::<u32>(),
            of(ktime()),
            flags(),
        ),
        (
            ktime(),
            of(ktime()),
            ktime(),
            of(ktime()),
            kstring(),
            principal(),
        ),
        (of(vec(address(), 0..2)), of(vec(padata(), 0..2))),
    )
        .prop_map(
            |(
                (key, last_req, nonce, key_expiration, flags),
                (authtime, starttime, endtime, renew_till, srealm, sname),
                (caddr, encrypted_pa_data),
            )| EncKdcRepPart {
                key,
                last_req,
                nonce,
                key_expiration,
                flags,
                authtime,
                starttime,
                endtime,
                renew_till,
                srealm,
                sname,
                caddr,
                encrypted_pa_data,
            },
        )
}
fn ap_req() -> impl Strategy<Value = ApReq> {
    (any::<i32>(), any::<i32>(), flags(), ticket(), enc_data()).prop_map(
        |(pvno, msg_type, ap_options, ticket, authenticator)| ApReq {
            pvno,
            msg_type,
            ap_options,
            ticket,
            authenticator,
        },
    )
}
fn krb_error() -> impl Strategy<Value = KrbError> {
    (
        (
            any::<i32>(),
            any::<i32>(),
            of(ktime()),
            of(0u32..1_000_000),
            ktime(),
            0u32..1_000_000,
        ),
        (
            any::<i32>(),
            of(kstring()),
            of(principal()),
            kstring(),
            principal(),
            of(kstring()),
            of(octets()),
        ),
    )
        .prop_map(
            |(
                (pvno, msg_type, ctime, cusec, stime, susec),
                (error_code, crealm, cname, realm, sname, e_text, e_data),
            )| KrbError {
                pvno,
                msg_type,
                ctime,
                cusec,
                stime,
                susec,
                error_code,
                crealm,
                cname,
                realm,
                sname,
                e_text,
                e_data,
            },
        )
}
fn neg_token() -> impl Strategy<Value = NegotiationToken> {
    let hints = (of(kstring()), of(octets())).prop_map(|(hint_name, hint_address)| NegHints {
        hint_name,
        hint_address,
    });
    let init = (
        vec(mech(), 0..4),
        of(any::<u8>().prop_map(|b| ContextFlags::from_bits(b & 0x7f))),
        of(octets()),
        of(hints),
        of(octets()),
    )
        .prop_map(
            |(mech_types, req_flags, mech_token, neg_hints, mech_list_mic)| {
                NegotiationToken::NegTokenInit(NegTokenInit {
                    mech_types,
                    req_flags,
                    mech_token,
                    neg_hints,
                    mech_list_mic,
                })
            },
        );
    let state = prop_oneof![
        Just(NegState::AcceptCompleted),
        Just(NegState::AcceptIncomplete),
        Just(NegState::Reject),
        Just(NegState::RequestMic)
    ];
    let resp = (of(state), of(mech()), of(octets()), of(octets())).prop_map(
        |(neg_state, supported_mech, response_token, mech_list_mic)| {
            NegotiationToken::NegTokenResp(NegTokenResp {
                neg_state,
                supported_mech,
                response_token,
                mech_list_mic,
            })
        },
    );
    prop_oneof![init, resp]
}

/// Encodes, requires strict decoding to give the value back, and re-encoding the same bytes.
fn round_trip<T: Der + PartialEq + std::fmt::Debug>(value: &T) -> Result<(), TestCaseError> {
    let bytes = value
        .to_der()
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let back =
        T::from_der(&bytes).map_err(|e| TestCaseError::fail(format!("{e}: {bytes:02x?}")))?;
    prop_assert_eq!(&back, value);
    prop_assert_eq!(back.to_der().unwrap(), bytes);
    Ok(())
}

macro_rules! round_trips {
    ($($name:ident: $strategy:expr;)*) => {
        proptest! {
            #![proptest_config(ProptestConfig::with_cases(96))]
            $(
                #[test]
                fn $name(value in $strategy) {
                    round_trip(&value)?;
                }
            )*
        }
    };
}

round_trips! {
    kerberos_string: kstring();
    kerberos_time: ktime();
    kerberos_flags: flags();
    principal_name: principal();
    host_address: address();
    authorization_data: authz();
    pa_data: padata();
    encrypted_data: enc_data();
    encryption_key: key();
    checksum_: checksum();
    ticket_: ticket();
    enc_ticket_part: (flags(), key(), kstring(), principal(), (any::<i32>(), octets()), ktime(), of(ktime()), ktime(), of(ktime()), of(vec(address(), 0..2)), of(authz()))
        .prop_map(|(flags, key, crealm, cname, (tr_type, contents), authtime, starttime, endtime, renew_till, caddr, authorization_data)| EncTicketPart {
            flags, key, crealm, cname, transited: TransitedEncoding { tr_type, contents }, authtime, starttime, endtime, renew_till, caddr, authorization_data,
        });
    as_req: kdc_req().prop_map(AsReq);
    tgs_req: kdc_req().prop_map(TgsReq);
    as_rep: kdc_rep().prop_map(AsRep);
    tgs_rep: kdc_rep().prop_map(TgsRep);
    enc_as_rep_part: enc_kdc_rep_part().prop_map(EncAsRepPart);
    enc_tgs_rep_part: enc_kdc_rep_part().prop_map(EncTgsRepPart);
    ap_req_: ap_req();
    authenticator: ((any::<i32>(), kstring(), principal(), of(checksum())), (0u32..1_000_000, ktime(), of(key()), of(any::<u32>()), of(authz())))
        .prop_map(|((authenticator_vno, crealm, cname, cksum), (cusec, ctime, subkey, seq_number, authorization_data))| Authenticator {
            authenticator_vno, crealm, cname, cksum, cusec, ctime, subkey, seq_number, authorization_data,
        });
    ap_rep: (any::<i32>(), any::<i32>(), enc_data()).prop_map(|(pvno, msg_type, enc_part)| ApRep { pvno, msg_type, enc_part });
    enc_ap_rep_part: (ktime(), 0u32..1_000_000, of(key()), of(any::<u32>()))
        .prop_map(|(ctime, cusec, subkey, seq_number)| EncApRepPart { ctime, cusec, subkey, seq_number });
    krb_error_: krb_error();
    method_data: vec(padata(), 0..4);
    typed_data: vec((any::<i32>(), of(octets())).prop_map(|(data_type, data_value)| TypedDataEntry { data_type, data_value }), 1..4);
    pa_enc_ts_enc: (ktime(), of(0u32..1_000_000)).prop_map(|(patimestamp, pausec)| PaEncTsEnc { patimestamp, pausec });
    etype_info: vec((any::<i32>(), of(octets())).prop_map(|(etype, salt)| EtypeInfoEntry { etype, salt }), 0..3);
    etype_info2: vec((any::<i32>(), of(kstring()), of(octets())).prop_map(|(etype, salt, s2kparams)| EtypeInfo2Entry { etype, salt, s2kparams }), 1..3);
    pa_pac_request: any::<bool>().prop_map(|include_pac| PaPacRequest { include_pac });
    pa_pac_options: flags().prop_map(|flags| PaPacOptions { flags });
    pa_fx_fast_request: (of((any::<i32>(), octets())), checksum(), enc_data())
        .prop_map(|(armor, req_checksum, enc_fast_req)| PaFxFastRequest::ArmoredData(KrbFastArmoredReq {
            armor: armor.map(|(armor_type, armor_value)| KrbFastArmor { armor_type, armor_value }),
            req_checksum,
            enc_fast_req,
        }));
    krb_fast_req: (flags(), vec(padata(), 0..3), req_body())
        .prop_map(|(fast_options, padata, req_body)| KrbFastReq { fast_options, padata, req_body });
    pa_fx_fast_reply: enc_data().prop_map(|enc_fast_rep| PaFxFastReply::ArmoredData(KrbFastArmoredRep { enc_fast_rep }));
    krb_fast_response: (vec(padata(), 0..3), of(key()), of((ktime(), 0u32..1_000_000, kstring(), principal(), checksum())), any::<u32>())
        .prop_map(|(padata, strengthen_key, finished, nonce)| KrbFastResponse {
            padata,
            strengthen_key,
            finished: finished.map(|(timestamp, usec, crealm, cname, ticket_checksum)| KrbFastFinished { timestamp, usec, crealm, cname, ticket_checksum }),
            nonce,
        });
    pa_s4u_x509_user: (any::<u32>(), of(principal()), kstring(), of(octets()), of(flags()), checksum())
        .prop_map(|(nonce, cname, crealm, subject_certificate, options, checksum)| PaS4uX509User {
            user_id: S4uUserId { nonce, cname, crealm, subject_certificate, options },
            checksum,
        });
    ad_kdc_issued: (checksum(), of(kstring()), of(principal()), authz())
        .prop_map(|(ad_checksum, i_realm, i_sname, elements)| AdKdcIssued { ad_checksum, i_realm, i_sname, elements });
    ad_and_or: (any::<i32>(), authz()).prop_map(|(condition_count, elements)| AdAndOr { condition_count, elements });
    kerb_ad_restrictions: vec((any::<i32>(), octets()).prop_map(|(restriction_type, restriction)| KerbAdRestrictionEntry { restriction_type, restriction }), 0..3);
    krb_safe: (any::<i32>(), any::<i32>(), octets(), of(ktime()), of(0u32..1_000_000), of(any::<u32>()), address(), of(address()), checksum())
        .prop_map(|(pvno, msg_type, user_data, timestamp, usec, seq_number, s_address, r_address, cksum)| KrbSafe {
            pvno, msg_type, safe_body: KrbSafeBody { user_data, timestamp, usec, seq_number, s_address, r_address }, cksum,
        });
    krb_priv: (any::<i32>(), any::<i32>(), enc_data()).prop_map(|(pvno, msg_type, enc_part)| KrbPriv { pvno, msg_type, enc_part });
    enc_krb_priv_part: (octets(), of(ktime()), of(0u32..1_000_000), of(any::<u32>()), address(), of(address()))
        .prop_map(|(user_data, timestamp, usec, seq_number, s_address, r_address)| EncKrbPrivPart { user_data, timestamp, usec, seq_number, s_address, r_address });
    krb_cred: (any::<i32>(), any::<i32>(), vec(ticket(), 0..2), enc_data()).prop_map(|(pvno, msg_type, tickets, enc_part)| KrbCred { pvno, msg_type, tickets, enc_part });
    enc_krb_cred_part: (vec((key(), of(kstring()), of(principal()), of(flags()), of(ktime()), of(ktime()), of(ktime()), of(ktime()), of(kstring()), of(principal()), of(vec(address(), 0..2)))
            .prop_map(|(key, prealm, pname, flags, authtime, starttime, endtime, renew_till, srealm, sname, caddr)| KrbCredInfo {
                key, prealm, pname, flags, authtime, starttime, endtime, renew_till, srealm, sname, caddr,
            }), 0..2), of(any::<u32>()), of(ktime()), of(0u32..1_000_000), of(address()), of(address()))
        .prop_map(|(ticket_info, nonce, timestamp, usec, s_address, r_address)| EncKrbCredPart { ticket_info, nonce, timestamp, usec, s_address, r_address });
    kerb_tgt_request: (any::<i32>(), any::<i32>(), of(principal()), of(kstring()))
        .prop_map(|(pvno, msg_type, server_name, realm)| KerbTgtRequest { pvno, msg_type, server_name, realm });
    kerb_tgt_reply: (any::<i32>(), any::<i32>(), ticket()).prop_map(|(pvno, msg_type, ticket)| KerbTgtReply { pvno, msg_type, ticket });
    kdc_proxy_message: (octets(), of(kstring()), of(any::<i32>()))
        .prop_map(|(kerb_message, target_domain, dclocator_hint)| KdcProxyMessage { kerb_message, target_domain, dclocator_hint });
    negotiation_token: neg_token();
    context_flags: any::<u8>().prop_map(|b| ContextFlags::from_bits(b & 0x7f));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn gss_framing(m in mech(), inner in vec(any::<u8>(), 0..300)) {
        let token = InitialContextToken::new(m, inner);
        let bytes = token.encode().unwrap();
        prop_assert_eq!(InitialContextToken::decode(&bytes).unwrap(), token);
    }

    #[test]
    fn spnego_token_forms(t in neg_token(), initial in any::<bool>()) {
        let token = if initial { SpnegoToken::Initial(t) } else { SpnegoToken::Subsequent(t) };
        let bytes = token.encode().unwrap();
        prop_assert_eq!(SpnegoToken::decode(&bytes).unwrap(), token);
    }

    #[test]
    fn kerberos_context_tokens(req in ap_req(), err in krb_error(), tgt in ticket()) {
        for token in [
            KerberosContextToken::ApReq(req.clone()),
            KerberosContextToken::KrbError(err.clone()),
            KerberosContextToken::TgtRep(KerbTgtReply { pvno: 5, msg_type: 17, ticket: tgt.clone() }),
        ] {
            let inner = token.encode_inner().unwrap();
            prop_assert_eq!(KerberosContextToken::decode_inner(&inner).unwrap(), token);
        }
    }

    #[test]
    fn enc_kdc_rep_part_under_either_tag(part in enc_kdc_rep_part()) {
        let as_bytes = EncAsRepPart(part.clone()).to_der().unwrap();
        let tgs_bytes = EncTgsRepPart(part.clone()).to_der().unwrap();
        prop_assert_eq!(EncKdcRepPart::from_der_either(&as_bytes).unwrap(), (part.clone(), 25));
        prop_assert_eq!(EncKdcRepPart::from_der_either(&tgs_bytes).unwrap(), (part, 26));
    }

    #[test]
    fn kdc_proxy_length_prefix(msg in vec(any::<u8>(), 0..200)) {
        let m = KdcProxyMessage::new(&msg, Some("EXAMPLE.TEST")).unwrap();
        prop_assert_eq!(m.kdc_message().unwrap(), &msg[..]);
        let back = KdcProxyMessage::from_der(&m.to_der().unwrap()).unwrap();
        prop_assert_eq!(back.kdc_message().unwrap(), &msg[..]);
    }
}

#[test]
fn context_flags_are_trimmed_as_der_requires() {
    assert_eq!(
        ContextFlags::from_bits(0).to_der().unwrap(),
        [0x03, 0x01, 0x00]
    );
    // mutualFlag only: one significant bit after bit 0 -> 2 bits, 6 unused.
    assert_eq!(
        ContextFlags::from_bits(ContextFlags::MUTUAL)
            .to_der()
            .unwrap(),
        [0x03, 0x02, 0x06, 0x40]
    );
    assert_eq!(
        ContextFlags::from_bits(0x7f).to_der().unwrap(),
        [0x03, 0x02, 0x01, 0xfe]
    );
    assert_eq!(ContextFlags::from_bits(0x7f).bits(), 0x7f);
}

#[test]
fn kerberos_time_never_has_fractions() {
    let t = KerberosTime::from_unix(1_795_674_471).unwrap();
    assert_eq!(t.to_der().unwrap(), b"\x18\x0f20261126062751Z");
}

#[test]
fn kdc_proxy_rejects_a_wrong_length_prefix() {
    let mut m = KdcProxyMessage::new(b"abc", None).unwrap();
    m.kerb_message = OctetString::from(vec![0, 0, 0, 4, b'a', b'b', b'c']);
    assert!(m.kdc_message().is_err());
}
