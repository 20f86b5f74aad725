//! Issue 7 over HTTP against real slapd: the step-7 to-dos, F-02 (print view and PDF, read
//! back with pdftotext), the append-only F-03 register and its CSV, F-04 versions, the
//! school's history with filters and exports, and the per-school limits.
//!
//! The portal's `account.activated` record (its contract: actor the person, target DN and
//! entryUUID, school, details login / display_name / title) is appended through the
//! `AuditLog` port, as the onboarding use case does.

use crate::panel_support::{Browser, PanelApp};
use reqwest::StatusCode;
use zszo_connector::domain::audit::{Actor, NewAuditRecord, Outcome};
use zszo_connector::domain::SchoolCode;
use zszo_connector::ports::{AuditLog, PersonEntry};

#[path = "panel_records_history.rs"]
mod history;

const POSITION: &str = "nauczycielka języka polskiego";

async fn activated(app: &PanelApp, p: &PersonEntry, school: &str, title: &str) {
    let record = NewAuditRecord::new(
        Actor::Person(p.login.as_str().to_owned()),
        "account.activated",
        Outcome::Success,
    )
    .target(&p.entry.dn, Some(p.entry.id.clone()))
    .school(&SchoolCode::parse(school).unwrap())
    .detail("login", p.login.as_str())
    .detail("display_name", p.profile.name.full())
    .detail("title", title);
    app.audit.append(record).await.unwrap();
}

