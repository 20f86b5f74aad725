//! Rules of the code base that a grep can check, run with the tests so `cargo test` (and so
//! CI) fails when one is broken.

use std::process::Command;

/// Issue 15: each edge has its own narrow state; `AppState` (the assembly) is named only by
/// `src/app.rs` and `src/daemon.rs`, and web handlers never hold the state store
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
