//! The index and fsync experiment: direct adds and the login probe under other slapd
//! configurations (changed offline with `slapmodify -n0`), and adds with fsync off.

use super::*;

impl Ctx {
    /// Direct adds at concurrency 1 and 16, and the login-allocation search at concurrency
    /// 1 as the connector makes it (`ldap::people::logins_like_impl`: the first 16 candidates
    /// by equality, `(|(uid=<base>)(uid=<base>2)…)`), under the current slapd configuration.
    async fn add_costs(&self, label: &str) -> Value {
        self.add_costs_profiled(label, None).await
    }

    /// `add_costs`, with `perf record` of slapd into `perf_out` during the adds only.
    async fn add_costs_profiled(&self, label: &str, perf_out: Option<String>) -> Value {
        let limits = self.limits;
        let profiler = perf_out.map(|out| {
            std::process::Command::new("perf")
                .args(["record", "-F", "999", "-g", "-o", &out, "-p"])
                .arg(self.site.slapd_pid().expect("slapd runs").to_string())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("perf")
        });
        let mut adds = Vec::new();
        for c in [1, 16] {
            let me = self.clone_parts();
            adds.push(
                load::run(c, limits.writes, limits.seconds, move |w, _| {
                    let me = me.clone();
                    async move { me.direct_add(w).await }
                })
                .await,
            );
        }
        if let Some(mut p) = profiler {
            let pid = nix::unistd::Pid::from_raw(p.id() as i32);
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT);
            let _ = p.wait();
        }
        let me = self.clone_parts();
        let uid_search = load::run(1, limits.reads, limits.seconds, move |w, i| {
            let me = me.clone();
            async move {
                let who = &me.known[i % me.known.len()];
                let login = who.dn.split(',').next().unwrap().trim_start_matches("uid=");
                let base: String = login.chars().take_while(|c| !c.is_ascii_digit()).collect();
                let probes: String = (1..=16)
                    .filter_map(|n| zszo_connector::domain::numbered_login(&base, n))
                    .map(|l| format!("(uid={})", ldap3::ldap_escape(l.as_str())))
                    .collect();
                let filter = format!("(&(objectClass=zszoPerson)(|{probes}))");
                let mut ldap = me.direct[w].clone();
                let r = ldap
                    .search(&schools(), Scope::Subtree, &filter, vec!["uid"])
                    .await;
                r.ok().and_then(|r| r.success().ok()).is_some()
            }
        })
        .await;
        json!({"configuration": label, "adds": adds, "login_probe_search": uid_search})
    }
}

const MDB: &str = "dn: olcDatabase={1}mdb,cn=config\nchangetype: modify\n";
/// The attributes that had `eq,sub` before issue 17 (`uid` and the names); today only
/// `displayName` and `zszoSearchName` (`subinitial,subany`) have a substring index. The
/// entries added are today's (one `zszoSearchName` value; two before issue 17), so the
/// "before" row is a little cheaper than the design before issue 17 was.
const SUBSTRING_BEFORE_17: [&str; 6] = [
    "uid",
    "cn",
    "sn",
    "givenName",
    "displayName",
    "zszoSearchName",
];

/// `olcDbIndex` changes from the product's indexes to `eq,sub` on `SUBSTRING_BEFORE_17`.
fn indexes_before_17() -> String {
    let mut change = format!("{MDB}delete: olcDbIndex\n");
    for a in [
        "uid eq",
        "cn eq",
        "sn eq",
        "givenName eq",
        "displayName eq,sub",
        "zszoSearchName subinitial,subany",
    ] {
        change.push_str(&format!("olcDbIndex: {a}\n"));
    }
    change.push_str("-\nadd: olcDbIndex\n");
    for a in SUBSTRING_BEFORE_17 {
        change.push_str(&format!("olcDbIndex: {a} eq,sub\n"));
    }
    change
}

