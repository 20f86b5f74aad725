//! Deploying on Debian as it ships: the package built from this repository installs with
//! `dpkg -i` (user, directories, owners and modes; nothing started), its unit passes
//! `systemd-analyze verify`, the installed binary's `check-config` says what is missing and
//! accepts a filled-in configuration against the test slapd, and it tells an operator when the
//! directory's schema is older than the binary's. The nginx example passes `nginx -t` on
//! Debian's nginx, and the unit keeps every path the example configuration writes writable.

use crate::common;
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use zszo_connector::slapd;

use crate::common::daemon::BIN;
const INSTALLED: &str = "/usr/bin/zszo-connector";

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    out
}

fn ok(cmd: &mut Command) -> String {
    let out = run(cmd);
    assert!(out.status.success(), "{cmd:?} failed:\n{}", text(&out));
    text(&out)
}

/// Installing a package needs root, which CI has. A developer's non-root run says so and
/// skips; CI never skips.
fn is_root_or_skip(test: &str) -> bool {
    if nix::unistd::Uid::effective().is_root() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{test} needs root in CI (dpkg -i)"
    );
    eprintln!("{test}: skipped (needs root to install a package)");
    false
}

fn owner_group_mode(path: &str) -> (String, String, u32) {
    let meta = std::fs::metadata(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let user = nix::unistd::User::from_uid(meta.uid().into())
        .unwrap()
        .map_or(meta.uid().to_string(), |u| u.name);
    let group = nix::unistd::Group::from_gid(meta.gid().into())
        .unwrap()
        .map_or(meta.gid().to_string(), |g| g.name);
    (user, group, meta.permissions().mode() & 0o7777)
}

/// A configuration against the shared test slapd in `dir`, with its key file.
fn test_config(dir: &Path, binary: &str) -> PathBuf {
    let text = common::shared_config_toml(dir, "http://127.0.0.1:8080", "");
    let path = dir.join("zszo.toml");
    std::fs::write(&path, text).unwrap();
    ok(Command::new(binary)
        .args(["audit", "init-key", "--out"])
        .arg(dir.join("key")));
    path
}

#[test]
fn the_debian_package_installs_starts_nothing_and_its_check_config_works() {
    if !is_root_or_skip("debian package") {
        return;
    }
    let out_dir = tempfile::tempdir().unwrap();
    let built = ok(Command::new(repo("config/debian/build-deb"))
        .arg("--binary")
        .arg(BIN)
        .arg("--out")
        .arg(out_dir.path()));
    let deb = PathBuf::from(built.trim());
    assert!(deb.exists(), "{built}");

    let contents = ok(Command::new("dpkg-deb").arg("--contents").arg(&deb));
    for file in [
        "./usr/bin/zszo-connector",
        "./lib/systemd/system/zszo-connector.service",
        "./lib/systemd/system/zszo-connector-compare-providers.service",
        "./lib/systemd/system/zszo-connector-compare-providers.timer",
        "./etc/zszo-connector/zszo.toml",
        "./usr/share/zszo-connector/schemas/ldap/zszo.ldif",
        "./usr/share/zszo-connector/schemas/ldap/eduperson.ldif",
        "./usr/share/zszo-connector/schemas/ldap/README.md",
        "./usr/share/doc/zszo-connector/README.md",
        "./usr/share/doc/zszo-connector/copyright",
        "./usr/share/doc/zszo-connector/examples/nginx/zszo-connector.conf",
    ] {
        assert!(
            contents.contains(file),
            "{file} not in the package:\n{contents}"
        );
    }
    let control = ok(Command::new("dpkg-deb").args(["--field"]).arg(&deb));
    assert!(control.contains("Depends: adduser, libc6"), "{control}");

    ok(Command::new("dpkg").arg("-i").arg(&deb));
    // The system user, and the directories with their owners and modes.
    let user = ok(Command::new("getent").args(["passwd", "zszo-connector"]));
    assert!(user.contains("/var/lib/zszo-connector"), "{user}");
    assert_eq!(
        owner_group_mode("/var/lib/zszo-connector"),
        ("zszo-connector".into(), "zszo-connector".into(), 0o700)
    );
    assert_eq!(
        owner_group_mode("/etc/zszo-connector"),
        ("root".into(), "zszo-connector".into(), 0o750)
    );
    assert_eq!(
        owner_group_mode("/etc/zszo-connector/zszo.toml"),
        ("root".into(), "zszo-connector".into(), 0o640)
    );
    // Nothing enabled: the daemon waits for its configuration.
    assert!(
        !Path::new("/etc/systemd/system/multi-user.target.wants/zszo-connector.service").exists()
    );
    assert!(!Path::new(
        "/etc/systemd/system/timers.target.wants/zszo-connector-compare-providers.timer"
    )
    .exists());

    // The units as installed pass systemd's own check.
    if Path::new("/usr/bin/systemd-analyze").exists() {
        ok(Command::new("systemd-analyze").args([
            "verify",
            "/lib/systemd/system/zszo-connector.service",
            "/lib/systemd/system/zszo-connector-compare-providers.service",
            "/lib/systemd/system/zszo-connector-compare-providers.timer",
        ]));
    }

    // The example configuration as shipped: check-config says what is missing, no panic.
    let fresh = run(Command::new(INSTALLED).args([
        "check-config",
        "--config",
        "/etc/zszo-connector/zszo.toml",
    ]));
    let said = text(&fresh);
    assert!(!fresh.status.success(), "{said}");
    assert!(said.contains("ldap.bind_password_file"), "{said}");
    assert!(!said.contains("panicked"), "{said}");

    // Filled in (here: against the test slapd), the installed binary accepts it.
    let dir = tempfile::tempdir().unwrap();
    let config = test_config(dir.path(), INSTALLED);
    let said = ok(Command::new(INSTALLED)
        .args(["check-config", "--config"])
        .arg(&config));
    assert!(said.contains("valid"), "{said}");
    assert!(said.contains("ZSZO schema version"), "{said}");

    // Reinstalling (an upgrade in place) keeps the operator's configuration.
    std::fs::write(
        "/etc/zszo-connector/zszo.toml",
        "# edited by the operator\n",
    )
    .unwrap();
    let reinstall = ok(Command::new("dpkg")
        .args(["-i", "--force-confold"])
        .arg(&deb));
    assert!(!reinstall.contains("installed, not started"), "{reinstall}");
    assert_eq!(
        std::fs::read_to_string("/etc/zszo-connector/zszo.toml").unwrap(),
        "# edited by the operator\n"
    );

    // Purge removes the package and its configuration, and keeps the stores' folder.
    ok(Command::new("dpkg").args(["--purge", "zszo-connector"]));
    assert!(!Path::new(INSTALLED).exists());
    assert!(!Path::new("/etc/zszo-connector/zszo.toml").exists());
    assert!(Path::new("/var/lib/zszo-connector").exists());
}

#[test]
fn check_config_tells_when_the_directorys_schema_is_older_than_the_binarys() {
    // A private slapd whose ZSZO schema is the one before versioning (no marker).
    let dir = tempfile::tempdir().unwrap();
    let schemas = dir.path().join("schemas");
    std::fs::create_dir_all(&schemas).unwrap();
    for entry in std::fs::read_dir(common::schema_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "ldif") {
            let text = std::fs::read_to_string(&path).unwrap();
            std::fs::write(
                schemas.join(path.file_name().unwrap()),
                without_marker(&text),
            )
            .unwrap();
        }
    }
    let service = common::random_password();
    let mut spec = common::spec_in(
        dir.path().join("slapd"),
        &service,
        &common::random_password(),
    );
    spec.schema_dir = schemas;
    slapd::prepare(&spec).unwrap();
    let instance = slapd::start(&spec).unwrap();

    let config = dir.path().join("zszo.toml");
    std::fs::write(
        &config,
        common::config_toml(
            dir.path(),
            &instance.url(),
            &instance.service_dn(),
            &service,
            "http://127.0.0.1:8080",
            "",
        ),
    )
    .unwrap();
    ok(Command::new(BIN)
        .args(["audit", "init-key", "--out"])
        .arg(dir.path().join("key")));
    let out = run(Command::new(BIN)
        .args(["check-config", "--config"])
        .arg(&config));
    let said = text(&out);
    assert!(!out.status.success(), "{said}");
    assert!(said.contains("older than this binary's"), "{said}");
    assert!(said.contains("missing: zszoSchemaVersion"), "{said}");

    // The same check against the up-to-date test directory passes.
    let current = tempfile::tempdir().unwrap();
    let said = ok(Command::new(BIN)
        .args(["check-config", "--config"])
        .arg(test_config(current.path(), BIN)));
    assert!(said.contains("as this binary expects"), "{said}");
}

