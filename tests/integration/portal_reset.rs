//! Issue 16: "Nie pamiętam hasła" in the Access Portal against real slapd and real SMTP: the
//! link goes only to the confirmed address, the answer is the same for every login, the link
//! is single use and spends nothing when opened, the policy applies, every session ends, the
//! address is told, each step is audited, and asking again at once is throttled.

use crate::portal_support::{bind_and_search, link_in, PortalApp};
use reqwest::StatusCode;
use zszo_connector::domain::audit::Outcome;

const GOOD: &str = "tramwaj smok obwarzanek wawel";
const NEW: &str = "kawka na rynku pod sukiennicami";
const FORGOT: &str = "/portal/nie-pamietam-hasla";

/// The reset link's path in a mail text.
pub fn reset_link_in(text: &str) -> String {
    let start = text
        .find("https://zszo.example/portal/nowe-haslo/")
        .unwrap_or_else(|| panic!("no reset link in: {text}"));
    let url: String = text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    url.trim_start_matches("https://zszo.example").to_owned()
}

#[tokio::test]
async fn portal_forgotten_password_resets_through_the_confirmed_address_only() {
    let p = PortalApp::start().await;
    let address = "r.zapominalska@example.pl";
    let e = p.employee("Regina", "Zapominalska").await;
    let login = e.person.login.as_str().to_owned();
    p.set_up(&e, GOOD, address).await;
    let link = link_in(p.mail_to(address, 1).await[0].text.as_deref().unwrap());
    let b = p.browser();
    let csrf = b.get(&link).await.csrf().unwrap();
    assert_eq!(
        b.post_form(&link, &[("csrf", &csrf)]).await.status,
        StatusCode::OK
    );
    p.mail_to(&p.admin_email, 2).await;
    // Someone without a confirmed address (awaiting the first sign-in).
    let waiting = p.employee("Witold", "Bezadresowy").await;

    // Later (the confirmation links are limited to one a minute per person, resets too).
    p.app.clock.advance(time::Duration::minutes(5));
    // A session that must end with the reset.
    let other = p.browser();
    assert_eq!(
        p.sign_in(&other, &login, GOOD).await.location(),
        Some("/portal")
    );

    // The sign-in page leads to it; the answer is the same for every login.
    let sign_in = p.browser().get("/portal/logowanie").await;
    assert!(
        sign_in.body.contains(&format!("href=\"{FORGOT}\"")),
        "{}",
        sign_in.body
    );
    let ask = |who: &'static str| {
        let b = p.browser();
        async move { b.submit(FORGOT, FORGOT, &[("login", who)]).await }
    };
    let ok = p
        .browser()
        .submit(FORGOT, FORGOT, &[("login", &login)])
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert!(ok.body.contains("id=\"reset-sent\""), "{}", ok.body);
    assert!(ok.body.contains("Poproś administratora lokalnego placówki"));
    let unknown = ask("nikt.taki").await;
    let no_address = p
        .browser()
        .submit(FORGOT, FORGOT, &[("login", waiting.person.login.as_str())])
        .await;
    let strip = |body: &str| body.split("<main").nth(1).unwrap_or_default().to_owned();
    assert_eq!(strip(&ok.body), strip(&unknown.body));
    assert_eq!(strip(&ok.body), strip(&no_address.body));

    // The link reaches the confirmed address only; opening it twice spends nothing.
    // Mails so far: the confirmation, the administrator's notice, the reset link.
    let mails = p.mail_to(address, 3).await;
    let mail = mails.last().unwrap();
    assert!(mail.subject.contains("Nowe hasło"), "{}", mail.subject);
    let text = mail.text.as_deref().unwrap();
    assert!(
        text.starts_with("Dzień dobry Regina Zapominalska,"),
        "{text}"
    );
    let reset = reset_link_in(text);
    let token = reset.rsplit('/').next().unwrap().to_owned();
    let fresh = p.browser();
    for _ in 0..2 {
        let page = fresh.get(&reset).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("Ustaw nowe hasło"), "{}", page.body);
    }
    // The link is not an address confirmation.
    assert_eq!(
        fresh.get(&format!("/portal/confirm/{token}")).await.status,
        StatusCode::GONE
    );

    // The same policy: a common password typed twice is refused, and the link still works.
    let weak = fresh
        .submit(
            &reset,
            &reset,
            &[
                ("password", "haslo123haslo123"),
                ("password_repeat", "haslo123haslo123"),
            ],
        )
        .await;
    assert_eq!(
        weak.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        weak.body
    );
    assert!(weak.body.contains("zbyt popularne"), "{}", weak.body);
    let done = fresh
        .submit(
            &reset,
            &reset,
            &[("password", NEW), ("password_repeat", NEW)],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("id=\"password-reset\""), "{}", done.body);

    // The new password binds, the old one does not; the other session is gone; single use.
    assert_eq!(bind_and_search(&e.person.entry.dn, NEW).await.0, 0);
    assert_ne!(bind_and_search(&e.person.entry.dn, GOOD).await.0, 0);
    let after = other.get("/portal").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER, "{}", after.body);
    let csrf = fresh.get(FORGOT).await.csrf().unwrap();
    let again = fresh
        .post_form(
            &reset,
            &[("password", NEW), ("password_repeat", NEW), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(again.status, StatusCode::GONE, "{}", again.body);
    assert_eq!(fresh.get(&reset).await.status, StatusCode::GONE);

    // The address is told; nothing was ever sent to the person without an address.
    let mails = p.mail_to(address, 4).await;
    assert!(
        mails
            .last()
            .unwrap()
            .subject
            .contains("Hasło zostało zmienione"),
        "{}",
        mails.last().unwrap().subject
    );
    let all = p.smtp.wait_for(4, std::time::Duration::from_secs(5)).await;
    assert!(
        all.iter()
            .flat_map(|m| &m.recipients)
            .all(|r| r == address || *r == p.admin_email),
        "mail only to the confirmed address (and the administrator's notice)"
    );

    // Asking again at once is throttled (per person); nothing is sent.
    p.browser()
        .submit(FORGOT, FORGOT, &[("login", &login)])
        .await;
    let requested = p.app.audit_of("password.reset_requested").await;
    let outcomes: Vec<&Outcome> = requested.iter().map(|r| &r.record.outcome).collect();
    assert_eq!(requested.len(), 4, "{outcomes:?}");
    assert_eq!(
        outcomes.iter().filter(|o| ***o == Outcome::Success).count(),
        1,
        "{outcomes:?}"
    );
    for reason in ["unknown_login", "wrong_state", "rate_limit_exceeded"] {
        assert!(
            outcomes
                .iter()
                .any(|o| **o == Outcome::Failure(reason.into())),
            "{reason} in {outcomes:?}"
        );
    }
    let resets = p.app.audit_of("account.password_reset").await;
    assert_eq!(resets.len(), 3, "the refused, the good and the spent one");
    let audit = p.app.audit_text().await;
    for secret in [token.as_str(), NEW] {
        assert!(!audit.contains(secret), "audit holds a secret");
    }
}
