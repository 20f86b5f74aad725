//! The school's history (procedure purpose 3: "the history of the account's creation in the
//! Central Administration Panel"): the audit records of one school, filtered by action,
//! person, actor and period, 50 a page, and exported (CSV, JSON) exactly as filtered.
//!
//! Scope: the school must be one the signed-in person administers (a system administrator:
//! any); another school is 404 and the refused attempt is audited (`access.refused`). Every
//! view is audited (`audit.viewed`) and every export (`audit.exported`), with the filters.

use super::pages::{download, frame};
use super::records_views::{self as rv, HistoryFilters};
use super::request::PanelRequest;
use super::texts;
use super::views::outcome;
use crate::domain::audit::AuditRecord;
use crate::domain::calendar::local_date_time;
use crate::domain::calendar::{parse_day, warsaw};
use crate::domain::SchoolCode;
use crate::forms::document::spreadsheet_csv;
use crate::history::{DayBound, HistoryFilter};
use crate::web::error::WebError;
use crate::web::i18n::{Lang, Msg};
use axum::extract::Query;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use time::{Date, OffsetDateTime};

/// Records a page shows.
pub const HISTORY_PAGE: usize = 50;
const MAX_TEXT: usize = 100;

/// The history's query string; the parameter names are Polish (they show in the address).
#[derive(Debug, Default, Deserialize)]
pub struct HistoryQuery {
    #[serde(rename = "szkola")]
    school: Option<String>,
    #[serde(rename = "akcja")]
    action: Option<String>,
    #[serde(rename = "osoba")]
    person: Option<String>,
    #[serde(rename = "wykonawca")]
    actor: Option<String>,
    #[serde(rename = "od")]
    from: Option<String>,
    #[serde(rename = "do")]
    to: Option<String>,
    #[serde(rename = "strona")]
    page: Option<String>,
    format: Option<String>,
}

fn text(v: &Option<String>) -> String {
    v.as_deref()
        .unwrap_or_default()
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_TEXT)
        .collect()
}

/// A typed day (`04.12.2026` or `2026-12-04`, see `parse_day`) as the instant it starts in
/// Poland; `Err(())` when it is not a day (the page says so and leaves that bound out).
fn day_start(raw: &str) -> Result<Option<OffsetDateTime>, ()> {
    if raw.is_empty() {
        return Ok(None);
    }
    let date: Date = parse_day(raw).ok_or(())?;
    // The offset in force at noon of that day is the day's offset (changes happen at night).
    let offset = warsaw(date.midnight().assume_utc() + time::Duration::hours(12)).offset();
    Ok(Some(date.midnight().assume_offset(offset)))
}

/// The parsed request: the school, the filters as the page shows them, and as the use case
/// applies them.
pub struct Parsed {
    pub school: SchoolCode,
    pub filters: HistoryFilters,
    filter: HistoryFilter,
}

async fn parse(
    r: &PanelRequest,
    q: &HistoryQuery,
) -> Result<(Parsed, Vec<super::views::SchoolOption>), WebError> {
    let (school, _, options) = r.school("history", q.school.as_deref()).await?;
    let mut filters = HistoryFilters {
        action: text(&q.action),
        person: text(&q.person),
        actor: text(&q.actor),
        from: text(&q.from),
        to: text(&q.to),
        invalid_date: false,
    };
    let since = day_start(&filters.from).unwrap_or_else(|()| {
        filters.invalid_date = true;
        None
    });
    let until = day_start(&filters.to)
        .unwrap_or_else(|()| {
            filters.invalid_date = true;
            None
        })
        .map(|d| d + time::Duration::days(1));
    let filter = HistoryFilter {
        action: filters.action.clone(),
        person: filters.person.clone(),
        actor: filters.actor.clone(),
        from: DayBound {
            typed: filters.from.clone(),
            at: since,
        },
        to: DayBound {
            typed: filters.to.clone(),
            at: until,
        },
    };
    Ok((
        Parsed {
            school,
            filters,
            filter,
        },
        options,
    ))
}

/// `GET /panel/historia?szkola=&akcja=&osoba=&wykonawca=&od=&do=&strona=`
pub async fn school_history(
    r: PanelRequest,
    Query(q): Query<HistoryQuery>,
) -> Result<Response, WebError> {
    let (parsed, options) = parse(&r, &q).await?;
    let page = q
        .page
        .as_deref()
        .and_then(|s| s.trim().parse::<usize>().ok())
        .unwrap_or(1);
    let found = r
        .state
        .history
        .school_page(
            &r.reader(),
            &parsed.school,
            &parsed.filter,
            page,
            HISTORY_PAGE,
        )
        .await?;
    let body = rv::school_history(&rv::HistoryPage {
        lang: r.ctx.lang,
        schools: &options,
        school: parsed.school.as_str(),
        filters: &parsed.filters,
        records: &found.records,
        total: found.total,
        page: found.page,
        pages: found.pages,
    });
    Ok(frame(&r.ctx, r.ctx.t(&texts::SCHOOL_HISTORY_TITLE), body).into_response())
}

/// The columns of the history's spreadsheet export.
const CSV_COLUMNS: [Msg; 8] = [
    Msg::new("Nr zapisu", "Record no."),
    Msg::new(
        "Data i godzina (czas polski)",
        "Date and time (Polish time)",
    ),
    Msg::new("Kto", "Who"),
    Msg::new("Działanie", "Action"),
    Msg::new("Dotyczy", "About"),
    Msg::new("Placówka", "School"),
    Msg::new("Wynik", "Outcome"),
    Msg::new("Szczegóły", "Details"),
];

/// Details that are shown in their own column or are internal (never in a cell).
const DETAILS_SHOWN_ELSEWHERE: [&str; 3] = ["display_name", "login", "address"];

