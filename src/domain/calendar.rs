//! Calendar helpers for what people read: Polish civil time and Polish dates. Pure.

use time::{Date, Month, OffsetDateTime, UtcOffset};

/// Last Sunday of a month, as a date.
fn last_sunday(year: i32, month: Month) -> Option<Date> {
    let last_day = month.length(year);
    let d = Date::from_calendar_date(year, month, last_day).ok()?;
    let back = d.weekday().number_days_from_sunday();
    d.checked_sub(time::Duration::days(back.into()))
}

/// Time in Europe/Warsaw: CET (UTC+1), CEST (UTC+2) from 01:00 UTC on the last Sunday of
/// March to 01:00 UTC on the last Sunday of October (EU rule since 1996).
pub fn warsaw(t: OffsetDateTime) -> OffsetDateTime {
    let utc = t.to_offset(UtcOffset::UTC);
    let year = utc.year();
    let switch = |m| last_sunday(year, m).map(|d| d.with_hms(1, 0, 0).expect("valid").assume_utc());
    let summer = match (switch(Month::March), switch(Month::October)) {
        (Some(start), Some(end)) => utc >= start && utc < end,
        _ => false,
    };
    let hours = if summer { 2 } else { 1 };
    utc.to_offset(UtcOffset::from_hms(hours, 0, 0).expect("valid offset"))
}

pub const MONTHS_PL: [&str; 12] = [
    "stycznia",
    "lutego",
    "marca",
    "kwietnia",
    "maja",
    "czerwca",
    "lipca",
    "sierpnia",
    "września",
    "października",
    "listopada",
    "grudnia",
];

/// "1 września 2025" (Polish time): the date style of printed forms.
pub fn date_pl(t: OffsetDateTime) -> String {
    let w = warsaw(t);
    format!(
        "{} {} {}",
        w.day(),
        MONTHS_PL[usize::from(u8::from(w.month())) - 1],
        w.year()
    )
}

/// "2025-09-01": the date style of exports.
pub fn iso_date(t: OffsetDateTime) -> String {
    let d = warsaw(t).date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}
