//! Unit tests of the hand-over slip and its times (Warsaw's, with summer time).

use super::*;

#[test]
fn the_slip_has_login_password_portal_expiry_and_steps() {
    let html = slip_for("lukasz.nowak");
    for s in [
        "Karta przekazania konta ZSZO",
        "lukasz.<wbr>nowak",
        "k7dm-2xqa-pv9e-h3ct-wz4n",
        "https://zszo.example/portal",
        "19 czerwca 2025, 14:03",
        "Ustaw własne, nowe hasło",
        "Hasło jednorazowe jest widoczne tylko teraz",
        "Anna Admin (anna.admin)",
    ] {
        assert!(html.contains(s), "{s} missing in {html}");
    }
    assert_eq!(html.matches("<li>").count(), 6);
}

#[test]
fn warsaw_time_follows_summer_time() {
    // Winter: UTC+1; summer: UTC+2; the switch at 01:00 UTC on the last Sunday.
    assert_eq!(
        date_time(Lang::Pl, datetime!(2025-01-10 12:00 UTC)),
        "10 stycznia 2025, 13:00"
    );
    assert_eq!(
        date_time(Lang::En, datetime!(2025-07-10 12:00 UTC)),
        "10 July 2025, 14:00"
    );
    assert_eq!(warsaw(datetime!(2025-03-30 00:59 UTC)).hour(), 1);
    assert_eq!(warsaw(datetime!(2025-03-30 01:00 UTC)).hour(), 3);
    assert_eq!(warsaw(datetime!(2025-10-26 00:59 UTC)).hour(), 2);
    assert_eq!(warsaw(datetime!(2025-10-26 01:00 UTC)).hour(), 2);
    assert_eq!(
        warsaw(datetime!(2025-10-26 01:00 UTC))
            .offset()
            .whole_hours(),
        1
    );
}

fn slip_for(login: &str) -> String {
    let p = person(AccountState::AwaitingFirstLogin);
    slip(&Slip {
        lang: Lang::Pl,
        person: &p,
        school: "Szkoła Podstawowa nr 1 (SP1)",
        login,
        password: "k7dm-2xqa-pv9e-h3ct-wz4n",
        portal_url: "https://zszo.example/portal",
        expires_at: datetime!(2025-06-19 12:03 UTC),
        issued_at: datetime!(2025-06-12 12:03 UTC),
        issued_by: "Anna Admin (anna.admin)",
        back: "/panel/pracownicy?szkola=SP1",
    })
    .into_string()
}

#[test]
fn the_slip_names_the_school_breaks_a_login_only_at_dots_and_has_a_receipt_line() {
    let html = slip_for("grzegorz.brzeczyszczykiewicz");
    assert!(html.contains("Szkoła Podstawowa nr 1 (SP1)"), "{html}");
    assert!(
        html.contains(
            r#"<code class="secret" id="login">grzegorz.<wbr>brzeczyszczykiewicz</code>"#
        ),
        "{html}"
    );
    assert!(html.contains("Potwierdzam odbiór loginu i hasła jednorazowego"));
    assert!(html.contains("(data i podpis pracownika)"));
    let css = include_str!("panel.css");
    assert!(css.contains("word-break: keep-all") && !css.contains("overflow-wrap: anywhere"));
}

#[test]
fn printed_forms_hide_the_web_heading() {
    let css = include_str!("panel.css");
    assert!(
        css.contains("main:has(article.form-doc) > h1 { display: none; }"),
        "{css}"
    );
}
