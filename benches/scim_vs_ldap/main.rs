//! `cargo bench --bench scim_vs_ldap`: the connector next to the directory's own limit.
//!
//! For each directory size (default 1,000 and 100,000 generated people in 300 schools, loaded
//! offline with `slapadd`), against a private slapd with the product's configuration and the
//! release daemon on loopback, the same operations go through SCIM and directly to slapd with
//! `ldap3` (bound as the daemon's service identity, one connection per worker), at concurrency
//! 1, 16 and 64, each point's two paths in interleaved slices (`load::alternate`: SCIM, direct,
//! direct, SCIM, …) so that the machine's drift during the point falls on both alike:
//! - create: `POST /Users` / an LDAP add of the same entry;
//! - get-eq: `GET /Users?filter=userName eq "…"` / the indexed equality search;
//! - sw: `GET /Users?filter=name.familyName sw "…"&count=20` / the same substring search with
//!   the paged-results control, first page of 20;
//! - patch: `PATCH /Users/{id}` replacing `title` / an LDAP modify replacing `title`.
//!
//! Each path's slices also count the CPU time of the three processes on the machine (the load
//! generator, the daemon, slapd; `cpu.rs`), printed as microseconds per operation: unlike the
//! rates, these move by a few per cent between runs, and they say what each process costs
//! a path's operation.
//!
//! Then account creation from the panel (Argon2id at the configured cost) at one and at ten a
//! second (arrivals at a fixed rate) and flat out, with the p99 of SCIM get-eq at concurrency 1
//! measured idle and during the creations; a storm of SCIM PATCHes with the same get-eq and
//! one panel account creation a second beside it; audit appends
//! per second (fsync, group commit) in-process; the daemon's peak RSS per scenario (`VmHWM`,
//! reset between scenarios through `/proc/<pid>/clear_refs`). Then, at every size, direct adds
//! with slapd's fsync off (the product's indexes), so that the per-add cost at 100,000 people
//! can be set against 1,000 without the disk; at the last size, the index and fsync experiment
//! (adds and the login probe under four slapd configurations). `SCIM_BENCH_INDEX_EXPERIMENT=0`
//! skips both; `SCIM_BENCH_SUBSTRING_SPLIT=1` measures, instead of the index experiment, adds
//! with fsync off as the two substring indexes are taken away one part at a time.
//!
//! Settings (not `ZSZO_…`: the daemon refuses unknown `ZSZO_` variables):
//! `SCIM_BENCH_SIZES` (`1000,100000`), `SCIM_BENCH_SCHOOLS` (300), `SCIM_BENCH_SECONDS` (per
//! point and path, 5), `SCIM_BENCH_ROUNDS` (slices per path in a point, 4; 1 runs SCIM then
//! direct), `SCIM_BENCH_WRITES` (most creations per point and path, 400), `SCIM_BENCH_POOL` (the daemon's
//! `ldap.pool_size`, 8), `SCIM_BENCH_PERF` (a file: `perf record` of the daemon during the first
//! site's SCIM scenarios), `SCIM_BENCH_SCENARIOS` (a comma-separated subset of `create`, `get-eq`,
//! `sw`, `patch`, `accounts`, `storm`; all when unset), `SCIM_BENCH_DAEMON` (the daemon binary to measure,
//! e.g. a build from before a change; this build's when unset), `SCIM_BENCH_SLAPD_PERF` (a
//! path prefix: `perf record` of slapd during the no-fsync adds, one `<prefix>-<size>.data` a
//! size), `SCIM_BENCH_PAGE_CACHE=0` (the daemon's `ldap.page_cache` off: every list page
//! sorted by slapd), `SCIM_BENCH_CALLGRIND` (a folder: instead of the timed scenarios, the
//! daemon's instructions per SCIM request under valgrind's callgrind, `instructions.rs`;
//! output `<target>/scim_vs_ldap.instructions.json`), `SCIM_BENCH_AWAKE=1` (a `SCHED_IDLE`
//! busy loop per core, so that no core halts between operations: `awake.rs`). Output: a table
//! on stdout and `<target>/scim_vs_ldap.json`.

