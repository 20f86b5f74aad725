//! `SCIM_BENCH_AWAKE=1`: keeps every core from going idle while the bench runs, with one busy
//! loop per core under `SCHED_IDLE` (which any other task preempts at once, so it takes no
//! time from the daemon, slapd or the load generator).
//!
//! Why: on a virtual machine whose guest halts its idle cores (this one: a Firecracker guest,
//! cpuidle driver `none`), every wake-up of a halted core costs a trip through the
//! hypervisor. A path that leaves cores idle between its steps (the SCIM path's writes, which
//! wait on slapd's one writer) pays that trip several times per operation; the direct path,
//! which keeps slapd busy, rarely does. A server on bare metal, or a guest with the
//! `haltpoll` cpuidle driver, pays far less. BENCHMARKS.md, issue 17's eleventh round.

use std::process::{Child, Command, Stdio};

/// The busy loops, stopped when dropped.
pub struct Awake(Vec<Child>);

impl Awake {
    /// One loop per core when `SCIM_BENCH_AWAKE=1`, none otherwise.
    pub fn from_env() -> Self {
        if std::env::var("SCIM_BENCH_AWAKE").is_ok_and(|v| v == "1") {
            let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
            let loops = (0..cores)
                .map(|_| {
                    Command::new("chrt")
                        .args(["--idle", "0", "sh", "-c", "while :; do :; done"])
                        .stdin(Stdio::null())
                        .spawn()
                        .expect("chrt (util-linux) runs a busy loop under SCHED_IDLE")
                })
                .collect();
            Self(loops)
        } else {
            Self(Vec::new())
        }
    }
}

impl Drop for Awake {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
