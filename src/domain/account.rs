//! The account state machine, separate from HR employment (`active` in SCIM).
//!
//! none → awaiting-first-login → awaiting-email-confirmation → active; any state with
//! credentials can be locked and unlocked. Stored in the directory as `zszoAccountState`.

use super::ParseError;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountState {
    /// The person is known (from HR) but has no credentials.
    None,
    /// A one-time password was issued and not yet replaced.
    AwaitingFirstLogin,
    /// The person set a password and an email address that is not confirmed yet.
    AwaitingEmailConfirmation,
    Active,
    Locked,
}

impl AccountState {
    pub const ALL: [AccountState; 5] = [
        AccountState::None,
        AccountState::AwaitingFirstLogin,
        AccountState::AwaitingEmailConfirmation,
        AccountState::Active,
        AccountState::Locked,
    ];

    /// The value stored in `zszoAccountState` and shown by SCIM.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountState::None => "none",
            AccountState::AwaitingFirstLogin => "awaiting-first-login",
            AccountState::AwaitingEmailConfirmation => "awaiting-email-confirmation",
            AccountState::Active => "active",
            AccountState::Locked => "locked",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(raw.trim()))
            .ok_or_else(|| ParseError::new("account state", format!("unknown value {raw:?}")))
    }

    /// Whether credentials exist for this state.
    pub fn has_credentials(self) -> bool {
        !matches!(self, AccountState::None)
    }
}

impl fmt::Display for AccountState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_round_trips_through_its_directory_value() {
        for s in AccountState::ALL {
            assert_eq!(AccountState::parse(s.as_str()).unwrap(), s);
        }
        assert!(AccountState::parse("enabled").is_err());
    }
}
