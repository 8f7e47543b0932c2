//! `sesame klist`: list a keytab or a credential cache, like MIT's `klist -ke` / `klist -ef`.

use std::fmt::Write as _;

use sesame_asn1::kerberos::KerberosTime;
use sesame_kerberos::ccache::{self, Ccache};
use sesame_kerberos::crypto::Enctype;
use sesame_kerberos::keytab::Keytab;

use crate::cli::KlistArgs;

pub fn run(args: &KlistArgs) -> Result<(), String> {
    let text = if let Some(kt) = &args.keytab {
        list_keytab(args.name.as_deref().unwrap_or(kt))?
    } else {
        let name = args
            .ccache
            .clone()
            .or_else(|| args.name.clone())
            .unwrap_or_else(ccache::default_name);
        if args.list {
            list_collection(&name)?
        } else {
            list_ccache(&name)?
        }
    };
    print!("{text}");
    Ok(())
}

/// `klist -l`: each cache of the collection `name` belongs to (a `DIR:` collection, or the
/// one cache of a `FILE:` name) with its default principal, the primary first.
fn list_collection(name: &str) -> Result<String, String> {
    let mut out = format!(
        "{:<30} {}
{} {}
",
        "Principal name",
        "Cache name",
        "-".repeat(30),
        "-".repeat(10)
    );
    if name.starts_with("KCM:") {
        // The daemon's collection: the primary first, as MIT lists it.
        let conf = sesame_kerberos::krb5_conf::Krb5Conf::from_env().ok();
        let socket = ccache::kcm::socket_path(conf.as_ref());
        for cache in ccache::kcm::list(&socket).map_err(|e| e.to_string())? {
            let shown = format!("KCM:{cache}");
            if let Ok(cc) = Ccache::read(&shown) {
                let _ = writeln!(out, "{:<30} {shown}", cc.default_principal.to_string());
            }
        }
        return Ok(out);
    }
    #[cfg(all(target_os = "linux", feature = "keyring"))]
    if let Some(residual) = name.strip_prefix("KEYRING:") {
        // The keyring collection: the primary first, as MIT lists it.
        for shown in ccache::keyring::list(residual).map_err(|e| e.to_string())? {
            if let Ok(cc) = Ccache::read(&shown) {
                let _ = writeln!(out, "{:<30} {shown}", cc.default_principal.to_string());
            }
        }
        return Ok(out);
    }
    let primary = ccache::resolve(name).map_err(|e| e.to_string())?;
    let mut caches = vec![primary.clone()];
    if let Some(dir) = name.strip_prefix("DIR:") {
        let dir = dir.strip_prefix(':').unwrap_or(dir);
        let dir = std::path::Path::new(dir);
        let dir = if dir.is_dir() {
            dir
        } else {
            dir.parent().unwrap_or(dir)
        };
        let mut others: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("tkt"))
                    && *p != primary
            })
            .collect();
        others.sort();
        caches.extend(others);
    }
    for path in caches {
        let shown = format!("FILE:{}", path.display());
        if let Ok(cc) = Ccache::read(&shown) {
            let _ = writeln!(out, "{:<30} {shown}", cc.default_principal.to_string());
        }
    }
    Ok(out)
}

/// MIT's name for an enctype number (`etype N` when Sesame does not know it).
fn enctype_name(id: i32) -> String {
    Enctype::from_id_allow_weak(id).map_or_else(|_| format!("etype {id}"), |e| e.name().to_string())
}

fn list_keytab(name: &str) -> Result<String, String> {
    let default;
    let name = if name.is_empty() {
        let conf = sesame_kerberos::krb5_conf::Krb5Conf::from_env().ok();
        default = sesame_kerberos::defaults::keytab_name(conf.as_ref());
        default.as_str()
    } else {
        name
    };
    let path = sesame_kerberos::defaults::keytab_path(name)
        .ok_or_else(|| format!("{name}: only FILE: keytabs are supported"))?;
    let kt = Keytab::read(&path).map_err(|e| e.to_string())?;
    let path = path.display();
    let mut out = format!(
        "Keytab name: FILE:{path}\nKVNO Principal\n---- {}\n",
        "-".repeat(74)
    );
    for e in &kt.entries {
        let _ = writeln!(
            out,
            "{:>4} {} ({})",
            e.kvno,
            e.principal,
            enctype_name(e.enctype)
        );
    }
    Ok(out)
}

/// `MM/DD/YY HH:MM:SS` in UTC, MIT's layout.
fn time(t: u32) -> String {
    let g = KerberosTime::from_unix(i64::from(t))
        .map(KerberosTime::to_generalized)
        .unwrap_or_default();
    let s = String::from_utf8_lossy(&g).into_owned();
    let p = |r: std::ops::Range<usize>| s.get(r).unwrap_or("??").to_string();
    format!(
        "{}/{}/{} {}:{}:{}",
        p(4..6),
        p(6..8),
        p(2..4),
        p(8..10),
        p(10..12),
        p(12..14)
    )
}

/// The letters MIT's `klist -f` prints, flag bit 0 being the most significant.
fn flags(bits: u32) -> String {
    const LETTERS: [(u32, char); 14] = [
        (1, 'F'),
        (2, 'f'),
        (3, 'P'),
        (4, 'p'),
        (5, 'D'),
        (6, 'd'),
        (7, 'i'),
        (8, 'R'),
        (9, 'I'),
        (10, 'A'),
        (11, 'H'),
        (12, 'T'),
        (13, 'O'),
        (16, 'a'),
    ];
    LETTERS
        .iter()
        .filter(|(bit, _)| bits & (0x8000_0000 >> bit) != 0)
        .map(|(_, c)| *c)
        .collect()
}

fn list_ccache(name: &str) -> Result<String, String> {
    let cc = Ccache::read(name).map_err(|e| e.to_string())?;
    let shown = if name.contains(':') {
        name.to_string()
    } else {
        format!("FILE:{name}")
    };
    let mut out = format!(
        "Ticket cache: {shown}\nDefault principal: {}\n\nValid starting     Expires            Service principal\n",
        cc.default_principal
    );
    for c in cc.tickets() {
        let start = if c.starttime == 0 {
            c.authtime
        } else {
            c.starttime
        };
        let _ = writeln!(out, "{}  {}  {}", time(start), time(c.endtime), c.server);
        let mut details = Vec::new();
        if c.renew_till != 0 {
            details.push(format!("renew until {}", time(c.renew_till)));
        }
        details.push(format!("Flags: {}", flags(c.ticket_flags)));
        let tkt = c
            .decode_ticket()
            .map_or_else(|_| "?".into(), |t| enctype_name(t.enc_part.etype));
        let _ = writeln!(
            out,
            "\t{}\n\tEtype (skey, tkt): {}, {tkt}",
            details.join(", "),
            enctype_name(c.key_enctype)
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_letters_and_times() {
        assert_eq!(flags(0x00e1_0000), "RIA");
        assert_eq!(flags(0x40c1_0000), "FRI");
        assert_eq!(time(1_795_674_471), "11/26/26 06:27:51");
    }
}
