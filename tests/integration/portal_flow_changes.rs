//! The portal after activation: changing the e-mail address or the password needs the
//! current password, keeps the policy, and tells the old address.

use super::*;

#[tokio::test]
async fn portal_password_and_email_changes_need_the_current_password_and_tell_the_old_address() {
    let p = PortalApp::start().await;
    let e = p.employee("Celina", "Zmieniacka").await;
    p.set_up(&e, GOOD, "celina@example.pl").await;
    let link = p.link_for("celina@example.pl", 1).await;
    assert_eq!(confirm(&p.browser(), &link).await.status, StatusCode::OK);
    let login = e.person.login.as_str().to_owned();
    let b = p.browser();
    p.sign_in(&b, &login, GOOD).await;
    // The activation's two mails (confirmation, administrators' notice) are in first: the
    // sender delivers the notice after the confirmation page answered.
    p.mail_to(&p.admin_email, 2).await;
    let sent = p.smtp.messages().len();
    assert_eq!(sent, 2);

    // The address: without or with a wrong current password nothing happens.
    let r = b
        .submit(
            "/portal/email",
            "/portal/email",
            &[("email", "celina.nowy@example.pl")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = b
        .submit(
            "/portal/email",
            "/portal/email",
            &[
                ("email", "celina.nowy@example.pl"),
                ("current_password", "wrong wrong wrong wrong"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // (Confirmation mails are throttled per person: one a minute.)
    p.app.clock.advance(time::Duration::seconds(61));
    let r = b
        .submit(
            "/portal/email",
            "/portal/email",
            &[
                ("email", "celina.nowy@example.pl"),
                ("current_password", GOOD),
            ],
        )
        .await;
    assert_eq!(r.location(), Some("/portal?zapisano=1"), "{}", r.body);
    let mails = p
        .smtp
        .wait_for(sent + 2, std::time::Duration::from_secs(20))
        .await;
    let to_old: Vec<_> = mails[sent..]
        .iter()
        .filter(|m| m.recipients == ["celina@example.pl"])
        .collect();
    assert_eq!(to_old.len(), 1, "the old address is told");
    assert!(to_old[0]
        .text
        .as_deref()
        .unwrap()
        .contains("c***@example.pl"));
    let link = p.link_for("celina.nowy@example.pl", sent + 2).await;
    assert_eq!(
        person_now(&p.app, &e.person.entry.id).await.profile.emails[0].value,
        "celina@example.pl"
    );
    assert_eq!(confirm(&p.browser(), &link).await.status, StatusCode::OK);
    assert_eq!(
        person_now(&p.app, &e.person.entry.id).await.profile.emails[0].value,
        "celina.nowy@example.pl"
    );
    assert!(!p.app.audit_of("email.changed").await.is_empty());

    // The password: the current one required; the policy applies; the address is told.
    let new = "zielona łąka nad wisłą latem";
    let r = b
        .submit(
            "/portal/haslo",
            "/portal/haslo",
            &[
                ("current_password", ""),
                ("password", new),
                ("password_repeat", new),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = b
        .submit(
            "/portal/haslo",
            "/portal/haslo",
            &[
                ("current_password", GOOD),
                ("password", "Password123456789"),
                ("password_repeat", "Password123456789"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let other = p.browser();
    p.sign_in(&other, &login, GOOD).await;
    let r = b
        .submit(
            "/portal/haslo",
            "/portal/haslo",
            &[
                ("current_password", GOOD),
                ("password", new),
                ("password_repeat", new),
            ],
        )
        .await;
    assert_eq!(r.location(), Some("/portal?haslo=1"), "{}", r.body);
    assert_eq!(bind_and_search(&e.person.entry.dn, new).await, (0, true));
    assert_eq!(bind_and_search(&e.person.entry.dn, GOOD).await.0, 49);
    // The other browser's session ended; this one continues with a new id.
    assert_eq!(
        other.get("/portal").await.location(),
        Some("/portal/logowanie")
    );
    assert_eq!(b.get("/portal").await.status, StatusCode::OK);
    let all = p
        .smtp
        .wait_for(sent + 3, std::time::Duration::from_secs(20))
        .await;
    assert!(all
        .iter()
        .any(|m| m.subject.contains("Hasło zostało zmienione")
            && m.recipients == ["celina.nowy@example.pl"]));
    assert!(!p.app.audit_of("account.password_changed").await.is_empty());
}
