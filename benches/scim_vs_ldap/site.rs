//! One benchmark site: a private slapd with the product's configuration, loaded offline with
//! `slapadd` (fast even for 100,000 people), and the release daemon serving on loopback.

use ldap3::{Ldap, LdapConnAsync};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
use zszo_connector::citygen::{people_ldif, seed_toml, City};
use zszo_connector::slapd::{self, SlapdInstance, SlapdSpec};

pub const BIN: &str = env!("CARGO_BIN_EXE_zszo-connector");

/// The daemon to measure: `SCIM_BENCH_DAEMON` (another build, e.g. before a change, to compare
/// in one session), else this build's.
fn daemon_binary() -> String {
    std::env::var("SCIM_BENCH_DAEMON").unwrap_or_else(|_| BIN.to_owned())
}
pub const BASE_DN: &str = "dc=zszo,dc=krakow,dc=pl";
pub const EPPN: &str = "zszo.krakow.pl";

pub fn password() -> String {
    use rand::distributions::{Alphanumeric, DistString};
    Alphanumeric.sample_string(&mut rand::thread_rng(), 24)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn said(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

pub struct Site {
    pub dir: PathBuf,
    pub spec: SlapdSpec,
    slapd: Option<SlapdInstance>,
    pub service_pw: String,
    pub http: String,
    /// The daemon's `GET /metrics` (`server.metrics_listen`).
    pub metrics: String,
    pub token: String,
    pub daemon: Child,
    /// Seconds `slapadd` took for the people.
    pub slapadd_seconds: f64,
}

impl Site {
    /// Prepares slapd, bootstraps the city's schools through the daemon's CLI, loads the
    /// people offline with `slapadd -q`, restarts slapd and starts the daemon.
    pub async fn start(root: &Path, name: &str, city: &City, pool_size: usize) -> Site {
        let dir = root.join(name);
        let (service_pw, admin_pw) = (password(), password());
        let spec = SlapdSpec {
            data_dir: dir.join("slapd"),
            port: Some(free_port()),
            base_dn: BASE_DN.to_owned(),
            schema_dir: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/ldap")),
            service_password: service_pw.clone().into(),
            admin_password: admin_pw.into(),
            replication: None,
        };
        slapd::prepare(&spec).expect("prepare slapd");
        let slapd = slapd::start(&spec).expect("start slapd");
        std::fs::write(dir.join("ldap.password"), &service_pw).unwrap();
        run(
            &["audit", "init-key", "--out", path(&dir.join("audit.key"))],
            None,
        );
        let (port, metrics_port) = (free_port(), free_port());
        let config = write_config(&dir, port, metrics_port, &slapd, pool_size);
        let seed = dir.join("schools.toml");
        std::fs::write(&seed, seed_toml(city)).unwrap();
        run(&["bootstrap", "--seed", path(&seed)], Some(&config));

        let ldif = dir.join("people.ldif");
        std::fs::write(&ldif, people_ldif(city, BASE_DN, EPPN).unwrap()).unwrap();
        slapd.stop().expect("stop slapd for slapadd");
        let t = Instant::now();
        let out = Command::new("/usr/sbin/slapadd")
            .args(["-q", "-n1", "-F"])
            .arg(spec.data_dir.join("slapd.d"))
            .arg("-l")
            .arg(&ldif)
            .output()
            .expect("slapadd");
        assert!(out.status.success(), "slapadd: {}", said(&out));
        let slapadd_seconds = t.elapsed().as_secs_f64();
        let _ = std::fs::remove_file(&ldif);
        let slapd = slapd::start(&spec).expect("restart slapd");

        let token = run(
            &["token", "create", "--name", "bench", "--all-schools"],
            Some(&config),
        );
        let token = String::from_utf8(token.stdout).unwrap().trim().to_owned();
        let log = std::fs::File::create(dir.join("daemon.log")).unwrap();
        let mut daemon = match crate::instructions::callgrind_dir() {
            Some(dir) => crate::instructions::under_callgrind(&daemon_binary(), &dir),
            None => Command::new(daemon_binary()),
        };
        let daemon = daemon
            .args(["serve", "--config"])
            .arg(&config)
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        let site = Site {
            dir,
            spec,
            slapd: Some(slapd),
            service_pw,
            http: format!("http://127.0.0.1:{port}"),
            metrics: format!("http://127.0.0.1:{metrics_port}/metrics"),
            token,
            daemon,
            slapadd_seconds,
        };
        site.wait_ready().await;
        site
    }

    async fn wait_ready(&self) {
        let client = reqwest::Client::new();
        let t = Instant::now();
        while !client
            .get(format!("{}/readyz", self.http))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            // Under callgrind (`instructions.rs`) the daemon starts several times slower.
            assert!(t.elapsed() < Duration::from_secs(180), "daemon not ready");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A connection bound as the daemon's own service identity (same ACLs, same limits).
    pub async fn service_connection(&self) -> Ldap {
        let (conn, mut ldap) = LdapConnAsync::new(&self.slapd().url()).await.unwrap();
        ldap3::drive!(conn);
        ldap.simple_bind(&self.slapd().service_dn(), &self.service_pw)
            .await
            .unwrap()
            .success()
            .unwrap();
        ldap
    }

    fn slapd(&self) -> &SlapdInstance {
        self.slapd.as_ref().expect("slapd runs")
    }

    /// Stops slapd, applies `changes` (LDIF change records) to `cn=config` with
    /// `slapmodify -n0`, runs `slapindex` for `reindex` attributes, starts slapd again.
    pub fn reconfigure_slapd(&mut self, changes: &str, reindex: &[&str]) {
        self.slapd.take().unwrap().stop().expect("stop slapd");
        let config = self.spec.data_dir.join("slapd.d");
        let file = self.dir.join("config-change.ldif");
        std::fs::write(&file, changes).unwrap();
        let out = Command::new("/usr/sbin/slapmodify")
            .args(["-n0", "-F"])
            .arg(&config)
            .arg("-l")
            .arg(&file)
            .output()
            .expect("slapmodify");
        assert!(out.status.success(), "slapmodify: {}", said(&out));
        if !reindex.is_empty() {
            let out = Command::new("/usr/sbin/slapindex")
                .args(["-q", "-n1", "-F"])
                .arg(&config)
                .args(reindex)
                .output()
                .expect("slapindex");
            assert!(out.status.success(), "slapindex: {}", said(&out));
        }
        self.slapd = Some(slapd::start(&self.spec).expect("restart slapd"));
    }

    pub fn slapd_pid(&self) -> Option<u32> {
        self.slapd().pid()
    }

    pub fn daemon_pid(&self) -> u32 {
        self.daemon.id()
    }

    /// Resets the daemon's peak resident memory (`VmHWM`) so the next reading is per scenario.
    pub fn reset_peak_rss(&self) {
        let _ = std::fs::write(format!("/proc/{}/clear_refs", self.daemon_pid()), "5");
    }

    pub fn peak_rss_kib(&self) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.daemon_pid())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM")
    }

    /// SIGTERM (graceful shutdown) and wait; stops slapd.
    pub fn stop(mut self) {
        let pid = nix::unistd::Pid::from_raw(self.daemon.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let _ = self.daemon.wait();
        if let Some(s) = self.slapd.take() {
            let _ = s.stop();
        }
    }
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

pub fn run(args: &[&str], config: Option<&Path>) -> Output {
    let mut cmd = Command::new(daemon_binary());
    cmd.args(args);
    if let Some(c) = config {
        cmd.arg("--config").arg(c);
    }
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", said(&out));
    out
}

fn write_config(
    dir: &Path,
    port: u16,
    metrics_port: u16,
    slapd: &SlapdInstance,
    pool_size: usize,
) -> PathBuf {
    let p = |name: &str| dir.join(name).display().to_string();
    // No second factor for the panel: the accounts scenario signs in with a password only
    // (with the default, every panel request went to the enrolment page and no account was
    // created) and measures the account creations themselves.
    let text = format!(
        "[server]\nlisten = \"127.0.0.1:{port}\"\npublic_base_url = \"http://127.0.0.1:{port}\"\n\
         metrics_listen = \"127.0.0.1:{metrics_port}\"\nrequest_timeout_secs = 120\n\
         [log]\nlevel = \"warn\"\n\
         [ldap]\nurl = \"{url}\"\nbase_dn = \"{BASE_DN}\"\nbind_dn = \"{dn}\"\n\
         bind_password_file = \"{}\"\neppn_scope = \"{EPPN}\"\npool_size = {pool_size}\n\
         page_cache = {page_cache}\n\
         [audit]\npath = \"{}\"\nhmac_key_file = \"{}\"\n\
         [mail]\ntransport = \"file\"\nfrom = \"ZSZO <no-reply@zszo.krakow.pl>\"\nfile_dir = \"{}\"\n\
         [scim]\nclients_file = \"{}\"\n[state]\npath = \"{}\"\n\
         [panel]\nrequire_second_factor = false\n",
        p("ldap.password"),
        p("audit.redb"),
        p("audit.key"),
        p("mail"),
        p("scim-clients.toml"),
        p("state.redb"),
        url = slapd.url(),
        dn = slapd.service_dn(),
        // `SCIM_BENCH_PAGE_CACHE=0`: every list page sorted by slapd, as before the cache.
        page_cache = std::env::var("SCIM_BENCH_PAGE_CACHE").map_or(true, |v| v != "0"),
    );
    let path = dir.join("zszo.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// The shape of slapd's LMDB file as `mdb_stat` (Debian's `lmdb-utils`) reads it: pages in
/// use and free, and the entries' overflow pages (an entry too large for half a page takes a
/// run of contiguous pages, which a fragmented free list makes slow to find). `None` when
/// `mdb_stat` is not installed.
pub fn mdb_shape(site: &Site) -> Option<serde_json::Value> {
    let db = site.spec.data_dir.join("db");
    let out = Command::new("mdb_stat")
        .args(["-ef", "-s", "id2e"])
        .arg(&db)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let number = |label: &str| -> Vec<u64> {
        text.lines()
            .filter_map(|l| l.trim().strip_prefix(label))
            .filter_map(|v| v.trim().parse().ok())
            .collect()
    };
    Some(serde_json::json!({
        "pages_used": number("Number of pages used:").first(),
        "free_pages": number("Free pages:").first(),
        "freelist_entries": number("Entries:").first(),
        "entry_leaf_pages": number("Leaf pages:").last(),
        "entry_overflow_pages": number("Overflow pages:").last(),
        "entries": number("Entries:").last(),
    }))
}
