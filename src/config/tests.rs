use super::*;
use secrecy::ExposeSecret;

const VALID: &str = r#"
[server]
listen = "127.0.0.1:8080"
public_base_url = "https://zszo.example.pl/"

[ldap]
url = "ldap://127.0.0.1:389"
base_dn = "dc=zszo,dc=krakow,dc=pl"
bind_dn = "cn=zszo-connector,ou=system,dc=zszo,dc=krakow,dc=pl"
bind_password = "s3cret-value"
eppn_scope = "zszo.krakow.pl"

[audit]
path = "var/audit.redb"
hmac_key_file = "var/audit.key"

[mail]
transport = "file"
from = "ZSZO <no-reply@zszo.example.pl>"
file_dir = "var/mail"

[scim]
clients_file = "var/scim-clients.toml"

[state]
path = "var/state.redb"
"#;

fn problems(text: &str) -> Vec<String> {
    Config::from_toml_str(text).unwrap_err().problems
}

/// The problems of a configuration file the repository ships in `config/` (none: valid).
fn problems_of_shipped(name: &str) -> Vec<String> {
    let path = format!("{}/config/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    Config::from_toml_str(&text).map_or_else(|e| e.problems, |_| Vec::new())
}

#[test]
fn a_minimal_file_gets_documented_defaults() {
    let c = Config::from_toml_str(VALID).unwrap();
    assert_eq!(c.server.public_base_url, "https://zszo.example.pl");
    assert_eq!(c.ldap.pool_size, 8);
    assert_eq!(c.ldap.writes_in_flight, 4);
    assert_eq!(c.passwords.argon2_memory_kib, 19_456);
    assert_eq!(c.passwords.initial_password_ttl, time::Duration::days(7));
    assert!(matches!(c.mail.transport, MailTransport::File { .. }));
    // Issue 12: the second factor is on, no proxy is trusted, password work is bounded.
    assert!(c.panel.require_second_factor);
    assert_eq!(
        c.panel.second_factor_key_file,
        std::path::Path::new("var/panel-second-factor.key")
    );
    assert!(c.server.trusted_proxies.is_empty());
    assert_eq!(c.passwords.max_hashing_in_flight, 32);
}

#[test]
fn trusted_proxies_are_cidrs_or_addresses_and_bad_ones_are_named() {
    let ok = VALID.replace(
        "public_base_url = \"https://zszo.example.pl/\"",
        "public_base_url = \"https://zszo.example.pl/\"\ntrusted_proxies = [\"127.0.0.1\", \"10.0.0.0/8\", \"::1/128\"]",
    );
    let c = Config::from_toml_str(&ok).unwrap();
    assert_eq!(c.server.trusted_proxies.len(), 3);
    assert!(c.server.trusted_proxies[0].contains(&"127.0.0.1".parse::<std::net::IpAddr>().unwrap()));
    let bad = ok.replace("10.0.0.0/8", "10.0.0.0/99");
    assert!(problems(&bad)
        .iter()
        .any(|m| m.starts_with("server.trusted_proxies") && m.contains("10.0.0.0/99")));
    let zero = format!("{VALID}\n[passwords]\nmax_hashing_in_flight = 0\n");
    assert!(problems(&zero)
        .iter()
        .any(|m| m.starts_with("passwords.max_hashing_in_flight")));
}

#[test]
fn unknown_keys_are_reported_with_their_path() {
    let p = problems(&VALID.replace("[ldap]\n", "[ldap]\npool_sise = 4\n"));
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].starts_with("ldap.pool_sise"), "{p:?}");
    assert!(p[0].contains("remove it or fix its spelling"), "{p:?}");
}

#[test]
fn wrong_types_name_the_key() {
    let p = problems(&VALID.replace("[ldap]\n", "[ldap]\npool_size = \"many\"\n"));
    assert!(p[0].starts_with("ldap.pool_size"), "{p:?}");
}

#[test]
fn missing_sections_are_reported() {
    let p = problems("[server]\nlisten = \"127.0.0.1:1\"\npublic_base_url = \"https://x\"\n");
    assert!(p.iter().any(|m| m.contains("ldap")), "{p:?}");
}

