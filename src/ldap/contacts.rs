//! `zszoScimContact`: what LDAP's contact attributes cannot hold — an email's type, a phone
//! number's `primary` flag and the order the client wrote them in — kept beside them so a
//! SCIM client reads back what it wrote.
//!
//! `mail`, `telephoneNumber`, `mobile`, `homePhone` and `facsimileTelephoneNumber` stay the
//! directory's truth (other LDAP clients read and may change them); each `zszoScimContact`
//! value describes one of their values:
//!
//! ```text
//! <position, 3 digits> ";" ("email" | "phone") ";" <SCIM type or empty> ";" ("1" | "0") ";" <value>
//! e.g. 000;email;home;1;anna@example.pl
//! ```
//!
//! Reading keeps a description only while its value is still in the contact attributes (an
//! LDAP client may have removed it); values nobody described (written by another LDAP client,
//! or before this attribute existed) follow, typed by their attribute (`mail` → work) and not
//! primary — unless nothing is described, when the first one is primary as before.

use crate::domain::query::{EmailKind, PhoneKind};
use crate::ports::{Contact, ContactEmail, ContactPhone};

/// The phone attributes and the type a number read from each has when nothing describes it.
pub const PHONE_ATTRS: [(&str, PhoneKind); 4] = [
    ("telephoneNumber", PhoneKind::Work),
    ("mobile", PhoneKind::Mobile),
    ("homePhone", PhoneKind::Home),
    ("facsimileTelephoneNumber", PhoneKind::Fax),
];

/// The `zszoScimContact` values for a profile's contacts, in order.
pub fn encode(emails: &[ContactEmail], phones: &[ContactPhone]) -> Vec<String> {
    let flag = |b: bool| if b { "1" } else { "0" };
    let emails = emails.iter().map(|e| {
        (
            "email",
            e.kind.map_or("", EmailKind::as_str),
            e.primary,
            &e.value,
        )
    });
    let phones = phones.iter().map(|p| {
        (
            "phone",
            p.kind.map_or("", PhoneKind::as_str),
            p.primary,
            &p.value,
        )
    });
    emails
        .chain(phones)
        .enumerate()
        .map(|(n, (what, kind, primary, value))| {
            format!("{n:03};{what};{kind};{};{value}", flag(primary))
        })
        .collect()
}

struct Described<'a> {
    position: u32,
    what: &'a str,
    kind: &'a str,
    primary: bool,
    value: &'a str,
}

fn parse(raw: &str) -> Option<Described<'_>> {
    let mut parts = raw.splitn(5, ';');
    let position = parts.next()?.parse().ok()?;
    let what = parts.next()?;
    let kind = parts.next()?;
    let primary = match parts.next()? {
        "1" => true,
        "0" => false,
        _ => return None,
    };
    let value = parts.next()?;
    Some(Described {
        position,
        what,
        kind,
        primary,
        value,
    })
}

/// The contacts described as `what` ("email", "phone") in `stored` whose value `is_present`
/// among the entry's values, in their stored order, typed by `kind`.
fn described<K>(
    stored: &[String],
    what: &str,
    is_present: impl Fn(&str) -> bool,
    kind: fn(&str) -> Option<K>,
) -> Vec<Contact<K>> {
    let mut found: Vec<Described> = stored
        .iter()
        .filter_map(|s| parse(s))
        .filter(|d| d.what == what && is_present(d.value))
        .collect();
    found.sort_by_key(|d| d.position);
    found
        .iter()
        .map(|d| Contact {
            value: d.value.to_owned(),
            kind: kind(d.kind),
            primary: d.primary,
        })
        .collect()
}

/// The emails of an entry: `mail` values, described by `stored` where it can.
pub fn emails(stored: &[String], mail: &[String]) -> Vec<ContactEmail> {
    let in_mail = |v: &str| mail.iter().any(|m| m.eq_ignore_ascii_case(v));
    let mut out = described(stored, "email", in_mail, EmailKind::parse);
    let none_described = out.is_empty();
    for (i, m) in mail.iter().enumerate() {
        if !out.iter().any(|e| e.value.eq_ignore_ascii_case(m)) {
            out.push(ContactEmail {
                value: m.clone(),
                kind: Some(EmailKind::Work),
                primary: none_described && i == 0,
            });
        }
    }
    out
}

/// The phone numbers of an entry: the values of [`PHONE_ATTRS`] (`by_attr`, in that order),
/// described by `stored` where it can.
pub fn phones(stored: &[String], by_attr: &[(PhoneKind, &[String])]) -> Vec<ContactPhone> {
    let present = |v: &str| by_attr.iter().any(|(_, vs)| vs.iter().any(|x| x == v));
    let mut out = described(stored, "phone", present, PhoneKind::parse);
    let none_described = out.is_empty();
    for (kind, values) in by_attr {
        for v in values.iter() {
            if !out.iter().any(|p| &p.value == v) {
                let first = none_described && out.is_empty();
                out.push(ContactPhone {
                    value: v.clone(),
                    kind: Some(*kind),
                    primary: first,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ldap::test_fixtures::{email, phone};

    #[test]
    fn types_primary_flags_and_order_survive_the_round_trip() {
        let e = vec![
            email("b@x.pl", Some(EmailKind::Home), false),
            email("a@x.pl", None, true),
            email("c;d@x.pl", Some(EmailKind::Other), false),
        ];
        let p = vec![
            phone("+48 1", Some(PhoneKind::Mobile), false),
            phone("+48 2", Some(PhoneKind::Other), false),
            phone("+48 3", None, true),
        ];
        let stored = encode(&e, &p);
        // LDAP has the values in its own attributes (primary first in `mail`).
        let mail: Vec<String> = vec!["a@x.pl".into(), "b@x.pl".into(), "c;d@x.pl".into()];
        assert_eq!(emails(&stored, &mail), e);
        let tel: Vec<String> = vec!["+48 3".into(), "+48 2".into()];
        let mobile: Vec<String> = vec!["+48 1".into()];
        let by_attr = [
            (PhoneKind::Work, tel.as_slice()),
            (PhoneKind::Mobile, mobile.as_slice()),
        ];
        assert_eq!(phones(&stored, &by_attr), p);
    }

    #[test]
    fn values_changed_by_another_ldap_client_win_over_the_description() {
        let stored = encode(
            &[
                email("gone@x.pl", Some(EmailKind::Home), true),
                email("kept@x.pl", Some(EmailKind::Home), false),
            ],
            &[],
        );
        let mail: Vec<String> = vec!["KEPT@x.pl".into(), "new@x.pl".into()];
        assert_eq!(
            emails(&stored, &mail),
            vec![
                email("kept@x.pl", Some(EmailKind::Home), false),
                email("new@x.pl", Some(EmailKind::Work), false),
            ]
        );
    }

    #[test]
    fn without_descriptions_the_old_reading_applies() {
        let mail: Vec<String> = vec!["a@x.pl".into(), "b@x.pl".into()];
        let read = emails(&["garbage".into()], &mail);
        assert_eq!(
            read,
            vec![
                email("a@x.pl", Some(EmailKind::Work), true),
                email("b@x.pl", Some(EmailKind::Work), false),
            ]
        );
        let fax: Vec<String> = vec!["+48 9".into()];
        assert_eq!(
            phones(&[], &[(PhoneKind::Fax, fax.as_slice())]),
            vec![phone("+48 9", Some(PhoneKind::Fax), true)]
        );
    }
}
