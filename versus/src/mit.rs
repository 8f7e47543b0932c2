//! The MIT anchor: `mit_ap.c` built with the system's cc against libgssapi_krb5 (Debian's
//! libkrb5-dev), run on the ccache, keytab and krb5.conf that `Kerberos::new` wrote.

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Mit {
    bin: PathBuf,
    dir: PathBuf,
}

impl Mit {
    pub fn build(dir: &Path) -> Result<Self, String> {
        let src = dir.join("mit_ap.c");
        std::fs::write(&src, include_str!("../mit_ap.c")).map_err(|e| e.to_string())?;
        let bin = dir.join("mit_ap");
        let out = Command::new("cc")
            .args(["-O2", "-o"])
            .arg(&bin)
            .arg(&src)
            .arg("-lgssapi_krb5")
            .output()
            .map_err(|e| format!("cc: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "cc mit_ap.c: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(Self {
            bin,
            dir: dir.to_path_buf(),
        })
    }

    /// The mean microseconds of MIT's three steps over `n` exchanges, with the file replay
    /// cache (`file2:`, MIT's default type) or none.
    pub fn run(&self, n: usize, replay_cache: bool) -> [f64; 3] {
        let rcache = if replay_cache {
            format!("file2:{}", self.dir.join("mit.rcache2").display())
        } else {
            "none:".into()
        };
        let out = Command::new(&self.bin)
            .arg(super::kerberos::TARGET)
            .arg(n.to_string())
            .env("KRB5_CONFIG", self.dir.join("krb5.conf"))
            .env(
                "KRB5CCNAME",
                format!("FILE:{}", self.dir.join("ccache").display()),
            )
            .env(
                "KRB5_KTNAME",
                format!("FILE:{}", self.dir.join("keytab").display()),
            )
            .env("KRB5RCACHENAME", rcache)
            .output()
            .expect("mit_ap runs");
        assert!(
            out.status.success(),
            "mit_ap failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        let v: Vec<f64> = text
            .split_whitespace()
            .skip(1)
            .step_by(2)
            .map(|w| w.parse().expect("mit_ap prints numbers"))
            .collect();
        [v[0], v[1], v[2]]
    }
}
