//! Running slapd: start it on loopback (foreground, no fork), wait until it accepts a bind,
//! keep an orphan-safe watchdog, stop it (SIGTERM, then SIGKILL).

use super::*;

// ---------------------------------------------------------------------------------------------
// start / stop

/// A running slapd. Dropping it stops slapd (as [`SlapdInstance::stop`] does).
#[derive(Debug)]
pub struct SlapdInstance {
    port: u16,
    base_dn: String,
    slapd: Option<Child>,
    watchdog: Option<Watchdog>,
}

/// `sh -c 'read; kill -TERM <slapd>'`: its stdin is a pipe only we write to.
#[derive(Debug)]
struct Watchdog {
    child: Child,
    _pipe: ChildStdin,
}

impl Watchdog {
    fn spawn(pid: u32) -> std::io::Result<Self> {
        let mut child = Command::new("/bin/sh")
            .arg("-c")
            .arg("read -r _line; kill -TERM \"$1\" 2>/dev/null")
            .arg("zszo-slapd-watchdog")
            .arg(pid.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let pipe = child.stdin.take().expect("stdin is piped");
        Ok(Self { child, _pipe: pipe })
    }

    /// Ends the watchdog without letting it signal anything (slapd's pid may be reused once
    /// we have reaped slapd).
    fn disarm(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SlapdInstance {
    pub fn url(&self) -> String {
        format!("ldap://127.0.0.1:{}/", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn base_dn(&self) -> &str {
        &self.base_dn
    }

    pub fn service_dn(&self) -> String {
        service_dn(&self.base_dn)
    }

    pub fn admin_dn(&self) -> String {
        admin_dn(&self.base_dn)
    }

    /// The process id of slapd (for diagnostics).
    pub fn pid(&self) -> Option<u32> {
        self.slapd.as_ref().map(Child::id)
    }

    /// Whether slapd has exited (crashed or was killed) since it started.
    pub fn has_exited(&mut self) -> bool {
        match self.slapd.as_mut() {
            Some(child) => !matches!(child.try_wait(), Ok(None)),
            None => true,
        }
    }

    /// `SIGTERM`, wait up to 10 s, then `SIGKILL`.
    pub fn stop(mut self) -> Result<(), SlapdError> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<(), SlapdError> {
        if let Some(w) = self.watchdog.take() {
            w.disarm();
        }
        let Some(mut child) = self.slapd.take() else {
            return Ok(());
        };
        if child.try_wait().ok().flatten().is_some() {
            return Ok(());
        }
        terminate(&child);
        let deadline = Instant::now() + STOP_TIMEOUT;
        while Instant::now() < deadline {
            match child.try_wait() {
                Ok(Some(_)) => return Ok(()),
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(e) => return Err(SlapdError::Stop(e.to_string())),
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        Err(SlapdError::Stop(format!(
            "slapd did not stop within {} s of SIGTERM; killed",
            STOP_TIMEOUT.as_secs()
        )))
    }
}

impl Drop for SlapdInstance {
    fn drop(&mut self) {
        if let Err(e) = self.shutdown() {
            tracing::warn!(error = %e, "stopping slapd");
        }
    }
}

fn terminate(child: &Child) {
    use nix::sys::signal::{kill, Signal};
    use nix::unistd::Pid;
    if let Ok(pid) = i32::try_from(child.id()) {
        let _ = kill(Pid::from_raw(pid), Signal::SIGTERM);
    }
}

fn free_loopback_port() -> Result<u16, SlapdError> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(io_err("cannot bind", Path::new("127.0.0.1:0")))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(io_err("cannot bind", Path::new("127.0.0.1:0")))
}

/// Starts slapd in the foreground (`-d none`, no fork) on `ldap://127.0.0.1:PORT/` and waits
/// (up to 10 s) until the service identity can bind. [`prepare`] must have run.
pub fn start(spec: &SlapdSpec) -> Result<SlapdInstance, SlapdError> {
    let tools = tools()?;
    validate_base_dn(&spec.base_dn)?;
    let data_dir = absolute(&spec.data_dir)?;
    let config_dir = slapd_d(&data_dir);
    if !config_dir.is_dir() {
        return Err(SlapdError::InvalidSpec(format!(
            "{} does not exist: call prepare first",
            config_dir.display()
        )));
    }
    // A port we picked can be taken by someone else before slapd binds it: try again.
    let attempts = if spec.port.is_some() { 1 } else { 3 };
    let mut last = None;
    for _ in 0..attempts {
        let port = match spec.port {
            Some(p) => p,
            None => free_loopback_port()?,
        };
        match start_on(&tools, spec, &data_dir, &config_dir, port) {
            Ok(instance) => return Ok(instance),
            Err(e @ SlapdError::PortTaken { .. }) => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.expect("at least one attempt"))
}

fn start_on(
    tools: &Tools,
    spec: &SlapdSpec,
    data_dir: &Path,
    config_dir: &Path,
    port: u16,
) -> Result<SlapdInstance, SlapdError> {
    let log_path = data_dir.join("slapd.log");
    let log = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .map_err(io_err("cannot open", &log_path))?;
    let log_start = log
        .metadata()
        .map(|m| m.len())
        .map_err(io_err("cannot open", &log_path))?;
    let log_err = log.try_clone().map_err(io_err("cannot open", &log_path))?;
    let url = format!("ldap://127.0.0.1:{port}/");
    // A server already answering there would pass the readiness bind below for ours.
    if !ownership::port_is_free(port) {
        return Err(SlapdError::PortTaken { port });
    }
    let mut command = Command::new(&tools.slapd);
    // `-d 0` would also keep slapd in the foreground but silences even fatal errors;
    // `none` prints only those (and a few per-operation errors) to the log file.
    command
        .arg("-d")
        .arg("none")
        .arg("-F")
        .arg(config_dir)
        .arg("-h")
        .arg(&url);
    if let Some(r) = spec.replication.as_ref().filter(|r| r.refresh_fully) {
        // A cookie with no CSN: the consumer's first refresh is a full one (slapd(8) `-c`).
        command.arg("-c").arg(format!("rid={:03}", r.peer_rid()));
    }
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::from(log))
        .stderr(Stdio::from(log_err))
        .spawn()
        .map_err(|e| SlapdError::Start {
            reason: format!("cannot run {}: {e}", tools.slapd.display()),
            log_tail: String::new(),
        })?;
    let pid = child.id();
    let mut instance = SlapdInstance {
        port,
        base_dn: spec.base_dn.clone(),
        slapd: Some(child),
        watchdog: None,
    };
    match Watchdog::spawn(pid) {
        Ok(w) => instance.watchdog = Some(w),
        Err(e) => {
            let _ = instance.shutdown();
            return Err(SlapdError::Start {
                reason: format!("cannot run the watchdog /bin/sh: {e}"),
                log_tail: String::new(),
            });
        }
    }
    let failure = |reason: String| SlapdError::Start {
        reason,
        log_tail: read_log_tail(&log_path, log_start),
    };
    let service = service_dn(&spec.base_dn);
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        let exited = instance
            .slapd
            .as_mut()
            .and_then(|c| c.try_wait().ok().flatten());
        if let Some(status) = exited {
            instance.slapd = None;
            let _ = instance.shutdown();
            if !ownership::port_is_free(port) {
                // Another process took the port between our check and slapd's bind.
                return Err(SlapdError::PortTaken { port });
            }
            return Err(failure(format!("slapd exited ({status})")));
        }
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            match probe_bind(&url, &service, spec.service_password.expose_secret()) {
                // The bind answered: only ours if our slapd holds the listening socket.
                Ok(()) if ownership::holds_listener(pid, port) => return Ok(instance),
                Ok(()) => {
                    let _ = instance.shutdown();
                    return Err(SlapdError::PortTaken { port });
                }
                // A provider created empty has no service entry until syncrepl brings it.
                Err(Probe::Refused(_)) if spec.replication.as_ref().is_some_and(|r| !r.seed) => {}
                Err(Probe::Refused(rc)) => {
                    let _ = instance.shutdown();
                    return Err(failure(format!(
                        "slapd is up but refused the service identity {service} (result {rc}); \
                         was the data directory created with another password?"
                    )));
                }
                Err(Probe::NotYet(_)) => {}
            }
        }
        if Instant::now() >= deadline {
            let _ = instance.shutdown();
            return Err(failure(format!(
                "no successful bind on {url} within {} s",
                START_TIMEOUT.as_secs()
            )));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn read_log_tail(path: &Path, from: u64) -> String {
    let Ok(mut f) = fs::File::open(path) else {
        return String::new();
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let start = from.max(len.saturating_sub(LOG_TAIL_BYTES));
    let mut buf = Vec::new();
    if f.seek(SeekFrom::Start(start)).is_ok() {
        let _ = f.read_to_end(&mut buf);
    }
    String::from_utf8_lossy(&buf).trim_end().to_owned()
}

enum Probe {
    /// The server answered the bind with this result code.
    Refused(u32),
    /// Not reachable or not ready yet.
    NotYet(#[allow(dead_code)] String),
}

/// One simple bind with ldap3, on a private single-threaded runtime in its own thread (so it
/// works whether or not the caller is inside a tokio runtime).
fn probe_bind(url: &str, dn: &str, password: &str) -> Result<(), Probe> {
    let (url, dn, password) = (url.to_owned(), dn.to_owned(), password.to_owned());
    let worker = std::thread::spawn(move || -> Result<(), Probe> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Probe::NotYet(e.to_string()))?;
        rt.block_on(async move {
            let settings = ldap3::LdapConnSettings::new().set_conn_timeout(Duration::from_secs(2));
            let (conn, mut ldap) = ldap3::LdapConnAsync::with_settings(settings, &url)
                .await
                .map_err(|e| Probe::NotYet(e.to_string()))?;
            ldap3::drive!(conn);
            let result =
                tokio::time::timeout(Duration::from_secs(2), ldap.simple_bind(&dn, &password))
                    .await
                    .map_err(|_| Probe::NotYet("bind timed out".into()))?
                    .map_err(|e| Probe::NotYet(e.to_string()))?;
            let _ = ldap.unbind().await;
            match result.rc {
                0 => Ok(()),
                rc => Err(Probe::Refused(rc)),
            }
        })
    });
    worker
        .join()
        .unwrap_or_else(|_| Err(Probe::NotYet("probe thread panicked".into())))
}
