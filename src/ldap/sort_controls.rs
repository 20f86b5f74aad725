//! The server-side sorting request control (RFC 2891), BER-encoded with ldap3's own ASN.1
//! layer (`ldap3::asn1`, the `lber` crate), and which sorts slapd may do for paging
//! (`sorted_pages.rs`). The simple paged results control (RFC 2696) that goes with it is
//! ldap3's own (`ldap3::controls::PagedResults`).

use crate::ports::SortOrder;
use bytes::BytesMut;
use ldap3::asn1::{
    parse_tag, parse_uint, write, ASNTag, Boolean, OctetString, Sequence, Tag, TagClass, Types,
};
use ldap3::controls::RawControl;

pub const SORT_REQUEST_OID: &str = "1.2.840.113556.1.4.473";

/// One sort key: the attribute, the ordering rule when the attribute's schema has none
/// (slapd refuses to sort by an attribute without an ORDERING rule otherwise), descending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortKey {
    pub attr: &'static str,
    pub ordering_rule: Option<&'static str>,
    pub reverse: bool,
}

fn encode(tag: Tag) -> Vec<u8> {
    let mut buf = BytesMut::with_capacity(64);
    // Writing into memory cannot fail.
    write::encode_into(&mut buf, tag.into_structure()).expect("BER into memory");
    buf.to_vec()
}

/// `SortKeyList ::= SEQUENCE OF SEQUENCE { attributeType, orderingRule [0] OPTIONAL,
/// reverseOrder [1] BOOLEAN DEFAULT FALSE }`, critical: a server that cannot sort must say so
/// rather than return an unsorted page.
pub fn sort_control(keys: &[SortKey]) -> RawControl {
    let list = keys
        .iter()
        .map(|k| {
            let mut inner = vec![Tag::OctetString(OctetString {
                inner: k.attr.as_bytes().to_vec(),
                ..Default::default()
            })];
            if let Some(rule) = k.ordering_rule {
                inner.push(Tag::OctetString(OctetString {
                    class: TagClass::Context,
                    id: 0,
                    inner: rule.as_bytes().to_vec(),
                }));
            }
            if k.reverse {
                inner.push(Tag::Boolean(Boolean {
                    class: TagClass::Context,
                    id: 1,
                    inner: true,
                }));
            }
            Tag::Sequence(Sequence {
                inner,
                ..Default::default()
            })
        })
        .collect();
    RawControl {
        ctype: SORT_REQUEST_OID.to_owned(),
        crit: true,
        val: Some(encode(Tag::Sequence(Sequence {
            inner: list,
            ..Default::default()
        }))),
    }
}

/// A simple paged results response (RFC 2696 `{ size INTEGER, cookie OCTET STRING }`):
/// slapd's sssvlv puts in `size` the number of sorted matches not sent yet. `None` when the
/// value is not one (the caller then cuts the page itself, never trusts a half-parsed count).
pub fn parse_paged_response(val: &[u8]) -> Option<(u64, Vec<u8>)> {
    let (rest, tag) = parse_tag(val).ok()?;
    if !rest.is_empty() {
        return None;
    }
    let mut parts = tag.expect_constructed()?.into_iter();
    let size = parts
        .next()?
        .match_class(TagClass::Universal)?
        .match_id(Types::Integer as u64)?
        .expect_primitive()?;
    let (_, size) = parse_uint(&size).ok()?;
    let cookie = parts
        .next()?
        .match_class(TagClass::Universal)?
        .match_id(Types::OctetString as u64)?
        .expect_primitive()?;
    parts.next().is_none().then_some((size, cookie))
}

