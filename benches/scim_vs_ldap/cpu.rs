//! The CPU time each process of the machine's three spends on a slice of load: the load
//! generator (this process), the daemon and slapd, from `/proc/<pid>/stat`. On two shared
//! cores a path's throughput is bound by the sum of what its operations cost all three, so
//! the per-operation split says how much of a SCIM/direct gap the daemon could close at all.

use std::sync::Mutex;

static WATCHED: Mutex<[Option<u32>; 3]> = Mutex::new([None; 3]);

/// Measures the daemon `daemon` and slapd `slapd` (with this process) from now on: a site's
/// processes, set when it starts.
pub fn watch(daemon: u32, slapd: Option<u32>) {
    *WATCHED.lock().unwrap() = [Some(std::process::id()), Some(daemon), slapd];
}

/// Each watched process's CPU time so far (load generator, daemon, slapd), seconds (user and
/// system, every thread); 0 for one not watched or gone.
pub fn seconds() -> [f64; 3] {
    let watched = *WATCHED.lock().unwrap();
    watched.map(|pid| pid.and_then(cpu_seconds).unwrap_or(0.0))
}

/// `utime + stime` of `/proc/<pid>/stat` (fields 14 and 15, after the parenthesised name,
/// which may itself hold spaces) in seconds.
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 2..];
    let mut fields = after_name.split_ascii_whitespace().skip(11);
    let user: f64 = fields.next()?.parse().ok()?;
    let system: f64 = fields.next()?.parse().ok()?;
    Some((user + system) / ticks_per_second())
}

/// The unit of `/proc/<pid>/stat`'s times: `USER_HZ`, which Linux fixes at 100 for user space
/// on every architecture this runs on (whatever the kernel's own tick rate).
fn ticks_per_second() -> f64 {
    100.0
}
