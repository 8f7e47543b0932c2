//! `cargo xtask fuzz [--seconds N]`: every cargo-fuzz target for N seconds (default 20), seeded
//! with the third-party vectors; prints executions per second and fails on any crash.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::util::{Result, output, root, run};

/// Where the seeds come from: every test vector of every crate.
const SEED_DIRS: &[&str] = &[
    "crates/sesame-asn1/tests/vectors",
    "crates/sesame-kerberos/tests/vectors",
    "crates/sesame-ntlm/tests/vectors",
    "crates/sesame-pac/tests/vectors",
    "crates/sesame-negotiate/tests/vectors",
];

pub fn main(args: &[String]) -> Result {
    let seconds: u64 = match args {
        [] => 20,
        [flag, n] if flag == "--seconds" => n
            .parse()
            .map_err(|_| format!("--seconds takes a number, not {n}"))?,
        _ => return Err("usage: cargo xtask fuzz [--seconds N]".into()),
    };
    let fuzz_dir = root().join("fuzz");
    if output(Command::new("cargo").args(["fuzz", "--version"]))
        .map_or(true, |o| !o.status.success())
    {
        run(Command::new("cargo").args(["install", "--locked", "cargo-fuzz"]))?;
    }
    let list = output(
        Command::new("cargo")
            .current_dir(&fuzz_dir)
            .args(["fuzz", "list"]),
    )?;
    let targets: Vec<String> = String::from_utf8_lossy(&list.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    if targets.is_empty() {
        return Err("cargo fuzz list found no targets".into());
    }
    run(Command::new("cargo").current_dir(&fuzz_dir).args([
        "fuzz",
        "build",
        "--sanitizer",
        "none",
    ]))?;

    let corpus_root = root().join("target/fuzz-corpus");
    let mut rows = Vec::new();
    let mut failed = Vec::new();
    for target in &targets {
        let corpus = corpus_root.join(target);
        seed(&corpus)?;
        let mut cmd = Command::new("cargo");
        cmd.current_dir(&fuzz_dir)
            .args(["fuzz", "run", "--sanitizer", "none", target])
            .arg(&corpus)
            .args([
                "--",
                &format!("-max_total_time={seconds}"),
                "-print_final_stats=1",
                "-max_len=8192",
            ]);
        eprintln!("$ {}", crate::util::show(&cmd));
        let out = output(&mut cmd)?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        let execs = stat(&stderr, "stat::number_of_executed_units:");
        let time = stat(&stderr, "stat::average_exec_per_sec:");
        let verdict = if out.status.success() {
            "no crash"
        } else if stderr.contains("Test unit written to") {
            "CRASH"
        } else {
            "did not run"
        };
        if !out.status.success() {
            eprintln!("{stderr}");
            failed.push(target.clone());
        }
        rows.push((target.clone(), execs, time, verdict));
    }
    println!("\n| fuzz target | executions | execs/s | result |\n|---|---|---|---|");
    for (t, execs, rate, verdict) in &rows {
        println!("| {t} | {execs} | {rate} | {verdict} |");
    }
    println!(
        "{} passed, {} failed",
        rows.len() - failed.len(),
        failed.len()
    );
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "failed: {} (reproducers of crashes are under fuzz/artifacts/)",
            failed.join(", ")
        ))
    }
}

/// Copies every vector file into `corpus` (libFuzzer adds what it finds next to them).
fn seed(corpus: &Path) -> Result {
    fs::create_dir_all(corpus).map_err(|e| e.to_string())?;
    for dir in SEED_DIRS {
        for entry in walk(&root().join(dir)) {
            if entry.extension().is_some_and(|e| e == "md") {
                continue;
            }
            let name = entry.to_string_lossy().replace(['/', '\\'], "_");
            fs::copy(&entry, corpus.join(name)).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

fn stat(stderr: &str, key: &str) -> u64 {
    stderr
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}
