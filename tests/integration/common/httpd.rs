//! A real SSO consumer for the tests: Debian's Apache httpd with `mod_authnz_ldap` (package
//! `apache2-bin`, installed by `.ci/install-deps`), started on a free loopback port with a
//! configuration that authenticates HTTP Basic sign-ins against the test slapd, bound as an
//! SSO service account — the example configuration of the README's "Connecting a school's SSO".
//!
//! httpd runs in the foreground under a small shell watchdog that stops it when this process's
//! pipe closes, so it never outlives the test process.

use std::io::Read;
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

const HTTPD: &str = "/usr/sbin/apache2";
const MODULES: &str = "/usr/lib/apache2/modules";

/// How the SSO consumer binds and searches (the values the README documents).
pub struct SsoBinding<'a> {
    pub ldap_url: &'a str,
    pub base_dn: &'a str,
    pub bind_dn: &'a str,
    pub secret: &'a str,
}

/// The attributes the example asks for: the SSO ones, and (to show they stay hidden) HR's.
pub const REQUESTED_ATTRIBUTES: &str =
    "uid,mail,displayName,eduPersonPrincipalName,zszoSchoolCode,employeeNumber,homePhone";

/// The example `<Location>` block (Apache 2.4, mod_authnz_ldap), as in the README.
pub fn example_location(b: &SsoBinding<'_>) -> String {
    format!(
        r#"<Location "/">
    AuthType Basic
    AuthName "ZSZO"
    AuthBasicProvider ldap
    # Search the people of the account's schools by login; only active accounts of people
    # whose employment is active may sign in (slapd also refuses locked passwords).
    AuthLDAPURL "{url}/ou=placowki,{base}?{attrs}?sub?(&(objectClass=zszoPerson)(zszoAccountState=active)(zszoEmploymentActive=TRUE))"
    AuthLDAPBindDN "{bind_dn}"
    AuthLDAPBindPassword "{secret}"
    Require valid-user
    # What the application behind would receive (AUTHENTICATE_<ATTRIBUTE>).
    Header always set X-Sso-Uid "%{{AUTHENTICATE_UID}}e"
    Header always set X-Sso-Mail "%{{AUTHENTICATE_MAIL}}e"
    Header always set X-Sso-Eppn "%{{AUTHENTICATE_EDUPERSONPRINCIPALNAME}}e"
    Header always set X-Sso-Schools "%{{AUTHENTICATE_ZSZOSCHOOLCODE}}e"
    Header always set X-Sso-EmployeeNumber "%{{AUTHENTICATE_EMPLOYEENUMBER}}e"
    Header always set X-Sso-HomePhone "%{{AUTHENTICATE_HOMEPHONE}}e"
</Location>
"#,
        url = b.ldap_url.trim_end_matches('/'),
        base = b.base_dn,
        attrs = REQUESTED_ATTRIBUTES,
        bind_dn = b.bind_dn,
        secret = b.secret,
    )
}

/// A running httpd. Dropping it stops it.
pub struct Httpd {
    dir: tempfile::TempDir,
    child: Child,
    /// Closing it makes the watchdog stop httpd.
    stdin: Option<ChildStdin>,
    pub port: u16,
}

impl Drop for Httpd {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

impl Httpd {
    /// Starts httpd with [`example_location`]; returns once it accepts connections.
    pub fn start(binding: &SsoBinding<'_>) -> Self {
        assert!(
            Path::new(HTTPD).exists(),
            "{HTTPD} is missing: run .ci/install-deps (Debian package apache2-bin)"
        );
        let dir = tempfile::Builder::new()
            .prefix("zszo-test-httpd-")
            .tempdir()
            .expect("create httpd's directory");
        // httpd's workers run as nobody: they must reach the document root.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let root = dir.path().join("htdocs");
        std::fs::create_dir(&root).unwrap();
        std::fs::write(root.join("index.html"), "signed in\n").unwrap();
        let port = crate::common::free_port();
        let d = dir.path().display();
        let modules = [
            ("mpm_event_module", "mod_mpm_event.so"),
            ("authn_core_module", "mod_authn_core.so"),
            ("authz_core_module", "mod_authz_core.so"),
            ("authz_user_module", "mod_authz_user.so"),
            ("auth_basic_module", "mod_auth_basic.so"),
            ("ldap_module", "mod_ldap.so"),
            ("authnz_ldap_module", "mod_authnz_ldap.so"),
            ("headers_module", "mod_headers.so"),
        ]
        .iter()
        .map(|(name, file)| format!("LoadModule {name} {MODULES}/{file}\n"))
        .collect::<String>();
        let user = if nix_is_root() {
            "User nobody\nGroup nogroup\n"
        } else {
            ""
        };
        let conf = format!(
            "ServerRoot {d}
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile {d}/httpd.pid
DefaultRuntimeDir {d}
ErrorLog {d}/error.log
LogLevel warn authnz_ldap:info
{modules}{user}DocumentRoot {d}/htdocs
# No LDAP result caching: each request asks slapd (the tests change accounts between them).
LDAPSharedCacheSize 0
LDAPCacheEntries 0
LDAPOpCacheEntries 0
{location}",
            location = example_location(binding)
        );
        let conf_path = dir.path().join("httpd.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let mut child = Command::new("/bin/sh")
            .arg("-c")
            .arg(
                "\"$0\" -f \"$1\" -DFOREGROUND & pid=$!; read -r _line; kill -TERM $pid; wait $pid",
            )
            .arg(HTTPD)
            .arg(&conf_path)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start httpd");
        let stdin = child.stdin.take().expect("piped stdin");
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if started.elapsed() > Duration::from_secs(20) {
                let log = std::fs::read_to_string(dir.path().join("error.log")).unwrap_or_default();
                panic!("httpd did not start on port {port}: {log}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            dir,
            child,
            stdin: Some(stdin),
            port,
        }
    }

    /// httpd's error log (for assertion messages).
    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }

    /// `GET /index.html` with HTTP Basic credentials: the status and the headers (lowercase
    /// names).
    pub fn get_as(&self, login: &str, password: &str) -> (u16, Vec<(String, String)>) {
        use base64::Engine;
        use std::io::Write;
        let auth = base64::engine::general_purpose::STANDARD.encode(format!("{login}:{password}"));
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to httpd");
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        write!(
            s,
            "GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic {auth}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).expect("read httpd's answer");
        let head = answer.split("\r\n\r\n").next().unwrap_or_default();
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_owned()))
            .collect();
        (status, headers)
    }
}

fn nix_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}
