//! The people the scenarios address: existing people with their entry ids, the panel's
//! administrator, and how many namesakes the creations' login allocation meets.

use super::*;

/// How many people of the city hold a login candidate of each create template's name (the
/// namesakes its login allocation must step over, before the bench's own creations add to
/// them): p50, p90, max.
pub(crate) fn namesake_families(city: &City, templates: &[GenPerson]) -> Value {
    // A candidate is the base or the base with a number: its family is the login without
    // its trailing digits.
    let family = |login: &str| {
        login
            .trim_end_matches(|c: char| c.is_ascii_digit())
            .to_owned()
    };
    let mut per_family: std::collections::HashMap<String, usize> = Default::default();
    for login in logins(city) {
        *per_family.entry(family(login.as_str())).or_default() += 1;
    }
    let mut sizes: Vec<usize> = templates
        .iter()
        .filter_map(|t| zszo_connector::domain::login_candidates(&t.name).next())
        .map(|base| per_family.get(&family(base.as_str())).copied().unwrap_or(0))
        .collect();
    sizes.sort_unstable();
    let at = |q: f64| sizes[((sizes.len() - 1) as f64 * q) as usize];
    let (p50, p90, max) = (at(0.5), at(0.9), at(1.0));
    eprintln!("namesake families of the create templates: p50 {p50}, p90 {p90}, max {max}");
    json!({"p50": p50, "p90": p90, "max": max})
}

/// Up to `n` people of the city with their entry ids (read directly, 64 at a time).
pub(crate) async fn known_people(
    site: &Site,
    city: &City,
    layout: &Layout,
    n: usize,
) -> Vec<Known> {
    let logins = logins(city);
    let step = (city.people.len() / n).max(1);
    let picks: Vec<usize> = (0..city.people.len()).step_by(step).take(n).collect();
    let ldap = site.service_connection().await;
    let mut out = Vec::with_capacity(picks.len());
    for chunk in picks.chunks(64) {
        let lookups: Vec<_> = chunk
            .iter()
            .map(|&i| {
                let mut ldap = ldap.clone();
                let p = &city.people[i];
                let mut known = Known {
                    user_name: p.user_name.clone(),
                    family_prefix: p.name.family.as_str().chars().take(4).collect(),
                    dn: layout.person_dn(&p.employment.primary, &logins[i]),
                    id: String::new(),
                };
                tokio::spawn(async move {
                    let (entries, _) = ldap
                        .search(&known.dn, Scope::Base, "(objectClass=*)", vec!["entryUUID"])
                        .await
                        .unwrap()
                        .success()
                        .unwrap();
                    let e = SearchEntry::construct(entries.into_iter().next().unwrap());
                    known.id = e.attrs["entryUUID"][0].clone();
                    known
                })
            })
            .collect();
        for l in lookups {
            out.push(l.await.unwrap());
        }
    }
    out
}

/// Makes the first known person a system administrator with a known password (for the panel).
pub(crate) async fn make_admin(site: &Site, who: &Known) -> (String, String) {
    let password = format!("Ławka-{}-Bench", site::password());
    let hash = zszo_connector::slapd::argon2_userpassword(&password).unwrap();
    let mut ldap = site.service_connection().await;
    ldap.modify(
        &who.dn,
        vec![
            Mod::Replace("userPassword".to_owned(), HashSet::from([hash])),
            Mod::Replace(
                "zszoAccountState".to_owned(),
                HashSet::from(["active".to_owned()]),
            ),
        ],
    )
    .await
    .unwrap()
    .success()
    .unwrap();
    let admins = format!("cn=administratorzy-systemu,ou=system,{BASE_DN}");
    ldap.modify(
        &admins,
        vec![Mod::Add(
            "member".to_owned(),
            HashSet::from([who.dn.clone()]),
        )],
    )
    .await
    .unwrap()
    .success()
    .unwrap();
    let (entries, _) = ldap
        .search(&who.dn, Scope::Base, "(objectClass=*)", vec!["uid"])
        .await
        .unwrap()
        .success()
        .unwrap();
    let login = SearchEntry::construct(entries.into_iter().next().unwrap()).attrs["uid"][0].clone();
    (login, password)
}
