//! The text of the printed forms, shared by the HTML print view and the PDF, so both say
//! the same. In Polish only: they are the school's legal documents (security.md O lists the
//! fields; the wording of the scope is ours until the city gives its template).

use crate::domain::calendar::{date_pl, dotted_date};
use crate::domain::forms::{RegisterRow, RoomsVersion};
use std::collections::BTreeMap;

/// Where the forms are signed (the city's schools): the "Kraków, dnia …" line.
pub const PLACE: &str = "Kraków";

/// Who acted, as the forms name them: people by name (the register keeps logins, the
/// directory knows the names), a SCIM client and the daemon in words. Built by the caller
/// from the directory; a login it does not know stays a login.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeopleNames(pub BTreeMap<String, String>);

impl PeopleNames {
    /// The name for an actor label as the register stores it (`lukasz.nowak`, `SCIM: hr`,
    /// `system: retention`).
    pub fn of(&self, label: &str) -> String {
        if let Some(name) = self.0.get(label) {
            return name.clone();
        }
        if label.starts_with("system: ") {
            return "ZSZO (automatycznie)".to_owned();
        }
        if let Some(client) = label.strip_prefix("SCIM: ") {
            return format!("system kadrowy ({client})");
        }
        label.to_owned()
    }
}

/// The scope written on every authorization (F-02 field "zakres").
pub const SCOPE: &str = "przetwarzanie danych osobowych uczniów, ich rodziców i opiekunów \
oraz pracowników placówki w systemie ZSZO oraz w systemach placówki, do których loguje się \
kontem ZSZO, w zakresie niezbędnym do wykonywania obowiązków służbowych na zajmowanym stanowisku \
(wgląd, wprowadzanie, modyfikacja)";
/// The legal basis and instruction clause.
pub const BASIS: &str = "art. 29 i art. 32 ust. 4 RODO; przetwarzanie wyłącznie na polecenie \
administratora danych, z zachowaniem w tajemnicy danych i sposobów ich zabezpieczenia";

/// One F-02 document: numbered `<school>/<grant_no>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct F02 {
    pub title: &'static str,
    pub number: String,
    /// "Kraków, dnia 4 grudnia 2026" (the day of the grant).
    pub place_date: String,
    /// Label and value, in order.
    pub fields: Vec<(&'static str, String)>,
    /// The revocation part, when the authorization was revoked.
    pub revocation: Option<Vec<(&'static str, String)>>,
}

/// Why an authorization ended, in words.
pub fn revocation_reason(action: &str) -> &'static str {
    match action {
        "person.deactivated" => "ustanie zatrudnienia (system kadrowy: active=false)",
        "person.deleted" => "usunięcie osoby z katalogu",
        "account.locked" => "zablokowanie konta przez administratora",
        _ => "odwołanie",
    }
}

/// The F-02 of the authorization whose current row is `row`, at the school named
/// `institution`.
pub fn f02(school_code: &str, institution: &str, row: &RegisterRow, names: &PeopleNames) -> F02 {
    let fields = vec![
        (
            "Administrator danych (placówka)",
            format!("{institution} ({school_code})"),
        ),
        ("Osoba upoważniona", row.name.clone()),
        ("Identyfikator w systemie (login)", row.login.clone()),
        (
            "Stanowisko",
            row.position.clone().unwrap_or_else(|| "—".into()),
        ),
        ("Zakres upoważnienia", SCOPE.to_owned()),
        ("Podstawa prawna", BASIS.to_owned()),
        ("Data nadania", date_pl(row.granted_at)),
        ("Obowiązuje", "do odwołania".to_owned()),
        ("Upoważnienie nadał(a)", names.of(&row.granted_by)),
    ];
    let revocation = row.revoked_at.map(|at| {
        vec![
            ("Data odwołania", date_pl(at)),
            (
                "Przyczyna",
                revocation_reason(row.revocation.as_deref().unwrap_or_default()).to_owned(),
            ),
            (
                "Odwołał(a)",
                row.revoked_by
                    .as_deref()
                    .map_or_else(|| "—".into(), |by| names.of(by)),
            ),
        ]
    });
    F02 {
        title: "Upoważnienie do przetwarzania danych osobowych",
        number: format!("{school_code}/{}", row.grant_no),
        place_date: format!("{PLACE}, dnia {}", date_pl(row.granted_at)),
        fields,
        revocation,
    }
}

/// The F-03 columns, in order.
pub const F03_COLUMNS: [&str; 11] = [
    "Lp.",
    "Imię i nazwisko",
    "Stanowisko",
    "Identyfikator (login)",
    "Zakres (nr upoważnienia F-02)",
    "Data nadania",
    "Data ustania",
    "Upoważnienie nadał(a)",
    "Upoważnienie odwołał(a)",
    "Koryguje wiersz",
    "Uwagi",
];

