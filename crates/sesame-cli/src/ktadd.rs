//! `sesame ktadd`: add keys derived from a password to a keytab, like ktutil's `addent -password`.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use sesame_kerberos::crypto::Enctype;
use sesame_kerberos::keytab::Keytab;
use sesame_kerberos::krb5_conf::Krb5Conf;
use sesame_kerberos::principal::Principal;

use crate::cli::KtaddArgs;

pub fn run(args: &KtaddArgs) -> Result<(), String> {
    let (file, name) = (&args.file, &args.principal);
    let password = crate::password::read(&args.password, &format!("Password for {name}: "))?;
    let conf = Krb5Conf::from_env().map_err(|e| e.to_string())?;
    let principal = Principal::parse(name, conf.default_realm()).map_err(|e| e.to_string())?;
    let kvno = args.kvno;
    let enctypes = match args.enctypes.as_deref() {
        None => vec![
            Enctype::AES256_CTS_HMAC_SHA1_96,
            Enctype::AES128_CTS_HMAC_SHA1_96,
            Enctype::AES256_CTS_HMAC_SHA384_192,
            Enctype::AES128_CTS_HMAC_SHA256_128,
        ],
        Some(list) => list
            .split(',')
            .map(|n| Enctype::from_name(n.trim()).ok_or_else(|| format!("unknown enctype {n}")))
            .collect::<Result<_, _>>()?,
    };
    let path = Path::new(file.strip_prefix("FILE:").unwrap_or(file));
    let mut kt = if path.exists() {
        Keytab::read(path).map_err(|e| e.to_string())?
    } else {
        Keytab::default()
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u32::try_from(d.as_secs()).unwrap_or(u32::MAX));
    kt.add_password(
        &principal,
        password.as_bytes(),
        args.salt.as_deref().map(str::as_bytes),
        kvno,
        &enctypes,
        now,
    )
    .map_err(|e| e.to_string())?;
    kt.write(path).map_err(|e| e.to_string())?;
    for e in &enctypes {
        println!("added {principal} kvno {kvno} ({e})");
    }
    Ok(())
}