/// The text of a PDF, by pdftotext (poppler-utils, installed by .ci/install-deps).
fn pdf_text(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext is missing: run .ci/install-deps (poppler-utils)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The rows of a CSV made for a Polish spreadsheet: it must start with a UTF-8 byte-order
/// mark and separate cells with `;`.
fn polish_csv(body: &str) -> Vec<csv::StringRecord> {
    let rest = body
        .strip_prefix('\u{feff}')
        .unwrap_or_else(|| panic!("no byte-order mark: {body}"));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(rest.as_bytes());
    assert!(
        reader.headers().unwrap().len() > 2,
        "not `;`-separated: {body}"
    );
    reader.records().map(Result::unwrap).collect()
}

/// Joins pdftotext's wrapped lines, so a value split over two lines is found.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

async fn csrf_of(b: &Browser, path: &str) -> String {
    let page = b.get(path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.csrf().expect("a CSRF field")
}

#[tokio::test]
async fn f02_and_f03_follow_a_person_from_account_to_revocation() {
    let app = PanelApp::start().await;
    let a = app.school_a.clone();
    let admin = app.signed_in(&app.local_admin).await;
    let person = app
        .add_person("Zofia", "Żółkiewska-Gęślą", &a, Some("SP-7001"), None)
        .await;
    let id = person.entry.id.clone();

    // The administrator creates the account (the grantor); the employee activates it.
    let create = format!("/panel/pracownicy/{id}/utworz-konto");
    let csrf = csrf_of(&admin, &create).await;
    let slip = admin.post_form(&create, &[("csrf", &csrf)]).await;
    assert_eq!(slip.status, StatusCode::OK, "{}", slip.body);
    activated(&app, &person, &a, POSITION).await;

    // The step-7 to-do: open for the local administrator and, per school, for the system one.
    let todos = admin.get(&format!("/panel/nowe-konta?szkola={a}")).await;
    assert_eq!(todos.status, StatusCode::OK, "{}", todos.body);
    assert!(
        todos.body.contains("Zofia Żółkiewska-Gęślą"),
        "{}",
        todos.body
    );
    // Issue 16: the employee number (namesakes), the person's F-02 and an action button.
    for expected in [
        "<td>SP-7001</td>",
        &format!("href=\"/panel/upowaznienia/1?szkola={a}\""),
        &format!("href=\"/panel/pomieszczenia?szkola={a}\""),
        ">Potwierdź aktualizację F-02, F-03 i F-04</button>",
    ] {
        assert!(
            todos.body.contains(expected),
            "{expected} not in {}",
            todos.body
        );
    }
    let system = app.signed_in(&app.system_admin).await;
    let hub = system.get(&format!("/panel/rejestry?szkola={a}")).await;
    assert!(
        hub.body.contains(&format!("Szkoła {a} ({a})")),
        "{}",
        hub.body
    );
    assert!(
        hub.body.contains("Niepotwierdzone nowe konta"),
        "{}",
        hub.body
    );

    // F-02 as a PDF: every field, Polish letters included.
    let (status, headers, bytes) = admin
        .get_bytes(&format!("/panel/upowaznienia/1/pdf?szkola={a}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/pdf");
    let text = flat(&pdf_text(&bytes));
    let today = zszo_connector::domain::calendar::date_pl(time::OffsetDateTime::now_utc());
    for expected in [
        "UPOWAŻNIENIE DO PRZETWARZANIA DANYCH OSOBOWYCH",
        &format!("nr {a}/1"),
        &format!("Szkoła {a} ({a})"),
        "Zofia Żółkiewska-Gęślą",
        person.login.as_str(),
        POSITION,
        "w zakresie niezbędnym do wykonywania obowiązków służbowych",
        &format!("Data nadania {today}"),
        // The grantor by name, not login (issue 16); the place and date line.
        &format!("Upoważnienie nadał(a) {}", app.local_admin.name),
        &format!("Kraków, dnia {today}"),
        "art. 29 i art. 32 ust. 4 RODO",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} not in the PDF: {text}"
        );
    }
    assert!(!text.contains("ODWOŁANIE"), "not revoked yet: {text}");
    let before = app.audit_of("forms.exported").await;
    assert_eq!(before[0].record.details["form"], "F-02");

    // The register: one row; then the administrator locks the account: a correction row.
    let register = admin.get(&format!("/panel/ewidencja?szkola={a}")).await;
    assert!(
        register.body.contains("Zofia Żółkiewska-Gęślą"),
        "{}",
        register.body
    );
    let lock = format!("/panel/pracownicy/{id}/zablokuj");
    let csrf = csrf_of(&admin, &format!("/panel/pracownicy?szkola={a}")).await;
    let locked = admin.post_form(&lock, &[("csrf", &csrf)]).await;
    assert_eq!(locked.status, StatusCode::OK, "{}", locked.body);

    let csv = admin.get(&format!("/panel/ewidencja/csv?szkola={a}")).await;
    assert_eq!(csv.status, StatusCode::OK);
    let rows = polish_csv(&csv.body);
    assert_eq!(rows.len(), 2, "{}", csv.body);
    let today_iso = zszo_connector::domain::calendar::dotted_date(time::OffsetDateTime::now_utc());
    // Row 1 stays as it was (append-only); row 2 corrects it with the revocation.
    assert_eq!(&rows[0][0], "1");
    assert_eq!(&rows[0][1], "Zofia Żółkiewska-Gęślą");
    assert_eq!(&rows[0][2], POSITION);
    assert_eq!(&rows[0][3], person.login.as_str());
    assert_eq!(&rows[0][4], format!("F-02 nr {a}/1"));
    assert_eq!(&rows[0][5], today_iso);
    assert_eq!(&rows[0][6], "");
    assert_eq!(&rows[0][7], app.local_admin.name);
    assert_eq!(&rows[1][0], "2");
    assert_eq!(&rows[1][6], today_iso);
    assert_eq!(&rows[1][8], app.local_admin.name);
    assert_eq!(&rows[1][9], "1", "row 2 corrects row 1");
    assert!(rows[1][10].contains("zablokowanie konta"));

    // The F-02 now carries the revocation.
    let (_, _, bytes) = admin
        .get_bytes(&format!("/panel/upowaznienia/1/pdf?szkola={a}"))
        .await;
    let text = flat(&pdf_text(&bytes));
    for expected in [
        "ODWOŁANIE UPOWAŻNIENIA",
        &format!("Data odwołania {today}"),
        "zablokowanie konta przez administratora",
        &format!("Odwołał(a) {}", app.local_admin.name),
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} not in the PDF: {text}"
        );
    }
    let html = admin
        .get(&format!("/panel/upowaznienia/1?szkola={a}"))
        .await;
    assert!(
        html.body.contains("ODWOŁANIE UPOWAŻNIENIA"),
        "{}",
        html.body
    );

    // Viewing again adds nothing: the register only grows with new events.
    let again = admin.get(&format!("/panel/ewidencja/csv?szkola={a}")).await;
    assert_eq!(again.body, csv.body);

    // The to-do is closed by confirming (audited); confirming twice changes nothing and
    // leads back to the list (a double click is no error page).
    let seq = app.audit_of("account.activated").await[0].seq;
    let ack = format!("/panel/nowe-konta/{seq}/potwierdz");
    let csrf = csrf_of(&admin, &format!("/panel/nowe-konta?szkola={a}")).await;
    let done = admin
        .post_form(&ack, &[("csrf", &csrf), ("szkola", &a)])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let todos = admin.follow(&done).await;
    assert!(todos.body.contains("potwierdzone"), "{}", todos.body);
    let twice = admin
        .post_form(&ack, &[("csrf", &csrf), ("szkola", &a)])
        .await;
    assert_eq!(twice.status, StatusCode::SEE_OTHER);
    let acks = app.audit_of("forms.todo_acknowledged").await;
    assert_eq!(acks.len(), 2);
    assert!(acks.iter().any(|r| r.record.outcome == Outcome::Success));
    let hub = system.get(&format!("/panel/rejestry?szkola={a}")).await;
    assert!(
        !hub.body.contains("Niepotwierdzone nowe konta"),
        "{}",
        hub.body
    );
}

