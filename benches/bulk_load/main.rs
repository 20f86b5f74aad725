//! `cargo bench --bench bulk_load`: the time to load a generated city (default 25,000 people
//! in 500 schools) through SCIM Bulk into slapd with the real daemon, next to the time the
//! same slapd configuration takes to `ldapadd` the equivalent LDIF, and the daemon's peak
//! resident memory (`VmHWM`). Everything runs on loopback against fresh private slapd
//! instances; the results are printed as a table and written to `target/bulk_load.json`.
//!
//! A third, smaller run goes through a counting LDAP proxy (`ldap_count`) to measure the LDAP
//! operations per created person; its time is not reported as a result.
//!
//! Sizes (not `ZSZO_…`: the daemon reads every `ZSZO_` variable as configuration and refuses
//! unknown ones): `BULK_LOAD_PEOPLE` (25000), `BULK_LOAD_SCHOOLS` (500), `BULK_LOAD_CHUNK`
//! (operations per bulk request; default the advertised `maxOperations`),
//! `BULK_LOAD_COUNT_PEOPLE` (2000; 0 skips the instrumented run).

mod ldap_count;

use ldap3::{LdapConnAsync, Scope};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use zszo_connector::citygen::{bulk_requests, people_ldif, seed_toml, City};
use zszo_connector::slapd::{self, SlapdInstance, SlapdSpec};

const BIN: &str = env!("CARGO_BIN_EXE_zszo-connector");
const BASE_DN: &str = "dc=zszo,dc=krakow,dc=pl";
const SEED: u64 = 25_000;
/// No step of the benchmark may take longer than this.
const STEP_LIMIT: Duration = Duration::from_secs(1800);

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn password() -> String {
    use rand::distributions::{Alphanumeric, DistString};
    Alphanumeric.sample_string(&mut rand::thread_rng(), 24)
}