mod audit;
mod awake;
mod cpu;
mod experiment;
mod instructions;
mod load;
mod panel;
#[macro_use]
mod paths;
mod beside;
mod people;
mod report;
mod settings;
mod site;

use experiment::{index_experiment, substring_split, without_fsync};
use ldap3::{Ldap, Mod, Scope, SearchEntry};
use load::Stats;
use paths::{schools, Parts};
use people::{known_people, make_admin, namesake_families};
use report::print_table;
use serde_json::{json, Value};
use settings::{env_usize, first_size, scenario_wanted, sizes, target_dir};
use site::{Site, BASE_DN};
use std::collections::HashSet;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;
use std::time::Duration;
use zszo_connector::citygen::{logins, City, GenPerson};
use zszo_connector::ldap::Layout;

const SEED: u64 = 8;
const CONCURRENCY: [usize; 3] = [1, 16, 64];
const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// Settings of one run.
#[derive(Clone, Copy)]
struct Limits {
    seconds: Duration,
    /// Slices per path in a point (`load::alternate`).
    rounds: usize,
    writes: usize,
    reads: usize,
}

/// A person known to be in the directory: what the scenarios address them by.
#[derive(Clone)]
struct Known {
    user_name: String,
    family_prefix: String,
    dn: String,
    id: String,
}

struct Ctx {
    site: Site,
    http: reqwest::Client,
    /// One connection per worker for the direct path.
    direct: Vec<Ldap>,
    known: Arc<Vec<Known>>,
    /// Templates for new people (names as the city has them).
    templates: Arc<Vec<GenPerson>>,
    layout: Arc<Layout>,
    /// New people get numbers from here, so no two creations collide.
    created: Arc<AtomicUsize>,
    /// People given an account by the panel scenarios so far (`known[1..]` in order).
    accounts_taken: Arc<AtomicUsize>,
    limits: Limits,
}

/// SCIM/direct throughput in each round of interleaved slices (`load::alternate`): how far
/// the machine moved the ratio within the point. Slices run a b b a …, so round `r` pairs
/// SCIM's slice `r` with direct's slice `r`.
fn ratio_by_round(scim: &Stats, direct: &Stats) -> Vec<f64> {
    scim.slice_rates
        .iter()
        .zip(&direct.slice_rates)
        .map(|(s, d)| s / d.max(f64::MIN_POSITIVE))
        .collect()
}

fn point(name: &str, size: usize, scim: &Stats, direct: &Stats) -> Value {
    eprintln!(
        "  SCIM {:.0}/s (p50 {:.2} ms), direct {:.0}/s (p50 {:.2} ms)",
        scim.per_second, scim.p50_ms, direct.per_second, direct.p50_ms
    );
    json!({
        "scenario": name, "people": size, "concurrency": scim.concurrency,
        "scim": scim, "direct": direct,
        "throughput_ratio": scim.per_second / direct.per_second.max(f64::MIN_POSITIVE),
        "p99_ratio": scim.p99_ms / direct.p99_ms.max(f64::MIN_POSITIVE),
        "throughput_ratio_by_round": ratio_by_round(scim, direct),
    })
}

/// One point of a scenario: its SCIM and direct paths (`Parts` methods) measured in
/// interleaved slices (`load::alternate`), each path at most `limits.<total>` operations.
macro_rules! point_of {
    ($ctx:expr, $name:expr, $size:expr, $c:expr, at most $total:ident, $scim:ident vs $direct:ident) => {{
        let ctx = $ctx;
        let limits = ctx.limits;
        let scim = path!(ctx.clone_parts(), $scim);
        let direct = path!(ctx.clone_parts(), $direct);
        let (scim, direct) = load::alternate(
            $c,
            limits.$total,
            limits.seconds,
            limits.rounds,
            scim,
            direct,
        )
        .await;
        point($name, $size, &scim, &direct)
    }};
}

impl Ctx {
    async fn create(&self, size: usize, c: usize) -> Value {
        point_of!(self, "create", size, c, at most writes, scim_create vs direct_create)
    }

