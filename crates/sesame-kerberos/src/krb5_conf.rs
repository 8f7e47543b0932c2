//! krb5.conf, the MIT profile format: `[section]` headers, `tag = value` relations,
//! `tag = { ... }` subsections, `include FILE` / `includedir DIR`, `#` and `;` comments, and a
//! final `*` that closes a relation or subsection to later files. Everything is kept, unknown
//! sections and relations included; typed accessors read the settings Sesame uses.
//!
//! Several files (KRB5_CONFIG=a:b) are searched in order: the first file that sets a relation
//! wins, as in MIT's profile library.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::crypto::Enctype;

/// A relation's value: a string or a subsection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// `tag = value`.
    String(String),
    /// `tag = { ... }`.
    Section(Vec<Relation>),
}

/// `tag = value`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Relation {
    /// The tag.
    pub tag: String,
    /// The value.
    pub value: Value,
    /// Marked final with `*`.
    pub is_final: bool,
}

/// One `[section]` of one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// Its name.
    pub name: String,
    /// Its relations, in file order.
    pub relations: Vec<Relation>,
}

/// Why a configuration could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfError {
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// A line that is not valid profile syntax.
    #[error("{path}:{line}: {reason}")]
    Syntax {
        /// The file.
        path: String,
        /// The line number (1-based).
        line: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// Includes nested too deeply (a loop).
    #[error("{0}: includes nested more than 16 deep")]
    IncludeDepth(String),
}

/// A parsed configuration: the sections of every file, in search order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Krb5Conf {
    /// All sections, file by file, in the order they were read.
    pub sections: Vec<Section>,
}

/// A KDC address from `[realms]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KdcAddress {
    /// `host[:port]`, with an optional `tcp/` or `udp/` prefix as MIT allows.
    Host {
        /// Host name or address.
        host: String,
        /// Port (default 88).
        port: u16,
        /// `Some("tcp")` or `Some("udp")` when the entry names one.
        transport: Option<&'static str>,
    },
    /// `https://host[:port]/path`: a KDC proxy (MS-KKDCP).
    Proxy(String),
}

impl Krb5Conf {
    /// Parses one file's text; `origin` names it in errors and anchors relative includes.
    pub fn parse(text: &str, origin: &Path) -> Result<Self, ConfError> {
        let mut conf = Self::default();
        conf.parse_into(text, origin, 0)?;
        Ok(conf)
    }

    /// Reads one file.
    pub fn read(path: &Path) -> Result<Self, ConfError> {
        let mut conf = Self::default();
        conf.read_into(path, 0)?;
        Ok(conf)
    }

    /// Reads the files MIT would: `KRB5_CONFIG` (colon-separated, missing files skipped) or
    /// `/etc/krb5.conf`.
    pub fn from_env() -> Result<Self, ConfError> {
        Self::from_path_list(
            &std::env::var("KRB5_CONFIG").unwrap_or_else(|_| "/etc/krb5.conf".into()),
        )
    }

    /// Reads a colon-separated list of files, as `KRB5_CONFIG` holds; missing files are
    /// skipped, and the first file that sets a relation wins.
    pub fn from_path_list(list: &str) -> Result<Self, ConfError> {
        let mut conf = Self::default();
        for p in list.split(':').filter(|p| !p.is_empty()) {
            let path = Path::new(p);
            if path.exists() {
                conf.read_into(path, 0)?;
            }
        }
        Ok(conf)
    }

    fn read_into(&mut self, path: &Path, depth: usize) -> Result<(), ConfError> {
        if depth > 16 {
            return Err(ConfError::IncludeDepth(path.display().to_string()));
        }
        let text = std::fs::read_to_string(path).map_err(|source| ConfError::Io {
            path: path.display().to_string(),
            source,
        })?;
        self.parse_into(&text, path, depth)
    }

