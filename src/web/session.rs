//! Panel sessions at the HTTP edge (security.md SESS-01..05): ids, cookies, start and end.
//!
//! - The id is 256 bits from the OS CSPRNG, base64url; the state store keeps only its SHA-256
//!   (`crate::store::sessions`), with the person, a roles snapshot and the CSRF token.
//! - Cookie: `__Host-zszo-panel=<id>; Path=/; Secure; HttpOnly; SameSite=Strict`, no
//!   `Domain`, no `Max-Age`/`Expires` (ends with the browser; the server ends it earlier).
//! - A new id at every sign-in (the previous session, if any, is deleted: no fixation);
//!   sign-out deletes the record server-side; idle and absolute timeouts from `[panel]`.

use crate::clock::Clock;
use crate::ports::Directory;
use crate::store::sessions::{SessionLimits, SessionRecord};
use crate::store::{StateStore, StoreError};
use axum::http::{header, HeaderMap, HeaderValue};
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// The session cookie.
pub const SESSION_COOKIE: &str = "__Host-zszo-panel";
/// The portal's session cookie (a panel session is never a portal session, nor the reverse:
/// portal sessions are stored under `portal:`-prefixed keys).
pub const PORTAL_COOKIE: &str = "__Host-zszo-portal";
/// The pre-session CSRF cookie of the sign-in form (double submit).
pub const PRE_COOKIE: &str = "__Host-zszo-pre";
/// The chosen language (`pl`/`en`); not a secret, but just as strict.
pub const LANG_COOKIE: &str = "__Host-zszo-lang";

/// 256 random bits from the OS CSPRNG, base64url without padding (43 characters).
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The store key of a session id: hex SHA-256.
pub fn key_of(id: &str) -> String {
    hex::encode(Sha256::digest(id.as_bytes()))
}

/// The value of cookie `name` in the request, if present (the first one).
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

