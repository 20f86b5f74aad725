//! A real SSO consumer against the directory (issue 13): an SSO service account made with the
//! real binary (`sso-client create`), and Debian's Apache httpd with mod_authnz_ldap
//! configured with it (common/httpd.rs, the README's example). An employee who finished the
//! portal signs in and the service sees the SSO attributes and none of HR's; a one-time
//! password, a locked account, ended employment and another school's employee are refused.

use crate::common::{self, connect_as, connect_service, httpd};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use zszo_connector::slapd;

use crate::common::daemon::{run, BIN};

/// A config file for the binary against the shared test slapd, in `dir`.
fn config_in(dir: &Path) -> PathBuf {
    let out = Command::new(BIN)
        .args(["audit", "init-key", "--out"])
        .arg(dir.join("key"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let path = dir.join("zszo.toml");
    std::fs::write(
        &path,
        common::shared_config_toml(dir, "http://127.0.0.1:1", ""),
    )
    .unwrap();
    path
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// How an account looks in the directory at each point of the procedure.
enum Account {
    /// Finished the portal: own password, confirmed address (`active`).
    Active,
    /// Only the one-time password so far (`pwdReset: TRUE`).
    OneTimePassword,
    /// Locked by an administrator.
    Locked,
    /// HR ended the employment (`active: false`): ppolicy's permanent lock.
    EmploymentEnded,
}

/// A person the way the daemon writes one, with HR data; returns the login.
async fn person(code: &str, name: &str, password: &str, account: Account) -> String {
    let login = format!("{name}.{code}");
    let dn = format!("uid={login},ou=pracownicy,{}", common::school_dn(code));
    let hash = slapd::argon2_userpassword(password).unwrap();
    let (state, employed) = match account {
        Account::Active => ("active", "TRUE"),
        Account::OneTimePassword => ("awaiting-first-login", "TRUE"),
        Account::Locked => ("locked", "TRUE"),
        Account::EmploymentEnded => ("active", "FALSE"),
    };
    let mail = format!("{login}@example.org");
    let eppn = format!("{login}@zszo.krakow.pl");
    let mut attrs: Vec<(&str, Vec<&str>)> = vec![
        (
            "objectClass",
            vec!["inetOrgPerson", "zszoPerson", "eduPerson"],
        ),
        ("uid", vec![&login]),
        ("cn", vec!["Łukasz Nowak"]),
        ("sn", vec!["Nowak"]),
        ("displayName", vec!["Łukasz Nowak"]),
        ("mail", vec![&mail]),
        ("eduPersonPrincipalName", vec![&eppn]),
        ("zszoSchoolCode", vec![code]),
        ("zszoPrimarySchoolCode", vec![code]),
        ("zszoAccountState", vec![state]),
        ("zszoEmploymentActive", vec![employed]),
        ("employeeNumber", vec!["HR-77001"]),
        ("homePhone", vec!["+48 600 111 222"]),
        ("userPassword", vec![&hash]),
    ];
    match account {
        Account::OneTimePassword => attrs.push(("pwdReset", vec!["TRUE"])),
        Account::Locked | Account::EmploymentEnded => {
            attrs.push(("pwdAccountLockedTime", vec!["000001010000Z"]))
        }
        Account::Active => {}
    }
    let attrs = attrs
        .into_iter()
        .map(|(a, vs)| (a, vs.into_iter().collect::<HashSet<_>>()))
        .collect();
    let mut ldap = connect_service().await;
    ldap.add(&dn, attrs)
        .await
        .unwrap()
        .success()
        .unwrap_or_else(|e| panic!("add {dn}: {e}"));
    login
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

#[tokio::test]
async fn sso_client_cli_creates_lists_and_revokes_a_scoped_read_only_account() {
    let dir = tempfile::tempdir().unwrap();
    let config = config_in(dir.path());
    let code = common::unique_school_code();
    common::create_school(&code).await;
    let name = format!("sso-{}", code.replace('-', ""));

    let out = stdout(&run(
        &["sso-client", "create", "--name", &name, "--school", &code],
        &config,
    ));
    let mut lines = out.lines();
    let (dn, secret) = (lines.next().unwrap(), lines.next().unwrap());
    assert_eq!(dn, common::dn(&format!("cn={name},ou=sso,ou=system")));
    // The directory holds the {ARGON2} hash, not the secret; slapd verifies it at the bind.
    let mut admin = common::connect_admin().await;
    let (entries, _) = admin
        .search(
            dn,
            ldap3::Scope::Base,
            "(objectClass=*)",
            vec!["userPassword", "zszoSsoSchoolCode"],
        )
        .await
        .unwrap()
        .success()
        .unwrap();
    let entry = ldap3::SearchEntry::construct(entries[0].clone());
    let stored = entry
        .attrs
        .get("userPassword")
        .map(|v| v[0].clone())
        .or_else(|| {
            entry
                .bin_attrs
                .get("userPassword")
                .map(|v| String::from_utf8_lossy(&v[0]).into_owned())
        })
        .unwrap();
    assert!(stored.starts_with("{ARGON2}$argon2id$"), "{stored}");
    assert!(!stored.contains(secret));
    assert_eq!(entry.attrs["zszoSsoSchoolCode"], vec![code.clone()]);
    let _ = connect_as(dn, secret).await;

    let listed = stdout(&run(&["sso-client", "list"], &config));
    assert!(listed.contains(&name) && listed.contains(&code), "{listed}");
    assert!(!listed.contains(secret), "{listed}");

    // A school that does not exist, a taken name and a bad name are refused plainly.
    let out = run(
        &[
            "sso-client",
            "create",
            "--name",
            &format!("{name}x"),
            "--school",
            "no-such-school",
        ],
        &config,
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no-such-school"),
        "{out:?}"
    );
    let out = run(
        &["sso-client", "create", "--name", &name, "--all-schools"],
        &config,
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("already exists"),
        "{out:?}"
    );
    let out = run(
        &[
            "sso-client",
            "create",
            "--name",
            "Bad Name",
            "--all-schools",
        ],
        &config,
    );
    assert!(!out.status.success());

    stdout(&run(&["sso-client", "revoke", "--name", &name], &config));
    let rc = common::bind_rc(dn, secret).await;
    assert_eq!(rc, 49, "a revoked account cannot bind");
    let out = run(&["sso-client", "revoke", "--name", &name], &config);
    assert!(!out.status.success(), "revoking twice says there is none");
}

#[tokio::test]
async fn apache_mod_authnz_ldap_signs_in_an_active_employee_and_refuses_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let config = config_in(dir.path());
    let (school, other_school) = (common::unique_school_code(), common::unique_school_code());
    common::create_school(&school).await;
    common::create_school(&other_school).await;
    let pw = "a passphrase of my own 2024";
    let active = person(&school, "lukasz", pw, Account::Active).await;
    let one_time = person(&school, "ewa", pw, Account::OneTimePassword).await;
    let locked = person(&school, "jan", pw, Account::Locked).await;
    let ended = person(&school, "olga", pw, Account::EmploymentEnded).await;
    let elsewhere = person(&other_school, "adam", pw, Account::Active).await;

    let name = format!("sso-{}", school.replace('-', ""));
    let out = stdout(&run(
        &["sso-client", "create", "--name", &name, "--school", &school],
        &config,
    ));
    let mut lines = out.lines();
    let (bind_dn, secret) = (lines.next().unwrap(), lines.next().unwrap());
    let t = common::ldap();
    let httpd = httpd::Httpd::start(&httpd::SsoBinding {
        ldap_url: &t.url,
        base_dn: &t.base_dn,
        bind_dn,
        secret,
    });

    let (status, headers) = httpd.get_as(&active, pw);
    assert_eq!(status, 200, "{headers:?}\n{}", httpd.error_log());
    assert_eq!(header(&headers, "x-sso-uid"), active);
    assert_eq!(
        header(&headers, "x-sso-mail"),
        format!("{active}@example.org")
    );
    assert_eq!(
        header(&headers, "x-sso-eppn"),
        format!("{active}@zszo.krakow.pl")
    );
    assert_eq!(header(&headers, "x-sso-schools"), school);
    // HR's attributes were asked for but are not readable by the SSO account.
    for hr in ["x-sso-employeenumber", "x-sso-homephone"] {
        let value = header(&headers, hr);
        assert!(
            !value.contains("HR-77001") && !value.contains("600"),
            "{hr}: {value:?}"
        );
    }

    // A wrong password, and everyone who may not sign in.
    assert_eq!(httpd.get_as(&active, "not my password at all").0, 401);
    for (who, why) in [
        (&one_time, "only a one-time password"),
        (&locked, "locked"),
        (&ended, "employment ended"),
        (&elsewhere, "another school's employee"),
    ] {
        let (status, _) = httpd.get_as(who, pw);
        assert_eq!(status, 401, "{who} ({why}) must be refused");
    }
    // …and the active one still signs in (nothing was cached against them).
    assert_eq!(httpd.get_as(&active, pw).0, 200);
    drop(httpd);
    stdout(&run(&["sso-client", "revoke", "--name", &name], &config));
}
