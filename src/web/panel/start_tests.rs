//! Unit tests of the start page's HTML.

use super::*;
use crate::forms::Todo;
use crate::web::panel::views::tests::sp1;
use time::macros::datetime;

/// The start page's "now".
const NOW: OffsetDateTime = datetime!(2026-12-04 10:00 UTC);

/// Zofia Stara's operation held since [`NOW`]: the deletion of the person, or the end of her
/// employment.
fn held(delete: bool) -> [HeldRow; 1] {
    [HeldRow {
        person_id: "id-z".into(),
        login: "zofia.stara".into(),
        delete,
        since: NOW,
    }]
}

fn person(name: &str, login: &str, number: Option<&str>) -> PersonView {
    PersonView {
        id: format!("id-{login}"),
        name: name.into(),
        login: login.into(),
        employee_number: number.map(Into::into),
        position: None,
        schools: vec!["SP1".into()],
        state: AccountState::AwaitingFirstLogin,
        employment_active: true,
        held: None,
        is_self: false,
    }
}

#[test]
fn the_start_page_lists_the_work_each_item_a_link() {
    let schools = [sp1()];
    let todos = [TodoRow {
        todo: Todo {
            seq: 9,
            activated_at: NOW,
            name: "Anna Kowalska".into(),
            login: "anna.kowalska2".into(),
            person_id: Some("id-a".into()),
            acknowledged: None,
        },
        employee_number: Some("E-7".into()),
        grant_no: Some(3),
    }];
    let requested = [person("Jan Nowak", "jan.nowak", None)];
    let held = held(true);
    let expiring = [
        (
            person("Ewa Lis", "ewa.lis", Some("E-1")),
            NOW - Duration::hours(1),
        ),
        (
            person("Olga Wrona", "olga.wrona", None),
            NOW + Duration::hours(20),
        ),
    ];
    let html = page(&StartPage {
        lang: Lang::Pl,
        now: NOW,
        schools: &schools,
        school: "SP1",
        without_email: true,
        portal_account: "https://z.example/portal",
        todos: &todos,
        requested: &requested,
        held: &held,
        expiring: &expiring,
        unreachable: Some(&schools),
    })
    .into_string();
    for s in [
        "Nie masz w ZSZO potwierdzonego adresu e-mail",
        r#"href="https://z.example/portal""#,
        r#"<a href="/panel/nowe-konta?szkola=SP1">Anna Kowalska</a> (E-7, anna.kowalska2)"#,
        r#"href="/panel/pracownicy/id-jan.nowak/utworz-konto">Utwórz konto: Jan Nowak (jan.nowak)"#,
        r#"href="/panel/pracownicy/id-z/historia">zofia.stara</a>: usunięcie osoby"#,
        "Wydaj nowe hasło jednorazowe: Ewa Lis (E-1, ewa.lis)</a> — <strong>wygasło</strong>",
        "Olga Wrona (olga.wrona)</a> — ważne do 5 grudnia 2026, 07:00",
        "Placówki, w których nikt nie dostanie powiadomienia",
        "zszo-connector held release/discard",
    ] {
        assert!(html.contains(s), "{s} missing in {html}");
    }
}

#[test]
fn a_local_administrator_sees_held_operations_read_only_and_no_city_list() {
    let held = held(false);
    let html = page(&StartPage {
        lang: Lang::En,
        now: NOW,
        schools: &[],
        school: "SP1",
        without_email: false,
        portal_account: "/portal",
        todos: &[],
        requested: &[],
        held: &held,
        expiring: &[],
        unreachable: None,
    })
    .into_string();
    assert!(html.contains("end of employment"), "{html}");
    assert!(!html.contains("<form method=\"post\""), "read-only: {html}");
    assert!(!html.contains("held release"), "{html}");
    assert!(!html.contains("Schools where nobody"), "{html}");
    assert!(!html.contains("no confirmed email"), "{html}");
    assert!(html.contains("No new accounts to record."));
}
