//! Differential tests against rasn-kerberos 0.30, an independent encoding of the RFC 4120
//! module: for ASCII names both must produce the same bytes, and each must decode the other's
//! output. For UTF-8 names rasn-kerberos fails, which is why sesame-asn1 has its own types.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::cast_possible_truncation
)] // test code

mod common;

use sesame_asn1::Der;
use sesame_asn1::kerberos as ours;

/// Decodes `bytes` with rasn-kerberos as `T`, re-encodes it, and returns the bytes.
fn theirs<T: rasn::Decode + rasn::Encode>(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let value: T = rasn::der::decode(bytes).map_err(|e| e.to_string())?;
    rasn::der::encode(&value).map_err(|e| e.to_string())
}

fn both<O: Der, T: rasn::Decode + rasn::Encode>(name: &str, bytes: &[u8]) {
    let ours = O::from_der(bytes).unwrap().to_der().unwrap();
    let theirs = theirs::<T>(bytes).unwrap_or_else(|e| panic!("rasn-kerberos on {name}: {e}"));
    assert_eq!(ours, theirs, "{name}");
    assert_eq!(ours, bytes, "{name}");
}

#[test]
fn same_bytes_as_rasn_kerberos_on_real_messages() {
    use rasn_kerberos as rk;
    let mut compared = 0;
    for v in common::all()
        .into_iter()
        .filter(|v| !v.name.contains("utf8"))
    {
        let b = &v.bytes;
        compared += usize::from(matches!(b[0], 0x6a..=0x6d | 0x7e));
        match b[0] {
            0x6a => both::<ours::AsReq, rk::AsReq>(v.name, b),
            0x6b => both::<ours::AsRep, rk::AsRep>(v.name, b),
            0x6c => both::<ours::TgsReq, rk::TgsReq>(v.name, b),
            0x6d => both::<ours::TgsRep, rk::TgsRep>(v.name, b),
            0x7e => both::<ours::KrbError, rk::KrbError>(v.name, b),
            _ => {}
        }
    }
    assert_eq!(compared, 14);
}

#[test]
fn nested_messages_agree_too() {
    use rasn_kerberos as rk;
    // The AP-REQ inside MIT's PA-TGS-REQ, the METHOD-DATA inside its KRB-ERROR.
    let req = ours::TgsReq::from_der(&common::get("tgs_req_u2u.der")).unwrap();
    let ap = &req.0.padata.as_ref().unwrap()[0].padata_value;
    both::<ours::ApReq, rk::ApReq>("PA-TGS-REQ", ap);
    let err = ours::KrbError::from_der(&common::get("krb_error_preauth_required.der")).unwrap();
    both::<ours::MethodData, rk::MethodData>("METHOD-DATA", err.e_data.as_ref().unwrap());
    let methods = ours::MethodData::from_der(err.e_data.as_ref().unwrap()).unwrap();
    both::<ours::EtypeInfo2, rk::EtypeInfo2>("ETYPE-INFO2", &methods[1].padata_value);
}

#[test]
fn rasn_kerberos_cannot_carry_utf8_names_but_we_can() {
    let bytes = common::get("as_req_utf8_cname.der");
    assert!(theirs::<rasn_kerberos::AsReq>(&bytes).is_err());
    assert_eq!(
        ours::AsReq::from_der(&bytes).unwrap().to_der().unwrap(),
        bytes
    );
}

#[test]
fn messages_we_build_are_read_by_rasn_kerberos() {
    use ours::constants::{etype, kdc_options, msg_type, name_type};
    let mut opts = ours::KerberosFlags::default();
    opts.set(kdc_options::FORWARDABLE, true);
    opts.set(kdc_options::CANONICALIZE, true);
    let req = ours::AsReq(ours::KdcReq {
        pvno: 5,
        msg_type: msg_type::AS_REQ,
        padata: Some(vec![ours::PaData {
            padata_type: 128,
            padata_value: ours::PaPacRequest { include_pac: true }
                .to_der()
                .unwrap()
                .into(),
        }]),
        req_body: ours::KdcReqBody {
            kdc_options: opts,
            cname: Some(ours::PrincipalName::new(name_type::NT_PRINCIPAL, ["user1"])),
            realm: "EXAMPLE.TEST".into(),
            sname: Some(ours::PrincipalName::new(
                name_type::NT_SRV_INST,
                ["krbtgt", "EXAMPLE.TEST"],
            )),
            from: None,
            till: ours::KerberosTime::from_unix(1_795_700_000).unwrap(),
            rtime: None,
            nonce: 0x8765_4321,
            etype: vec![
                etype::AES256_CTS_HMAC_SHA1_96,
                etype::AES128_CTS_HMAC_SHA1_96,
            ],
            addresses: None,
            enc_authorization_data: None,
            additional_tickets: None,
        },
    });
    let bytes = req.to_der().unwrap();
    let theirs: rasn_kerberos::AsReq = rasn::der::decode(&bytes).unwrap();
    assert_eq!(theirs.0.req_body.nonce, 0x8765_4321);
    assert_eq!(
        theirs.0.req_body.till.0.to_rfc3339(),
        "2026-11-26T13:33:20+00:00"
    );
    assert_eq!(rasn::der::encode(&theirs).unwrap(), bytes);
}
