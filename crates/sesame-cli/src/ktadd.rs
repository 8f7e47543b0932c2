//! `sesame ktadd`: add keys derived from a password to a keytab, like ktutil's `addent -password`.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use sesame_kerberos::crypto::Enctype;
use sesame_kerberos::keytab::Keytab;
use sesame_kerberos::krb5_conf::Krb5Conf;
use sesame_kerberos::principal::Principal;

use crate::args::Args;

pub const USAGE: &str =
    "sesame ktadd FILE PRINCIPAL --password-env VAR [--kvno N] [--enctypes LIST] [--salt S]
  Appends one key per enctype (default: the four AES enctypes) derived from the password in
  environment variable VAR, with salt S or the principal's default salt; kvno defaults to 1.
  LIST is comma-separated MIT names (aes256-cts-hmac-sha1-96, aes128-sha2, ...); the weak
  rc4-hmac (arcfour-hmac) is never a default and is added only when LIST names it.";

pub fn run(args: &[String]) -> Result<(), String> {
    let args = Args::parse(args, &["password-env", "kvno", "enctypes", "salt"], &[])?;
    let [file, name] = args.positional.as_slice() else {
        return Err(USAGE.to_string());
    };
    let var = args
        .value("password-env")
        .ok_or("--password-env VAR is required")?;
    let password =
        std::env::var(var).map_err(|_| format!("environment variable {var} is not set"))?;
    let conf = Krb5Conf::from_env().map_err(|e| e.to_string())?;
    let principal = Principal::parse(name, conf.default_realm()).map_err(|e| e.to_string())?;
    let kvno: u32 = args
        .value("kvno")
        .map_or(Ok(1), str::parse)
        .map_err(|_| "--kvno takes a number")?;
    let enctypes = match args.value("enctypes") {
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
        args.value("salt").map(str::as_bytes),
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