    fn parse_into(&mut self, text: &str, origin: &Path, depth: usize) -> Result<(), ConfError> {
        let syntax = |line: usize, reason| ConfError::Syntax {
            path: origin.display().to_string(),
            line,
            reason,
        };
        // Open subsections: the relations being filled, innermost last.
        let mut stack: Vec<(String, bool, Vec<Relation>)> = Vec::new();
        for (n, raw) in text.lines().enumerate() {
            let line_no = n + 1;
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            if stack.is_empty() {
                if let Some(file) = line
                    .strip_prefix("include ")
                    .or_else(|| line.strip_prefix("include\t"))
                {
                    self.read_into(&resolve(origin, file.trim()), depth + 1)?;
                    continue;
                }
                if let Some(dir) = line
                    .strip_prefix("includedir ")
                    .or_else(|| line.strip_prefix("includedir\t"))
                {
                    self.include_dir(&resolve(origin, dir.trim()), depth + 1)?;
                    continue;
                }
                if let Some(rest) = line.strip_prefix('[') {
                    let name = rest
                        .split(']')
                        .next()
                        .ok_or_else(|| syntax(line_no, "unclosed section header"))?;
                    if !rest.contains(']') {
                        return Err(syntax(line_no, "unclosed section header"));
                    }
                    self.sections.push(Section {
                        name: name.trim().to_string(),
                        relations: Vec::new(),
                    });
                    continue;
                }
            }
            if line.starts_with('}') {
                let (tag, is_final, relations) = stack
                    .pop()
                    .ok_or_else(|| syntax(line_no, "'}' without '{'"))?;
                let is_final = is_final || line.trim_start_matches('}').trim() == "*";
                let relation = Relation {
                    tag,
                    value: Value::Section(relations),
                    is_final,
                };
                self.push(&mut stack, relation)
                    .map_err(|r| syntax(line_no, r))?;
                continue;
            }
            let (tag, value) = line
                .split_once('=')
                .ok_or_else(|| syntax(line_no, "expected `tag = value`"))?;
            let (tag, value) = (tag.trim(), value.trim());
            let (tag, tag_final) = match tag.strip_suffix('*') {
                Some(t) => (t.trim(), true),
                None => (tag, false),
            };
            if tag.is_empty() {
                return Err(syntax(line_no, "empty tag"));
            }
            if value == "{" {
                stack.push((tag.to_string(), tag_final, Vec::new()));
                continue;
            }
            let value = unquote(value);
            let relation = Relation {
                tag: tag.to_string(),
                value: Value::String(value),
                is_final: tag_final,
            };
            self.push(&mut stack, relation)
                .map_err(|r| syntax(line_no, r))?;
        }
        if stack.is_empty() {
            Ok(())
        } else {
            Err(syntax(text.lines().count(), "unclosed '{'"))
        }
    }

