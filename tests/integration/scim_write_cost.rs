//! What one SCIM write costs the directory (issue 17), counted in the real daemon's own
//! `/metrics` (`zszo_ldap_operation_duration_seconds_count` by operation), so that a search
//! put back on a write path shows here and not only in a benchmark:
//! - `POST /Users`: one search (the namesakes' logins; three for a family of 200) and one
//!   add; no userName search
//!   (slapo-unique refuses a taken userName in the add) and no read after the add (the add's
//!   Post-Read answer carries the entry);
//! - a Bulk `POST` of new people: the same (the idempotent replay's `externalId` lookup
//!   follows only an add that slapo-unique refused for a taken `externalId`);
//! - `GET /Users/{id}` of a school's local administrator: one search (the role group in
//!   their `memberOf` is never one of their SCIM `groups`, and is not looked up);
//! - `PATCH /Users/{id}` by a school's client: two searches (the person as the client sees
//!   it, which the adapter then modifies from, asserting its version; the person's manager the
//!   client may not see) and one modify, whose Post-Read answer is the result (the adapter's
//!   own read of the entry and a read after the write were a third and a fourth search).
//!
//! The daemon runs alone in its process; its periodic jobs do not search the directory within
//! the seconds this takes, so the counts are exact.

use crate::faults_daemon::{serve, site_with_server_lines};
use crate::faults_support::bulk_of_people;
use crate::scim_support::{okta_user, scim_call};
use reqwest::Method;

/// The number of LDAP operations of each kind the daemon has done so far.
async fn ldap_operations(metrics_port: u16, operation: &str) -> u64 {
    let text = crate::common::get_text(&format!("http://127.0.0.1:{metrics_port}/metrics")).await;
    let series = format!("zszo_ldap_operation_duration_seconds_count{{operation=\"{operation}\"}}");
    text.lines()
        .find_map(|l| l.strip_prefix(series.as_str()))
        .map_or(0, |n| n.trim().parse().unwrap())
}

/// Searches, adds and modifies so far.
async fn counts(metrics_port: u16) -> (u64, u64, u64) {
    (
        ldap_operations(metrics_port, "search").await,
        ldap_operations(metrics_port, "add").await,
        ldap_operations(metrics_port, "modify").await,
    )
}

fn since(before: (u64, u64, u64), after: (u64, u64, u64)) -> (u64, u64, u64) {
    (after.0 - before.0, after.1 - before.1, after.2 - before.2)
}

