//! The replay caches: the file cache across a restart and across processes racing on the same
//! authenticators, its bound, and the acceptor refusing a replay through a file two acceptors
//! share. (The in-memory cache's own tests are beside it.)
#![allow(clippy::unwrap_used, clippy::panic)] // test code

use std::path::PathBuf;
use std::process::Command;

use sesame_kerberos::gssapi::{FileReplayCache, ReplayRefusal, ReplayStore};

fn temp(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("sesame-rc-{}-{name}", std::process::id()));
    let _ = std::fs::remove_file(&p);
    p
}

fn tag(n: u64) -> [u8; 32] {
    // Spread like a hash, never all zero.
    let mut t = [0u8; 32];
    let x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xA5A5;
    t[..8].copy_from_slice(&x.to_be_bytes());
    t[8..16].copy_from_slice(&n.to_be_bytes());
    t[31] = 1;
    t
}

#[test]
fn a_restart_remembers_and_the_window_still_ends() {
    let path = temp("restart");
    let c = FileReplayCache::open(&path).unwrap();
    for i in 0..100 {
        c.check_and_insert(tag(i), 1300, 1000).unwrap();
    }
    drop(c);
    let c = FileReplayCache::open(&path).unwrap();
    for i in 0..100 {
        assert_eq!(
            c.check_and_insert(tag(i), 1300, 1200),
            Err(ReplayRefusal::Replayed)
        );
    }
    // At the window's last second still a replay; after it, the slot is free again.
    assert_eq!(
        c.check_and_insert(tag(7), 1300, 1300),
        Err(ReplayRefusal::Replayed)
    );
    assert_eq!(c.check_and_insert(tag(7), 1601, 1301), Ok(()));
    let _ = std::fs::remove_file(&path);
}

#[test]
fn a_file_of_another_kind_is_refused_not_overwritten() {
    let path = temp("foreign");
    std::fs::write(&path, b"\x05\x04not a sesame replay cache").unwrap();
    assert!(matches!(
        FileReplayCache::open(&path),
        Err(ReplayRefusal::Unusable(_))
    ));
    assert_eq!(
        std::fs::read(&path).unwrap(),
        b"\x05\x04not a sesame replay cache"
    );
    let _ = std::fs::remove_file(&path);
}

#[test]
fn a_full_file_refuses_rather_than_forgets() {
    let path = temp("full");
    // Tables of 8 slots: every tag's window is the whole table, so 16 tables hold 128.
    let c = FileReplayCache::open_with_slots(&path, 8).unwrap();
    for i in 0..128 {
        c.check_and_insert(tag(i), 5000, 1000).unwrap();
    }
    assert_eq!(
        c.check_and_insert(tag(1000), 5000, 1000),
        Err(ReplayRefusal::Full(128))
    );
    for i in 0..128 {
        assert_eq!(
            c.check_and_insert(tag(i), 5000, 1000),
            Err(ReplayRefusal::Replayed)
        );
    }
    // The file's size is bounded: the header and sixteen tables.
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 16 + 16 * 8 * 40);
    // Once they expire, there is room again.
    assert_eq!(c.check_and_insert(tag(1000), 9000, 5001), Ok(()));
    let _ = std::fs::remove_file(&path);
}

/// Run by `two_processes_race_on_the_same_authenticators` in child processes: inserts the tags
/// of its range into the shared file and prints how many it recorded.
#[test]
fn replay_child() {
    let Ok(path) = std::env::var("SESAME_RC_CHILD") else {
        return;
    };
    let c = FileReplayCache::open(std::path::Path::new(&path)).unwrap();
    let (from, to): (u64, u64) = {
        let r = std::env::var("SESAME_RC_RANGE").unwrap();
        let (a, b) = r.split_once('-').unwrap();
        (a.parse().unwrap(), b.parse().unwrap())
    };
    let mut recorded = 0;
    for i in from..to {
        match c.check_and_insert(tag(i), 5000, 1000) {
            Ok(()) => recorded += 1,
            Err(ReplayRefusal::Replayed) => {}
            Err(e) => panic!("{e}"),
        }
    }
    println!("\nrecorded={recorded}");
}

#[test]
fn two_processes_race_on_the_same_authenticators() {
    let path = temp("race");
    FileReplayCache::open(&path).unwrap();
    let exe = std::env::current_exe().unwrap();
    let spawned: Vec<_> = ["0-3000", "1000-4000"]
        .iter()
        .map(|range| {
            Command::new(&exe)
                .args([
                    "--exact",
                    "replay_child",
                    "--nocapture",
                    "--test-threads",
                    "1",
                ])
                .env("SESAME_RC_CHILD", &path)
                .env("SESAME_RC_RANGE", range)
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut total = 0;
    for child in spawned {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        let n: u64 = text
            .lines()
            .find_map(|l| l.strip_prefix("recorded="))
            .unwrap_or_else(|| panic!("child said {text}"))
            .parse()
            .unwrap();
        total += n;
    }
    // 4,000 distinct authenticators, 2,000 of them offered by both processes: each recorded
    // exactly once.
    assert_eq!(total, 4000);
    let c = FileReplayCache::open(&path).unwrap();
    for i in 0..4000 {
        assert_eq!(
            c.check_and_insert(tag(i), 5000, 1000),
            Err(ReplayRefusal::Replayed)
        );
    }
    let _ = std::fs::remove_file(&path);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Whatever the file holds (a damaged cache, another program's file), opening it and
    /// recording an authenticator is a value or an error, never a panic, and never a file
    /// grown beyond the bound.
    #[test]
    fn any_file_is_an_error_or_a_cache(
        bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048),
        magic in proptest::prelude::any::<bool>(),
        slots in proptest::prelude::any::<u32>(),
    ) {
        let path = temp(&format!("prop-{}", bytes.len()));
        let mut content = bytes.clone();
        if magic {
            // A well-formed header with any slot count, then arbitrary records.
            let mut header = b"SESAMERC\0\0\0\x01".to_vec();
            header.extend_from_slice(&slots.to_be_bytes());
            content.splice(0..0, header);
        }
        std::fs::write(&path, &content).unwrap();
        if let Ok(c) = FileReplayCache::open(&path) {
            let _ = c.check_and_insert(tag(1), 2000, 1000);
            let _ = c.check_and_insert(tag(1), 2000, 1000);
            let len = std::fs::metadata(&path).unwrap().len();
            proptest::prop_assert!(len <= 16 + 16 * u64::from(sesame_kerberos::gssapi::FileReplayCache::max_slots()) * 40);
        }
        let _ = std::fs::remove_file(&path);
    }
}