/// A fresh slapd with its own data directory, and a daemon configuration for it.
struct Site {
    dir: PathBuf,
    slapd: SlapdInstance,
    admin_pw: String,
    config: PathBuf,
    http_port: u16,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn site(root: &Path, name: &str) -> Site {
    let dir = root.join(name);
    let (service_pw, admin_pw) = (password(), password());
    let spec = SlapdSpec {
        data_dir: dir.join("slapd"),
        port: None,
        base_dn: BASE_DN.to_owned(),
        schema_dir: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/ldap")),
        service_password: service_pw.clone().into(),
        admin_password: admin_pw.clone().into(),
        replication: None,
    };
    slapd::prepare(&spec).expect("prepare slapd");
    let slapd = slapd::start(&spec).expect("start slapd");
    std::fs::write(dir.join("ldap.password"), &service_pw).unwrap();
    let out = Command::new(BIN)
        .args(["audit", "init-key", "--out"])
        .arg(dir.join("audit.key"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", said(&out));
    let http_port = free_port();
    let config = write_config(&dir, http_port, &slapd.url(), &slapd.service_dn());
    Site {
        dir,
        slapd,
        admin_pw,
        config,
        http_port,
    }
}

fn write_config(dir: &Path, port: u16, ldap_url: &str, service_dn: &str) -> PathBuf {
    let p = |name: &str| dir.join(name).display().to_string();
    let text = format!(
        "[server]\nlisten = \"127.0.0.1:{port}\"\npublic_base_url = \"http://127.0.0.1:{port}\"\n\
         request_timeout_secs = 600\n\
         [ldap]\nurl = \"{ldap_url}\"\nbase_dn = \"{BASE_DN}\"\nbind_dn = \"{service_dn}\"\n\
         bind_password_file = \"{}\"\neppn_scope = \"zszo.krakow.pl\"\n\
         [audit]\npath = \"{}\"\nhmac_key_file = \"{}\"\n\
         [mail]\ntransport = \"file\"\nfrom = \"ZSZO <no-reply@zszo.krakow.pl>\"\nfile_dir = \"{}\"\n\
         [scim]\nclients_file = \"{}\"\n[state]\npath = \"{}\"\n",
        p("ldap.password"),
        p("audit.redb"),
        p("audit.key"),
        p("mail"),
        p("scim-clients.toml"),
        p("state.redb"),
    );
    let path = dir.join("zszo.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn said(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn run(args: &[&str], config: &Path) -> Output {
    let out = Command::new(BIN)
        .args(args)
        .arg("--config")
        .arg(config)
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {}", said(&out));
    out
}

/// Bootstraps the city's schools; returns the seconds it took.
fn bootstrap(site: &Site, city: &City) -> f64 {
    let seed = site.dir.join("schools.toml");
    std::fs::write(&seed, seed_toml(city)).unwrap();
    let t = Instant::now();
    run(
        &["bootstrap", "--seed", seed.to_str().unwrap()],
        &site.config,
    );
    t.elapsed().as_secs_f64()
}

/// User + system CPU seconds of a process so far (/proc/<pid>/stat, 100 ticks/s).
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, a)| a).unwrap_or("");
    let f: Vec<u64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    // After ")": state is field 3, utime 14, stime 15 (1-based in proc(5)).
    f.get(11)
        .zip(f.get(12))
        .map_or(0.0, |(u, s)| (u + s) as f64 / 100.0)
}

fn vm_hwm_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

async fn count_people(site: &Site) -> usize {
    let (conn, mut ldap) = LdapConnAsync::new(&site.slapd.url()).await.unwrap();
    ldap3::drive!(conn);
    ldap.simple_bind(&site.slapd.admin_dn(), &site.admin_pw)
        .await
        .unwrap()
        .success()
        .unwrap();
    let (entries, _) = ldap
        .search(
            &format!("ou=placowki,{BASE_DN}"),
            Scope::Subtree,
            "(objectClass=zszoPerson)",
            vec!["1.1"],
        )
        .await
        .unwrap()
        .success()
        .unwrap();
    entries.len()
}

/// `ldapadd` of the city's LDIF as the daemon's service identity, one connection.
async fn ldapadd_run(root: &Path, city: &City) -> Value {
    let site = site(root, "ldapadd");
    let bootstrap_s = bootstrap(&site, city);
    let ldif = site.dir.join("people.ldif");
    std::fs::write(&ldif, people_ldif(city, BASE_DN, "zszo.krakow.pl").unwrap()).unwrap();
    let pid = site.slapd.pid().unwrap();
    let cpu0 = cpu_seconds(pid);
    let t = Instant::now();
    let mut child = Command::new("ldapadd")
        .args([
            "-x",
            "-H",
            &site.slapd.url(),
            "-D",
            &site.slapd.service_dn(),
            "-y",
        ])
        .arg(site.dir.join("ldap.password"))
        .arg("-f")
        .arg(&ldif)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ldapadd (ldap-utils) is installed");
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if t.elapsed() > STEP_LIMIT {
            let _ = child.kill();
            panic!("ldapadd took longer than {STEP_LIMIT:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let seconds = t.elapsed().as_secs_f64();
    assert!(status.success(), "ldapadd failed: {status}");
    let slapd_cpu = cpu_seconds(pid) - cpu0;
    let people = count_people(&site).await;
    assert_eq!(people, city.people.len());
    json!({"seconds": seconds, "people": people, "slapd_cpu_s": slapd_cpu,
           "bootstrap_schools_s": bootstrap_s})
}

/// The daemon loads the city through Bulk; `proxy` puts the counting proxy in between.
async fn connector_run(root: &Path, name: &str, city: &City, proxy: bool) -> Value {
    let mut site = site(root, name);
    let bootstrap_s = bootstrap(&site, city);
    let counts = if proxy {
        let upstream = format!("127.0.0.1:{}", site.slapd.port());
        let (port, counts) = ldap_count::start(upstream).await;
        let url = format!("ldap://127.0.0.1:{port}");
        site.config = write_config(&site.dir, site.http_port, &url, &site.slapd.service_dn());
        Some(counts)
    } else {
        None
    };
    let token = run(
        &["token", "create", "--name", "bench", "--all-schools"],
        &site.config,
    );
    let token = String::from_utf8(token.stdout).unwrap().trim().to_owned();
    let log = std::fs::File::create(site.dir.join("daemon.log")).unwrap();
    let mut daemon = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(&site.config)
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{}", site.http_port);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(600))
        .build()
        .unwrap();
    let ready = Instant::now();
    while !http
        .get(format!("{base}/readyz"))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
    {
        assert!(
            ready.elapsed() < Duration::from_secs(30),
            "daemon not ready"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let spc: Value = http
        .get(format!("{base}/scim/v2/ServiceProviderConfig"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let max_ops = spc["bulk"]["maxOperations"].as_u64().unwrap() as usize;
    let max_payload = spc["bulk"]["maxPayloadSize"].as_u64().unwrap() as usize;
    let chunk = env_usize("BULK_LOAD_CHUNK", max_ops).min(max_ops);
    let requests = bulk_requests(city, chunk, max_payload);
    let (dpid, spid) = (daemon.id(), site.slapd.pid().unwrap());
    let (dcpu0, scpu0) = (cpu_seconds(dpid), cpu_seconds(spid));
    let t = Instant::now();
    let mut failed = 0;
    for r in &requests {
        let answer = http
            .post(format!("{base}/scim/v2/Bulk"))
            .bearer_auth(&token)
            .header("Content-Type", "application/scim+json")
            .body(r.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), 200, "bulk request refused");
        let body: Value = answer.json().await.unwrap();
        failed += body["Operations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|op| !op["status"].to_string().trim_matches('"').starts_with('2'))
            .count();
        assert!(t.elapsed() < STEP_LIMIT, "the load took too long");
    }
    let seconds = t.elapsed().as_secs_f64();
    let (dcpu, scpu) = (cpu_seconds(dpid) - dcpu0, cpu_seconds(spid) - scpu0);
    let peak_kib = vm_hwm_kib(dpid);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(dpid as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let _ = daemon.wait();
    let people = count_people(&site).await;
    let audit = run(&["audit", "export", "--format", "jsonl"], &site.config);
    let created = String::from_utf8_lossy(&audit.stdout)
        .lines()
        .filter(|l| l.contains("\"person.created\""))
        .count();
    let counts = counts.map(|c| json!(c.lock().unwrap().clone()));
    json!({"seconds": seconds, "people": people, "failed_operations": failed,
           "bulk_requests": requests.len(), "operations_per_request": chunk,
           "daemon_peak_rss_kib": peak_kib, "daemon_cpu_s": dcpu, "slapd_cpu_s": scpu,
           "person_created_records": created, "bootstrap_schools_s": bootstrap_s,
           "ldap_operations": counts})
}

fn main() {
    let people = env_usize("BULK_LOAD_PEOPLE", 25_000);
    let schools = env_usize("BULK_LOAD_SCHOOLS", 500);
    let count_people = env_usize("BULK_LOAD_COUNT_PEOPLE", 2_000);
    slapd::is_installed().expect("slapd is installed");
    let root = tempfile::Builder::new()
        .prefix("zszo-bench-")
        .tempdir()
        .unwrap();
    let city = City::generate(schools, people, SEED);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let ldapadd = rt.block_on(ldapadd_run(root.path(), &city));
    eprintln!("ldapadd: {ldapadd}");
    let connector = rt.block_on(connector_run(root.path(), "connector", &city, false));
    eprintln!("connector: {connector}");
    let instrumented = (count_people > 0).then(|| {
        let small = City::generate((schools / 12).max(1), count_people, SEED);
        rt.block_on(connector_run(root.path(), "counted", &small, true))
    });
    let (b, l) = (
        connector["seconds"].as_f64().unwrap(),
        ldapadd["seconds"].as_f64().unwrap(),
    );
    println!("\nbulk_load: {people} people in {schools} schools (seed {SEED})\n");
    println!("| load | seconds | people/s | slapd CPU s | daemon CPU s |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    println!(
        "| SCIM Bulk through the daemon | {b:.1} | {:.0} | {:.1} | {:.1} |",
        people as f64 / b,
        connector["slapd_cpu_s"].as_f64().unwrap(),
        connector["daemon_cpu_s"].as_f64().unwrap()
    );
    println!(
        "| ldapadd of the equivalent LDIF | {l:.1} | {:.0} | {:.1} | – |",
        people as f64 / l,
        ldapadd["slapd_cpu_s"].as_f64().unwrap()
    );
    println!("\nratio Bulk / ldapadd: {:.2}", b / l);
    println!(
        "daemon peak RSS (VmHWM): {:.1} MiB",
        connector["daemon_peak_rss_kib"].as_f64().unwrap() / 1024.0
    );
    if let Some(i) = &instrumented {
        println!(
            "LDAP operations for {count_people} people: {}",
            i["ldap_operations"]
        );
    }
    let result = json!({"people": people, "schools": schools, "seed": SEED,
        "ratio_bulk_over_ldapadd": b / l, "bulk": connector, "ldapadd": ldapadd,
        "instrumented": instrumented});
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target")));
    let _ = std::fs::create_dir_all(&target);
    let out = target.join("bulk_load.json");
    std::fs::write(&out, serde_json::to_string_pretty(&result).unwrap()).unwrap();
    println!("written: {}", out.display());
}
