//! Rules of the code base that a grep can check, run with the tests so `cargo test` (and so
//! CI) fails when one is broken.

use std::process::Command;

/// Issue 15: each edge has its own narrow state; `AppState` (the assembly) is named only by
/// `src/app.rs` (with `src/app/`) and `src/daemon.rs`, and web handlers never hold the state store
/// (`.ci/check-edge-states` has the rules and says which line broke one).
#[test]
fn edges_take_their_own_state_never_the_whole_daemon() {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/check-edge-states");
    let run = Command::new("bash").arg(&script).output().unwrap();
    let report = [run.stdout, run.stderr].concat();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&report));
}

/// Issue 15: only `src/ldap/error.rs` reads slapd's text; everything else decides by a typed
/// `DirectoryError` variant (`.ci/check-error-matching` has the pattern).
#[test]
fn no_behaviour_is_keyed_on_an_error_message_outside_the_ldap_error_module() {
    let out = Command::new("bash")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/.ci/check-error-matching"
        ))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Issue 15, item 4: the tests compose the app, start the binary and bind to LDAP in one
/// place each (`common/app.rs` `assemble`, `common/daemon.rs` `BIN`, `common::bind_at`), so
/// that a change to how `AppState` or a use case is built changes the harness only.
#[test]
fn the_tests_build_the_app_reach_the_binary_and_bind_only_through_the_harness() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/integration");
    let forbidden = [
        "AppState::new(",
        "Provisioning {",
        "Onboarding {",
        "OutboxSender {",
        "CARGO_BIN_EXE",
        "LdapConnAsync::new(",
        "simple_bind(",
    ];
    let mut hits = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") || path.ends_with("code_rules.rs") {
            continue; // `common/` is the harness; this file names the patterns
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            for pattern in forbidden.iter().filter(|p| line.contains(*p)) {
                hits.push(format!("{}:{}: {pattern}", path.display(), n + 1));
            }
        }
    }
    assert!(
        hits.is_empty(),
        "use the harness (common::app::spawn_app/assemble, common::daemon, common::bind_at):\n{}",
        hits.join("\n")
    );
}
