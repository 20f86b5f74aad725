//! Issue 12, item 5: behind a trusted reverse proxy the forwarded client address is what the
//! throttle counts, and failures slow down the failing login and address only: a flood from
//! one address does not refuse an administrator at another address.

use crate::panel_support::PanelApp;
use reqwest::StatusCode;

const FORWARDED: &str = "x-forwarded-for";

#[tokio::test]
async fn a_flood_from_one_address_through_the_proxy_does_not_refuse_an_administrator_elsewhere() {
    let app = PanelApp::start_edited("", None, |c| {
        c.server.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let admin = app.local_admin.clone();
    let attacker = app.browser().with_header(FORWARDED, "203.0.113.66");
    // Failures with the administrator's own login, then with random ones: past both limits.
    for i in 0..25 {
        let login = if i < 6 {
            admin.login.clone()
        } else {
            format!("zgadywany.{i}")
        };
        let r = attacker.sign_in(&login, "zle-haslo-123456").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    // The attacker's address is refused even with the right password …
    let r = attacker.sign_in(&admin.login, &admin.password).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    // … a client-written address in front of the proxy's does not get around it …
    let spoofing = app
        .browser()
        .with_header(FORWARDED, "198.51.100.99, 203.0.113.66");
    let r = spoofing.sign_in(&admin.login, &admin.password).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    // … and the administrator at another address signs in.
    let office = app.browser().with_header(FORWARDED, "198.51.100.7");
    let r = office.sign_in(&admin.login, &admin.password).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let records = app.audit_of("panel.sign_in").await;
    assert_eq!(records[0].record.details["address"], "198.51.100.7");
    assert!(records[1..]
        .iter()
        .all(|r| r.record.details["address"] == "203.0.113.66"));
}

#[tokio::test]
async fn without_trusted_proxies_a_forwarded_header_is_not_believed() {
    let app = PanelApp::start().await;
    let b = app.browser().with_header(FORWARDED, "203.0.113.66");
    let r = b.sign_in("nikt.taki", "zle-haslo-123456").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let records = app.audit_of("panel.sign_in").await;
    assert_eq!(records[0].record.details["address"], "127.0.0.1");
}