/// `Set-Cookie` for a session-lifetime cookie with every protective flag.
pub fn set_cookie(name: &str, value: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; Secure; HttpOnly; SameSite=Strict"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// `Set-Cookie` for a cookie kept a year (the language choice).
pub fn set_lasting_cookie(name: &str, value: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=31536000"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// `Set-Cookie` that deletes `name` in the browser.
pub fn clear_cookie(name: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{name}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// A live session, as the request middleware found it.
#[derive(Clone)]
pub struct Session {
    /// The store key (SHA-256 of the id).
    pub key: String,
    pub record: SessionRecord,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("login", &self.record.login)
            .finish_non_exhaustive()
    }
}

/// The sessions of both areas: where they are kept, their limits, and the directory every
/// request's session is checked against.
#[derive(Clone)]
pub struct Sessions {
    pub store: StateStore,
    pub directory: Arc<dyn Directory>,
    pub clock: Arc<dyn Clock>,
    /// `[panel]` idle and absolute timeouts.
    pub panel_limits: SessionLimits,
    /// `[portal]` idle and absolute timeouts.
    pub portal_limits: SessionLimits,
}

/// The store key of a portal session id.
pub fn portal_key_of(id: &str) -> String {
    format!("portal:{}", key_of(id))
}

/// Who a new session is for.
pub struct NewSession {
    pub person_id: String,
    pub login: String,
    pub name: String,
    pub roles: Vec<String>,
    /// `Some`: the password was right, the second factor is still to come
    /// ([`SessionRecord::pending_second_factor`]); such a session lives 10 minutes at most.
    pub pending_second_factor: Option<String>,
}

/// How long a session waiting for its second factor lives.
const PENDING_SECONDS: i64 = 600;

impl Sessions {
    /// Ends the session stored under `key` (sign-out, a new sign-in, a session that may not go on).
    pub async fn end(&self, key: String) -> Result<(), StoreError> {
        self.store.delete_session(key).await.map(|_| ())
    }

    /// The live session named by the request's cookie for `area`, touched; `None` without one.
    pub async fn load(
        &self,
        headers: &HeaderMap,
        area: super::Area,
    ) -> Result<Option<Session>, StoreError> {
        if area == super::Area::Portal {
            return self.load_portal(headers).await;
        }
        let Some(id) = cookie(headers, SESSION_COOKIE) else {
            return Ok(None);
        };
        let key = key_of(&id);
        let now = self.clock.now();
        let Some(mut record) = self
            .store
            .touch_session(key.clone(), now, self.panel_limits)
            .await?
        else {
            return Ok(None);
        };
        // The directory decides on every request (security.md SESS-05): a locked or deactivated
        // account, a deleted person or a withdrawn role ends the session at once, not at its
        // timeout. The roles are re-read, so a new or withdrawn role takes effect immediately.
        match self.current_roles(&record.person_id).await {
            Some(roles) if !roles.is_empty() => {
                record.roles = roles;
                Ok(Some(Session { key, record }))
            }
            _ => {
                self.end(key).await?;
                Ok(None)
            }
        }
    }

    /// A portal session, checked against the directory on every request like the panel's: a
    /// locked account, ended employment or a deleted person ends it at once. A restricted
    /// first-login session ends when the account no longer awaits its first login, when the
    /// one-time password it was opened with is replaced (re-issue) and at that password's expiry.
    async fn load_portal(&self, headers: &HeaderMap) -> Result<Option<Session>, StoreError> {
        use crate::domain::AccountState;
        let Some(id) = cookie(headers, PORTAL_COOKIE) else {
            return Ok(None);
        };
        let key = portal_key_of(&id);
        let now = self.clock.now();
        let Some(record) = self
            .store
            .touch_session(key.clone(), now, self.portal_limits)
            .await?
        else {
            return Ok(None);
        };
        let person = self
            .directory
            .get_person(&record.person_id, &crate::ports::SchoolScope::All)
            .await;
        let fine = match &person {
            Ok(Some(p)) => {
                p.profile.employment_active
                    && match p.account_state {
                        AccountState::AwaitingFirstLogin => {
                            let opened_with = record.first_login_expires;
                            let current = p.initial_password_expires.map(|t| t.unix_timestamp());
                            record.first_login.is_some()
                                && opened_with.is_some()
                                && opened_with == current
                                && opened_with.is_some_and(|at| now.unix_timestamp() < at)
                        }
                        AccountState::AwaitingEmailConfirmation | AccountState::Active => {
                            record.first_login.is_none()
                        }
                        AccountState::None | AccountState::Locked => false,
                    }
            }
            Ok(None) => false,
            Err(e) => {
                tracing::warn!(error = %e, "portal session not checked against the directory; refused");
                false
            }
        };
        if !fine {
            self.end(key).await?;
            return Ok(None);
        }
        Ok(Some(Session { key, record }))
    }

    /// Starts a portal session (a new id: no fixation); `first_login` is the one-time password's
    /// digest for the restricted first-login session.
    pub async fn start_portal(
        &self,
        person: &crate::ports::PersonEntry,
        first_login: Option<[u8; 32]>,
    ) -> Result<String, StoreError> {
        let id = new_secret();
        let now = self.clock.now().unix_timestamp();
        let limits = self.portal_limits;
        let record = SessionRecord {
            person_id: person.entry.id.clone(),
            login: person.login.as_str().to_owned(),
            name: person.profile.name.full(),
            roles: Vec::new(),
            csrf: new_secret(),
            created: now,
            last_seen: now,
            // Bound to the one-time password it was opened with: its expiry is checked on every
            // request (a re-issued password has another; past it the session ends).
            first_login_expires: first_login
                .and(person.initial_password_expires)
                .map(|t| t.unix_timestamp()),
            first_login: first_login.map(hex::encode),
            limits_secs: Some((limits.idle.whole_seconds(), limits.absolute.whole_seconds())),
            pending_second_factor: None,
        };
        self.store
            .create_session(portal_key_of(&id), record, limits)
            .await?;
        Ok(id)
    }

    /// The person's administrator roles now, or `None` when they may no longer sign in (gone,
    /// locked, employment ended) or the directory cannot tell (fail closed).
    async fn current_roles(&self, person_id: &str) -> Option<Vec<String>> {
        use crate::domain::AccountState;
        use crate::ports::SchoolScope;
        let person = match self
            .directory
            .get_person(person_id, &SchoolScope::All)
            .await
        {
            Ok(p) => p?,
            Err(e) => {
                tracing::warn!(error = %e, "session not checked against the directory; refused");
                return None;
            }
        };
        if person.account_state == AccountState::Locked || !person.profile.employment_active {
            return None;
        }
        match self.directory.roles_of(&person.entry).await {
            Ok(roles) => Some(roles.iter().map(crate::web::auth::encode_role).collect()),
            Err(e) => {
                tracing::warn!(error = %e, "roles not read; session refused");
                None
            }
        }
    }

    /// Stores a new session and returns its id (for the cookie) and the session.
    pub async fn start(&self, who: NewSession) -> Result<(String, Session), StoreError> {
        let id = new_secret();
        let key = key_of(&id);
        let now = self.clock.now().unix_timestamp();
        let record = SessionRecord {
            person_id: who.person_id,
            login: who.login,
            name: who.name,
            roles: who.roles,
            csrf: new_secret(),
            created: now,
            last_seen: now,
            first_login: None,
            limits_secs: who
                .pending_second_factor
                .as_ref()
                .map(|_| (PENDING_SECONDS, PENDING_SECONDS)),
            first_login_expires: None,
            pending_second_factor: who.pending_second_factor,
        };
        self.store
            .create_session(key.clone(), record.clone(), self.panel_limits)
            .await?;
        Ok((id, Session { key, record }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_256_bit_and_unique_and_stored_hashed() {
        let a = new_secret();
        let b = new_secret();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(key_of(&a).len(), 64);
        assert_ne!(key_of(&a), a);
    }

    #[test]
    fn cookies_are_read_by_exact_name_and_set_with_every_flag() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("x__Host-zszo-panel=no; __Host-zszo-panel=yes; a=b"),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("yes"));
        assert_eq!(cookie(&h, PRE_COOKIE), None);
        let c = set_cookie(SESSION_COOKIE, "v");
        assert_eq!(
            c.to_str().unwrap(),
            "__Host-zszo-panel=v; Path=/; Secure; HttpOnly; SameSite=Strict"
        );
    }
}
