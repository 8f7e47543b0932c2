//! The third-party vectors every test in this crate runs over. Sources: `vectors/*/README.md`.
#![allow(dead_code, clippy::panic, clippy::cast_possible_truncation)]

/// Who wrote a vector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// pyspnego's test data (Active Directory and Windows captures).
    Pyspnego,
    /// pyspnego 0.12.4 running on this machine.
    PyspnegoLive,
    /// MIT krb5 1.20.1 running on this machine.
    Mit,
}

/// One captured message.
pub struct Vector {
    pub source: Source,
    pub name: &'static str,
    pub bytes: Vec<u8>,
}

macro_rules! v {
    ($source:ident, $dir:literal, $name:literal) => {
        Vector {
            source: Source::$source,
            name: $name,
            bytes: include_bytes!(concat!("../vectors/", $dir, "/", $name)).to_vec(),
        }
    };
}

/// pyspnego stores KDC messages without their `[APPLICATION n]` tag; this puts it back.
fn application(tag: u8, inner: &[u8]) -> Vec<u8> {
    let mut out = vec![0x60 | tag];
    let len = inner.len();
    if len < 0x80 {
        out.push(len as u8);
    } else if len < 0x100 {
        out.extend([0x81, len as u8]);
    } else {
        out.extend([0x82, (len >> 8) as u8, len as u8]);
    }
    out.extend_from_slice(inner);
    out
}

fn tagged(tag: u8, mut v: Vector) -> Vector {
    v.bytes = application(tag, &v.bytes);
    v
}

/// Every ASN.1 vector (the NTLM ones are for sesame-ntlm).
pub fn all() -> Vec<Vector> {
    vec![
        tagged(10, v!(Pyspnego, "pyspnego", "krb_as_req")),
        tagged(11, v!(Pyspnego, "pyspnego", "krb_as_rep")),
        tagged(12, v!(Pyspnego, "pyspnego", "krb_tgs_req")),
        tagged(13, v!(Pyspnego, "pyspnego", "krb_tgs_rep")),
        tagged(30, v!(Pyspnego, "pyspnego", "krb_error")),
        v!(Pyspnego, "pyspnego", "initial_context_token_krb_ap_req"),
        v!(Pyspnego, "pyspnego", "initial_context_token_krb_ap_rep"),
        v!(Pyspnego, "pyspnego", "initial_context_token_neg_token_init"),
        v!(
            Pyspnego,
            "pyspnego",
            "initial_context_token_neg_token_init2"
        ),
        v!(Pyspnego, "pyspnego", "neg_token_resp"),
        v!(
            PyspnegoLive,
            "pyspnego-live",
            "spnego_init_ntlm_negotiate.der"
        ),
        v!(
            PyspnegoLive,
            "pyspnego-live",
            "spnego_resp_ntlm_challenge.der"
        ),
        v!(
            PyspnegoLive,
            "pyspnego-live",
            "spnego_resp_ntlm_authenticate.der"
        ),
        v!(
            PyspnegoLive,
            "pyspnego-live",
            "spnego_resp_accept_completed.der"
        ),
        v!(Mit, "mit", "as_req_no_preauth.der"),
        v!(Mit, "mit", "krb_error_preauth_required.der"),
        v!(Mit, "mit", "as_req_enc_timestamp.der"),
        v!(Mit, "mit", "as_rep.der"),
        v!(Mit, "mit", "krb_error_preauth_failed.der"),
        v!(Mit, "mit", "as_req_utf8_cname.der"),
        v!(Mit, "mit", "as_rep_utf8_cname.der"),
        v!(Mit, "mit", "tgs_req.der"),
        v!(Mit, "mit", "tgs_rep.der"),
        v!(Mit, "mit", "tgs_req_u2u.der"),
        v!(Mit, "mit", "tgs_rep_u2u.der"),
        v!(Mit, "mit", "gss_krb5_ap_req.der"),
        v!(Mit, "mit", "gss_krb5_ap_rep.der"),
        v!(Mit, "mit", "spnego_neg_token_init_krb5.der"),
        v!(Mit, "mit", "spnego_neg_token_resp_krb5.der"),
    ]
}

/// The vector called `name`.
pub fn get(name: &str) -> Vec<u8> {
    all()
        .into_iter()
        .find(|v| v.name == name)
        .unwrap_or_else(|| panic!("no vector {name}"))
        .bytes
}
