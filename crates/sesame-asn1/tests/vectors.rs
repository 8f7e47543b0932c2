//! Real third-party bytes decode, say what they should, and re-encode byte for byte.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::cast_possible_truncation
)] // test code

mod common;

use sesame_asn1::gss::{InitialContextToken, KerberosContextToken, TokenId};
use sesame_asn1::kerberos::constants::{error_code, kdc_options, msg_type, name_type, pa_type};
use sesame_asn1::kerberos::*;
use sesame_asn1::message::AnyMessage;
use sesame_asn1::spnego::{NegState, NegTokenInit, NegotiationToken, SpnegoToken};
use sesame_asn1::{Der, oid};

#[test]
fn every_vector_re_encodes_byte_for_byte() {
    for v in common::all() {
        let m = AnyMessage::decode(&v.bytes)
            .unwrap_or_else(|e| panic!("{} ({:?}): {e}", v.name, v.source));
        assert_eq!(m.encode().unwrap(), v.bytes, "{} ({:?})", v.name, v.source);
    }
}

fn exact<T: Der>(bytes: &[u8]) -> T {
    let value = T::from_der(bytes).unwrap();
    assert_eq!(value.to_der().unwrap(), bytes);
    value
}

#[test]
fn mit_preauth_required_carries_etype_info2_and_cookie() {
    let e: KrbError = exact(&common::get("krb_error_preauth_required.der"));
    assert_eq!(e.msg_type, msg_type::ERROR);
    assert_eq!(e.error_code, error_code::KDC_ERR_PREAUTH_REQUIRED);
    assert_eq!(
        error_code::name(e.error_code),
        Some("KDC_ERR_PREAUTH_REQUIRED")
    );
    assert_eq!(e.realm.as_str(), Some("EXAMPLE.TEST"));
    assert_eq!(e.sname.to_string(), "krbtgt/EXAMPLE.TEST");
    let methods: MethodData = exact(e.e_data.as_deref().unwrap());
    let types: Vec<i32> = methods.iter().map(|p| p.padata_type).collect();
    assert_eq!(
        types,
        [
            pa_type::FX_FAST,
            pa_type::ETYPE_INFO2,
            pa_type::ENC_TIMESTAMP,
            pa_type::FX_COOKIE
        ]
    );
    let info: EtypeInfo2 = exact(&methods[1].padata_value);
    assert_eq!(info.len(), 1);
    assert_eq!(info[0].etype, 18);
    assert_eq!(
        info[0].salt.as_ref().unwrap().as_str(),
        Some("EXAMPLE.TESTuser1")
    );
}

#[test]
fn mit_preauth_failed_keeps_its_code() {
    let e: KrbError = exact(&common::get("krb_error_preauth_failed.der"));
    assert_eq!(e.error_code, error_code::KDC_ERR_PREAUTH_FAILED);
    assert_eq!(e.cname.unwrap().to_string(), "user1");
}

#[test]
fn mit_as_exchange_fields() {
    let req: AsReq = exact(&common::get("as_req_enc_timestamp.der"));
    assert_eq!((req.0.pvno, req.0.msg_type), (5, msg_type::AS_REQ));
    let body = &req.0.req_body;
    assert_eq!(body.cname.as_ref().unwrap().to_string(), "user1");
    assert_eq!(
        body.cname.as_ref().unwrap().name_type,
        name_type::NT_PRINCIPAL
    );
    assert!(body.etype.contains(&18));
    let pa = req.0.padata.as_ref().unwrap();
    assert!(pa.iter().any(|p| p.padata_type == pa_type::ENC_TIMESTAMP));
    let enc_ts: EncryptedData = exact(
        &pa.iter()
            .find(|p| p.padata_type == pa_type::ENC_TIMESTAMP)
            .unwrap()
            .padata_value,
    );
    assert_eq!(enc_ts.etype, 18);

    let rep: AsRep = exact(&common::get("as_rep.der"));
    assert_eq!(rep.0.msg_type, msg_type::AS_REP);
    assert_eq!(rep.0.crealm.as_str(), Some("EXAMPLE.TEST"));
    assert_eq!(rep.0.ticket.sname.to_string(), "krbtgt/EXAMPLE.TEST");
    assert_eq!(rep.0.enc_part.etype, 18);
    // The reply's nonce travels encrypted; the request's is in the clear.
    assert_ne!(body.nonce, 0);
}

#[test]
fn utf8_principal_names_survive() {
    for name in ["as_req_utf8_cname.der", "as_rep_utf8_cname.der"] {
        let bytes = common::get(name);
        let m = AnyMessage::decode(&bytes).unwrap();
        let cname = match &m {
            AnyMessage::AsReq(r) => r.0.req_body.cname.clone().unwrap(),
            AnyMessage::AsRep(r) => r.0.cname.clone(),
            other => panic!("{name}: {}", other.kind()),
        };
        assert_eq!(cname.name_string[0].as_str(), Some("пользователь"));
        // The bytes 0xd0 0xbf ... include 0x80-0xa0, which rasn's GeneralString refuses.
        assert!(
            cname.name_string[0]
                .as_bytes()
                .iter()
                .any(|b| (0x80..=0xa0).contains(b))
        );
        assert_eq!(m.encode().unwrap(), bytes);
    }
}

