//! The replication bench (ignored): create throughput with one and two providers, and the
//! time to fail over through a SIGKILL.

use super::*;

/// A daemon over `urls` (TOML list) for the bench below.
async fn bench_daemon(
    dir: &std::path::Path,
    urls: &str,
    first: &str,
    service_dn: &str,
    password: &str,
) -> (std::sync::Arc<crate::scim_backpressure::Daemon>, String) {
    std::fs::create_dir_all(dir).unwrap();
    let toml = common::config_toml(dir, first, service_dn, password, "http://127.0.0.1", "")
        .replace(&format!("url = \"{first}\""), &format!("urls = {urls}"));
    let school = common::unique_school_code();
    let d = crate::scim_backpressure::daemon_from_toml(dir, &toml, &school).await;
    (std::sync::Arc::new(d), school)
}

fn quantile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

/// BENCHMARKS.md "Replication": create throughput with one provider and with two, and the
/// time to fail over (the longest create of a stream through a SIGKILL, over several runs).
/// Prints; asserts nothing about time. `cargo test --test integration replication_bench --
/// --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "a measurement for BENCHMARKS.md, not a check"]
async fn replication_bench() {
    let (n, workers, runs) = (300, 8, 7);
    let dir = tempfile::tempdir().unwrap();

    let (_, single, service_pw, _) = common::private_slapd(dir.path().join("single"));
    let url = single.url();
    let (d, school) = bench_daemon(
        &dir.path().join("d-single"),
        &format!("[\"{url}\"]"),
        &url,
        &single.service_dn(),
        &service_pw,
    )
    .await;
    let start = std::time::Instant::now();
    create_stream(&d, &school, "one", n, workers, |_| true).await;
    let one = n as f64 / start.elapsed().as_secs_f64();
    drop(single);

    let pair = ProviderPair::start(&dir.path().join("pair"));
    let (d, school) = bench_daemon(
        &dir.path().join("d-pair"),
        &pair.urls_toml(),
        &pair.url(0),
        &pair.service_dn(),
        &pair.service_password,
    )
    .await;
    let start = std::time::Instant::now();
    create_stream(&d, &school, "two", n, workers, |_| true).await;
    let two = n as f64 / start.elapsed().as_secs_f64();
    converged(&pair, common::BASE_DN, CONVERGE).await;
    drop(pair);
    eprintln!("BENCH create_throughput one_provider={one:.0}/s two_providers={two:.0}/s ({n} creates, {workers} clients)");

    let mut longest = Vec::new();
    for run in 0..runs {
        let mut pair = ProviderPair::start(&dir.path().join(format!("failover{run}")));
        let (d, school) = bench_daemon(
            &dir.path().join(format!("d-failover{run}")),
            &pair.urls_toml(),
            &pair.url(0),
            &pair.service_dn(),
            &pair.service_password,
        )
        .await;
        let mut killed = false;
        let results = create_stream(&d, &school, "f", 80, workers, |done| {
            if done >= 30 && !killed {
                tokio::task::block_in_place(|| pair.kill(0));
                killed = true;
            }
            killed
        })
        .await;
        let worst = results.iter().map(|r| r.elapsed).max().unwrap();
        let retried = results.iter().filter(|r| r.attempts > 1).count();
        eprintln!(
            "BENCH failover run {run}: longest create {} ms, {retried} creates retried",
            worst.as_millis()
        );
        longest.push(worst);
    }
    longest.sort();
    eprintln!(
        "BENCH failover longest-create p50={} ms p99={} ms over {runs} runs",
        quantile(&longest, 0.5).as_millis(),
        quantile(&longest, 0.99).as_millis()
    );
}
