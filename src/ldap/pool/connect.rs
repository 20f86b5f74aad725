//! How the pool reaches the directory: the options (URLs, identity, TLS, timeouts), the TLS
//! configuration, and opening and binding one connection.

use super::super::error::{from_ldap, from_result};
use crate::ports::{DirectoryError, DirectoryResult};
use ldap3::{Ldap, LdapConnAsync, LdapConnSettings};
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};
use secrecy::SecretString;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// How to reach and authenticate to the directory. Built by `config`; `Debug` hides the password.
#[derive(Debug, Clone)]
pub struct LdapOptions {
    /// `ldap://host:port` or `ldaps://host:port` (`ldapi://` for a local socket): the first
    /// provider.
    pub url: String,
    /// The other providers of a replicated directory, in the order they are tried.
    pub standby_urls: Vec<String>,
    pub base_dn: String,
    /// The service identity, e.g. `cn=zszo-connector,ou=system,<base>`.
    pub bind_dn: String,
    pub bind_password: SecretString,
    /// Upgrade an `ldap://` connection with StartTLS (RFC 4511 §4.14).
    pub starttls: bool,
    /// PEM file of trusted CA certificates; the system roots when absent.
    pub ca_file: Option<PathBuf>,
    pub connect_timeout: Duration,
    pub operation_timeout: Duration,
    pub pool_size: usize,
    /// Writes sent to slapd at once; more wait in the daemon (`pool/write_places.rs`).
    pub writes_in_flight: usize,
    /// How many times a failed search is tried again (0 = no retry).
    pub read_retries: u32,
    /// Keep the sorted ids of recent list searches while the directory is unchanged
    /// (`ldap::page_cache`); off, every page is sorted by slapd again.
    pub page_cache: bool,
    /// `eduPersonPrincipalName` scope: `<login>@<scope>`.
    pub eppn_scope: String,
}

impl LdapOptions {
    /// Development defaults for `url`, `base_dn` and the service identity under it.
    pub fn new(url: &str, base_dn: &str, bind_dn: &str, bind_password: SecretString) -> Self {
        Self {
            url: url.to_owned(),
            standby_urls: Vec::new(),
            base_dn: base_dn.to_owned(),
            bind_dn: bind_dn.to_owned(),
            bind_password,
            starttls: false,
            ca_file: None,
            connect_timeout: Duration::from_secs(5),
            operation_timeout: Duration::from_secs(10),
            pool_size: 8,
            writes_in_flight: 4,
            read_retries: 2,
            page_cache: true,
            eppn_scope: super::super::names::eppn_scope_from_base(base_dn)
                .unwrap_or_else(|| "localhost".to_owned()),
        }
    }

    /// Whether a URL or the StartTLS flag asks for TLS.
    pub fn wants_tls(&self) -> bool {
        self.starttls
            || self
                .urls()
                .any(|u| u.to_ascii_lowercase().starts_with("ldaps://"))
    }

    /// Every provider, in order.
    pub fn urls(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.url.as_str()).chain(self.standby_urls.iter().map(String::as_str))
    }
}