    async fn get_eq(&self, size: usize, c: usize) -> Value {
        point_of!(self, "get-eq", size, c, at most reads, scim_get_eq vs direct_get_eq)
    }

    async fn scim_get_eq(&self, c: usize, limit: Duration) -> Stats {
        load::run(
            c,
            self.limits.reads,
            limit,
            path!(self.clone_parts(), scim_get_eq),
        )
        .await
    }

    async fn starts_with(&self, size: usize, c: usize) -> Value {
        point_of!(self, "sw", size, c, at most reads, scim_sw vs direct_sw)
    }

    async fn patch(&self, size: usize, c: usize) -> Value {
        // Time-bound like the reads: a PATCH adds no entry, and 400 of them took 0.1 s.
        point_of!(self, "patch", size, c, at most reads, scim_patch vs direct_patch)
    }

    fn clone_parts(&self) -> Arc<Parts> {
        Arc::new(Parts {
            http: self.http.clone(),
            base: format!("{}/scim/v2", self.site.http),
            token: self.site.token.clone(),
            direct: self.direct.clone(),
            known: self.known.clone(),
            templates: self.templates.clone(),
            layout: self.layout.clone(),
            created: self.created.clone(),
        })
    }
}

async fn bench_site(root: &std::path::Path, size: usize, schools: usize, limits: Limits) -> Value {
    let pool = env_usize("SCIM_BENCH_POOL", 8);
    let city = City::generate(schools, size, SEED);
    eprintln!("[{size}] loading {size} people in {schools} schools…");
    let site = Site::start(root, &format!("site{size}"), &city, pool).await;
    eprintln!("[{size}] slapadd took {:.1} s", site.slapadd_seconds);
    cpu::watch(site.daemon_pid(), site.slapd_pid());
    let layout = Layout::new(BASE_DN).unwrap();
    let known = known_people(&site, &city, &layout, 600).await;
    let mut lmdb = serde_json::Map::new();
    lmdb.insert("loaded".into(), json!(site::mdb_shape(&site)));
    let mut direct = Vec::new();
    for _ in 0..*CONCURRENCY.iter().max().unwrap() {
        direct.push(site.service_connection().await);
    }
    let templates: Vec<GenPerson> = city.people.iter().take(500).cloned().collect();
    let families = namesake_families(&city, &templates);
    let admin = make_admin(&site, &known[0]).await;
    let perf = std::env::var("SCIM_BENCH_PERF")
        .ok()
        .filter(|_| size == first_size());
    let mut ctx = Ctx {
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(128)
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap(),
        site,
        direct,
        known: Arc::new(known),
        templates: Arc::new(templates),
        layout: Arc::new(layout),
        created: Arc::new(AtomicUsize::new(0)),
        accounts_taken: Arc::new(AtomicUsize::new(0)),
        limits,
    };
    if let Some(dir) = instructions::callgrind_dir() {
        let counts = instructions::per_request(&ctx, size, &dir).await;
        let Ctx { site, .. } = ctx;
        site.stop();
        return counts;
    }
    let profiler = perf.map(|out| {
        std::process::Command::new("perf")
            .args(["record", "-F", "1999", "-g", "-o", &out, "-p"])
            .arg(ctx.site.daemon_pid().to_string())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("perf")
    });
    let mut points = Vec::new();
    let mut rss = serde_json::Map::new();
    for scenario in ["create", "get-eq", "sw", "patch"] {
        if !scenario_wanted(scenario) {
            continue;
        }
        ctx.site.reset_peak_rss();
        for c in CONCURRENCY {
            eprintln!("[{size}] {scenario} at concurrency {c}");
            let p = match scenario {
                "create" => ctx.create(size, c).await,
                "get-eq" => ctx.get_eq(size, c).await,
                "sw" => ctx.starts_with(size, c).await,
                _ => ctx.patch(size, c).await,
            };
            points.push(p);
        }
        rss.insert(scenario.into(), json!(ctx.site.peak_rss_kib()));
    }
    if let Some(mut p) = profiler {
        let pid = nix::unistd::Pid::from_raw(p.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT);
        let _ = p.wait();
    }
    let accounts = if scenario_wanted("accounts") {
        ctx.site.reset_peak_rss();
        eprintln!("[{size}] panel account creations");
        let accounts = ctx.accounts(size, (&admin.0, &admin.1), 4).await;
        rss.insert("accounts".into(), json!(ctx.site.peak_rss_kib()));
        accounts
    } else {
        Value::Null
    };
    let storm = if scenario_wanted("storm") {
        eprintln!("[{size}] SCIM GETs during a storm of PATCHes");
        ctx.storm(size, (&admin.0, &admin.1), 64).await
    } else {
        Value::Null
    };
    lmdb.insert("after_scenarios".into(), json!(site::mdb_shape(&ctx.site)));
    eprintln!("[{size}] LMDB: {}", serde_json::Value::Object(lmdb.clone()));
    let experiments = env_usize("SCIM_BENCH_INDEX_EXPERIMENT", 1) == 1;
    let no_fsync = if experiments {
        eprintln!("[{size}] adds without fsync");
        without_fsync(&mut ctx, size).await
    } else {
        Value::Null
    };
    let last = size == *sizes().last().unwrap();
    let experiment = if last && env_usize("SCIM_BENCH_SUBSTRING_SPLIT", 0) == 1 {
        eprintln!("[{size}] substring index split");
        substring_split(&mut ctx).await
    } else if last && experiments {
        eprintln!("[{size}] index and fsync experiment");
        index_experiment(&mut ctx).await
    } else {
        Vec::new()
    };
    // The daemon's own account of the run, kept next to the JSON.
    if let Ok(r) = ctx.http.get(&ctx.site.metrics).send().await {
        let text = r.text().await.unwrap_or_default();
        let _ = std::fs::write(
            target_dir().join(format!("scim_vs_ldap.metrics-{size}.txt")),
            text,
        );
    }
    let slapadd_seconds = ctx.site.slapadd_seconds;
    let Ctx { site, .. } = ctx;
    site.stop();
    json!({"people": size, "schools": schools, "ldap_pool_size": pool, "slapadd_seconds": slapadd_seconds,
           "points": points, "accounts": accounts, "storm": storm, "daemon_peak_rss_kib": rss,
           "index_experiment": experiment, "no_fsync": no_fsync, "lmdb": lmdb, "create_template_families": families})
}