/// Sort attributes every person and group a sorted search can return has (so slapd's order,
/// which places entries without the value first, is this crate's, which places them last),
/// with the ordering rule to sort them by when their schema has none (`2.5.13.3`,
/// caseIgnoreOrderingMatch: the names, compared case-insensitively as the fallback does).
/// `uid`, `sn` and `givenName` are sorts of people only (`render::person_sort_attr`).
const ALWAYS_PRESENT: [(&str, Option<&str>); 7] = [
    ("entryUUID", None),
    ("createTimestamp", None),
    ("modifyTimestamp", None),
    ("uid", Some("2.5.13.3")),
    ("cn", Some("2.5.13.3")),
    ("sn", Some("2.5.13.3")),
    ("givenName", Some("2.5.13.3")),
];

/// The sort keys of a page sorted in the directory: the attribute, then `entryUUID` (ties
/// and the default order, ascending in either direction, as `search::read_page_ids` sorts);
/// `None` when the attribute may be absent on some entries (the page is then cut here).
pub fn sort_keys(sort: Option<(&'static str, SortOrder)>) -> Option<Vec<SortKey>> {
    let uuid = SortKey {
        attr: "entryUUID",
        ordering_rule: None,
        reverse: false,
    };
    let Some((attr, order)) = sort else {
        return Some(vec![uuid]);
    };
    let (attr, ordering_rule) = ALWAYS_PRESENT.into_iter().find(|(a, _)| *a == attr)?;
    let key = SortKey {
        attr,
        ordering_rule,
        reverse: order == SortOrder::Descending,
    };
    Some(if attr == "entryUUID" {
        vec![key]
    } else {
        vec![key, uuid]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sort_control_is_the_rfc_2891_sequence() {
        let c = sort_control(&[
            SortKey {
                attr: "sn",
                ordering_rule: Some("2.5.13.3"),
                reverse: true,
            },
            SortKey {
                attr: "entryUUID",
                ordering_rule: None,
                reverse: false,
            },
        ]);
        assert_eq!(c.ctype, SORT_REQUEST_OID);
        assert!(c.crit);
        let expected: Vec<u8> = [
            &[0x30, 0x20][..],
            &[0x30, 0x11, 0x04, 0x02, b's', b'n'],
            &[0x80, 0x08],
            b"2.5.13.3",
            &[0x81, 0x01, 0xff],
            &[0x30, 0x0b, 0x04, 0x09],
            b"entryUUID",
        ]
        .concat();
        assert_eq!(c.val.unwrap(), expected);
    }

    #[test]
    fn only_attributes_every_entry_has_are_sorted_in_the_directory() {
        let keys = sort_keys(Some(("sn", SortOrder::Descending))).unwrap();
        assert_eq!(
            keys.iter().map(|k| (k.attr, k.reverse)).collect::<Vec<_>>(),
            [("sn", true), ("entryUUID", false)]
        );
        assert_eq!(sort_keys(None).unwrap().len(), 1);
        assert_eq!(
            sort_keys(Some(("entryUUID", SortOrder::Ascending)))
                .unwrap()
                .len(),
            1
        );
        // Some people have no display name, some no mail: cut by the fallback.
        assert!(sort_keys(Some(("displayName", SortOrder::Ascending))).is_none());
        assert!(sort_keys(Some(("mail", SortOrder::Ascending))).is_none());
    }

    #[test]
    fn a_paged_response_gives_the_remaining_count_and_garbage_gives_nothing() {
        let val = [0x30, 0x09, 0x02, 0x02, 0x01, 0x2c, 0x04, 0x03, 1, 2, 3];
        assert_eq!(parse_paged_response(&val), Some((300, vec![1, 2, 3])));
        let last = [0x30, 0x05, 0x02, 0x01, 0x00, 0x04, 0x00];
        assert_eq!(parse_paged_response(&last), Some((0, vec![])));
        // Truncated, trailing bytes, the wrong types: refused.
        assert_eq!(parse_paged_response(&val[..8]), None);
        assert_eq!(parse_paged_response(&[&val[..], &[0]].concat()), None);
        assert_eq!(parse_paged_response(b"\x04\x01x"), None);
        assert_eq!(parse_paged_response(&[0x30, 0x03, 0x04, 0x01, 0x05]), None);
    }
}
