//! `ports::SsoClients` over slapd: SSO service accounts as entries under `ou=sso,ou=system`
//! (`applicationProcess` + `simpleSecurityObject` + `zszoSsoClient`). What they may read is
//! decided by slapd's ACL from `zszoSsoSchoolCode` / `zszoSsoCityWide` (src/slapd/acl.rs).

use super::mapping::{attr, generalized_time, ou_attrs, parse_generalized_time, AddAttr};
use super::LdapDirectory;
use crate::domain::{SchoolCode, SsoClientName, SsoScope};
use crate::ports::{
    DirectoryError, DirectoryResult, NewSsoClient, SchoolDirectory, SsoClient, SsoClients,
};
use async_trait::async_trait;
use ldap3::SearchEntry;

const SSO_ATTRS: &[&str] = &[
    "cn",
    "zszoSsoSchoolCode",
    "zszoSsoCityWide",
    "zszoAccountCreatedBy",
    "zszoAccountCreatedAt",
];

fn values<'a>(entry: &'a SearchEntry, name: &str) -> &'a [String] {
    entry
        .attrs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_slice())
        .unwrap_or_default()
}

fn client_from_entry(entry: &SearchEntry) -> DirectoryResult<SsoClient> {
    let bad = |what: &str| DirectoryError::Other(format!("SSO client {}: {what}", entry.dn));
    let name = values(entry, "cn")
        .first()
        .and_then(|cn| SsoClientName::parse(cn).ok())
        .ok_or_else(|| bad("cn"))?;
    let city_wide = values(entry, "zszoSsoCityWide")
        .first()
        .is_some_and(|v| v.eq_ignore_ascii_case("TRUE"));
    let scope = if city_wide {
        SsoScope::CityWide
    } else {
        let codes = values(entry, "zszoSsoSchoolCode")
            .iter()
            .map(|c| SchoolCode::parse(c))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| bad("zszoSsoSchoolCode"))?;
        SsoScope::Schools(codes)
    };
    Ok(SsoClient {
        name,
        dn: entry.dn.clone(),
        scope,
        created_by: values(entry, "zszoAccountCreatedBy").first().cloned(),
        created_at: values(entry, "zszoAccountCreatedAt")
            .first()
            .and_then(|t| parse_generalized_time(t)),
    })
}

#[async_trait]
impl SsoClients for LdapDirectory {
    async fn create_sso_client(&self, client: &NewSsoClient) -> DirectoryResult<SsoClient> {
        // The stored codes are the schools' own spelling, so the ACL's set comparison of
        // `zszoSsoSchoolCode` with people's `zszoSchoolCode` sees the same strings.
        let scope = match &client.scope {
            SsoScope::CityWide => SsoScope::CityWide,
            SsoScope::Schools(codes) => {
                let mut found = Vec::with_capacity(codes.len());
                for code in codes {
                    let school = self
                        .find_school(code)
                        .await?
                        .ok_or_else(|| DirectoryError::NotFound(format!("school {code}")))?;
                    found.push(school.school.code);
                }
                SsoScope::Schools(found)
            }
        };
        let container = self.layout().sso_dn();
        // Older directories have no ou=sso yet; the service may create it (ACL).
        self.add_if_missing(&container, ou_attrs("sso")).await?;
        let dn = self.layout().sso_client_dn(&client.name);
        let mut attrs: Vec<AddAttr> = vec![
            attr(
                "objectClass",
                [
                    "applicationProcess",
                    "simpleSecurityObject",
                    "zszoSsoClient",
                ],
            ),
            attr("cn", [client.name.as_str()]),
            attr(
                "userPassword",
                [format!("{{ARGON2}}{}", client.secret_hash.0)],
            ),
            attr("zszoAccountCreatedBy", [client.created_by.as_str()]),
            attr(
                "zszoAccountCreatedAt",
                [generalized_time(client.created_at)],
            ),
        ];
        match &scope {
            SsoScope::CityWide => attrs.push(attr("zszoSsoCityWide", ["TRUE"])),
            SsoScope::Schools(codes) => attrs.push(attr(
                "zszoSsoSchoolCode",
                codes.iter().map(SchoolCode::as_str),
            )),
        }
        match self.pool().add(&dn, attrs).await {
            Ok(()) => {}
            Err(e) if e.rc() == Some(super::error::rc::ENTRY_ALREADY_EXISTS) => {
                return Err(DirectoryError::AlreadyExists {
                    taken: crate::ports::Unique::Entry,
                    context: format!("SSO client {}", client.name),
                })
            }
            Err(e) => return Err(e.into_directory(&dn)),
        }
        Ok(SsoClient {
            name: client.name.clone(),
            dn,
            scope,
            created_by: Some(client.created_by.clone()),
            created_at: Some(client.created_at),
        })
    }

    async fn list_sso_clients(&self) -> DirectoryResult<Vec<SsoClient>> {
        let base = self.layout().sso_dn();
        let mut clients = self
            .children(&base, "zszoSsoClient", SSO_ATTRS, client_from_entry)
            .await?;
        clients.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(clients)
    }

    async fn revoke_sso_client(&self, name: &SsoClientName) -> DirectoryResult<bool> {
        let dn = self.layout().sso_client_dn(name);
        match self.pool().delete(&dn).await {
            Ok(()) => Ok(true),
            Err(e) if e.rc() == Some(super::error::rc::NO_SUCH_OBJECT) => Ok(false),
            Err(e) => Err(e.into_directory(&dn)),
        }
    }
}
