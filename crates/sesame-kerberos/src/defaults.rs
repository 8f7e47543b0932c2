//! The names MIT uses when none is given: the default credential cache, keytab and client
//! keytab. Each is its environment variable taken as it is (`KRB5CCNAME`, `KRB5_KTNAME`,
//! `KRB5_CLIENT_KTNAME`), else krb5.conf's `[libdefaults]` relation (`default_ccache_name`,
//! `default_keytab_name`, `default_client_keytab_name`), else the built-in default; the last
//! two with their `%{...}` tokens expanded (krb5.conf(5), "Parameter expansion").
//!
//! The choice itself ([`choose`]) reads no environment, so that it is tested as it is; the
//! functions without `_with` read this process's environment and user.

use crate::krb5_conf::Krb5Conf;

/// MIT's built-in default cache.
pub const BUILTIN_CCACHE: &str = "FILE:/tmp/krb5cc_%{uid}";
/// MIT's built-in default keytab.
pub const BUILTIN_KEYTAB: &str = "FILE:/etc/krb5.keytab";
/// The built-in default client keytab of Debian's MIT build (`krb5-config --defcktname`).
pub const BUILTIN_CLIENT_KEYTAB: &str = "FILE:/etc/krb5/user/%{euid}/client.keytab";

/// Who the process runs as, for `%{uid}`, `%{euid}` and `%{username}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserIds {
    /// The real user ID.
    pub uid: u32,
    /// The effective user ID.
    pub euid: u32,
    /// The name of the effective user, when the password database has one.
    pub username: Option<String>,
}

impl UserIds {
    /// This process's IDs (from `/proc/self/status` and `/etc/passwd`; 0 and no name where
    /// there are none).
    pub fn current() -> Self {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let ids: Vec<u32> = status
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .map(|l| {
                l.split_whitespace()
                    .filter_map(|n| n.parse().ok())
                    .collect()
            })
            .unwrap_or_default();
        let uid = ids.first().copied().unwrap_or(0);
        let euid = ids.get(1).copied().unwrap_or(uid);
        let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
        Self {
            uid,
            euid,
            username: user_name(&passwd, euid),
        }
    }
}

/// The name of user `id` in a passwd(5) file.
fn user_name(passwd: &str, id: u32) -> Option<String> {
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        let uid: u32 = fields.nth(1)?.parse().ok()?;
        (uid == id && !name.is_empty()).then(|| name.to_string())
    })
}

/// Why a name's `%{...}` tokens did not expand.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ExpandError {
    /// A token MIT does not know (on this platform).
    #[error("unknown token %{{{0}}} in `{1}`")]
    UnknownToken(String, String),
    /// `%{` without its `}`.
    #[error("unterminated %{{ in `{0}`")]
    Unterminated(String),
    /// `%{username}` for a user the password database does not name.
    #[error("%{{username}}: user {0} has no name")]
    NoUserName(u32),
}

