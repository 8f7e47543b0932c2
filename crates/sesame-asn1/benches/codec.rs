//! Decode and encode time of real messages (MIT krb5 captures, tests/vectors/mit).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::cast_possible_truncation
)] // test code

use divan::{Bencher, black_box};
use sesame_asn1::Der;
use sesame_asn1::gss::InitialContextToken;
use sesame_asn1::kerberos::{ApReq, AsRep, TgsRep};
use sesame_asn1::spnego::SpnegoToken;

fn main() {
    divan::main();
}

const AS_REP: &[u8] = include_bytes!("../tests/vectors/mit/as_rep.der");
const TGS_REP: &[u8] = include_bytes!("../tests/vectors/mit/tgs_rep.der");
const GSS_AP_REQ: &[u8] = include_bytes!("../tests/vectors/mit/gss_krb5_ap_req.der");
const NEG_TOKEN_INIT: &[u8] = include_bytes!("../tests/vectors/mit/spnego_neg_token_init_krb5.der");

/// The AP-REQ inside MIT's GSS token, after the framing and the `01 00` token id.
fn ap_req_der() -> Vec<u8> {
    let framed = InitialContextToken::decode(GSS_AP_REQ).expect("vector");
    framed.inner_token[2..].to_vec()
}

#[divan::bench]
fn decode_as_rep(b: Bencher) {
    b.counter(divan::counter::BytesCount::of_slice(AS_REP))
        .bench(|| AsRep::from_der(black_box(AS_REP)).expect("decodes"));
}

#[divan::bench]
fn encode_as_rep(b: Bencher) {
    let m = AsRep::from_der(AS_REP).expect("decodes");
    b.bench(|| black_box(&m).to_der().expect("encodes"));
}

#[divan::bench]
fn decode_tgs_rep(b: Bencher) {
    b.counter(divan::counter::BytesCount::of_slice(TGS_REP))
        .bench(|| TgsRep::from_der(black_box(TGS_REP)).expect("decodes"));
}

#[divan::bench]
fn encode_tgs_rep(b: Bencher) {
    let m = TgsRep::from_der(TGS_REP).expect("decodes");
    b.bench(|| black_box(&m).to_der().expect("encodes"));
}

#[divan::bench]
fn decode_ap_req(b: Bencher) {
    let der = ap_req_der();
    b.counter(divan::counter::BytesCount::of_slice(&der))
        .bench(|| ApReq::from_der(black_box(&der)).expect("decodes"));
}

#[divan::bench]
fn encode_ap_req(b: Bencher) {
    let m = ApReq::from_der(&ap_req_der()).expect("decodes");
    b.bench(|| black_box(&m).to_der().expect("encodes"));
}

#[divan::bench]
fn decode_spnego_neg_token_init(b: Bencher) {
    b.counter(divan::counter::BytesCount::of_slice(NEG_TOKEN_INIT))
        .bench(|| SpnegoToken::decode(black_box(NEG_TOKEN_INIT)).expect("decodes"));
}

#[divan::bench]
fn encode_spnego_neg_token_init(b: Bencher) {
    let m = SpnegoToken::decode(NEG_TOKEN_INIT).expect("decodes");
    b.bench(|| black_box(&m).encode().expect("encodes"));
}