    fn push(
        &mut self,
        stack: &mut [(String, bool, Vec<Relation>)],
        relation: Relation,
    ) -> Result<(), &'static str> {
        if let Some((_, _, open)) = stack.last_mut() {
            open.push(relation);
            return Ok(());
        }
        let section = self
            .sections
            .last_mut()
            .ok_or("relation before any [section]")?;
        section.relations.push(relation);
        Ok(())
    }

    /// MIT reads the files of an included directory whose names are only letters, digits,
    /// dashes and underscores, or end in `.conf`, in name order.
    fn include_dir(&mut self, dir: &Path, depth: usize) -> Result<(), ConfError> {
        let entries = std::fs::read_dir(dir).map_err(|source| ConfError::Io {
            path: dir.display().to_string(),
            source,
        })?;
        let mut names: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                let conf_ext = p.extension().is_some_and(|e| e == "conf");
                p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                    conf_ext
                        || n.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                })
            })
            .collect();
        names.sort();
        for p in names {
            self.read_into(&p, depth)?;
        }
        Ok(())
    }

    /// Every value of `section` / `path...` / `tag`, in search order (subsections followed by
    /// name, e.g. `values(&["realms", "EXAMPLE.TEST", "kdc"])`).
    pub fn values(&self, path: &[&str]) -> Vec<&str> {
        let Some((section, rest)) = path.split_first() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for s in self.sections.iter().filter(|s| s.name == *section) {
            collect(&s.relations, rest, &mut out);
        }
        out
    }

    /// The first value of a path.
    pub fn value(&self, path: &[&str]) -> Option<&str> {
        self.values(path).into_iter().next()
    }

    /// A boolean in MIT's spellings (`yes`, `true`, `on`, `1`, `y`, `t` / `no`, `false`, ...).
    pub fn bool(&self, path: &[&str]) -> Option<bool> {
        self.value(path).and_then(parse_bool)
    }

    /// `[libdefaults] default_realm`.
    pub fn default_realm(&self) -> Option<&str> {
        self.value(&["libdefaults", "default_realm"])
    }

    /// `[libdefaults] dns_lookup_kdc` (MIT's default: true).
    pub fn dns_lookup_kdc(&self) -> bool {
        self.bool(&["libdefaults", "dns_lookup_kdc"])
            .unwrap_or(true)
    }

    /// `[libdefaults] udp_preference_limit` (default 1465 bytes).
    pub fn udp_preference_limit(&self) -> usize {
        self.value(&["libdefaults", "udp_preference_limit"])
            .and_then(|v| v.parse().ok())
            .unwrap_or(1465)
    }

    /// `[libdefaults] clockskew` (default 300 s).
    pub fn clockskew(&self) -> Duration {
        self.value(&["libdefaults", "clockskew"])
            .and_then(parse_duration)
            .unwrap_or(Duration::from_secs(300))
    }

    /// `[libdefaults] ticket_lifetime` (default one day).
    pub fn ticket_lifetime(&self) -> Duration {
        self.value(&["libdefaults", "ticket_lifetime"])
            .and_then(parse_duration)
            .unwrap_or(Duration::from_secs(86_400))
    }

    /// `[libdefaults] rdns` (default true).
    pub fn rdns(&self) -> bool {
        self.bool(&["libdefaults", "rdns"]).unwrap_or(true)
    }

    /// `[libdefaults] dns_canonicalize_hostname`: `true` (default), `false` or `fallback`.
    pub fn dns_canonicalize_hostname(&self) -> &str {
        self.value(&["libdefaults", "dns_canonicalize_hostname"])
            .unwrap_or("true")
    }

    /// An enctype list relation (`default_tkt_enctypes`, `permitted_enctypes`, ...): names
    /// separated by spaces or commas; unknown names and `DEFAULT` are skipped, weak ones kept
    /// only with `allow_weak` (MIT's `allow_weak_crypto`).
    pub fn enctypes(&self, relation: &str, allow_weak: bool) -> Option<Vec<Enctype>> {
        let v = self.value(&["libdefaults", relation])?;
        Some(
            v.split(|c: char| c.is_whitespace() || c == ',')
                .filter_map(Enctype::from_name)
                .filter(|e| allow_weak || !e.is_weak())
                .collect(),
        )
    }

    /// The KDCs of `realm` from `[realms]`, in order.
    pub fn kdcs(&self, realm: &str) -> Vec<KdcAddress> {
        self.values(&["realms", realm, "kdc"])
            .into_iter()
            .filter_map(parse_kdc)
            .collect()
    }

    /// The password-change servers of `realm` (RFC 3244, port 464 unless given): `kpasswd_server`,
    /// else the `admin_server` hosts as MIT does, else the KDC hosts (an Active Directory DC
    /// serves both; MIT stops at `admin_server`).
    pub fn kpasswd_servers(&self, realm: &str) -> Vec<KdcAddress> {
        const PORT: u16 = 464;
        for (relation, keep_port) in [
            ("kpasswd_server", true),
            ("admin_server", false),
            ("kdc", false),
        ] {
            let found: Vec<KdcAddress> = self
                .values(&["realms", realm, relation])
                .into_iter()
                .filter_map(|v| match parse_address(v, PORT)? {
                    KdcAddress::Host {
                        host,
                        port,
                        transport,
                    } => Some(KdcAddress::Host {
                        host,
                        // admin_server's port is kadmind's; the kdc's is the KDC's.
                        port: if keep_port { port } else { PORT },
                        transport,
                    }),
                    KdcAddress::Proxy(_) => None,
                })
                .collect();
            if !found.is_empty() {
                return found;
            }
        }
        Vec::new()
    }

    /// The realm of `host` from `[domain_realm]`: an exact entry, else the longest `.suffix`.
    pub fn realm_of_host(&self, host: &str) -> Option<&str> {
        let host = host.to_ascii_lowercase();
        if let Some(r) = self.value(&["domain_realm", &host]) {
            return Some(r);
        }
        let mut rest = host.as_str();
        while let Some(i) = rest.find('.') {
            let suffix = &rest[i..];
            if let Some(r) = self.value(&["domain_realm", suffix]) {
                return Some(r);
            }
            rest = &rest[i + 1..];
        }
        None
    }
}

