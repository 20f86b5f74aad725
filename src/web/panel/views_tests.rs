//! Unit tests of the panel pages' HTML.

use super::*;
use crate::domain::audit::{Actor, AuditRecord, NewAuditRecord};
use maud::PreEscaped;
use time::macros::datetime;

#[path = "views_slip_tests.rs"]
mod slip;

fn person(state: AccountState) -> PersonView {
    PersonView {
        id: "0b6c1a8e-0000-4000-8000-000000000001".into(),
        name: "Łukasz Nowak".into(),
        login: "lukasz.nowak".into(),
        employee_number: Some("E-1001".into()),
        position: Some("nauczyciel matematyki".into()),
        schools: vec!["SP1".into(), "LO5".into()],
        state,
        employment_active: true,
        held: None,
        is_self: false,
    }
}

fn csrf() -> Markup {
    PreEscaped(r#"<input type="hidden" name="csrf" value="tok">"#.to_owned())
}

/// The one school the tests' pages offer.
pub(in crate::web::panel) fn sp1() -> SchoolOption {
    SchoolOption {
        code: "SP1".into(),
        name: "Szkoła Podstawowa nr 1".into(),
    }
}

fn page(rows: &[PersonView], total: usize, page: usize, lang: Lang) -> String {
    let csrf = csrf();
    let schools = [sp1()];
    staff(&StaffPage {
        lang,
        schools: &schools,
        school: "SP1",
        query: "łukasz nowak",
        page,
        total,
        rows,
        csrf: &csrf,
        system_view: false,
    })
    .into_string()
}

#[test]
fn a_row_shows_what_tells_namesakes_apart() {
    let html = page(&[person(AccountState::None)], 1, 1, Lang::Pl);
    for s in [
        "Łukasz Nowak",
        "E-1001",
        "nauczyciel matematyki",
        "SP1, LO5",
        "brak konta",
        r#"<label for="q">"#,
        r#"value="łukasz nowak""#,
        r#"<th scope="col">Nr pracownika</th>"#,
    ] {
        assert!(html.contains(s), "{s} missing in {html}");
    }
}

#[test]
fn create_account_is_offered_only_without_an_account() {
    let csrf = csrf();
    let menu = |s| row_menu(Lang::Pl, &person(s), &csrf, false).into_string();
    assert!(menu(AccountState::None).contains("Utwórz konto"));
    assert!(menu(AccountState::None).contains("/utworz-konto\""));
    for s in [
        AccountState::AwaitingFirstLogin,
        AccountState::AwaitingEmailConfirmation,
        AccountState::Active,
        AccountState::Locked,
    ] {
        assert!(!menu(s).contains("Utwórz konto"), "{s:?}");
        assert!(menu(s).contains("Historia"));
    }
    let waiting = menu(AccountState::AwaitingFirstLogin);
    assert!(waiting.contains("Wydaj nowe hasło jednorazowe"));
    assert!(waiting.contains("Zablokuj"));
    assert!(waiting.contains(r#"name="csrf""#));
    let locked = menu(AccountState::Locked);
    assert!(locked.contains("Odblokuj") && !locked.contains("Zablokuj"));
    assert!(menu(AccountState::None).contains("Działania dla: Łukasz Nowak (E-1001, lukasz.nowak)"));
}

#[test]
fn paging_links_keep_the_search_and_mark_the_current_page() {
    let rows = vec![person(AccountState::None)];
    let html = page(&rows, 45, 2, Lang::Pl);
    assert!(html.contains("Strona 2 z 3"), "{html}");
    assert!(html
        .contains(r#"href="/panel/pracownicy?szkola=SP1&amp;q=%C5%82ukasz%20nowak&amp;strona=3""#));
    assert!(html.contains(r#"href="/panel/pracownicy?szkola=SP1&amp;q=%C5%82ukasz%20nowak""#));
    let one = page(&rows, 3, 1, Lang::Pl);
    assert!(!one.contains("<nav"));
}

#[test]
fn nobody_found_is_said_in_the_chosen_language() {
    assert!(page(&[], 0, 1, Lang::Pl).contains("Nie znaleziono pracowników"));
    assert!(page(&[], 0, 1, Lang::En).contains("No staff found"));
}

#[test]
fn text_is_escaped() {
    let mut p = person(AccountState::None);
    p.name = "<script>alert(1)</script>".into();
    let html = page(&[p], 1, 1, Lang::Pl);
    assert!(!html.contains("<script>"));
    assert!(html.contains("&lt;script&gt;"));
}

#[test]
fn the_confirm_page_posts_with_csrf() {
    let html = confirm(
        Lang::Pl,
        Confirm::CreateAccount,
        &person(AccountState::None),
        &csrf(),
        "/panel/pracownicy?szkola=SP1",
    )
    .into_string();
    assert!(html.contains(
        r#"<form class="confirm" method="post" action="/panel/pracownicy/0b6c1a8e-0000-4000-8000-000000000001/utworz-konto">"#
    ), "{html}");
    assert!(html.contains(r#"name="csrf""#));
    assert!(html.contains("E-1001"));
}

/// A person's history page in Polish, reached from the staff list.
fn history_pl(state: AccountState, records: &[AuditRecord]) -> String {
    history(Lang::Pl, &person(state), records, "/panel/pracownicy").into_string()
}

#[test]
fn history_reads_as_words_in_the_order_given() {
    let rec = |seq, action: &str, outcome| AuditRecord {
        seq,
        time: datetime!(2025-02-01 10:00 UTC) + time::Duration::minutes(seq as i64),
        record: NewAuditRecord::new(Actor::Person("anna.admin".into()), action, outcome),
        mac: String::new(),
    };
    let records = [
        rec(3, "account.locked", Outcome::Success),
        rec(2, "account.created", Outcome::Failure("conflict".into())),
        rec(1, "person.created", Outcome::Success),
    ];
    let html = history_pl(AccountState::Locked, &records);
    let a = html.find("zablokowano konto").unwrap();
    let b = html.find("utworzono konto").unwrap();
    let c = html.find("dodano osobę").unwrap();
    assert!(a < b && b < c, "{html}");
    assert!(html.contains("<td>anna.admin</td>"), "{html}");
    assert!(html.contains("nie wykonano (w międzyczasie ktoś zmienił dane)"));
    assert!(html.contains("1 lutego 2025, 11:03"));
}

#[test]
fn query_values_are_percent_encoded() {
    assert_eq!(enc("a b&c=ł"), "a%20b%26c%3D%C5%82");
}

#[test]
fn the_hand_over_list_names_who_asked_and_leads_to_create_account() {
    let schools = [sp1()];
    let rows = [HandOverRow {
        person: person(AccountState::None),
        by: "scim:kadry".into(),
        at: datetime!(2026-06-19 12:03 UTC),
    }];
    let html = hand_over(Lang::Pl, &schools, "SP1", 1, &rows).into_string();
    assert!(html.contains("Łukasz Nowak"), "{html}");
    assert!(html.contains("system zewnętrzny (SCIM): kadry"), "{html}");
    assert!(html.contains("19 czerwca 2026, 14:03"), "{html}");
    assert!(html.contains("/panel/pracownicy/0b6c1a8e-0000-4000-8000-000000000001/utworz-konto"));
    // Namesakes' buttons are told apart for screen readers too.
    assert!(html.contains("Utwórz konto<span class=\"visually-hidden\">: Łukasz Nowak (E-1001, lukasz.nowak)</span>"), "{html}");
    let empty = hand_over(Lang::En, &schools, "SP1", 0, &[]).into_string();
    assert!(
        empty.contains("There are no accounts to hand over"),
        "{empty}"
    );
}

#[test]
fn namesakes_menus_are_told_apart_and_locking_is_not_the_main_action() {
    let csrf = csrf();
    let mut a = person(AccountState::Active);
    a.name = "Anna Kowalska".into();
    a.login = "anna.kowalska".into();
    a.employee_number = Some("E-1".into());
    let mut b = a.clone();
    b.login = "anna.kowalska2".into();
    b.employee_number = None;
    let (ma, mb) = (
        row_menu(Lang::Pl, &a, &csrf, false).into_string(),
        row_menu(Lang::Pl, &b, &csrf, false).into_string(),
    );
    assert!(
        ma.contains("Działania dla: Anna Kowalska (E-1, anna.kowalska)"),
        "{ma}"
    );
    assert!(
        mb.contains("Działania dla: Anna Kowalska (anna.kowalska2)"),
        "{mb}"
    );
    assert!(
        ma.contains(r#"<button class="secondary" type="submit">Zablokuj</button>"#),
        "{ma}"
    );
    a.is_self = true;
    let own = row_menu(Lang::Pl, &a, &csrf, false).into_string();
    assert!(
        !own.contains("Zablokuj") && own.contains("to Twoje konto"),
        "{own}"
    );
}

#[test]
fn a_held_deletion_is_shown_on_the_persons_row() {
    let mut p = person(AccountState::Active);
    p.held = Some("delete");
    let html = page(&[p], 1, 1, Lang::Pl);
    assert!(html.contains("kadry zgłosiły usunięcie"), "{html}");
    let mut p = person(AccountState::Active);
    p.held = Some("deactivate");
    let html = page(&[p], 1, 1, Lang::En);
    assert!(html.contains("HR reported the end of employment"), "{html}");
}

#[test]
fn a_slip_sent_again_explains_itself_and_offers_a_new_password() {
    let html = state_changed(
        Lang::Pl,
        Confirm::CreateAccount,
        &person(AccountState::AwaitingFirstLogin),
        "/panel/pracownicy?szkola=SP1",
    )
    .into_string();
    assert!(html.contains("To konto zostało już utworzone"), "{html}");
    assert!(
        html.contains("/nowe-haslo\">Wydaj nowe hasło jednorazowe</a>"),
        "{html}"
    );
    assert!(!html.contains("Ktoś"), "{html}");
}

fn record(actor: Actor, action: &str, outcome: Outcome) -> AuditRecord {
    AuditRecord {
        seq: 1,
        time: datetime!(2026-12-04 09:00 UTC),
        record: NewAuditRecord::new(actor, action, outcome),
        mac: String::new(),
    }
}

#[test]
fn the_polish_history_has_no_english_or_raw_codes() {
    let records = [
        record(
            Actor::Person("lukasz.nowak".into()),
            "forms.rooms_changed",
            Outcome::Failure("changed_meanwhile".into()),
        ),
        record(
            Actor::ScimClient("hr".into()),
            "person.updated",
            Outcome::Failure("invalid: no user with id 123".into()),
        ),
        record(
            Actor::System("mail-outbox".into()),
            "mail.sent",
            Outcome::Success,
        ),
        record(
            Actor::ScimClient("hr".into()),
            "group.members_changed",
            Outcome::Success,
        ),
    ];
    let html = history_pl(AccountState::Active, &records);
    for s in [
        "nie wykonano (w międzyczasie ktoś zmienił dane)",
        "nie wykonano (nieprawidłowe dane)",
        "ZSZO (automatycznie): wysyłka poczty",
        "zmieniono członków grupy",
        "system zewnętrzny (SCIM): hr",
    ] {
        assert!(html.contains(s), "{s} missing in {html}");
    }
    for s in [
        "meanwhile",
        "no user with id",
        "group.",
        "mail-outbox",
        "system: ",
    ] {
        assert!(!html.contains(s), "{s} in {html}");
    }
    let en = history(Lang::En, &person(AccountState::Active), &records, "/").into_string();
    assert!(en.contains("failed (the data changed meanwhile)"), "{en}");
    assert!(en.contains("ZSZO (automatically): mail sending"), "{en}");
}