#[tokio::test]
async fn register_csv_neutralises_formulas() {
    let app = PanelApp::start().await;
    let a = app.school_a.clone();
    let person = app.add_person("Jan", "Formułowy", &a, None, None).await;
    activated(&app, &person, &a, "=HYPERLINK(\"http://zły.example\")").await;
    let admin = app.signed_in(&app.local_admin).await;
    let csv = admin.get(&format!("/panel/ewidencja/csv?szkola={a}")).await;
    let rows = polish_csv(&csv.body);
    assert_eq!(&rows[0][2], "'=HYPERLINK(\"http://zły.example\")");
}

#[tokio::test]
async fn an_administrator_of_another_school_sees_prints_and_exports_nothing() {
    let app = PanelApp::start().await;
    let a = app.school_a.clone();
    let person = app.add_person("Ewa", "Cudza", &a, None, None).await;
    activated(&app, &person, &a, "sekretarka").await;
    let seq = app.audit_of("account.activated").await[0].seq;
    let own = app.signed_in(&app.local_admin).await;
    assert_eq!(
        own.get(&format!("/panel/upowaznienia/1?szkola={a}"))
            .await
            .status,
        StatusCode::OK
    );

    let other = app.signed_in(&app.other_admin).await;
    for path in [
        "/panel/rejestry",
        "/panel/historia",
        "/panel/historia/eksport?format=csv&x=",
        "/panel/historia/eksport?format=json&x=",
        "/panel/nowe-konta",
        "/panel/upowaznienia",
        "/panel/upowaznienia/1",
        "/panel/upowaznienia/1/pdf",
        "/panel/ewidencja",
        "/panel/ewidencja/csv",
        "/panel/pomieszczenia",
        "/panel/pomieszczenia/druk",
    ] {
        let sep = if path.contains('?') { '&' } else { '?' };
        let page = other.get(&format!("{path}{sep}szkola={a}")).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}: {}", page.body);
        assert!(!page.body.contains("Cudza"), "{path}");
    }
    let csrf = csrf_of(&other, "/panel/nowe-konta").await;
    let ack = other
        .post_form(
            &format!("/panel/nowe-konta/{seq}/potwierdz"),
            &[("csrf", &csrf), ("szkola", &a)],
        )
        .await;
    assert_eq!(ack.status, StatusCode::NOT_FOUND);
    let add = other
        .post_form(
            "/panel/pomieszczenia/dodaj",
            &[
                ("csrf", &csrf),
                ("szkola", &a),
                ("wersja", "0"),
                ("pomieszczenie", "1"),
                ("budynek", "x"),
                ("przeznaczenie", "y"),
            ],
        )
        .await;
    assert_eq!(add.status, StatusCode::NOT_FOUND);
    // Each refusal is audited; nothing was acknowledged or changed.
    let refused = app.audit_of("access.refused").await;
    assert!(refused.len() >= 14, "{refused:?}");
    assert!(refused
        .iter()
        .all(|r| r.record.actor == Actor::Person(app.other_admin.login.clone())));
    assert!(app.audit_of("forms.todo_acknowledged").await.is_empty());
    assert!(app.audit_of("forms.rooms_changed").await.is_empty());
    // Their own school's pages work.
    let b = app.school_b.clone();
    let page = other.get(&format!("/panel/historia?szkola={b}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("Cudza"));
}
