//! What every records handler (`records.rs`, `rooms.rs`) starts from: the panel's state, the
//! signed-in person and the request's context, extracted once ([`RecordsRequest`]), with the
//! three things each handler then asks of them: the school the page is about (404 and an
//! audited refusal outside the person's scope), the caller the forms use cases record, and
//! the one audit record of a look at the records ([`Look`]).

use super::pages::{chosen_school, request_id, school_options};
use super::views::SchoolOption;
use crate::domain::audit::Actor;
use crate::domain::SchoolCode;
use crate::forms::FormsCaller;
use crate::web::auth::{PanelUser, SignInRequired};
use crate::web::error::WebError;
use crate::web::state::PanelState;
use crate::web::RequestContext;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::Extension;

/// The records handlers' common arguments; rejected (to the sign-in) like [`PanelUser`].
pub struct RecordsRequest {
    pub(super) state: PanelState,
    pub(super) user: PanelUser,
    rctx: Option<Extension<RequestContext>>,
}

impl FromRequestParts<PanelState> for RecordsRequest {
    type Rejection = SignInRequired;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &PanelState,
    ) -> Result<Self, Self::Rejection> {
        let user = PanelUser::from_request_parts(parts, state).await?;
        let state = state.clone();
        let rctx = parts
            .extensions
            .get::<RequestContext>()
            .cloned()
            .map(Extension);
        Ok(Self { state, user, rctx })
    }
}

impl RecordsRequest {
    /// The caller the forms use cases write into their audit records.
    pub(super) fn caller(&self) -> FormsCaller {
        FormsCaller {
            actor: Actor::Person(self.user.login.as_str().to_owned()),
            request_id: request_id(&self.rctx),
        }
    }

    /// The school a records page is about, with its name; 404 (audited) outside the scope.
    pub(super) async fn school(
        &self,
        what: &str,
        asked: Option<&str>,
    ) -> Result<(SchoolCode, String, Vec<SchoolOption>), WebError> {
        let options = school_options(&self.state, &self.user).await?;
        let code = match chosen_school(&self.user, &options, asked) {
            Ok(Some(code)) => code,
            Ok(None) => return Err(WebError::NotFound),
            Err(e) => {
                let reader = super::history::reader(&self.user, &self.rctx);
                self.state.history.refused(&reader, what, asked).await;
                return Err(e);
            }
        };
        let name = options
            .iter()
            .find(|o| o.code == code)
            .map(|o| o.name.clone())
            .unwrap_or_default();
        let code = SchoolCode::parse(&code).map_err(|_| WebError::NotFound)?;
        Ok((code, name, options))
    }

    /// The one record of a look at `code`'s records.
    pub(super) fn look<'a>(&'a self, code: &'a SchoolCode) -> Look<'a> {
        Look {
            state: &self.state,
            caller: self.caller(),
            code,
        }
    }
}

/// The one record of a look at a school's records, with what was shown.
pub(super) struct Look<'a> {
    state: &'a PanelState,
    caller: FormsCaller,
    code: &'a SchoolCode,
}

impl Look<'_> {
    /// `forms.viewed`: a page of records shown.
    pub(super) async fn viewed(&self, pairs: &[(&str, String)]) -> Result<(), WebError> {
        self.note("forms.viewed", pairs).await
    }

    /// `forms.exported`: a file of records handed out.
    pub(super) async fn exported(&self, pairs: &[(&str, String)]) -> Result<(), WebError> {
        self.note("forms.exported", pairs).await
    }

    async fn note(&self, action: &str, pairs: &[(&str, String)]) -> Result<(), WebError> {
        let details = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        self.state
            .forms
            .note_access(&self.caller, action, Some(self.code), details)
            .await?;
        Ok(())
    }
}