/// One register row as the F-03 columns' text (dates as DD.MM.RRRR, Polish time; people by
/// name).
pub fn f03_cells(school_code: &str, row: &RegisterRow, names: &PeopleNames) -> [String; 11] {
    [
        row.no.to_string(),
        row.name.clone(),
        row.position.clone().unwrap_or_default(),
        row.login.clone(),
        format!("F-02 nr {school_code}/{}", row.grant_no),
        dotted_date(row.granted_at),
        row.revoked_at.map(dotted_date).unwrap_or_default(),
        names.of(&row.granted_by),
        row.revoked_by
            .as_deref()
            .map(|by| names.of(by))
            .unwrap_or_default(),
        row.corrects.map(|n| n.to_string()).unwrap_or_default(),
        row.revocation
            .as_deref()
            .map(|a| revocation_reason(a).to_owned())
            .unwrap_or_default(),
    ]
}

/// Writes the register as CSV for a Polish spreadsheet (see `spreadsheet_csv`), formula-
/// looking cells neutralised (GDPR-04).
pub fn f03_csv(
    school_code: &str,
    rows: &[RegisterRow],
    names: &PeopleNames,
) -> std::io::Result<Vec<u8>> {
    spreadsheet_csv(
        &F03_COLUMNS,
        rows.iter()
            .map(|row| f03_cells(school_code, row, names).to_vec()),
    )
}

/// CSV as Excel with Polish settings opens it by a double click: UTF-8 with a byte-order
/// mark (else Polish letters break), `;` between cells (the Polish list separator, since
/// `,` is the decimal comma), CRLF line ends; every cell neutralised against formulas.
pub fn spreadsheet_csv(
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> std::io::Result<Vec<u8>> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    let mut csv = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .from_writer(&mut out);
    csv.write_record(header)?;
    for row in rows {
        csv.write_record(
            row.iter()
                .map(|c| crate::audit::export::neutralise_cell(c).into_owned()),
        )?;
    }
    csv.flush()?;
    drop(csv);
    Ok(out)
}

/// The F-04 columns, in order.
pub const F04_COLUMNS: [&str; 4] = ["Lp.", "Pomieszczenie", "Budynek / adres", "Przeznaczenie"];

/// A version's heading line: "wersja 3 z 1 września 2025, zmienił(a): Łukasz Nowak".
pub fn f04_version_line(v: &RoomsVersion, names: &PeopleNames) -> String {
    format!(
        "wersja {} z {}, zmienił(a): {}",
        v.version,
        date_pl(v.changed_at),
        names.of(&v.changed_by)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::forms::example_row;
    use time::macros::datetime;

    #[test]
    fn csv_export_neutralises_formulas_in_names() {
        let row = RegisterRow {
            name: "=HYPERLINK(\"http://x\")".into(),
            position: Some("+nauczyciel".into()),
            granted_by: "@admin".into(),
            ..example_row()
        };
        let out = f03_csv("261301", &[row], &PeopleNames::default()).unwrap();
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(b';')
            .from_reader(&out[3..]);
        let r = reader.records().next().unwrap().unwrap();
        assert_eq!(&r[1], "'=HYPERLINK(\"http://x\")");
        assert_eq!(&r[2], "'+nauczyciel");
        assert_eq!(&r[5], "01.09.2025");
        assert_eq!(&r[7], "'@admin");
    }

    fn row() -> RegisterRow {
        RegisterRow {
            grant_no: 4,
            person_id: "u".into(),
            name: "Anna Kowalska".into(),
            login: "anna.kowalska2".into(),
            granted_at: datetime!(2026-12-03 23:30 UTC),
            source_seq: 1,
            ..example_row()
        }
    }

    fn names() -> PeopleNames {
        PeopleNames(BTreeMap::from([(
            "lukasz.nowak".to_owned(),
            "Łukasz Nowak".to_owned(),
        )]))
    }

    #[test]
    fn the_register_csv_suits_a_polish_spreadsheet() {
        let out = f03_csv("261301", &[row()], &names()).unwrap();
        assert!(out.starts_with("\u{feff}".as_bytes()), "a byte-order mark");
        let text = String::from_utf8(out[3..].to_vec()).unwrap();
        let mut lines = text.split("\r\n");
        assert_eq!(
            lines.next().unwrap(),
            "Lp.;Imię i nazwisko;Stanowisko;Identyfikator (login);Zakres (nr upoważnienia F-02);\
             Data nadania;Data ustania;Upoważnienie nadał(a);Upoważnienie odwołał(a);\
             Koryguje wiersz;Uwagi"
        );
        // 23:30 UTC on 3 December is 4 December in Kraków.
        assert_eq!(
            lines.next().unwrap(),
            "1;Anna Kowalska;nauczycielka;anna.kowalska2;F-02 nr 261301/4;04.12.2026;;\
             Łukasz Nowak;;;"
        );
    }

    #[test]
    fn the_f02_names_people_and_has_the_place_and_date_line() {
        let doc = f02("261301", "Szkoła Podstawowa nr 1", &row(), &names());
        assert_eq!(doc.place_date, "Kraków, dnia 4 grudnia 2026");
        assert!(doc
            .fields
            .contains(&("Upoważnienie nadał(a)", "Łukasz Nowak".to_owned())));
        assert!(!SCOPE.contains("logujących przez ZSZO"));
        assert_eq!(
            PeopleNames::default().of("system: retention"),
            "ZSZO (automatycznie)"
        );
        assert_eq!(PeopleNames::default().of("SCIM: hr"), "system kadrowy (hr)");
    }
}
