//! `SCIM_BENCH_CALLGRIND=<folder>`: instructions the daemon executes per SCIM request,
//! counted by valgrind's callgrind, instead of the timed scenarios.
//!
//! Why: on this shared VM the same binary's throughput moves by ±20 % between runs and a
//! point's SCIM/direct ratio by ±0.1 within one run, so a change that saves the daemon 5 % of
//! its CPU cannot be seen in the timed scenarios. An instruction count does not depend on
//! what else the machine does: the same binary and requests give the same count to a fraction
//! of a percent, so a change's before and after (`SCIM_BENCH_DAEMON`) compare exactly.
//!
//! How: the daemon is started under `valgrind --tool=callgrind --instr-atstart=no` (`site.rs`),
//! so it runs uninstrumented until each scenario: a warm-up of requests, then
//! `callgrind_control -i on` and `-z` (instrumentation on, counters zeroed), `REQUESTS`
//! requests one at a time, `-d` (dump) and `-i off`; the dump's total divided by the
//! requests. Every thread of the daemon counts (the runtime's workers, the LDAP connections'
//! tasks, the audit writer); slapd and the load generator do not. Instructions are not time:
//! a cache miss or a system call's wait costs none, so this measures the daemon's own work,
//! not the machine's.

use super::Ctx;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Requests counted per scenario (one at a time).
const REQUESTS: usize = 300;
/// Requests before counting: connections opened, caches and allocator warm.
const WARM_UP: usize = 50;

/// The folder for callgrind's files, when `SCIM_BENCH_CALLGRIND` asks for this mode.
pub fn callgrind_dir() -> Option<PathBuf> {
    std::env::var_os("SCIM_BENCH_CALLGRIND").map(PathBuf::from)
}

/// The daemon's command under callgrind, writing its counts into `dir`.
pub fn under_callgrind(daemon: &str, dir: &Path) -> Command {
    std::fs::create_dir_all(dir).unwrap();
    let mut command = Command::new("valgrind");
    command
        .args(["--tool=callgrind", "--instr-atstart=no"])
        .arg(format!(
            "--callgrind-out-file={}",
            dir.join("callgrind.%p").display()
        ))
        .arg(daemon);
    command
}

fn callgrind_control(args: &[&str], pid: u32) {
    let out = Command::new("callgrind_control")
        .args(args)
        .arg(pid.to_string())
        .output()
        .expect("callgrind_control (Debian's valgrind)");
    assert!(
        out.status.success(),
        "callgrind_control {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The instructions (`Ir`) of the newest dump in `dir`: its `totals:` line.
fn newest_total(dir: &Path) -> u64 {
    let newest = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("callgrind."))
        .max_by_key(|e| e.metadata().and_then(|m| m.modified()).ok())
        .expect("a callgrind dump");
    let text = std::fs::read_to_string(newest.path()).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("totals: "))
        .or_else(|| text.lines().find_map(|l| l.strip_prefix("summary: ")))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .expect("a totals line in the dump")
}

/// Instructions per request of each SCIM scenario, requests one at a time.
pub async fn per_request(ctx: &Ctx, size: usize, dir: &Path) -> Value {
    let pid = ctx.site.daemon_pid();
    let parts = ctx.clone_parts();
    let mut counts = Vec::new();
    for scenario in ["get-eq", "sw", "patch", "create"] {
        if !super::scenario_wanted(scenario) {
            continue;
        }
        let one = |i: usize| {
            let parts = parts.clone();
            async move {
                match scenario {
                    "get-eq" => parts.scim_get_eq(0, i).await,
                    "sw" => parts.scim_sw(0, i).await,
                    "patch" => parts.scim_patch(0, i).await,
                    _ => parts.scim_create(0, i).await,
                }
            }
        };
        for i in 0..WARM_UP {
            assert!(one(i).await, "{scenario} {i} failed during the warm-up");
        }
        callgrind_control(&["-i", "on"], pid);
        callgrind_control(&["-z"], pid);
        for i in WARM_UP..WARM_UP + REQUESTS {
            assert!(one(i).await, "{scenario} {i} failed");
        }
        callgrind_control(&["-d"], pid);
        callgrind_control(&["-i", "off"], pid);
        let total = newest_total(dir);
        let each = total as f64 / REQUESTS as f64;
        eprintln!("[{size}] {scenario}: {each:.0} instructions per request");
        counts.push(
            json!({"scenario": scenario, "requests": REQUESTS, "instructions": total,
                           "per_request": each}),
        );
    }
    json!({"people": size, "instructions": counts})
}

/// The table of [`per_request`]'s results, one row per directory size and scenario.
pub fn print(sites: &[Value]) {
    println!("| people | scenario | daemon instructions per request |");
    println!("| ---: | --- | ---: |");
    for site in sites {
        for c in site["instructions"].as_array().into_iter().flatten() {
            println!(
                "| {} | {} | {:.0} |",
                site["people"],
                c["scenario"].as_str().unwrap_or("?"),
                c["per_request"].as_f64().unwrap_or(f64::NAN)
            );
        }
    }
}
