//! Two slapd providers on loopback replicating each other (OpenLDAP multi-provider): provider
//! 1 created with the data, provider 2 created empty and filled by syncrepl.

use super::{random_password, spec_in};
use crate::cutting_proxy::CuttingProxy;
use crate::replication::CONVERGE;
use std::path::Path;
use std::time::{Duration, Instant};
use zszo_connector::slapd::{self, Replication, SlapdInstance, SlapdSpec};

pub struct ProviderPair {
    pub specs: [SlapdSpec; 2],
    /// `None` while a provider is down (killed by the test).
    pub instances: [Option<SlapdInstance>; 2],
    pub service_password: String,
    pub admin_password: String,
}

impl ProviderPair {
    /// Prepares and starts both providers under `dir` (provider 2 once provider 1 answers).
    pub fn start(dir: &Path) -> Self {
        let ports = [crate::common::free_port(), crate::common::free_port()];
        Self::start_on(dir, ports, format!("ldap://127.0.0.1:{}/", ports[0]))
    }

    /// [`Self::start`] on `ports`, provider 2 replicating from `peer_of_two` (e.g. a proxy in
    /// front of provider 1, to cut replication).
    pub fn start_on(dir: &Path, ports: [u16; 2], peer_of_two: String) -> Self {
        slapd::is_installed().unwrap_or_else(|e| panic!("{e}"));
        let (service_password, admin_password) = (random_password(), random_password());
        let peers = [format!("ldap://127.0.0.1:{}/", ports[1]), peer_of_two];
        let spec = |i: usize| SlapdSpec {
            port: Some(ports[i]),
            replication: Some(Replication {
                server_id: i as u16 + 1,
                peer_url: peers[i].clone(),
                seed: i == 0,
                refresh_fully: false,
            }),
            ..spec_in(
                dir.join(format!("provider{}", i + 1)),
                &service_password,
                &admin_password,
            )
        };
        let specs = [spec(0), spec(1)];
        for s in &specs {
            slapd::prepare(s).unwrap_or_else(|e| panic!("preparing a provider: {e}"));
        }
        let first = slapd::start(&specs[0]).unwrap_or_else(|e| panic!("provider 1: {e}"));
        let second = slapd::start(&specs[1]).unwrap_or_else(|e| panic!("provider 2: {e}"));
        Self {
            specs,
            instances: [Some(first), Some(second)],
            service_password,
            admin_password,
        }
    }

    /// [`Self::start`], provider 2 replicating from provider 1 through a [`CuttingProxy`]
    /// (`down` is a network partition on the replication link), once both hold the same.
    pub async fn start_with_cuttable_replication(dir: &Path) -> (Self, CuttingProxy) {
        let ports = [crate::common::free_port(), crate::common::free_port()];
        let replication = CuttingProxy::start(ports[0]).await;
        let pair = tokio::task::block_in_place(|| {
            let peer = format!("ldap://127.0.0.1:{}/", replication.port);
            Self::start_on(dir, ports, peer)
        });
        converged(&pair, super::BASE_DN, CONVERGE).await;
        (pair, replication)
    }

    /// Provider `i`'s port.
    pub fn port(&self, i: usize) -> u16 {
        self.specs[i].port.expect("fixed port")
    }

    pub fn url(&self, i: usize) -> String {
        format!("ldap://127.0.0.1:{}/", self.port(i))
    }

    /// `ldap.urls` in TOML: provider 1 first.
    pub fn urls_toml(&self) -> String {
        format!("[\"{}\", \"{}\"]", self.url(0), self.url(1))
    }

    pub fn service_dn(&self) -> String {
        slapd::service_dn(super::BASE_DN)
    }

    /// SIGKILL, as a crashed machine: no clean shutdown, connections cut.
    pub fn kill(&mut self, i: usize) {
        use nix::sys::signal::{kill, Signal};
        use nix::unistd::Pid;
        let mut instance = self.instances[i].take().expect("provider is running");
        let pid = instance.pid().expect("slapd pid") as i32;
        kill(Pid::from_raw(pid), Signal::SIGKILL).unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !instance.has_exited() {
            assert!(Instant::now() < deadline, "slapd survived SIGKILL");
            std::thread::sleep(Duration::from_millis(10));
        }
        drop(instance);
    }

    /// A clean stop (SIGTERM, slapd writes its state), as `systemctl stop`.
    pub fn stop(&mut self, i: usize) {
        drop(self.instances[i].take().expect("provider is running"));
    }

    pub fn restart(&mut self, i: usize) {
        assert!(self.instances[i].is_none(), "provider {i} is running");
        self.instances[i] =
            Some(slapd::start(&self.specs[i]).unwrap_or_else(|e| panic!("restart: {e}")));
    }

    /// The repair after provider `i`'s peer crashed under writes (schemas/ldap/README.md
    /// "Two providers"): provider `i` stopped cleanly and started once with its syncrepl
    /// cookie reset, so it compares every entry the peer holds.
    pub fn refresh_fully_from_peer(&mut self, i: usize) {
        self.stop(i);
        let mut spec = self.specs[i].clone();
        if let Some(r) = spec.replication.as_mut() {
            r.refresh_fully = true;
        }
        self.instances[i] = Some(slapd::start(&spec).unwrap_or_else(|e| panic!("refresh: {e}")));
    }
}

/// Every entry below `base` on the directory at `url` as (DN, entryUUID, login), read as the
/// rootdn (sees everything), sorted.
pub async fn snapshot(
    url: &str,
    admin_password: &str,
    base: &str,
) -> Vec<(String, String, String)> {
    let mut ldap = super::connect_admin_at(url, admin_password).await;
    let (entries, _) = ldap
        .search(
            base,
            ldap3::Scope::Subtree,
            "(objectClass=*)",
            vec!["entryUUID", "uid"],
        )
        .await
        .unwrap()
        .success()
        .unwrap();
    let _ = ldap.unbind().await;
    let mut out: Vec<(String, String, String)> = entries
        .into_iter()
        .map(|e| {
            let e = ldap3::SearchEntry::construct(e);
            let first = |a: &str| {
                e.attrs
                    .get(a)
                    .and_then(|v| v.first())
                    .cloned()
                    .unwrap_or_default()
            };
            (e.dn.to_lowercase(), first("entryUUID"), first("uid"))
        })
        .collect();
    out.sort();
    out
}

/// Waits (up to `limit`) until both providers hold the same entries; returns the snapshot.
pub async fn converged(
    pair: &ProviderPair,
    base: &str,
    limit: Duration,
) -> Vec<(String, String, String)> {
    let deadline = Instant::now() + limit;
    loop {
        let one = snapshot(&pair.url(0), &pair.admin_password, base).await;
        let two = snapshot(&pair.url(1), &pair.admin_password, base).await;
        if one == two {
            return one;
        }
        if Instant::now() >= deadline {
            // Name what differs: the counts alone cannot say which write did not travel
            // (a provider killed under writes: `replication_crash.rs`).
            let only = |a: &[(String, String, String)], b: &[(String, String, String)]| {
                a.iter()
                    .filter(|e| !b.contains(e))
                    .cloned()
                    .collect::<Vec<_>>()
            };
            panic!(
                "the providers did not converge: {} vs {} entries; only on provider 1: {:?}; \
                 only on provider 2: {:?}",
                one.len(),
                two.len(),
                only(&one, &two),
                only(&two, &one)
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
