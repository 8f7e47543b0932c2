//! HTTP Negotiate (RFC 4559): `Authorization: Negotiate <base64>` and `WWW-Authenticate:
//! Negotiate <base64>` carrying SPNEGO (or raw NTLM) tokens, the server's last token checked
//! for mutual authentication. A client for reqwest (feature `http-client`) and a tower layer for
//! axum servers (feature `http-server`).

#[cfg(feature = "http-client")]
pub mod client;
#[cfg(feature = "http-server")]
pub mod server;

use base64::Engine as _;

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// What a `WWW-Authenticate` (or `Authorization`) header value says about Negotiate.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Negotiate {
    /// Another scheme.
    Other,
    /// `Negotiate` alone.
    Bare,
    /// `Negotiate <token>`.
    Token(Vec<u8>),
    /// `Negotiate <not base64>`.
    Malformed,
}

pub(crate) fn parse(value: &str) -> Negotiate {
    let value = value.trim();
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("Negotiate") {
        return Negotiate::Other;
    }
    let rest = rest.trim();
    if rest.is_empty() {
        return Negotiate::Bare;
    }
    b64()
        .decode(rest)
        .map_or(Negotiate::Malformed, Negotiate::Token)
}

pub(crate) fn header(token: &[u8]) -> String {
    format!("Negotiate {}", b64().encode(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values() {
        assert_eq!(parse("Basic realm=\"x\""), Negotiate::Other);
        assert_eq!(parse("Negotiate"), Negotiate::Bare);
        assert_eq!(
            parse("negotiate  oQcwBaADCgEA"),
            Negotiate::Token(vec![0xa1, 7, 0x30, 5, 0xa0, 3, 10, 1, 0])
        );
        assert_eq!(parse("Negotiate %%%"), Negotiate::Malformed);
        assert_eq!(header(&[1, 2, 3]), "Negotiate AQID");
    }
}
