//! `zszo-connector check-config`: validate, bind to LDAP, compare the schema, open the audit
//! store; say what is wrong.

use crate::config::Config;
use crate::daemon;
use crate::ldap::LdapDirectory;
use std::process::ExitCode;

/// `check-config`: the file is valid, slapd binds and has this binary's schema, the audit
/// store can append; each finding printed, failure if any is wrong.
pub async fn check_config(path: &std::path::Path) -> anyhow::Result<ExitCode> {
    let config = match Config::load(path) {
        Ok(c) => c,
        Err(e) => {
            eprint!("{}: {e}", path.display());
            return Ok(ExitCode::FAILURE);
        }
    };
    println!("configuration {}: valid", path.display());
    let mut ok = true;
    match daemon::connect_directory(&config).await {
        Ok(directory) => {
            println!("LDAP {}: bound as {}", config.ldap.url, config.ldap.bind_dn);
            ok &= report_schema(&directory).await;
            ok &= report_password_hashes(&directory).await;
            report_page_cache(&directory, config.ldap.page_cache).await;
        }
        Err(e) => {
            eprintln!("{e}");
            ok = false;
        }
    }
    let clock = std::sync::Arc::new(crate::clock::SystemClock);
    match daemon::open_audit(&config, clock) {
        Ok(store) => {
            use crate::ports::AuditLog;
            match store.check_writable().await {
                Ok(()) => println!("audit store {}: writable", config.audit.path.display()),
                Err(e) => {
                    eprintln!("audit store {}: {e}", config.audit.path.display());
                    ok = false;
                }
            }
        }
        Err(e) => {
            eprintln!("{e}");
            ok = false;
        }
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Prints whether the daemon's identity can read password hashes; `false` when it can (an ACL
/// from before 2026-12-05, or bound as the rootdn): nothing it does needs one, and whoever
/// took the identity would take every hash with it.
async fn report_password_hashes(directory: &LdapDirectory) -> bool {
    match directory.reads_password_hashes().await {
        Ok(false) => {
            println!("LDAP access control: the service identity cannot read password hashes");
            true
        }
        Ok(true) => {
            eprintln!(
                "LDAP access control: the identity the daemon binds as can read password hashes; \
                 bind as the service identity and apply this release's olcAccess (schemas/ldap/\
                 README.md, Access control: \"Upgrading an existing directory\")"
            );
            false
        }
        Err(e) => {
            eprintln!("LDAP access control: cannot check who reads password hashes: {e}");
            false
        }
    }
}

/// Prints whether list pages can be kept (`ldap.page_cache` and slapd's syncprov). Never a
/// failure: without it every page is still right, only sorted by slapd again.
async fn report_page_cache(directory: &LdapDirectory, enabled: bool) {
    if !enabled {
        println!("LDAP page cache: off (ldap.page_cache = false)");
        return;
    }
    match directory.keeps_pages().await {
        Ok(true) => println!("LDAP page cache: on (slapd's syncprov keeps contextCSN)"),
        Ok(false) => println!(
            "LDAP page cache: off, the directory has no syncprov overlay on its data; every \
             list page is sorted by slapd again (to add it: schemas/ldap/README.md, Overlays)"
        ),
        Err(e) => println!("LDAP page cache: cannot read the directory's change state: {e}"),
    }
}

/// Prints how the directory's ZSZO schema compares with the binary's; `false` when older.
async fn report_schema(directory: &LdapDirectory) -> bool {
    use crate::ldap::schema::SchemaCheck;
    match directory.check_schema().await {
        Ok(SchemaCheck::Same { version }) => {
            println!("LDAP schema: ZSZO schema version {version}, as this binary expects");
            true
        }
        Ok(SchemaCheck::Newer { directory, binary }) => {
            println!(
                "LDAP schema: the directory has ZSZO schema version {directory}, newer than this \
                 binary's {binary} (fine while the daemon is being upgraded)"
            );
            true
        }
        Ok(SchemaCheck::Older {
            directory,
            binary,
            missing,
        }) => {
            let found = directory.map_or("no version (older than 2)".to_owned(), |v| v.to_string());
            eprintln!(
                "LDAP schema: the directory's ZSZO schema is older than this binary's (directory: \
                 {found}, binary: {binary}){}; load the schema shipped with this release \
                 (/usr/share/zszo-connector/schemas/ldap/zszo.ldif or schemas/ldap/zszo.ldif, \
                 see its README: \"Upgrading the schema\") before starting the daemon",
                if missing.is_empty() {
                    String::new()
                } else {
                    format!("; missing: {}", missing.join(", "))
                }
            );
            false
        }
        Err(e) => {
            eprintln!("LDAP schema: cannot read cn=Subschema: {e}");
            false
        }
    }
}