fn collect<'a>(relations: &'a [Relation], path: &[&str], out: &mut Vec<&'a str>) {
    let Some((tag, rest)) = path.split_first() else {
        return;
    };
    for r in relations.iter().filter(|r| r.tag == *tag) {
        match (&r.value, rest.is_empty()) {
            (Value::String(s), true) => out.push(s),
            (Value::Section(inner), false) => collect(inner, rest, out),
            _ => {}
        }
    }
}

fn resolve(origin: &Path, file: &str) -> PathBuf {
    let p = Path::new(file);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        origin.parent().unwrap_or(Path::new(".")).join(p)
    }
}

fn unquote(v: &str) -> String {
    match v.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        Some(inner) => inner.replace("\\\"", "\"").replace("\\\\", "\\"),
        None => v.to_string(),
    }
}

/// MIT's boolean spellings.
pub fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "y" | "yes" | "true" | "t" | "1" | "on" => Some(true),
        "n" | "no" | "false" | "nil" | "0" | "off" => Some(false),
        _ => None,
    }
}

/// MIT's durations: seconds (`300`), `h:m[:s]`, or units (`10h`, `1d 2h 3m 4s`).
pub fn parse_duration(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if v.contains(':') {
        let parts: Vec<u64> = v
            .split(':')
            .map(str::parse)
            .collect::<Result<_, _>>()
            .ok()?;
        let (h, m, s) = match parts.as_slice() {
            [h, m] => (*h, *m, 0),
            [h, m, s] => (*h, *m, *s),
            _ => return None,
        };
        let secs = h
            .checked_mul(3600)?
            .checked_add(m.checked_mul(60)?)?
            .checked_add(s)?;
        return Some(Duration::from_secs(secs));
    }
    let mut total = 0u64;
    let mut number = String::new();
    let mut any = false;
    for c in v.chars() {
        match c {
            '0'..='9' => number.push(c),
            'd' | 'h' | 'm' | 's' => {
                let n: u64 = number.parse().ok()?;
                number.clear();
                let unit = match c {
                    'd' => 86_400,
                    'h' => 3600,
                    'm' => 60,
                    _ => 1,
                };
                total = total.checked_add(n.checked_mul(unit)?)?;
                any = true;
            }
            c if c.is_whitespace() => {}
            _ => return None,
        }
    }
    (any && number.is_empty()).then(|| Duration::from_secs(total))
}

fn parse_kdc(v: &str) -> Option<KdcAddress> {
    parse_address(v, 88)
}

/// `[tcp/|udp/]host[:port]` (or `[v6]:port`), `default_port` when none is given; or a proxy URL.
fn parse_address(v: &str, default_port: u16) -> Option<KdcAddress> {
    if v.starts_with("https://") || v.starts_with("http://") {
        return Some(KdcAddress::Proxy(v.to_string()));
    }
    let (transport, rest) = match v.split_once('/') {
        Some(("tcp", r)) => (Some("tcp"), r),
        Some(("udp", r)) => (Some("udp"), r),
        _ => (None, v),
    };
    let (host, port) = if let Some(inner) = rest.strip_prefix('[') {
        let (h, after) = inner.split_once(']')?;
        (
            h,
            after
                .strip_prefix(':')
                .map_or(Some(default_port), |p| p.parse().ok())?,
        )
    } else {
        match rest.rsplit_once(':') {
            Some((h, p)) if !h.contains(':') => (h, p.parse().ok()?),
            _ => (rest, default_port),
        }
    };
    (!host.is_empty()).then(|| KdcAddress::Host {
        host: host.to_string(),
        port,
        transport,
    })
}