/// `zszo.ldif` without the `zszoSchemaVersion` definition (and its continuation lines).
fn without_marker(ldif: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in ldif.lines() {
        if line.starts_with("olcAttributeTypes:") {
            skipping = line.contains("'zszoSchemaVersion'");
        } else if !line.starts_with(' ') {
            skipping = false;
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[test]
fn the_nginx_example_passes_nginx_t_on_debians_nginx() {
    let nginx = Path::new("/usr/sbin/nginx");
    assert!(
        nginx.exists(),
        "Debian's nginx is not installed: run .ci/install-deps"
    );
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=zszo.example.krakow.pl", "-keyout"])
        .arg(d.join("privkey.pem"))
        .arg("-out")
        .arg(d.join("fullchain.pem")));
    let example = std::fs::read_to_string(repo("config/nginx/zszo-connector.conf")).unwrap();
    // Each location that proxies replaces the client's X-Forwarded-For with the TCP peer:
    // the one address the daemon's trusted-proxy setting then believes.
    let proxies = example.matches("proxy_pass ").count();
    assert!(proxies >= 1);
    assert_eq!(
        example
            .matches("proxy_set_header X-Forwarded-For $remote_addr;")
            .count(),
        proxies,
        "every proxied location sets X-Forwarded-For to $remote_addr"
    );
    assert!(!example.contains("$proxy_add_x_forwarded_for"));
    let site = example
        .replace("/etc/ssl/zszo/", &format!("{}/", d.display()))
        .replace("/var/log/nginx/", &format!("{}/", d.display()));
    std::fs::write(d.join("site.conf"), site).unwrap();
    std::fs::write(
        d.join("nginx.conf"),
        format!(
            "pid {d}/nginx.pid;\nerror_log {d}/error.log;\nevents {{}}\nhttp {{\n  include {d}/site.conf;\n}}\n",
            d = d.display()
        ),
    )
    .unwrap();
    let out = run(Command::new(nginx)
        .arg("-t")
        .arg("-p")
        .arg(d)
        .arg("-c")
        .arg(d.join("nginx.conf")));
    let said = text(&out);
    assert!(
        out.status.success(),
        "nginx -t refused the example:\n{said}"
    );
    assert!(said.contains("syntax is ok"), "{said}");
}

#[test]
fn the_unit_keeps_every_path_the_example_configuration_writes_writable() {
    let unit = std::fs::read_to_string(repo("config/systemd/zszo-connector.service")).unwrap();
    let setting = |key: &str| -> Vec<String> {
        unit.lines()
            .filter_map(|l| l.strip_prefix(&format!("{key}=")))
            .flat_map(|v| v.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
            .collect()
    };
    assert_eq!(setting("ProtectSystem"), vec!["strict"]);
    let mut writable: Vec<String> = setting("ReadWritePaths");
    writable.extend(
        setting("StateDirectory")
            .iter()
            .map(|d| format!("/var/lib/{d}")),
    );
    writable.extend(
        setting("RuntimeDirectory")
            .iter()
            .map(|d| format!("/run/{d}")),
    );
    let under = |path: &str| {
        writable
            .iter()
            .any(|w| Path::new(path).starts_with(w.trim_start_matches('-')))
    };

    let example = std::fs::read_to_string(repo("config/zszo.example.toml")).unwrap();
    // Every key whose value is a path the daemon writes, commented out or not.
    let written = ["operator_socket", "path", "file_dir", "link_key_file"];
    let mut checked = 0;
    for line in example.lines() {
        let line = line.trim_start_matches(['#', ' ']);
        let Some((key, value)) = line.split_once(" = ") else {
            continue;
        };
        if !written.contains(&key.trim()) {
            continue;
        }
        let value = value.trim().trim_matches('"');
        if !value.starts_with('/') {
            continue;
        }
        checked += 1;
        assert!(
            under(value),
            "{key} = {value} is not writable under the unit's hardening ({writable:?})"
        );
    }
    // operator socket, audit path, state path, mail folder, link key
    assert!(
        checked >= 5,
        "only {checked} written paths found in the example"
    );
    let user = setting("User");
    assert_eq!(user, vec!["zszo-connector"], "the package's system user");
    assert!(setting("ExecStart")
        .first()
        .is_some_and(|bin| bin == INSTALLED));
}