/// What the index and fsync settings cost an add (issue 17's index design against the one
/// before it), and what the login-allocation search costs: the same measurements under four
/// slapd configurations, in this order (each a change of the previous one, made offline,
/// `slapindex` where an index is added).
pub(crate) async fn index_experiment(ctx: &mut Ctx) -> Vec<Value> {
    let mut out = vec![
        ctx.add_costs("product (substring: zszoSearchName, displayName)")
            .await,
    ];
    ctx.site
        .reconfigure_slapd(&indexes_before_17(), &["uid", "cn", "sn", "givenName"]);
    reconnect(ctx).await;
    out.push(
        ctx.add_costs("before issue 17 (eq,sub on uid and 5 names)")
            .await,
    );
    let mut change = format!("{MDB}delete: olcDbIndex\n");
    for a in SUBSTRING_BEFORE_17 {
        change.push_str(&format!("olcDbIndex: {a} eq,sub\n"));
    }
    change.push_str("-\nadd: olcDbIndex\n");
    for a in SUBSTRING_BEFORE_17 {
        change.push_str(&format!("olcDbIndex: {a} eq\n"));
    }
    ctx.site.reconfigure_slapd(&change, &[]);
    reconnect(ctx).await;
    out.push(ctx.add_costs("no substring index at all").await);
    ctx.site.reconfigure_slapd(
        &format!("{MDB}replace: olcDbNoSync\nolcDbNoSync: TRUE\n"),
        &[],
    );
    reconnect(ctx).await;
    out.push(ctx.add_costs("no substring index, no fsync").await);
    out
}

/// What an add costs the product's configuration with fsync off, at every size (issue 17:
/// per add no worse than 1.5× at 100,000 people than at 1,000, fsync aside); fsync is turned
/// back on afterwards, so the index experiment that may follow starts from the product.
pub(crate) async fn without_fsync(ctx: &mut Ctx, size: usize) -> Value {
    let nosync = |on: &str| format!("{MDB}replace: olcDbNoSync\nolcDbNoSync: {on}\n");
    ctx.site.reconfigure_slapd(&nosync("TRUE"), &[]);
    reconnect(ctx).await;
    let perf_out = std::env::var("SCIM_BENCH_SLAPD_PERF")
        .ok()
        .map(|prefix| format!("{prefix}-{size}.data"));
    let costs = ctx.add_costs_profiled("product, no fsync", perf_out).await;
    eprintln!("  {costs}");
    ctx.site.reconfigure_slapd(&nosync("FALSE"), &[]);
    reconnect(ctx).await;
    costs
}

/// Which of the two substring indexes costs an add at this size (`SCIM_BENCH_SUBSTRING_SPLIT=1`,
/// at the last size, instead of the index experiment): with fsync off, each row a change of
/// the previous one (only removals, so no `slapindex`): `zszoSearchName` without `subany`,
/// then `displayName` equality only, then no substring index at all.
pub(crate) async fn substring_split(ctx: &mut Ctx) -> Vec<Value> {
    let index = |delete: &str, add: &str| {
        format!("delete: olcDbIndex\nolcDbIndex: {delete}\n-\nadd: olcDbIndex\nolcDbIndex: {add}\n")
    };
    let steps = [
        (
            "no fsync; zszoSearchName subinitial only, displayName eq,sub",
            format!(
                "{MDB}replace: olcDbNoSync\nolcDbNoSync: TRUE\n-\n{}",
                index(
                    "zszoSearchName subinitial,subany",
                    "zszoSearchName subinitial"
                )
            ),
        ),
        (
            "no fsync; zszoSearchName subinitial only, displayName eq",
            format!("{MDB}{}", index("displayName eq,sub", "displayName eq")),
        ),
        (
            "no fsync; no substring index",
            format!("{MDB}delete: olcDbIndex\nolcDbIndex: zszoSearchName subinitial\n"),
        ),
    ];
    let mut out = Vec::new();
    for (label, change) in steps {
        ctx.site.reconfigure_slapd(&change, &[]);
        reconnect(ctx).await;
        out.push(ctx.add_costs(label).await);
    }
    out
}

async fn reconnect(ctx: &mut Ctx) {
    let mut direct = Vec::new();
    for _ in 0..ctx.direct.len() {
        direct.push(ctx.site.service_connection().await);
    }
    ctx.direct = direct;
}
