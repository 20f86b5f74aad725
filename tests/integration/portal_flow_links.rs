//! The portal's confirmation mail and link over HTTP: links that expire and are personal,
//! throttled resending, the outbox while SMTP is down (sent exactly once, never after the
//! token expired), and activation when no administrator has an address to notify.

use super::*;

#[tokio::test]
async fn portal_links_expire_are_personal_and_resending_is_throttled() {
    let p = PortalApp::start().await;
    let a = p.employee("Anna", "Expirowska").await;
    let b_person = p.employee("Bogdan", "Obcy").await;
    let browser_a = p.set_up(&a, GOOD, "anna@example.pl").await;
    let browser_b = p
        .set_up(&b_person, "zupełnie inne długie hasło", "bogdan@example.pl")
        .await;
    let link_a = p.link_for("anna@example.pl", 2).await;

    // B's session cannot use A's link.
    let r = confirm(&browser_b, &link_a).await;
    assert_eq!(r.status, StatusCode::GONE, "{}", r.body);
    let failures = p.app.audit_of("email.confirmed").await;
    assert!(failures.iter().any(|f| f.record.outcome
        == zszo_connector::domain::audit::Outcome::Failure("wrong_person".into())));

    // "Send again" at once: throttled; a minute later: a new link, the old one dead.
    let r = browser_a
        .submit(
            "/portal",
            "/portal/wyslij-ponownie",
            &[("email", "anna@example.pl")],
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    p.app.clock.advance(time::Duration::seconds(61));
    let r = browser_a
        .submit(
            "/portal",
            "/portal/wyslij-ponownie",
            &[("email", "anna@example.pl")],
        )
        .await;
    assert_eq!(r.location(), Some("/portal?zapisano=1"), "{}", r.body);
    let newer = p.link_for("anna@example.pl", 3).await;
    assert_ne!(newer, link_a);
    assert_eq!(p.browser().get(&link_a).await.status, StatusCode::GONE);

    // Expiry by the clock: 24 h minus a second still works for B…
    let link_b = p.link_for("bogdan@example.pl", 3).await;
    p.app
        .clock
        .advance(time::Duration::hours(24) - time::Duration::seconds(62));
    let ok = confirm(&p.browser(), &link_b).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    // … and A's (issued 61 s after B's) is expired a little later.
    p.app.clock.advance(time::Duration::seconds(62));
    let late = confirm(&p.browser(), &newer).await;
    assert_eq!(late.status, StatusCode::GONE);
    assert_eq!(
        person_now(&p.app, &a.person.entry.id).await.account_state,
        AccountState::AwaitingEmailConfirmation
    );
    let failures = p.app.audit_of("email.confirmed").await;
    assert!(failures.iter().any(|f| f.record.outcome
        == zszo_connector::domain::audit::Outcome::Failure("token_expired".into())));
}

#[tokio::test]
async fn portal_mail_waits_while_smtp_is_down_and_is_sent_exactly_once_after() {
    let mut p = PortalApp::start().await;
    let e = p.employee("Stefan", "Bezpoczty").await;
    p.smtp.stop();
    let b = p.set_up(&e, GOOD, "stefan@example.pl").await;
    let home = b.get("/portal?zapisano=1").await;
    assert!(home.body.contains("wyślemy za chwilę"), "{}", home.body);
    // The attempt fails and is recorded; the message stays queued.
    for _ in 0..100 {
        if !p.app.audit_of("mail.failed").await.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(!p.app.audit_of("mail.failed").await.is_empty());
    assert_eq!(p.app.state.outbox_depth().await.unwrap(), 1);
    p.smtp.start_again();
    p.app.clock.advance(time::Duration::seconds(31));
    let mails = p.smtp.wait_for(1, std::time::Duration::from_secs(20)).await;
    assert_eq!(mails.len(), 1);
    // Later passes send nothing more.
    p.app.clock.advance(time::Duration::minutes(20));
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert_eq!(p.smtp.messages().len(), 1);
    assert_eq!(p.app.state.outbox_depth().await.unwrap(), 0);
    let link = link_in(mails[0].text.as_deref().unwrap());
    assert_eq!(confirm(&p.browser(), &link).await.status, StatusCode::OK);
}

#[tokio::test]
async fn portal_a_token_is_never_sent_after_it_expired() {
    let mut p = PortalApp::start().await;
    let e = p.employee("Tadeusz", "Spoznialski").await;
    p.smtp.stop();
    p.set_up(&e, GOOD, "tadeusz@example.pl").await;
    p.app.clock.advance(time::Duration::hours(25));
    p.smtp.start_again();
    for _ in 0..100 {
        if p.app.state.outbox_depth().await.unwrap() == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(p.app.state.outbox_depth().await.unwrap(), 0);
    assert!(p.smtp.messages().is_empty());
    let expired = zszo_connector::domain::audit::Outcome::Failure("expired_before_sending".into());
    let mut recorded = false;
    for _ in 0..50 {
        let dropped = p.app.audit_of("mail.failed").await;
        recorded = dropped.iter().any(|r| r.record.outcome == expired);
        if recorded {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(recorded, "the dropped message is audited");
}

/// Issue 16: with no local administrator who has an address, the confirmation page claims
/// no notice (it asks the employee to tell them), no notice is queued, and the activation
/// is on the panel's start page. The mail greets the person by name, not by login.
#[tokio::test]
async fn portal_no_notice_is_claimed_when_no_administrator_has_an_address() {
    let p = PortalApp::start().await;
    // Take the administrator's address away again.
    let mut ldap = crate::common::connect_admin().await;
    ldap.modify(
        &p.app.local_admin.dn,
        vec![ldap3::Mod::Delete(
            "mail",
            std::collections::HashSet::<&str>::new(),
        )],
    )
    .await
    .unwrap()
    .success()
    .unwrap();
    let _ = ldap.unbind().await;

    let e = p.employee("Anna", "Bezpowiadomienia").await;
    p.set_up(&e, GOOD, "anna.b@example.pl").await;
    let mails = p.mail_to("anna.b@example.pl", 1).await;
    let text = mails[0].text.as_deref().unwrap();
    assert!(
        text.starts_with("Dzień dobry Anna Bezpowiadomienia,"),
        "{text}"
    );
    assert!(!text.contains(&format!("Dzień dobry {}", e.person.login.as_str())));
    let link = link_in(text);
    let scanner = p.browser();
    let csrf = scanner.get(&link).await.csrf().unwrap();
    let r = scanner.post_form(&link, &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body.contains("nie wysłaliśmy powiadomienia"),
        "{}",
        r.body
    );
    assert!(!r.body.contains("wysyłamy administratorowi"), "{}", r.body);
    let activated = p.app.audit_of("account.activated").await;
    assert_eq!(activated[0].record.details["administrators_notified"], "0");

    // The panel's start page shows the new account and tells the administrator why no
    // mail reached them.
    let admin = p.app.signed_in(&p.app.local_admin).await;
    let start = admin.get("/panel").await;
    assert_eq!(start.status, StatusCode::OK, "{}", start.body);
    assert!(
        start.body.contains("Anna Bezpowiadomienia"),
        "{}",
        start.body
    );
    assert!(
        start
            .body
            .contains("Nie masz w ZSZO potwierdzonego adresu e-mail"),
        "{}",
        start.body
    );
    // A system administrator sees the school as one where nobody can be notified.
    let system = p.app.signed_in(&p.app.system_admin).await;
    let city = system.get("/panel").await;
    assert!(
        city.body
            .contains("Placówki, w których nikt nie dostanie powiadomienia"),
        "{}",
        city.body
    );
    assert!(city.body.contains(&p.app.school_a), "{}", city.body);
}