/// Builds the rustls configuration: roots from `ca_file` (PEM) when given. `Ok(None)` means
/// "ldap3's default": the system roots. A CA file that cannot be read or holds no certificate
/// is an error naming the file.
pub fn tls_config(ca_file: Option<&Path>) -> DirectoryResult<Option<Arc<ClientConfig>>> {
    let Some(path) = ca_file else {
        return Ok(None);
    };
    let bad = |why: String| DirectoryError::Other(format!("TLS CA file {}: {why}", path.display()));
    let pem = std::fs::read(path).map_err(|e| bad(format!("cannot be read: {e}")))?;
    let certs: Vec<CertificateDer<'static>> = rustls_pemfile::certs(&mut pem.as_slice())
        .collect::<Result<_, _>>()
        .map_err(|e| bad(format!("is not valid PEM: {e}")))?;
    if certs.is_empty() {
        return Err(bad("holds no PEM certificate".to_owned()));
    }
    let mut roots = RootCertStore::empty();
    for cert in certs {
        roots
            .add(cert)
            .map_err(|e| bad(format!("holds an unusable certificate: {e}")))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(format!("TLS setup failed: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Some(Arc::new(config)))
}

/// Opens one connection (TCP + TLS or StartTLS as configured), within `connect_timeout`.
pub(crate) async fn open(
    options: &LdapOptions,
    url: &str,
    tls: Option<&Arc<ClientConfig>>,
) -> DirectoryResult<Ldap> {
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("ldap://")
        || lower.starts_with("ldaps://")
        || lower.starts_with("ldapi://"))
    {
        return Err(DirectoryError::Other(format!(
            "unsupported directory URL {url:?}: use ldap://, ldaps:// or ldapi://"
        )));
    }
    if options.starttls && !lower.starts_with("ldap://") {
        return Err(DirectoryError::Other(format!(
            "StartTLS needs an ldap:// URL, not {url:?}"
        )));
    }
    let mut settings = LdapConnSettings::new()
        .set_conn_timeout(options.connect_timeout)
        .set_starttls(options.starttls);
    if let Some(config) = tls {
        settings = settings.set_config(config.clone());
    }
    let (conn, ldap) = LdapConnAsync::with_settings(settings, url)
        .await
        .map_err(|e| match from_ldap(url, e) {
            DirectoryError::Unavailable(m) | DirectoryError::Other(m) => {
                DirectoryError::Unavailable(format!("cannot connect to {m}"))
            }
            other => other,
        })?;
    tokio::spawn(async move {
        if let Err(e) = conn.drive().await {
            tracing::debug!(error = %e, "ldap connection ended");
        }
    });
    Ok(ldap)
}

/// Simple bind (RFC 4513 §5.1.3) within `operation_timeout`.
pub(crate) async fn bind(
    ldap: &mut Ldap,
    dn: &str,
    password: &str,
    timeout: Duration,
) -> DirectoryResult<()> {
    let result = ldap
        .with_timeout(timeout)
        .simple_bind(dn, password)
        .await
        .map_err(|e| from_ldap(dn, e))?;
    if result.rc == 0 {
        Ok(())
    } else {
        Err(from_result(dn, &result))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_bind_password() {
        let o = LdapOptions::new(
            "ldap://127.0.0.1:389",
            "dc=zszo,dc=krakow,dc=pl",
            "cn=zszo-connector,ou=system,dc=zszo,dc=krakow,dc=pl",
            SecretString::from("hunter2-very-secret"),
        );
        let shown = format!("{o:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert_eq!(o.eppn_scope, "zszo.krakow.pl");
        assert!(!o.wants_tls());
    }

    #[test]
    fn tls_is_wanted_for_ldaps_and_starttls() {
        let mut o = LdapOptions::new("LDAPS://h", "dc=x", "cn=s,dc=x", SecretString::from("p"));
        assert!(o.wants_tls());
        o.url = "ldap://h".into();
        o.starttls = true;
        assert!(o.wants_tls());
    }

    #[test]
    fn without_a_ca_file_the_system_roots_are_used() {
        assert!(tls_config(None).unwrap().is_none());
    }

    #[test]
    fn a_missing_or_empty_ca_file_is_a_clear_error() {
        let missing = tls_config(Some(Path::new("/nonexistent/ca.pem"))).unwrap_err();
        assert!(
            missing.to_string().contains("/nonexistent/ca.pem"),
            "{missing}"
        );
        assert!(missing.to_string().contains("cannot be read"), "{missing}");

        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let e = tls_config(Some(&empty)).unwrap_err();
        assert!(e.to_string().contains("holds no PEM certificate"), "{e}");

        let garbage = dir.path().join("garbage.pem");
        std::fs::write(
            &garbage,
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let e = tls_config(Some(&garbage)).unwrap_err();
        assert!(e.to_string().contains("garbage.pem"), "{e}");
    }

    #[tokio::test]
    async fn starttls_with_an_ldaps_url_is_refused_before_connecting() {
        let mut o = LdapOptions::new(
            "ldaps://127.0.0.1:1",
            "dc=x",
            "cn=s,dc=x",
            SecretString::from("p"),
        );
        o.starttls = true;
        let e = open(&o, &o.url, None).await.unwrap_err();
        assert!(
            e.to_string().contains("StartTLS needs an ldap:// URL"),
            "{e}"
        );
        o.url = "http://127.0.0.1:1".into();
        o.starttls = false;
        assert!(open(&o, &o.url, None)
            .await
            .unwrap_err()
            .to_string()
            .contains("unsupported"));
    }
}
