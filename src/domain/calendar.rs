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

/// A day as people type it: `04.12.2026`, `4.12.2026`, `4-12-2026`, `4/12/2026` (day first,
/// the Polish way) or `2026-12-04` (ISO). `None` for anything else or a day that does not
/// exist.
pub fn parse_day(raw: &str) -> Option<Date> {
    let raw = raw.trim();
    let parts: Vec<&str> = raw.split(['.', '-', '/']).map(str::trim).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let num = |s: &str| -> Option<u32> {
        if s.is_empty() || s.len() > 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    let (year, month, day) = if a.len() == 4 {
        (num(a)?, num(b)?, num(c)?)
    } else if c.len() == 4 {
        (num(c)?, num(b)?, num(a)?)
    } else {
        return None;
    };
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?).ok()
}

/// "04.12.2026": a day as Polish forms write it.
pub fn dotted_date(t: OffsetDateTime) -> String {
    let d = warsaw(t).date();
    format!("{:02}.{:02}.{:04}", d.day(), u8::from(d.month()), d.year())
}

/// "04.12.2026 14:03": Polish local time as a Polish spreadsheet reads it.
pub fn local_date_time(t: OffsetDateTime) -> String {
    let w = warsaw(t);
    format!(
        "{} {:02}:{:02}:{:02}",
        dotted_date(t),
        w.hour(),
        w.minute(),
        w.second()
    )
}

/// "2025-09-01": the date style of exports.
pub fn iso_date(t: OffsetDateTime) -> String {
    let d = warsaw(t).date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn days_are_read_as_people_type_them() {
        for raw in [
            "04.12.2026",
            "4.12.2026",
            " 4.12.2026 ",
            "4-12-2026",
            "4/12/2026",
            "2026-12-04",
        ] {
            assert_eq!(parse_day(raw), Some(date!(2026 - 12 - 04)), "{raw}");
        }
        for raw in [
            "",
            "31.02.2026",
            "2026.13.01",
            "12.2026",
            "4.12.26",
            "jutro",
            "1.1.1.2026",
        ] {
            assert_eq!(parse_day(raw), None, "{raw}");
        }
    }

    #[test]
    fn local_times_are_polish() {
        // 23:30 UTC in December is 00:30 the next day in Warsaw (CET).
        assert_eq!(
            local_date_time(datetime!(2026-12-03 23:30 UTC)),
            "04.12.2026 00:30:00"
        );
        // Summer: CEST.
        assert_eq!(
            local_date_time(datetime!(2026-07-01 10:00 UTC)),
            "01.07.2026 12:00:00"
        );
    }
}
