//! `KerberosTime` (RFC 4120 5.2.3): a GeneralizedTime of exactly the form YYYYMMDDHHMMSSZ.

use core::fmt;

/// `KerberosTime ::= GeneralizedTime -- with no fractional seconds` (RFC 4120 5.2.3).
///
/// Held as whole seconds since the Unix epoch (UTC). It always encodes as the 15 bytes
/// `YYYYMMDDHHMMSSZ` and decodes only that form: rasn's GeneralizedTime would emit fractional
/// seconds for a time carrying nanoseconds, which RFC 4120 forbids and MIT rejects.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KerberosTime(i64);

/// Length of `YYYYMMDDHHMMSSZ`.
const LEN: usize = 15;

impl KerberosTime {
    /// The earliest time the format can carry, 0000-01-01T00:00:00Z.
    pub const MIN: Self = Self(-62_167_219_200);
    /// The latest time the format can carry, 9999-12-31T23:59:59Z.
    pub const MAX: Self = Self(253_402_300_799);

    /// The time `secs` seconds after 1970-01-01T00:00:00Z, if the format can carry it.
    pub fn from_unix(secs: i64) -> Option<Self> {
        (Self::MIN.0..=Self::MAX.0)
            .contains(&secs)
            .then_some(Self(secs))
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    pub fn unix(self) -> i64 {
        self.0
    }

    /// The 15 ASCII bytes `YYYYMMDDHHMMSSZ`.
    pub fn to_generalized(self) -> [u8; LEN] {
        let days = self.0.div_euclid(86_400);
        let secs = self.0.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let fields = [
            (y, 4),
            (m, 2),
            (d, 2),
            (secs / 3600, 2),
            (secs / 60 % 60, 2),
            (secs % 60, 2),
        ];
        let mut out = [b'Z'; LEN];
        let mut pos = 0;
        for (value, width) in fields {
            let mut v = value;
            for slot in out.iter_mut().skip(pos).take(width).rev() {
                *slot = b'0' + u8::try_from(v % 10).unwrap_or(0);
                v /= 10;
            }
            pos += width;
        }
        out
    }

    /// Parses exactly `YYYYMMDDHHMMSSZ`; anything else (fractions, offsets, bad dates) is `None`.
    pub fn parse_generalized(bytes: &[u8]) -> Option<Self> {
        let digits: &[u8; LEN] = bytes.try_into().ok()?;
        if digits[LEN - 1] != b'Z' || !digits[..LEN - 1].iter().all(u8::is_ascii_digit) {
            return None;
        }
        let num = |range: core::ops::Range<usize>| {
            digits
                .get(range)
                .unwrap_or_default()
                .iter()
                .fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0'))
        };
        let (y, m, d) = (num(0..4), num(4..6), num(6..8));
        let (hh, mm, ss) = (num(8..10), num(10..12), num(12..14));
        if !(1..=12).contains(&m)
            || d < 1
            || d > days_in_month(y, m)
            || hh > 23
            || mm > 59
            || ss > 59
        {
            return None;
        }
        Some(Self(
            days_from_civil(y, m, d) * 86_400 + hh * 3600 + mm * 60 + ss,
        ))
    }
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

impl fmt::Debug for KerberosTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for KerberosTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.to_generalized()))
    }
}

super::primitive::primitive_bytes!(
    KerberosTime,
    rasn::types::Tag::GENERALIZED_TIME,
    to_generalized,
    |bytes: Vec<u8>| KerberosTime::parse_generalized(&bytes),
    "KerberosTime must be exactly YYYYMMDDHHMMSSZ"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        let t = KerberosTime::parse_generalized(b"20261126062751Z").unwrap();
        assert_eq!(t.unix(), 1_795_674_471);
        assert_eq!(&t.to_generalized(), b"20261126062751Z");
        assert_eq!(
            KerberosTime::parse_generalized(b"19700101000000Z")
                .unwrap()
                .unix(),
            0
        );
        assert_eq!(&KerberosTime::MAX.to_generalized(), b"99991231235959Z");
        assert_eq!(&KerberosTime::MIN.to_generalized(), b"00000101000000Z");
        assert_eq!(
            &KerberosTime::from_unix(951_782_400)
                .unwrap()
                .to_generalized(),
            b"20000229000000Z"
        );
    }

    #[test]
    fn rejects_other_forms() {
        for bad in [
            &b"20261126062751.5Z"[..],
            b"20261126062751",
            b"20261126062751+0000",
            b"20260230000000Z",
            b"20261326000000Z",
            b"20261126246000Z",
            b"2026112606275aZ",
            b"",
        ] {
            assert_eq!(KerberosTime::parse_generalized(bad), None, "{bad:?}");
        }
    }
}
