//! Conformance: PyPI's `scim2-tester` (pinned in `.ci/install-deps`, in `target/scim-tools`)
//! runs its checks against the real router and slapd, once with a one-school client and once
//! with a client holding several schools that names its school, as a city-wide one must (`tests/conformance/scim2_tester_run.py`
//! says which values the checkers must use). Every check must succeed except the failures in
//! `tests/conformance/allow-list.txt`: each entry names the check, the text its failure reason
//! contains, and the deliberate rule behind it (at most five entries).

use crate::scim_support::{okta_user, ScimApp};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};

/// Test clients deactivate and delete far more than ten people an hour.
pub const GUARD_FLOOR: &str = "[scim.deprovisioning_guard]\nmin_operations = 100000\n";

const ALLOW_LIST: &str = include_str!("../conformance/allow-list.txt");

/// One allow-list entry: `check title | text of the failure reason | why`.
#[derive(Debug)]
struct Allowed {
    title: String,
    reason: String,
    why: String,
}

/// The allow-list; `#` lines are comments.
fn allowed() -> Vec<Allowed> {
    ALLOW_LIST
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut parts = l.splitn(3, " | ").map(|p| p.trim().to_owned());
            Allowed {
                title: parts.next().unwrap_or_default(),
                reason: parts.next().unwrap_or_default(),
                why: parts.next().unwrap_or_default(),
            }
        })
        .collect()
}

/// Runs the checks; the results that did not succeed, as (title, status, reason).
fn failures(base: &str, token: &str, school: &str, manager: &str, mode: &str) -> Vec<Value> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join("target/scim-tools/bin/python");
    assert!(
        python.is_file(),
        "{} is missing: run .ci/install-deps (it installs scim2-tester into target/scim-tools)",
        python.display()
    );
    let mut cmd = Command::new(python);
    cmd.arg(root.join("tests/conformance/scim2_tester_run.py"))
        .arg(base)
        .arg(token)
        .arg(school)
        .arg(manager)
        .arg(mode)
        .stdin(Stdio::null());
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.success(),
        "scim2-tester did not run: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(results.len() > 20, "too few checks ran: {stdout}");
    results
        .into_iter()
        .filter(|r| !matches!(r["status"].as_str(), Some("SUCCESS" | "SKIPPED")))
        .collect()
}

fn unexpected(failed: Vec<Value>) -> Vec<Value> {
    let allowed = allowed();
    failed
        .into_iter()
        .filter(|r| {
            !allowed.iter().any(|a| {
                r["title"].as_str() == Some(a.title.as_str())
                    && r["reason"]
                        .as_str()
                        .is_some_and(|reason| reason.contains(&a.reason))
            })
        })
        .collect()
}

#[test]
fn the_allow_list_is_short_and_every_entry_has_a_reason() {
    let allowed = allowed();
    assert!(allowed.len() <= 5, "{allowed:?}");
    for a in allowed {
        assert!(
            !a.title.is_empty() && !a.reason.is_empty() && a.why.len() > 20,
            "{a:?} must name the check, the failure and the rule behind it"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn scim2_tester_passes_for_a_one_school_and_a_city_wide_client() {
    // The checkers create and delete many people: a floor above their count (the guard's
    // share of a small directory is what `min_operations` is for).
    let app = ScimApp::start_configured(GUARD_FLOOR).await;
    let manager = app
        .create_user(&app.token_a, okta_user(&app.school_a, "Maria", "Kierownik"))
        .await;
    let base = app.base.clone();
    let manager_id = manager.clone();
    // The "city-wide" run uses a client holding both test schools: it must name the school
    // exactly as a city-wide client must, and it sees only this test's people (a city-wide
    // client of the shared test slapd sees every test's, beyond one page, and scim2-tester
    // looks for its resources in the first page of unfiltered lists).
    let (one, city, school) = (
        app.token_a.clone(),
        app.token_ab.clone(),
        app.school_a.clone(),
    );
    let (one_school, city_wide) = tokio::task::spawn_blocking(move || {
        (
            failures(&base, &one, &school, &manager, "one-school"),
            failures(&base, &city, &school, &manager, "city-wide"),
        )
    })
    .await
    .unwrap();
    eprintln!(
        "manager after: {}",
        app.get(&app.token_a, &format!("/Users/{manager_id}"))
            .await
            .status
    );
    let one_school = unexpected(one_school);
    let city_wide = unexpected(city_wide);
    assert!(
        one_school.is_empty() && city_wide.is_empty(),
        "one-school client: {one_school:#?}\ncity-wide client: {city_wide:#?}"
    );
}
