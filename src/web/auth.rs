//! Who is signed in to the panel, and what they may act on.
//!
//! [`PanelUser`] is an axum extractor: a handler that takes it runs only for a live session;
//! otherwise the answer is `303 See Other` to `/panel/logowanie`. Roles are a snapshot taken
//! at sign-in (read from the directory's role groups by `Directory::roles_of`); the session's
//! idle (15 min) and absolute (8 h) limits bound how long a revoked role lingers.
//! Scope: every school for a system administrator, else the schools where the person is a
//! local administrator. The server decides from the session only, never from a form field.

use super::RequestContext;
use crate::domain::audit::Actor;
use crate::domain::{LoginName, SchoolCode};
use crate::ports::{AdminRole, SchoolScope};
use crate::provisioning::Caller;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};

/// Where a request without a session is sent.
pub const SIGN_IN_PATH: &str = "/panel/logowanie";

/// The signed-in administrator.
#[derive(Debug, Clone)]
pub struct PanelUser {
    /// The person's `entryUUID`.
    pub person_id: String,
    pub login: LoginName,
    /// "Given Family".
    pub name: String,
    pub roles: Vec<AdminRole>,
    pub scope: SchoolScope,
}

impl PanelUser {
    /// The caller for the provisioning use cases: the person by login, with their scope.
    pub fn caller(&self, request_id: Option<String>) -> Caller {
        Caller {
            actor: Actor::Person(self.login.as_str().to_owned()),
            scope: self.scope.clone(),
            request_id,
        }
    }

    pub fn is_system_administrator(&self) -> bool {
        self.roles.contains(&AdminRole::SystemAdministrator)
    }

    /// The schools where this person is a local administrator, in role order.
    pub fn local_schools(&self) -> Vec<SchoolCode> {
        self.roles
            .iter()
            .filter_map(|r| match r {
                AdminRole::LocalAdministrator(code) => Some(code.clone()),
                AdminRole::SystemAdministrator => None,
            })
            .collect()
    }

    /// Whether this person may act on `school`.
    pub fn may_act_on(&self, school: &SchoolCode) -> bool {
        self.scope.contains(school)
    }

    /// From a session's snapshot; `None` when it no longer parses or grants nothing.
    pub(crate) fn from_session(record: &crate::store::sessions::SessionRecord) -> Option<Self> {
        // Between the password and the second factor: not signed in yet.
        if record.pending_second_factor.is_some() {
            return None;
        }
        let login = LoginName::parse(&record.login).ok()?;
        let roles: Vec<AdminRole> = record.roles.iter().filter_map(|r| decode_role(r)).collect();
        if roles.is_empty() {
            return None;
        }
        Some(Self {
            person_id: record.person_id.clone(),
            login,
            name: record.name.clone(),
            scope: scope_of(&roles),
            roles,
        })
    }
}

/// Every school for a system administrator, else the local administrator's schools.
pub fn scope_of(roles: &[AdminRole]) -> SchoolScope {
    if roles.contains(&AdminRole::SystemAdministrator) {
        return SchoolScope::All;
    }
    SchoolScope::Only(
        roles
            .iter()
            .filter_map(|r| match r {
                AdminRole::LocalAdministrator(code) => Some(code.clone()),
                AdminRole::SystemAdministrator => None,
            })
            .collect(),
    )
}

pub use crate::onboarding::admin_sign_in::encode_role;

pub fn decode_role(raw: &str) -> Option<AdminRole> {
    if raw == "system" {
        return Some(AdminRole::SystemAdministrator);
    }
    let code = raw.strip_prefix("local:")?;
    SchoolCode::parse(code)
        .ok()
        .map(AdminRole::LocalAdministrator)
}

/// Where a session waiting for its second factor is sent.
pub const SECOND_FACTOR_PATH: &str = "/panel/drugi-skladnik";

/// No live session: go and sign in (or finish signing in with the second factor).
#[derive(Debug)]
pub struct SignInRequired {
    second_factor_pending: bool,
}

impl IntoResponse for SignInRequired {
    fn into_response(self) -> Response {
        match self.second_factor_pending {
            true => Redirect::to(SECOND_FACTOR_PATH).into_response(),
            false => Redirect::to(SIGN_IN_PATH).into_response(),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PanelUser {
    type Rejection = SignInRequired;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let session = parts
            .extensions
            .get::<RequestContext>()
            .and_then(|c| c.session.as_ref());
        session
            .and_then(|s| PanelUser::from_session(&s.record))
            .ok_or(SignInRequired {
                second_factor_pending: session
                    .is_some_and(|s| s.record.pending_second_factor.is_some()),
            })
    }
}

/// The signed-in user when there is one (pages that work both ways, like the sign-in page).
#[derive(Debug, Clone)]
pub struct MaybePanelUser(pub Option<PanelUser>);

impl<S: Send + Sync> FromRequestParts<S> for MaybePanelUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybePanelUser(
            parts
                .extensions
                .get::<RequestContext>()
                .and_then(|c| c.session.as_ref())
                .and_then(|s| PanelUser::from_session(&s.record)),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_give_the_scope() {
        let a = SchoolCode::parse("sp001").unwrap();
        let roles = vec![AdminRole::LocalAdministrator(a.clone())];
        let encoded: Vec<String> = roles.iter().map(encode_role).collect();
        assert_eq!(encoded, vec!["local:sp001".to_owned()]);
        let decoded: Vec<AdminRole> = encoded.iter().filter_map(|r| decode_role(r)).collect();
        assert_eq!(decoded, roles);
        assert_eq!(scope_of(&roles), SchoolScope::Only(vec![a]));
        assert_eq!(
            scope_of(&[AdminRole::SystemAdministrator]),
            SchoolScope::All
        );
        assert_eq!(decode_role("root"), None);
    }
}
