//! The run's settings read from the environment (`SCIM_BENCH_*`; the list is in `main.rs`).

use std::path::PathBuf;

pub(crate) fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `SCIM_BENCH_SCENARIOS` (e.g. `get-eq,patch,accounts`): only these; all when unset.
pub(crate) fn scenario_wanted(name: &str) -> bool {
    std::env::var("SCIM_BENCH_SCENARIOS")
        .map(|list| list.split(',').any(|s| s.trim() == name))
        .unwrap_or(true)
}

pub(crate) fn first_size() -> usize {
    sizes()[0]
}

pub(crate) fn sizes() -> Vec<usize> {
    std::env::var("SCIM_BENCH_SIZES")
        .unwrap_or_else(|_| "1000,100000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

pub(crate) fn target_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target")));
    let _ = std::fs::create_dir_all(&target);
    target
}