/// The history as a spreadsheet (`document::spreadsheet_csv`: BOM, `;`, CRLF): headers,
/// actions, actors and outcomes in words of `l`, Polish local time, the person by name and
/// login (never a DN), the details as "key: value" text (never JSON).
pub fn history_csv(l: Lang, records: &[AuditRecord]) -> std::io::Result<Vec<u8>> {
    let header: Vec<&str> = CSV_COLUMNS.iter().map(|c| l.t(c)).collect();
    let rows = records.iter().map(|r| {
        let rec = &r.record;
        let details = rec
            .details
            .iter()
            .filter(|(k, _)| !DETAILS_SHOWN_ELSEWHERE.contains(&k.as_str()))
            .map(|(k, v)| format!("{}: {v}", detail_name(l, k)))
            .collect::<Vec<_>>()
            .join(", ");
        vec![
            r.seq.to_string(),
            local_date_time(r.time),
            texts::actor(l, &rec.actor),
            texts::action(l, &rec.action),
            rv::about(r),
            rec.school.clone().unwrap_or_default(),
            outcome(l, &rec.outcome),
            details,
        ]
    });
    spreadsheet_csv(&header, rows)
}

/// A detail's key in words (the usual ones; another stays as stored).
fn detail_name(l: Lang, key: &str) -> String {
    let m = match key {
        "title" => Msg::new("stanowisko", "position"),
        "email" => Msg::new("e-mail", "email"),
        "administrators_notified" => Msg::new(
            "liczba powiadomionych administratorów",
            "administrators notified",
        ),
        "roles" => Msg::new("role", "roles"),
        "form" => Msg::new("formularz", "form"),
        "number" => Msg::new("numer", "number"),
        "format" => Msg::new("format", "format"),
        "records" => Msg::new("liczba zapisów", "records"),
        "rows" => Msg::new("liczba wierszy", "rows"),
        "version" => Msg::new("wersja", "version"),
        "based_on_version" => Msg::new("na podstawie wersji", "based on version"),
        "change" => Msg::new("zmiana", "change"),
        "page" => Msg::new("strona", "page"),
        "shown" => Msg::new("pokazano", "shown"),
        "filter_action" => Msg::new("filtr: działanie", "filter: action"),
        "filter_person" => Msg::new("filtr: osoba", "filter: person"),
        "filter_actor" => Msg::new("filtr: kto", "filter: who"),
        "filter_from" => Msg::new("filtr: od", "filter: from"),
        "filter_to" => Msg::new("filtr: do", "filter: to"),
        other => return other.to_owned(),
    };
    l.t(&m).to_owned()
}

/// `GET /panel/historia/eksport?format=csv|json&…`: every record the same filters show.
pub async fn export(r: PanelRequest, Query(q): Query<HistoryQuery>) -> Result<Response, WebError> {
    let (parsed, _) = parse(&r, &q).await?;
    if parsed.filters.invalid_date {
        // Not a bare 400: the history page shows the same filters and says what is wrong.
        let back = format!(
            "/panel/historia?{}",
            parsed.filters.query(parsed.school.as_str())
        );
        return Ok(axum::response::Redirect::to(&back).into_response());
    }
    let format = match q.format.as_deref() {
        Some("json") => "json",
        Some("csv") | None => "csv",
        Some(other) => return Err(WebError::BadRequest(format!("format {other:?}"))),
    };
    let records = r
        .state
        .history
        .school_export(&r.reader(), &parsed.school, &parsed.filter, format)
        .await?;
    let (body, mime) = if format == "json" {
        let body = serde_json::to_vec_pretty(&records)
            .map_err(|e| WebError::Internal(e.to_string().into()))?;
        (body, "application/json")
    } else {
        let body = history_csv(r.ctx.lang, &records)
            .map_err(|e| WebError::Internal(e.to_string().into()))?;
        (body, "text/csv; charset=utf-8")
    };
    let file = format!("historia-{}.{format}", parsed.school.as_str());
    Ok(download(mime, &file, body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audit::{Actor, NewAuditRecord, Outcome};
    use time::macros::datetime;

    #[test]
    fn the_history_export_suits_a_polish_spreadsheet() {
        let record = NewAuditRecord::new(
            Actor::System("mail-outbox".into()),
            "mail.sent",
            Outcome::Success,
        )
        .target(
            "uid=anna.kowalska2,ou=pracownicy,ou=261301,ou=placowki,dc=zszo",
            None,
        )
        .school(&crate::domain::SchoolCode::parse("261301").unwrap())
        .detail("login", "anna.kowalska2")
        .detail("display_name", "Anna Kowalska")
        .detail("title", "nauczycielka");
        let records = [AuditRecord {
            seq: 7,
            // 23:30 UTC on 3 December is 00:30 on 4 December in Kraków.
            time: datetime!(2026-12-03 23:30 UTC),
            record,
            mac: String::new(),
        }];
        let out = history_csv(Lang::Pl, &records).unwrap();
        assert!(out.starts_with("\u{feff}".as_bytes()));
        let text = String::from_utf8(out[3..].to_vec()).unwrap();
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(
            lines[0],
            "Nr zapisu;Data i godzina (czas polski);Kto;Działanie;Dotyczy;Placówka;Wynik;Szczegóły"
        );
        assert_eq!(
            lines[1],
            "7;04.12.2026 00:30:00;ZSZO (automatycznie): wysyłka poczty;wysłano wiadomość e-mail;\
             Anna Kowalska (anna.kowalska2);261301;wykonano;stanowisko: nauczycielka"
        );
        for absent in ["uid=", "dc=", "{", "mail.sent", "T23:30"] {
            assert!(!text.contains(absent), "{absent} in {text}");
        }
    }
}