#[test]
fn every_semantic_problem_is_reported_at_once() {
    let text = VALID
        .replace("127.0.0.1:8080", "localhost")
        .replace("ldap://127.0.0.1:389", "htp://x")
        .replace(
            "[audit]",
            "[passwords]\nargon2_memory_kib = 1024\n\n[audit]",
        );
    let p = problems(&text);
    for key in ["server.listen", "ldap.url", "passwords.argon2_memory_kib"] {
        assert!(
            p.iter().any(|m| m.starts_with(key)),
            "{key} missing in {p:?}"
        );
    }
}

#[test]
fn writes_in_flight_must_leave_at_least_one_write_and_at_most_64() {
    for bad in ["0", "65"] {
        let p =
            problems(&VALID.replace("[ldap]\n", &format!("[ldap]\nwrites_in_flight = {bad}\n")));
        assert!(
            p.iter().any(|m| m.starts_with("ldap.writes_in_flight")),
            "{bad}: {p:?}"
        );
    }
    let one = Config::from_toml_str(&VALID.replace("[ldap]\n", "[ldap]\nwrites_in_flight = 1\n"));
    assert_eq!(one.unwrap().ldap.writes_in_flight, 1);
}

#[test]
fn a_secret_must_come_from_exactly_one_place() {
    let both = VALID.replace(
        "bind_password = \"s3cret-value\"",
        "bind_password = \"x\"\nbind_password_file = \"/nonexistent\"",
    );
    assert!(problems(&both)[0].contains("not both"));
    let neither = VALID.replace("bind_password = \"s3cret-value\"\n", "");
    assert!(problems(&neither)[0].contains("bind_password_file"));
    let missing_file = VALID.replace(
        "bind_password = \"s3cret-value\"",
        "bind_password_file = \"/nonexistent/pw\"",
    );
    assert!(problems(&missing_file)[0].contains("cannot read /nonexistent/pw"));
}

#[test]
fn secrets_are_read_from_files_without_the_trailing_newline() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pw");
    std::fs::write(&file, "from-file\n").unwrap();
    let text = VALID.replace(
        "bind_password = \"s3cret-value\"",
        &format!("bind_password_file = \"{}\"", file.display()),
    );
    let c = Config::from_toml_str(&text).unwrap();
    assert_eq!(c.ldap.bind_password.expose_secret(), "from-file");
}

#[test]
fn secrets_never_appear_in_debug_output() {
    let c = Config::from_toml_str(VALID).unwrap();
    let debug = format!("{c:?}");
    assert!(!debug.contains("s3cret-value"), "{debug}");
}

#[test]
#[allow(clippy::result_large_err)] // figment's Jail closure signature, not ours
fn environment_variables_override_file_keys() {
    figment::Jail::expect_with(|jail| {
        jail.create_file("zszo.toml", VALID)?;
        jail.set_env("ZSZO_LDAP__POOL_SIZE", "3");
        jail.set_env("ZSZO_LDAP__BIND_PASSWORD", "from-env");
        let c = Config::load(Path::new("zszo.toml")).unwrap();
        assert_eq!(c.ldap.pool_size, 3);
        assert_eq!(c.ldap.bind_password.expose_secret(), "from-env");
        Ok(())
    });
}