/// Expands the `%{...}` tokens of `template` as MIT does on Unix: `TEMP` (`TMPDIR`, else
/// `/tmp`), `uid` and `USERID` (the real user ID), `euid`, `username` (the effective user's
/// name), `null` (nothing), `LIBDIR`, `BINDIR`, `SBINDIR`. A `%` not followed by `{` stays.
pub fn expand(
    template: &str,
    var: &dyn Fn(&str) -> Option<String>,
    ids: &UserIds,
) -> Result<String, ExpandError> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("%{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| ExpandError::Unterminated(template.to_string()))?;
        let token = &after[..end];
        match token {
            "TEMP" => out.push_str(
                &var("TMPDIR")
                    .filter(|t| !t.is_empty())
                    .unwrap_or_else(|| "/tmp".into()),
            ),
            "uid" | "USERID" => out.push_str(&ids.uid.to_string()),
            "euid" => out.push_str(&ids.euid.to_string()),
            "username" => out.push_str(
                ids.username
                    .as_deref()
                    .ok_or(ExpandError::NoUserName(ids.euid))?,
            ),
            "null" => {}
            "LIBDIR" => out.push_str("/usr/lib"),
            "BINDIR" => out.push_str("/usr/bin"),
            "SBINDIR" => out.push_str("/usr/sbin"),
            other => {
                return Err(ExpandError::UnknownToken(
                    other.to_string(),
                    template.to_string(),
                ));
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The name MIT picks: the environment variable `env` as it is, else the krb5.conf relation
/// `[libdefaults] relation` expanded, else `builtin` expanded.
pub fn choose(
    env: &str,
    relation: &str,
    builtin: &str,
    conf: Option<&Krb5Conf>,
    var: &dyn Fn(&str) -> Option<String>,
    ids: &UserIds,
) -> Result<String, ExpandError> {
    if let Some(name) = var(env).filter(|n| !n.is_empty()) {
        return Ok(name);
    }
    match conf.and_then(|c| c.value(&["libdefaults", relation])) {
        Some(template) => expand(template, var, ids),
        None => expand(builtin, var, ids),
    }
}

fn process_var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// `choose` for this process; a relation that does not expand falls back to the built-in
/// default (MIT fails the call instead; a cache name is still needed to say which is missing).
fn choose_here(env: &str, relation: &str, builtin: &str, conf: Option<&Krb5Conf>) -> String {
    let ids = UserIds::current();
    choose(env, relation, builtin, conf, &process_var, &ids)
        .or_else(|_| expand(builtin, &process_var, &ids))
        .unwrap_or_else(|_| builtin.to_string())
}

/// The default credential cache: `KRB5CCNAME`, else `default_ccache_name`, else
/// `FILE:/tmp/krb5cc_%{uid}`.
pub fn ccache_name(conf: Option<&Krb5Conf>) -> String {
    choose_here("KRB5CCNAME", "default_ccache_name", BUILTIN_CCACHE, conf)
}

/// The default keytab: `KRB5_KTNAME`, else `default_keytab_name`, else
/// `FILE:/etc/krb5.keytab`.
pub fn keytab_name(conf: Option<&Krb5Conf>) -> String {
    choose_here("KRB5_KTNAME", "default_keytab_name", BUILTIN_KEYTAB, conf)
}

/// The default client keytab (initiator keys, `kinit -k -i`): `KRB5_CLIENT_KTNAME`, else
/// `default_client_keytab_name`, else Debian's `FILE:/etc/krb5/user/%{euid}/client.keytab`.
pub fn client_keytab_name(conf: Option<&Krb5Conf>) -> String {
    choose_here(
        "KRB5_CLIENT_KTNAME",
        "default_client_keytab_name",
        BUILTIN_CLIENT_KEYTAB,
        conf,
    )
}

/// The file a keytab name refers to: `FILE:` and `WRFILE:` names and bare paths; `None` for
/// other types (`MEMORY:`, `KDB:`).
pub fn keytab_path(name: &str) -> Option<std::path::PathBuf> {
    if let Some(path) = name
        .strip_prefix("FILE:")
        .or_else(|| name.strip_prefix("WRFILE:"))
    {
        return Some(path.into());
    }
    match name.split_once(':') {
        Some((kind, _)) if kind.len() > 1 && !kind.contains('/') => None,
        _ => Some(name.into()),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn ids() -> UserIds {
        UserIds {
            uid: 1000,
            euid: 0,
            username: Some("root".into()),
        }
    }

    fn vars(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_string())
        }
    }

    fn conf(text: &str) -> Krb5Conf {
        Krb5Conf::parse(text, Path::new("test.conf")).unwrap()
    }

    #[test]
    fn every_unix_token_expands() {
        let v = vars(&[("TMPDIR", "/run/t")]);
        assert_eq!(
            expand(
                "FILE:%{TEMP}/cc_%{uid}_%{euid}_%{USERID}_%{username}%{null}",
                &v,
                &ids()
            ),
            Ok("FILE:/run/t/cc_1000_0_1000_root".into())
        );
        assert_eq!(
            expand("%{LIBDIR}:%{BINDIR}:%{SBINDIR}", &v, &ids()),
            Ok("/usr/lib:/usr/bin:/usr/sbin".into())
        );
        // No TMPDIR (or an empty one): /tmp. A lone % is left alone.
        assert_eq!(
            expand("%{TEMP}/50%", &vars(&[("TMPDIR", "")]), &ids()),
            Ok("/tmp/50%".into())
        );
    }

    #[test]
    fn bad_tokens_are_errors() {
        let v = vars(&[]);
        assert_eq!(
            expand("FILE:%{HOME}/x", &v, &ids()),
            Err(ExpandError::UnknownToken(
                "HOME".into(),
                "FILE:%{HOME}/x".into()
            ))
        );
        assert_eq!(
            expand("FILE:%{uid", &v, &ids()),
            Err(ExpandError::Unterminated("FILE:%{uid".into()))
        );
        let nameless = UserIds {
            username: None,
            ..ids()
        };
        assert_eq!(
            expand("%{username}", &v, &nameless),
            Err(ExpandError::NoUserName(0))
        );
    }

    #[test]
    fn the_variable_wins_as_it_is_then_the_relation_then_the_builtin() {
        let c = conf("[libdefaults]\n default_ccache_name = DIR:%{TEMP}/cc_%{uid}\n");
        let both = vars(&[("KRB5CCNAME", "FILE:/x/%{uid}"), ("TMPDIR", "/t")]);
        let pick = |v: &dyn Fn(&str) -> Option<String>, c: Option<&Krb5Conf>| {
            choose(
                "KRB5CCNAME",
                "default_ccache_name",
                BUILTIN_CCACHE,
                c,
                v,
                &ids(),
            )
        };
        // The variable is taken as it is, tokens and all.
        assert_eq!(pick(&both, Some(&c)), Ok("FILE:/x/%{uid}".into()));
        let no_env = vars(&[("TMPDIR", "/t"), ("KRB5CCNAME", "")]);
        assert_eq!(pick(&no_env, Some(&c)), Ok("DIR:/t/cc_1000".into()));
        assert_eq!(pick(&no_env, None), Ok("FILE:/tmp/krb5cc_1000".into()));
        assert_eq!(
            choose(
                "KRB5_CLIENT_KTNAME",
                "default_client_keytab_name",
                BUILTIN_CLIENT_KEYTAB,
                None,
                &no_env,
                &ids()
            ),
            Ok("FILE:/etc/krb5/user/0/client.keytab".into())
        );
    }

    #[test]
    fn passwd_names_the_effective_user() {
        let passwd = "root:x:0:0:root:/root:/bin/bash\n\
                      broken\n\
                      alice:x:1000:1000::/home/alice:/bin/sh\n";
        assert_eq!(user_name(passwd, 1000), Some("alice".into()));
        assert_eq!(user_name(passwd, 0), Some("root".into()));
        assert_eq!(user_name(passwd, 7), None);
    }

    #[test]
    fn keytab_names_and_their_files() {
        assert_eq!(
            keytab_path("FILE:/etc/krb5.keytab"),
            Some("/etc/krb5.keytab".into())
        );
        assert_eq!(keytab_path("WRFILE:/k"), Some("/k".into()));
        assert_eq!(keytab_path("/k"), Some("/k".into()));
        assert_eq!(keytab_path("MEMORY:x"), None);
    }
}
