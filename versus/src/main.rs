//! `cargo xtask bench --versus`: Sesame beside sspi-rs 0.23.1, picky-krb 0.13.1, MIT's
//! GSSAPI and `openssl speed`, measured alternately in one run on one machine, printed as one
//! table (and written as Markdown with `--write FILE`). Every case asserts it did the work.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benchmark code

mod alloc;
mod kerberos;
mod mit;
mod ntlm;
mod openssl;
mod timing;

use std::hint::black_box;
use std::sync::Arc;

use sesame_kerberos::gssapi::{AcceptorCredentials, ReplayCache, ReplayStore};

use timing::{solo, versus};

#[global_allocator]
static ALLOC: alloc::Counting = alloc::Counting;

/// One line of the table.
struct Row {
    case: String,
    sesame: String,
    anchor: String,
    ratio: String,
    target: String,
}

fn row(case: &str, sesame: String, anchor: String, ratio: String, target: String) -> Row {
    Row {
        case: case.into(),
        sesame,
        anchor,
        ratio,
        target,
    }
}

fn us(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.3} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

fn mbps(bytes: usize, ns: f64) -> f64 {
    bytes as f64 / ns * 1e3
}

/// "met" or "NOT met" after a target's words.
fn verdict(words: &str, met: bool) -> String {
    format!("{words}: {}", if met { "met" } else { "**not met**" })
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut write = None;
    let mut only: Option<String> = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--write" => write = args.next(),
            "--only" => only = args.next(),
            other => panic!("unknown argument {other} (takes --write FILE, --only SECTION)"),
        }
    }
    let dir = std::env::temp_dir().join(format!("sesame-versus-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut rows = Vec::new();
    // Sections, for a quicker look at one: ntlm, crypto, ap, replay, memory.
    let want = |section: &str| only.as_deref().is_none_or(|o| o == section);

    let s = ntlm::Sesame::new();
    let r = ntlm::SspiRs::new();
    let k = kerberos::Kerberos::new(&dir);
    let acceptor_creds = k.acceptor_credentials();
    let store: Arc<dyn ReplayStore> = Arc::new(kerberos::NoReplayCache);
    if only.as_deref() == Some("profile-negotiate") {
        let server = k.server(store.clone());
        let t = std::time::Instant::now();
        while t.elapsed().as_secs() < 10 {
            drop(black_box(k.negotiate(&server)));
        }
        return;
    }
    if only.as_deref() == Some("profile-ntlm") {
        // For `perf record`: Sesame's NTLM handshake alone, for ten seconds.
        let t = std::time::Instant::now();
        while t.elapsed().as_secs() < 10 {
            drop(black_box(s.handshake()));
        }
        return;
    }
    if want("ntlm") {
        ntlm_rows(&mut rows, &s, &r);
    }
    if want("crypto") {
        crypto_rows(&mut rows);
    }
    if want("ap") {
        ap_rows(&mut rows, &dir, &k, &acceptor_creds, &store);
    }
    if want("replay") {
        replay_rows(&mut rows);
    }
    if want("memory") {
        memory_rows(&mut rows, &s, &r, &k, &acceptor_creds, &store);
    }
    let _ = std::fs::remove_dir_all(&dir);
    let table = render(&rows);
    println!("{table}");
    if let Some(path) = write {
        let text = format!(
            "# Performance, side by side\n\n\
             Written by `cargo xtask bench --versus` on {} ({}).\n\
             Each figure is the median of batches run alternately with its anchor in the same run\n\
             (sspi 0.23.1 and picky-krb 0.13.1 built beside Sesame, MIT krb5's libgssapi_krb5 through\n\
             `versus/mit_ap.c`, bounds from `openssl speed`). Absolute times move from machine to\n\
             machine and run to run; the ratios are the point. Sesame uses the system's random\n\
             source and clock here, as in production.\n\n{table}\n\n\
             The load test (`cargo xtask bench`, `load` in sesame-negotiate's benches) prints its own\n\
             figures; see the end of this page.\n",
            today(),
            machine(),
        );
        let old = std::fs::read_to_string(&path).unwrap_or_default();
        let tail = old
            .split_once("\n## Load")
            .map(|(_, t)| format!("\n## Load{t}"))
            .unwrap_or_default();
        std::fs::write(&path, text + &tail).expect("write the table");
        eprintln!("written to {path}");
    }
}

fn ntlm_rows(rows: &mut Vec<Row>, s: &ntlm::Sesame, r: &ntlm::SspiRs) {
    // NTLMv2.
    eprintln!("NTLM ...");
    let (a, b) = versus(&mut || drop(black_box(s.handshake())), &mut || {
        drop(black_box(r.handshake()))
    });
    let ratio = b / a;
    rows.push(row(
        "NTLMv2 handshake, client+server in process",
        us(a),
        format!("sspi-rs {}", us(b)),
        format!("{ratio:.2}× faster"),
        verdict("≥ 3×", ratio >= 3.0),
    ));
    let (p, sizes) = (0..9)
        .map(|_| s.phases(2000))
        .min_by(|a, b| a.0.iter().sum::<f64>().total_cmp(&b.0.iter().sum::<f64>()))
        .unwrap();
    rows.push(row(
        "NTLM handshake by step: NEGOTIATE / CHALLENGE / AUTHENTICATE / verify",
        format!("{:.2} / {:.2} / {:.2} / {:.2} µs", p[0], p[1], p[2], p[3]),
        "–".into(),
        String::new(),
        format!("messages {} / {} / {} bytes", sizes[0], sizes[1], sizes[2]),
    ));
    let (sa, sb) = (
        alloc::per_call(1000, || drop(s.handshake())),
        alloc::per_call(1000, || drop(r.handshake())),
    );
    rows.push(row(
        "allocations per NTLM handshake",
        format!("{sa:.0}"),
        format!("sspi-rs {sb:.0}"),
        format!("{:.1}× fewer", sb / sa),
        String::new(),
    ));

    let plain = vec![0x5au8; 65_536];
    let (mut c1, mut s1) = s.handshake();
    let (mut c2, mut s2) = r.handshake();
    let mut buf = Vec::with_capacity(65_536 + 64);
    let mut data = vec![0u8; 65_536];
    ntlm::sspi_seal_unseal(&mut c2, &mut s2, &plain, &mut data);
    assert_eq!(data, plain, "sspi-rs round trip");
    let (a, b) = versus(
        &mut || ntlm::sesame_seal_unseal(&mut c1, &mut s1, &plain, &mut buf),
        &mut || ntlm::sspi_seal_unseal(&mut c2, &mut s2, &plain, &mut data),
    );
    let ntlm_bound = openssl::ntlm_seal_bound();
    let (ma, mb) = (mbps(65_536, a), mbps(65_536, b));
    rows.push(row(
        "NTLM seal+unseal 64 KiB",
        format!("{ma:.0} MB/s"),
        format!("sspi-rs {mb:.0} MB/s"),
        format!("{:.2}×", ma / mb),
        ntlm_bound.map_or("openssl did not run".into(), |x| {
            format!(
                "{:.0} % of the RC4 ∥ HMAC-MD5 bound ({x:.0} MB/s)",
                100.0 * ma / x
            )
        }),
    ));
}

fn crypto_rows(rows: &mut Vec<Row>) {
    // Kerberos crypto beside picky-krb (which derives the usage keys on every call; Sesame's
    // established contexts derive them once).
    eprintln!("Kerberos crypto ...");
    let aes_bound = openssl::aes_sha1_bound();
    for len in [1024usize, 65_536] {
        let mut rng = sesame_gss::SystemRandom;
        let key = sesame_kerberos::crypto::Key::random(
            sesame_kerberos::crypto::Enctype::AES256_CTS_HMAC_SHA1_96,
            &mut rng,
        )
        .unwrap();
        let keys = key.usage(22);
        let msg = vec![0x5au8; len];
        let picky = picky_krb::crypto::CipherSuite::Aes256CtsHmacSha196.cipher();
        let pkey = key.as_bytes().to_vec();
        let ct = picky.encrypt(&pkey, 22, &msg).unwrap();
        assert_eq!(
            keys.decrypt(&ct).unwrap(),
            msg,
            "picky-krb's ciphertext opens with Sesame's key"
        );
        let (a, b) = versus(
            &mut || {
                let ct = keys.encrypt(&msg, &mut rng).unwrap();
                assert_eq!(keys.decrypt(&ct).unwrap().len(), len);
            },
            &mut || {
                let ct = picky.encrypt(&pkey, 22, &msg).unwrap();
                assert_eq!(picky.decrypt(&pkey, 22, &ct).unwrap().len(), len);
            },
        );
        let (ma, mb) = (mbps(len, a), mbps(len, b));
        rows.push(row(
            &format!("aes256-cts-hmac-sha1-96 encrypt+decrypt {} KiB", len / 1024),
            format!("{ma:.0} MB/s"),
            format!("picky-krb {mb:.0} MB/s"),
            format!("{:.2}×", ma / mb),
            match (len, aes_bound) {
                (65_536, Some(x)) => format!(
                    "{:.0} % of the AES-CBC ∥ 2 × HMAC-SHA1 bound ({x:.0} MB/s)",
                    100.0 * ma / x
                ),
                _ => String::new(),
            },
        ));
    }
    assert_eq!(
        kerberos::sesame_string_to_key().as_bytes(),
        kerberos::picky_string_to_key().as_slice()
    );
    let (a, b) = versus(
        &mut || drop(black_box(kerberos::sesame_string_to_key())),
        &mut || drop(black_box(kerberos::picky_string_to_key())),
    );
    rows.push(row(
        "aes256 string-to-key, 4096 iterations",
        us(a),
        format!("picky-krb {}", us(b)),
        format!("{:.2}×", b / a),
        verdict("no slower (≥ 1.00×)", b / a >= 1.0),
    ));
}

fn ap_rows(
    rows: &mut Vec<Row>,
    dir: &std::path::Path,
    k: &kerberos::Kerberos,
    acceptor_creds: &Arc<AcceptorCredentials>,
    store: &Arc<dyn ReplayStore>,
) {
    // The AP exchange, beside MIT's GSSAPI on the same ticket, keytab and enctype.
    eprintln!("Kerberos AP exchange ...");
    let mit = mit::Mit::build(dir).unwrap_or_else(|e| panic!("the MIT anchor: {e}"));
    for replay in [true, false] {
        let store: Arc<dyn ReplayStore> = if replay {
            Arc::new(ReplayCache::new())
        } else {
            Arc::new(kerberos::NoReplayCache)
        };
        let n = 2000;
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        kerberos::ap_phases(k, acceptor_creds, &store, 100);
        mit.run(100, replay);
        for _ in 0..9 {
            ours.push(kerberos::ap_phases(k, acceptor_creds, &store, n));
            theirs.push(mit.run(n, replay));
        }
        let med = |v: &[[f64; 3]], f: &dyn Fn(&[f64; 3]) -> f64| {
            let mut x: Vec<f64> = v.iter().map(f).collect();
            x.sort_by(f64::total_cmp);
            x[x.len() / 2]
        };
        let total = |p: &[f64; 3]| p.iter().sum::<f64>();
        let accept = |p: &[f64; 3]| p[1];
        let label = if replay {
            "replay cache on (MIT: file2)"
        } else {
            "replay cache off"
        };
        let (ta, tb) = (med(&ours, &total), med(&theirs, &total));
        rows.push(row(
            &format!("Kerberos AP-REQ + AP-REP, mutual, both ends, {label}"),
            format!("{ta:.1} µs"),
            format!("MIT {tb:.1} µs"),
            format!("{:.2}×", tb / ta),
            String::new(),
        ));
        let (aa, ab) = (med(&ours, &accept), med(&theirs, &accept));
        rows.push(row(
            &format!("Kerberos acceptor: AP-REQ verified + AP-REP, {label}"),
            format!("{aa:.1} µs"),
            format!("MIT {ab:.1} µs"),
            format!("{:.2}×", ab / aa),
            verdict("≤ 30 µs and no slower than MIT", aa <= 30.0 && aa <= ab),
        ));
    }
    let n = alloc::per_call(1000, || drop(k.exchange(acceptor_creds, store)));
    rows.push(row(
        "allocations per Kerberos AP exchange (both ends)",
        format!("{n:.0}"),
        "–".into(),
        "–".into(),
        String::new(),
    ));
    let server = k.server(Arc::new(ReplayCache::new()));
    let a = solo(&mut || drop(black_box(k.negotiate(&server))));
    rows.push(row(
        "Negotiate (SPNEGO + Kerberos) handshake, warm, both ends",
        us(a),
        "–".into(),
        "–".into(),
        String::new(),
    ));
}

fn replay_rows(rows: &mut Vec<Row>) {
    // The replay cache at 0, 10k, 100k and 1M live entries.
    eprintln!("replay cache ...");
    let mut inserts = Vec::new();
    for live in [0u64, 10_000, 100_000, 1_000_000] {
        let mut insert = kerberos::replay_filled(live);
        inserts.push((live, solo(&mut insert)));
    }
    let max = inserts.iter().map(|x| x.1).fold(0.0, f64::max);
    let min = inserts.iter().map(|x| x.1).fold(f64::MAX, f64::min);
    rows.push(row(
        "replay cache insert with 0 / 10k / 100k / 1M live entries",
        inserts
            .iter()
            .map(|x| format!("{:.0}", x.1))
            .collect::<Vec<_>>()
            .join(" / ")
            + " ns",
        "–".into(),
        format!("max/min {:.2}", max / min),
        verdict("flat within 2×", max / min <= 2.0),
    ));
}

fn memory_rows(
    rows: &mut Vec<Row>,
    s: &ntlm::Sesame,
    r: &ntlm::SspiRs,
    k: &kerberos::Kerberos,
    acceptor_creds: &Arc<AcceptorCredentials>,
    store: &Arc<dyn ReplayStore>,
) {
    // Memory held per context.
    eprintln!("memory ...");
    let m = |x: f64| format!("{x:.0} B");
    rows.push(row(
        "bytes per established NTLM server context",
        m(alloc::bytes_held(1000, || s.handshake().1)),
        format!("sspi-rs {}", m(alloc::bytes_held(1000, || r.handshake().1))),
        String::new(),
        String::new(),
    ));
    rows.push(row(
        "bytes per established NTLM client context",
        m(alloc::bytes_held(1000, || s.handshake().0)),
        format!("sspi-rs {}", m(alloc::bytes_held(1000, || r.handshake().0))),
        String::new(),
        String::new(),
    ));
    rows.push(row(
        "bytes per pending NTLM server handshake (CHALLENGE sent)",
        m(alloc::bytes_held(1000, || s.pending())),
        "–".into(),
        String::new(),
        String::new(),
    ));
    rows.push(row(
        "bytes per established Kerberos acceptor context",
        m(alloc::bytes_held(1000, || {
            k.exchange(acceptor_creds, store).1
        })),
        "–".into(),
        String::new(),
        String::new(),
    ));
    rows.push(row(
        "bytes per established Kerberos initiator context",
        m(alloc::bytes_held(1000, || {
            k.exchange(acceptor_creds, store).0
        })),
        "–".into(),
        String::new(),
        String::new(),
    ));
    let server = k.server(store.clone());
    rows.push(row(
        "bytes per established Negotiate acceptor (SPNEGO + Kerberos)",
        m(alloc::bytes_held(1000, || k.negotiate(&server).1)),
        "–".into(),
        String::new(),
        String::new(),
    ));
}

fn render(rows: &[Row]) -> String {
    let mut t = String::from(
        "| case | Sesame | anchor | ratio | bound or target |\n|---|---|---|---|---|\n",
    );
    for r in rows {
        t += &format!(
            "| {} | {} | {} | {} | {} |\n",
            r.case, r.sesame, r.anchor, r.ratio, r.target
        );
    }
    t
}

fn today() -> String {
    std::process::Command::new("date")
        .arg("+%Y-%m-%d")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

/// The CPU model, its cores, the kernel.
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!("{cpu}, {cores} cores, Linux {}", kernel.trim())
}