fn main() {
    zszo_connector::slapd::is_installed().expect("slapd is installed");
    let limits = Limits {
        seconds: Duration::from_secs(env_usize("SCIM_BENCH_SECONDS", 5) as u64),
        rounds: env_usize("SCIM_BENCH_ROUNDS", 4),
        writes: env_usize("SCIM_BENCH_WRITES", 400),
        reads: 1_000_000,
    };
    let schools = env_usize("SCIM_BENCH_SCHOOLS", 300);
    let root = tempfile::Builder::new()
        .prefix("zszo-scim-bench-")
        .tempdir()
        .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let _awake = awake::Awake::from_env();
    let load_before = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let mut sites = Vec::new();
    for size in sizes() {
        sites.push(rt.block_on(bench_site(root.path(), size, schools, limits)));
    }
    if instructions::callgrind_dir().is_some() {
        instructions::print(&sites);
        let out = target_dir().join("scim_vs_ldap.instructions.json");
        std::fs::write(&out, serde_json::to_string_pretty(&sites).unwrap()).unwrap();
        println!("written: {}", out.display());
        return;
    }
    eprintln!("audit appends");
    let audit = rt.block_on(audit::audit_appends(root.path(), limits));
    let load_after = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    print_table(&sites, &audit);
    println!(
        "\nload average before: {}after: {}",
        load_before, load_after
    );
    let result = json!({"seed": SEED, "seconds_per_point": limits.seconds.as_secs(),
        "writes_per_point": limits.writes, "sites": sites, "audit_appends": audit,
        "loadavg_before": load_before.trim(), "loadavg_after": load_after.trim()});
    let out = target_dir().join("scim_vs_ldap.json");
    std::fs::write(&out, serde_json::to_string_pretty(&result).unwrap()).unwrap();
    println!("written: {}", out.display());
}
