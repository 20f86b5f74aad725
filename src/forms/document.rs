//! The text of the printed forms, shared by the HTML print view and the PDF, so both say
//! the same. In Polish only: they are the school's legal documents (security.md O lists the
//! fields; the wording of the scope is ours until the city gives its template).

use crate::domain::calendar::{date_pl, iso_date};
use crate::domain::forms::{RegisterRow, RoomsVersion};

/// The scope written on every authorization (F-02 field "zakres").
pub const SCOPE: &str = "przetwarzanie danych osobowych uczniów, ich rodziców i opiekunów \
oraz pracowników placówki w systemie ZSZO i systemach placówki logujących przez ZSZO, w \
zakresie niezbędnym do wykonywania obowiązków służbowych na zajmowanym stanowisku \
(wgląd, wprowadzanie, modyfikacja)";
/// The legal basis and instruction clause.
pub const BASIS: &str = "art. 29 i art. 32 ust. 4 RODO; przetwarzanie wyłącznie na polecenie \
administratora danych, z zachowaniem w tajemnicy danych i sposobów ich zabezpieczenia";

/// One F-02 document: numbered `<school>/<grant_no>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct F02 {
    pub title: &'static str,
    pub number: String,
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
pub fn f02(school_code: &str, institution: &str, row: &RegisterRow) -> F02 {
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
        ("Upoważnienie nadał(a)", row.granted_by.clone()),
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
                row.revoked_by.clone().unwrap_or_else(|| "—".into()),
            ),
        ]
    });
    F02 {
        title: "Upoważnienie do przetwarzania danych osobowych",
        number: format!("{school_code}/{}", row.grant_no),
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
    "Nadający",
    "Odwołujący",
    "Koryguje wiersz",
    "Uwagi",
];

/// One register row as the F-03 columns' text (dates as YYYY-MM-DD).
pub fn f03_cells(school_code: &str, row: &RegisterRow) -> [String; 11] {
    [
        row.no.to_string(),
        row.name.clone(),
        row.position.clone().unwrap_or_default(),
        row.login.clone(),
        format!("F-02 nr {school_code}/{}", row.grant_no),
        iso_date(row.granted_at),
        row.revoked_at.map(iso_date).unwrap_or_default(),
        row.granted_by.clone(),
        row.revoked_by.clone().unwrap_or_default(),
        row.corrects.map(|n| n.to_string()).unwrap_or_default(),
        row.revocation
            .as_deref()
            .map(|a| revocation_reason(a).to_owned())
            .unwrap_or_default(),
    ]
}

/// Writes the register as CSV, formula-looking cells neutralised (GDPR-04).
pub fn f03_csv(school_code: &str, rows: &[RegisterRow]) -> std::io::Result<Vec<u8>> {
    let mut csv = csv::Writer::from_writer(Vec::new());
    csv.write_record(F03_COLUMNS)?;
    for row in rows {
        let cells = f03_cells(school_code, row);
        csv.write_record(
            cells
                .iter()
                .map(|c| crate::audit::export::neutralise_cell(c).into_owned()),
        )?;
    }
    csv.into_inner().map_err(|e| e.into_error())
}

/// The F-04 columns, in order.
pub const F04_COLUMNS: [&str; 4] = ["Lp.", "Pomieszczenie", "Budynek / adres", "Przeznaczenie"];

/// A version's heading line: "wersja 3 z 1 września 2025, zmienił(a): lukasz.nowak".
pub fn f04_version_line(v: &RoomsVersion) -> String {
    format!(
        "wersja {} z {}, zmienił(a): {}",
        v.version,
        date_pl(v.changed_at),
        v.changed_by
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn csv_export_neutralises_formulas_in_names() {
        let row = RegisterRow {
            no: 1,
            grant_no: 1,
            corrects: None,
            person_id: "u".into(),
            name: "=HYPERLINK(\"http://x\")".into(),
            login: "a.b".into(),
            position: Some("+nauczyciel".into()),
            granted_at: datetime!(2025-09-01 10:00 UTC),
            granted_by: "@admin".into(),
            revoked_at: None,
            revoked_by: None,
            revocation: None,
            source_seq: 1,
        };
        let out = f03_csv("261301", &[row]).unwrap();
        let mut reader = csv::Reader::from_reader(out.as_slice());
        let r = reader.records().next().unwrap().unwrap();
        assert_eq!(&r[1], "'=HYPERLINK(\"http://x\")");
        assert_eq!(&r[2], "'+nauczyciel");
        assert_eq!(&r[5], "2025-09-01");
        assert_eq!(&r[7], "'@admin");
    }
}
