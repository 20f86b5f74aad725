//! A person's bind with the password-policy request control (draft-behera-ldap-password-policy
//! §6.1, OID 1.3.6.1.4.1.42.2.27.8.5.1), so the answer says whether slapd accepted the
//! password only to restrict the connection: a one-time password (`pwdReset: TRUE` under
//! `pwdMustChange`) binds with result 0 and the response control's error `changeAfterReset`.
//! Result 0 alone is therefore never "this is the person's own password".

use super::error::from_ldap;
use crate::ports::{DirectoryError, DirectoryResult, PasswordCheck};
use ldap3::asn1::{parse_tag, TagClass, PL};
use ldap3::controls::RawControl;
use ldap3::Ldap;
use std::time::Duration;

/// The request and response control's OID.
pub const PASSWORD_POLICY_OID: &str = "1.3.6.1.4.1.42.2.27.8.5.1";

/// `PasswordPolicyResponseValue.error` values (draft §6.2) that leave the connection usable
/// for a password change only, or say the bind should not count as a sign-in.
const PASSWORD_EXPIRED: u8 = 0;
const ACCOUNT_LOCKED: u8 = 1;
const CHANGE_AFTER_RESET: u8 = 2;

/// Binds as `dn` with the control; wrong credentials are `Ok(PasswordCheck::Wrong)`.
pub(crate) async fn bind_with_policy(
    ldap: &mut Ldap,
    dn: &str,
    password: &str,
    timeout: Duration,
) -> DirectoryResult<PasswordCheck> {
    let control = RawControl {
        ctype: PASSWORD_POLICY_OID.to_owned(),
        crit: false,
        val: None,
    };
    let result = ldap
        .with_controls(vec![control])
        .with_timeout(timeout)
        .simple_bind(dn, password)
        .await
        .map_err(|e| from_ldap(dn, e))?;
    if result.rc != 0 {
        return match super::error::from_result(dn, &result) {
            DirectoryError::InvalidCredentials => Ok(PasswordCheck::Wrong),
            other => Err(other),
        };
    }
    let error = result
        .ctrls
        .iter()
        .filter(|c| c.1.ctype == PASSWORD_POLICY_OID)
        .find_map(|c| c.1.val.as_deref().and_then(policy_error));
    Ok(match error {
        None => PasswordCheck::Right { must_change: false },
        Some(CHANGE_AFTER_RESET | PASSWORD_EXPIRED) => PasswordCheck::Right { must_change: true },
        Some(ACCOUNT_LOCKED) => PasswordCheck::Wrong,
        // Any other error on a successful bind: treat the password as one to change (fail
        // closed: the connection is not a full sign-in).
        Some(_) => PasswordCheck::Right { must_change: true },
    })
}

/// The `error` field of a `PasswordPolicyResponseValue` (a SEQUENCE with an optional
/// `[0] warning` and an optional `[1] ENUMERATED error`); `None` when absent or unparsable…
/// except that an unparsable value counts as an error (fail closed).
pub(crate) fn policy_error(value: &[u8]) -> Option<u8> {
    let Ok((_, seq)) = parse_tag(value) else {
        return Some(u8::MAX);
    };
    let PL::C(items) = seq.payload else {
        return Some(u8::MAX);
    };
    items
        .into_iter()
        .find(|t| t.class == TagClass::Context && t.id == 1)
        .map(|t| match t.payload {
            PL::P(bytes) if bytes.len() == 1 => bytes[0],
            _ => u8::MAX,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_response_value_is_read_as_the_draft_encodes_it() {
        // SEQUENCE { error [1] changeAfterReset }
        assert_eq!(policy_error(&[0x30, 0x03, 0x81, 0x01, 0x02]), Some(2));
        // SEQUENCE { warning [0] { timeBeforeExpiration [0] 300 } }: no error.
        assert_eq!(
            policy_error(&[0x30, 0x06, 0xa0, 0x04, 0x80, 0x02, 0x01, 0x2c]),
            None
        );
        // An empty SEQUENCE: no warning, no error.
        assert_eq!(policy_error(&[0x30, 0x00]), None);
        // Garbage fails closed.
        assert_eq!(policy_error(&[0xff]), Some(u8::MAX));
    }
}
