//! Unit tests of the slapd setup: the base DN check, the userPassword hash, the generated
//! policy.

use super::*;

#[test]
fn base_dn_validation_accepts_plain_and_refuses_ldif_injection() {
    assert!(validate_base_dn("dc=zszo,dc=krakow,dc=pl").is_ok());
    assert!(validate_base_dn("dc=a,o=b-c").is_ok());
    for bad in [
        "",
        "o=zszo",
        "dc=zszo\nobjectClass: x",
        "dc=a b",
        "dc=a,cn=x",
        "dc=",
        "dc=a,,dc=b",
    ] {
        assert!(validate_base_dn(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn argon2_userpassword_has_the_owasp_floor_parameters_and_a_16_byte_salt() {
    let v = argon2_userpassword("S3cret-passphrase-ąę").unwrap();
    let phc = v.strip_prefix("{ARGON2}").unwrap();
    assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
    let parts: Vec<&str> = phc.split('$').collect();
    // ["", "argon2id", "v=19", "m=…", salt, hash]; B64 without padding: 16 B → 22, 32 B → 43
    assert_eq!(parts[4].len(), 22);
    assert_eq!(parts[5].len(), 43);
    assert_ne!(v, argon2_userpassword("S3cret-passphrase-ąę").unwrap());
}

#[test]
fn generated_policy_never_checks_quality_of_prehashed_passwords_nor_leaks_lockout() {
    let data = data::initial_data_ldif("dc=x", "{ARGON2}h");
    assert!(data.contains("pwdCheckQuality: 0\n"));
    assert!(!data.contains("pwdMaxAge"));
    let cfg = config::config_ldif(&config::ConfigInput {
        data_dir: Path::new("/d"),
        base_dn: "dc=x",
        schema_files: &[],
        root_pw: "{ARGON2}h",
        replication: None,
    });
    assert!(cfg.contains("olcPPolicyUseLockout: FALSE\n"));
    assert!(!cfg.contains("bind_anon_dn"));
    assert!(cfg.contains("olcModuleLoad: argon2 m=19456 t=2 p=1\n"));
}