#[test]
fn mit_u2u_tgs_req_has_additional_ticket_and_enc_tkt_in_skey() {
    let req: TgsReq = exact(&common::get("tgs_req_u2u.der"));
    let body = &req.0.req_body;
    assert!(body.kdc_options.is_set(kdc_options::ENC_TKT_IN_SKEY));
    let tickets = body.additional_tickets.as_ref().unwrap();
    assert_eq!(tickets.len(), 1);
    assert_eq!(tickets[0].sname.to_string(), "krbtgt/EXAMPLE.TEST");
    assert_eq!(body.sname.as_ref().unwrap().to_string(), "user2");
    let pa_tgs = req
        .0
        .padata
        .as_ref()
        .unwrap()
        .iter()
        .find(|p| p.padata_type == pa_type::TGS_REQ);
    let ap_req: ApReq = exact(&pa_tgs.unwrap().padata_value);
    assert_eq!(ap_req.msg_type, msg_type::AP_REQ);
    assert_eq!(ap_req.ticket.sname.to_string(), "krbtgt/EXAMPLE.TEST");
}

#[test]
fn gss_framed_kerberos_tokens() {
    for (name, want) in [
        ("gss_krb5_ap_req.der", TokenId::ApReq),
        ("gss_krb5_ap_rep.der", TokenId::ApRep),
        ("initial_context_token_krb_ap_req", TokenId::ApReq),
        ("initial_context_token_krb_ap_rep", TokenId::ApRep),
    ] {
        let bytes = common::get(name);
        let framed = InitialContextToken::decode(&bytes).unwrap();
        assert_eq!(framed.this_mech, *oid::KERBEROS, "{name}");
        let token = KerberosContextToken::decode_inner(&framed.inner_token).unwrap();
        assert_eq!(token.token_id(), want, "{name}");
        assert_eq!(framed.encode().unwrap(), bytes);
        if let KerberosContextToken::ApReq(req) = token {
            assert_eq!(req.ticket.sname.name_string.len(), 2, "{name}");
        }
    }
}

#[test]
fn spnego_tokens() {
    let init = SpnegoToken::decode(&common::get("spnego_neg_token_init_krb5.der")).unwrap();
    let SpnegoToken::Initial(NegotiationToken::NegTokenInit(NegTokenInit {
        mech_types,
        mech_token,
        ..
    })) = init
    else {
        panic!("not an initial NegTokenInit");
    };
    assert_eq!(mech_types[0], *oid::KERBEROS);
    let inner = AnyMessage::decode(&mech_token.unwrap()).unwrap();
    assert_eq!(inner.kind(), "GSS Kerberos AP-REQ");

    let hints = SpnegoToken::decode(&common::get("initial_context_token_neg_token_init2")).unwrap();
    let NegotiationToken::NegTokenInit(hints) = hints.token() else {
        panic!()
    };
    assert_eq!(hints.mech_types.len(), 5);
    assert_eq!(hints.mech_types[0], *oid::NEGOEX);
    assert_eq!(hints.mech_types[1], *oid::MS_KERBEROS);
    let hint_name = hints
        .neg_hints
        .as_ref()
        .unwrap()
        .hint_name
        .as_ref()
        .unwrap();
    assert_eq!(
        hint_name.as_str(),
        Some("not_defined_in_RFC4178@please_ignore")
    );

    let resp = SpnegoToken::decode(&common::get("spnego_resp_ntlm_challenge.der")).unwrap();
    let SpnegoToken::Subsequent(NegotiationToken::NegTokenResp(resp)) = resp else {
        panic!()
    };
    assert_eq!(resp.neg_state, Some(NegState::RequestMic));
    assert_eq!(resp.supported_mech.unwrap(), *oid::NTLMSSP);
    assert!(
        resp.response_token
            .unwrap()
            .starts_with(b"NTLMSSP\0\x02\0\0\0")
    );

    let done = SpnegoToken::decode(&common::get("spnego_resp_accept_completed.der")).unwrap();
    let NegotiationToken::NegTokenResp(done) = done.token() else {
        panic!()
    };
    assert_eq!(done.neg_state, Some(NegState::AcceptCompleted));
    assert_eq!(done.mech_list_mic.as_ref().unwrap().len(), 16);
}

#[test]
fn windows_kdc_messages_from_pyspnego() {
    let err = AnyMessage::decode(&common::get("krb_error")).unwrap();
    let AnyMessage::KrbError(err) = err else {
        panic!()
    };
    assert_eq!(err.error_code, error_code::KDC_ERR_PREAUTH_REQUIRED);
    assert_eq!(err.realm.as_str(), Some("DOMAIN.LOCAL"));
    let rep = AnyMessage::decode(&common::get("krb_as_rep")).unwrap();
    let AnyMessage::AsRep(rep) = rep else {
        panic!()
    };
    assert_eq!(rep.0.crealm.as_str(), Some("DOMAIN.LOCAL"));
}