#[tokio::test]
async fn scim_writes_ask_the_directory_only_what_they_need() {
    let metrics_port = crate::common::free_port();
    let site = site_with_server_lines(&format!("metrics_listen = \"127.0.0.1:{metrics_port}\""));
    let daemon = serve(&site, 0).await;
    let base = format!("http://127.0.0.1:{}/scim/v2", site.port);
    let http = reqwest::Client::new();
    let call = |method: Method, path: String, body: serde_json::Value| {
        let (http, url, token) = (http.clone(), format!("{base}{path}"), site.token.clone());
        async move { scim_call(&http, &url, &token, method, Some(body)).await }
    };

    let people = 5;
    let before = counts(metrics_port).await;
    let mut ids = Vec::new();
    for i in 0..people {
        let user = okta_user(&site.school, "Koszt", &format!("Tworzenia{i}"));
        let created = call(Method::POST, "/Users".into(), user).await;
        assert_eq!(created.status.as_u16(), 201);
        ids.push(created.body["id"].as_str().unwrap().to_owned());
    }
    let after = counts(metrics_port).await;
    assert_eq!(
        since(before, after),
        (people, people, 0),
        "searches, adds and modifies for {people} creations"
    );

    let mut bulk = bulk_of_people(&site.school, "koszt", people as usize);
    // Names of this test's own: the fault tests' Bulk people share one set of names in the
    // shared directory, and a larger family of namesakes costs the login probe more searches.
    for op in bulk["Operations"].as_array_mut().unwrap() {
        op["data"]["name"]["givenName"] = "Kosztbulk".into();
    }
    let answer = call(Method::POST, "/Bulk".into(), bulk).await;
    assert_eq!(answer.status.as_u16(), 200);
    let statuses: Vec<_> = answer.body["Operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|op| op["status"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(statuses, vec!["201"; people as usize]);
    let bulked = counts(metrics_port).await;
    assert_eq!(
        since(after, bulked),
        (people, people, 0),
        "searches, adds and modifies for {people} creations in a Bulk"
    );

    for id in &ids {
        let patch = serde_json::json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "title", "value": "pedagog"}],
        });
        let patched = call(Method::PATCH, format!("/Users/{id}"), patch).await;
        assert_eq!(patched.status.as_u16(), 200);
        assert_eq!(
            patched.body["title"], "pedagog",
            "the answer is the entry as written"
        );
    }
    let patched = counts(metrics_port).await;
    assert_eq!(
        since(bulked, patched),
        (2 * people, 0, people),
        "searches, adds and modifies for {people} PATCHes"
    );

    // A large family of namesakes (200, added straight to the directory): the next one's
    // login costs three searches (`ldap/login_probe.rs`), not 13 (probing 16 candidates per
    // search).
    let (given, family) = ("Koszt", "Imiennik");
    add_namesakes(
        &site.school,
        &format!("{}.{}", given, family).to_lowercase(),
        200,
    )
    .await;
    let user = okta_user(&site.school, given, family);
    let created = call(Method::POST, "/Users".into(), user).await;
    assert_eq!(created.status.as_u16(), 201);
    assert_eq!(
        created.body["urn:zszo:params:scim:schemas:extension:zszo:2.0:User"]["login"],
        "koszt.imiennik201"
    );
    let after_namesakes = counts(metrics_port).await;
    assert_eq!(
        since(patched, after_namesakes),
        (3, 1, 0),
        "searches, adds and modifies for the 201st namesake"
    );

    // A school's local administrator read through SCIM: one search. Their `memberOf` holds
    // only the role group, which is never among a person's `groups` (it took a second search
    // to find that out).
    let admin_id = &ids[0];
    let mut admin = crate::common::connect_admin().await;
    let role_group = crate::common::dn(&format!(
        "cn=administratorzy-lokalni,ou=grupy,ou={},ou=placowki",
        ldap3::dn_escape(&site.school)
    ));
    let member = created_dn(&mut admin, admin_id).await;
    admin
        .modify(
            &role_group,
            vec![ldap3::Mod::Add("member", [member.as_str()].into())],
        )
        .await
        .unwrap()
        .success()
        .unwrap();
    let _ = admin.unbind().await;
    let before_read = counts(metrics_port).await;
    let url = format!("{base}/Users/{admin_id}");
    let read = scim_call(&http, &url, &site.token, Method::GET, None).await;
    assert_eq!(read.status.as_u16(), 200);
    assert_eq!(
        read.body["groups"],
        serde_json::Value::Null,
        "no SCIM group"
    );
    assert_eq!(
        since(before_read, counts(metrics_port).await),
        (1, 0, 0),
        "searches, adds and modifies for reading a local administrator"
    );
    daemon.stop();
}

/// The DN of the person whose `entryUUID` is `id`, read as the rootdn.
async fn created_dn(admin: &mut ldap3::Ldap, id: &str) -> String {
    let (found, _) = admin
        .search(
            &crate::common::dn("ou=placowki"),
            ldap3::Scope::Subtree,
            &format!("(entryUUID={id})"),
            vec!["1.1"],
        )
        .await
        .unwrap()
        .success()
        .unwrap();
    ldap3::SearchEntry::construct(found.into_iter().next().unwrap()).dn
}

/// `count` entries holding the logins `base`, `base2` … `base<count>` in `school`, added as
/// the rootdn (an older city's namesakes).
async fn add_namesakes(school: &str, base: &str, count: u32) {
    let mut admin = crate::common::connect_admin().await;
    for n in 1..=count {
        let login = if n == 1 {
            base.to_owned()
        } else {
            format!("{base}{n}")
        };
        let dn = crate::common::dn(&format!(
            "uid={login},ou=pracownicy,ou={},ou=placowki",
            ldap3::dn_escape(school)
        ));
        let attrs = vec![
            ("objectClass", ["inetOrgPerson", "zszoPerson"].into()),
            ("uid", [login.as_str()].into()),
            ("cn", ["Koszt Imiennik"].into()),
            ("sn", ["Imiennik"].into()),
        ];
        let attrs: Vec<(&str, std::collections::HashSet<&str>)> = attrs;
        admin.add(&dn, attrs).await.unwrap().success().unwrap();
    }
    let _ = admin.unbind().await;
}