#[test]
fn smtp_transport_needs_its_section_and_a_known_tls_mode() {
    let smtp = VALID.replace("transport = \"file\"", "transport = \"smtp\"");
    assert!(problems(&smtp)[0].starts_with("mail.smtp"));
    let bad_tls = format!("{smtp}\n[mail.smtp]\nhost = \"localhost\"\ntls = \"ssl3\"\n");
    assert!(problems(&bad_tls)
        .iter()
        .any(|m| m.starts_with("mail.smtp.tls")));
    let ok = format!("{smtp}\n[mail.smtp]\nhost = \"localhost\"\n");
    let c = Config::from_toml_str(&ok).unwrap();
    match c.mail.transport {
        MailTransport::Smtp(s) => assert_eq!((s.port, s.tls), (587, SmtpTls::StartTls)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_documented_example_lists_only_real_keys() {
    // The example names files that do not exist here, so only key problems may remain.
    let problems = problems_of_shipped("zszo.example.toml");
    let unexpected: Vec<_> = problems
        .iter()
        .filter(|p| !p.contains("cannot read /etc/zszo-connector"))
        .collect();
    assert!(unexpected.is_empty(), "{unexpected:?}");
}

#[test]
fn the_dev_configuration_is_complete_once_its_secrets_exist() {
    let problems = problems_of_shipped("dev.toml");
    // Only the generated secret may be missing on a fresh checkout.
    assert!(
        problems.iter().all(|p| p.contains("var/dev/secrets")),
        "{problems:?}"
    );
}

#[test]
fn the_deprovisioning_guard_has_documented_defaults() {
    let c = Config::from_toml_str(VALID).unwrap();
    let g = c.scim.deprovisioning_guard;
    assert_eq!(g.window, Duration::from_secs(3600));
    assert_eq!((g.max_share_of_school, g.max_share_of_city), (0.10, 0.02));
    assert_eq!((g.min_people, g.min_operations), (10, 10));
    assert_eq!(c.server.operator_socket, PathBuf::from("var/operator.sock"));
}

#[test]
fn bad_deprovisioning_guard_values_are_named() {
    let text = format!(
        "{VALID}\n[scim.deprovisioning_guard]\nwindow_minutes = 0\nmax_share_of_school = 1.5\n\
         max_share_of_city = 0\nmin_people = 0\nmin_operations = 0\n"
    );
    let p = problems(&text);
    for key in [
        "window_minutes",
        "max_share_of_school",
        "max_share_of_city",
        "min_people",
        "min_operations",
    ] {
        let key = format!("scim.deprovisioning_guard.{key}");
        assert!(
            p.iter().any(|m| m.starts_with(&key)),
            "{key} missing in {p:?}"
        );
    }
    assert!(p.iter().any(|m| m.contains("1.5 is not a share")), "{p:?}");
}

#[test]
fn the_metrics_listener_is_optional_and_must_be_its_own_address() {
    assert_eq!(
        Config::from_toml_str(VALID).unwrap().server.metrics_listen,
        None
    );
    let with = |value: &str| {
        VALID.replace(
            "listen = \"127.0.0.1:8080\"\n",
            &format!("listen = \"127.0.0.1:8080\"\nmetrics_listen = \"{value}\"\n"),
        )
    };
    let c = Config::from_toml_str(&with("127.0.0.1:9464")).unwrap();
    assert_eq!(
        c.server.metrics_listen,
        Some("127.0.0.1:9464".parse().unwrap())
    );
    let same = problems(&with("127.0.0.1:8080"));
    assert!(same[0].starts_with("server.metrics_listen"), "{same:?}");
    let bad = problems(&with("everywhere"));
    assert!(bad[0].contains("not an address:port"), "{bad:?}");
}

#[test]
fn ldap_urls_lists_the_providers_in_order_and_ldap_url_is_one() {
    let one = Config::from_toml_str(VALID).unwrap();
    assert_eq!(
        one.ldap.urls().collect::<Vec<_>>(),
        vec!["ldap://127.0.0.1:389"]
    );
    let two = Config::from_toml_str(&VALID.replace(
        "url = \"ldap://127.0.0.1:389\"",
        "urls = [\"ldap://a.example:389\", \"ldaps://b.example:636\"]",
    ))
    .unwrap();
    assert_eq!(two.ldap.url, "ldap://a.example:389");
    assert_eq!(
        two.ldap.urls().collect::<Vec<_>>(),
        vec!["ldap://a.example:389", "ldaps://b.example:636"]
    );
}

#[test]
fn ldap_urls_refuses_both_keys_an_empty_list_a_repeat_and_a_bad_scheme() {
    for (replacement, expected) in [
        (
            "url = \"ldap://a:389\"\nurls = [\"ldap://b:389\"]",
            "not both",
        ),
        ("urls = []", "is empty"),
        ("urls = [\"ldap://a:389\", \"LDAP://a:389/\"]", "twice"),
        ("urls = [\"ldap://a:389\", \"http://b\"]", "must start with"),
    ] {
        let p = problems(&VALID.replace("url = \"ldap://127.0.0.1:389\"", replacement));
        assert!(
            p.iter()
                .any(|m| m.starts_with("ldap.urls") && m.contains(expected)),
            "{replacement}: {p:?}"
        );
    }
    let p = problems(&VALID.replace("url = \"ldap://127.0.0.1:389\"\n", ""));
    assert!(p.iter().any(|m| m.starts_with("ldap.url")), "{p:?}");
}
