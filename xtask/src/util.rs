//! Running commands, finding tools, installing packages.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output, Stdio};

/// Errors are reported as text: xtask is a driver, not a library.
pub type Result<T = ()> = std::result::Result<T, String>;

/// The workspace root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Whether `name` is an executable on PATH (or in the sbin directories that Debian uses for
/// daemons such as krb5kdc).
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// Prints and runs a command with inherited output; fails on a non-zero exit.
pub fn run(cmd: &mut Command) -> Result {
    eprintln!("$ {}", show(cmd));
    let status = cmd
        .status()
        .map_err(|e| format!("cannot start {}: {e}", show(cmd)))?;
    check(cmd, status)
}

/// Runs a command and captures its output, whatever its exit status.
pub fn output(cmd: &mut Command) -> Result<Output> {
    cmd.stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot start {}: {e}", show(cmd)))
}

fn check(cmd: &Command, status: ExitStatus) -> Result {
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed: {status}", show(cmd)))
    }
}

/// The command line, for messages.
pub fn show(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(OsStr::to_string_lossy)
        .collect::<Vec<_>>()
        .join(" ")
}

/// `cargo` as invoked by the user (honours $CARGO).
pub fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(root());
    cmd
}

fn is_root() -> bool {
    output(Command::new("id").arg("-u")).is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// Installs the Debian packages that are not installed yet.
pub fn ensure_apt(packages: &[&str]) -> Result {
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|pkg| !dpkg_installed(pkg))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    if !is_root() {
        return Err(format!(
            "missing Debian packages; run: sudo apt-get install -y {}",
            missing.join(" ")
        ));
    }
    run(Command::new("apt-get").args(["update", "-q"]))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "-q", "--no-install-recommends"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

fn dpkg_installed(pkg: &str) -> bool {
    output(Command::new("dpkg-query").args(["-W", "-f=${Status}", pkg]))
        .is_ok_and(|o| o.status.success() && o.stdout == b"install ok installed")
}

/// Installs Python packages (with the `python3` on PATH) whose module cannot be imported.
pub fn ensure_pip(python: &str, packages: &[(&str, &str)]) -> Result {
    for (module, pkg) in packages {
        let ok = output(Command::new(python).args(["-c", &format!("import {module}")]))
            .is_ok_and(|o| o.status.success());
        if !ok {
            run(Command::new(python).args(["-m", "pip", "install", "-q", pkg]))?;
        }
    }
    Ok(())
}

/// A free TCP port on 127.0.0.1 (also free for UDP in practice; checked by binding both).
pub fn free_port() -> Result<u16> {
    for _ in 0..20 {
        let tcp = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        let port = tcp.local_addr().map_err(|e| e.to_string())?.port();
        if std::net::UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return Ok(port);
        }
    }
    Err("no free port on 127.0.0.1".into())
}

/// Waits until something accepts TCP connections on 127.0.0.1:`port`; false once `deadline`
/// has passed without.
pub fn wait_listening(port: u16, deadline: std::time::Instant) -> bool {
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if std::time::Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    true
}

/// Runs `cmd` capturing its output; an error with its standard error when it fails.
pub fn run_ok(cmd: &mut Command) -> Result {
    let out = output(cmd)?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{}` failed: {}",
            show(cmd),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}
