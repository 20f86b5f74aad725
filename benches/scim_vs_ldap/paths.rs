//! The two paths of each scenario, one operation each: through SCIM (`scim_…`) and directly
//! to slapd (`direct_…`), as [`Parts`] methods that `load` runs from many workers.

use super::{Known, PATCH_SCHEMA};
use crate::site::{BASE_DN, EPPN};
use ldap3::controls::PagedResults;
use ldap3::{Ldap, Mod, Scope};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use zszo_connector::citygen::{profile, user_json, GenPerson};
use zszo_connector::domain::{EmployeeNumber, LoginName};
use zszo_connector::ldap::person_map::person_attrs;
use zszo_connector::ldap::Layout;
use zszo_connector::ports::NewPerson;

/// The title PATCH number `i` of a path sets: never one the person had before, so every PATCH
/// is a write (the connector writes nothing for a PATCH that changes nothing), however often
/// the points' numbers wrap around the known people.
pub(crate) fn title(path: &str, i: usize) -> String {
    format!("{path} {i}")
}

/// Each scenario's two paths as `load` operations: `$op` is a `Parts` method taking the
/// worker and the operation's number.
macro_rules! path {
    ($me:expr, $op:ident) => {{
        let me = $me;
        move |w: usize, i: usize| {
            let me = me.clone();
            async move { me.$op(w, i).await }
        }
    }};
}

/// What the load closures need (`Send + Sync`, without the site's child processes).
pub(crate) struct Parts {
    pub(crate) http: reqwest::Client,
    pub(crate) base: String,
    pub(crate) token: String,
    pub(crate) direct: Vec<Ldap>,
    pub(crate) known: Arc<Vec<Known>>,
    pub(crate) templates: Arc<Vec<GenPerson>>,
    pub(crate) layout: Arc<Layout>,
    pub(crate) created: Arc<AtomicUsize>,
}

impl Parts {
    pub(crate) fn scim(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }

    pub(crate) fn new_person(&self, k: usize) -> GenPerson {
        let mut p = self.templates[k % self.templates.len()].clone();
        p.user_name = format!("bench.{k}@nowi.zszo.example");
        p.external_id = uuid::Uuid::new_v4().to_string();
        p.employee_number = EmployeeNumber::parse(&format!("B{k:07}")).unwrap();
        p
    }

    pub(crate) async fn scim_create(&self, _w: usize, _i: usize) -> bool {
        let k = self.created.fetch_add(1, Ordering::Relaxed);
        let body = user_json(&self.new_person(k));
        let r = self
            .scim(reqwest::Method::POST, "/Users")
            .header("content-type", "application/scim+json")
            .body(body.to_string())
            .send()
            .await;
        r.is_ok_and(|r| r.status() == 201)
    }

    pub(crate) async fn direct_create(&self, w: usize, _i: usize) -> bool {
        self.direct_add(w).await
    }

    pub(crate) async fn scim_get_eq(&self, _w: usize, i: usize) -> bool {
        let who = &self.known[i % self.known.len()];
        let filter = format!("userName eq \"{}\"", who.user_name);
        self.list_users(&[("filter", filter)], |b| b["totalResults"] == 1)
            .await
    }

    pub(crate) async fn direct_get_eq(&self, w: usize, i: usize) -> bool {
        let who = &self.known[i % self.known.len()];
        let filter = format!(
            "(&(objectClass=zszoPerson)(zszoExternalUserName={}))",
            ldap3::ldap_escape(&who.user_name)
        );
        let mut ldap = self.direct[w].clone();
        let r = ldap
            .search(&schools(), Scope::Subtree, &filter, vec!["*", "entryUUID"])
            .await;
        r.ok()
            .and_then(|r| r.success().ok())
            .is_some_and(|(e, _)| e.len() == 1)
    }

    pub(crate) async fn scim_sw(&self, _w: usize, i: usize) -> bool {
        let prefix = &self.known[i % self.known.len()].family_prefix;
        let query = [
            ("filter", format!("name.familyName sw \"{prefix}\"")),
            ("count", "20".to_owned()),
        ];
        self.list_users(&query, |b| {
            b["Resources"].as_array().is_some_and(|a| !a.is_empty())
        })
        .await
    }

    /// `GET /Users` with `query`: whether it answered 200 with a body that passes `check`.
    async fn list_users(
        &self,
        query: &[(&str, String)],
        check: impl FnOnce(&Value) -> bool,
    ) -> bool {
        let r = self
            .scim(reqwest::Method::GET, "/Users")
            .query(query)
            .send()
            .await;
        match r {
            Ok(r) if r.status() == 200 => r.json::<Value>().await.is_ok_and(|b| check(&b)),
            _ => false,
        }
    }

    pub(crate) async fn direct_sw(&self, w: usize, i: usize) -> bool {
        let prefix = &self.known[i % self.known.len()].family_prefix;
        let filter = format!(
            "(&(objectClass=zszoPerson)(sn={}*))",
            ldap3::ldap_escape(prefix)
        );
        let mut ldap = self.direct[w].clone();
        let r = ldap
            .with_controls(PagedResults {
                size: 20,
                cookie: Vec::new(),
            })
            .search(&schools(), Scope::Subtree, &filter, vec!["*", "entryUUID"])
            .await;
        r.ok()
            .and_then(|r| r.success().ok())
            .is_some_and(|(e, _)| !e.is_empty())
    }

    pub(crate) async fn scim_patch(&self, _w: usize, i: usize) -> bool {
        let who = &self.known[i % self.known.len()];
        let body = json!({"schemas": [PATCH_SCHEMA], "Operations": [
            {"op": "replace", "path": "title", "value": title("pedagog", i)}]});
        let r = self
            .scim(reqwest::Method::PATCH, &format!("/Users/{}", who.id))
            .header("content-type", "application/scim+json")
            .body(body.to_string())
            .send()
            .await;
        r.is_ok_and(|r| r.status().is_success())
    }

    pub(crate) async fn direct_patch(&self, w: usize, i: usize) -> bool {
        let who = &self.known[i % self.known.len()];
        let mods = vec![Mod::Replace(
            "title".to_owned(),
            HashSet::from([title("nauczyciel", i)]),
        )];
        let mut ldap = self.direct[w].clone();
        ldap.modify(&who.dn, mods).await.is_ok_and(|r| r.rc == 0)
    }

    /// The LDAP add of a new person's entry as the connector would write it (its own
    /// `person_attrs`), with a login of its own, on worker `w`'s connection.
    pub(crate) async fn direct_add(&self, w: usize) -> bool {
        let k = self.created.fetch_add(1, Ordering::Relaxed);
        let p = self.new_person(k);
        let login = LoginName::parse(&format!("bench{k}")).unwrap();
        let dn = self.layout.person_dn(&p.employment.primary, &login);
        let person = NewPerson {
            login,
            profile: profile(&p),
            credentials: None,
            created_by: String::new(),
        };
        let attrs = person_attrs(&person, &self.layout, EPPN, None, now());
        let mut ldap = self.direct[w].clone();
        ldap.add(&dn, attrs).await.is_ok_and(|r| r.rc == 0)
    }
}

pub(crate) fn schools() -> String {
    format!("ou=placowki,{BASE_DN}")
}

pub(crate) fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}
