//! What every panel handler that acts or reads in someone's name starts from: the panel's
//! state, the signed-in person and the request's context, extracted once ([`PanelRequest`]),
//! and what the handlers then ask of them: the caller a use case records (provisioning,
//! forms, history), the school a records page is about (404 and an audited refusal outside
//! the person's scope), and the one audit record of a look at the records ([`Look`]).

use super::pages::{chosen_school, request_id, school_options};
use super::views::SchoolOption;
use crate::domain::audit::Actor;
use crate::domain::SchoolCode;
use crate::forms::FormsCaller;
use crate::history::Reader;
use crate::provisioning::Caller;
use crate::web::auth::{PanelUser, SignInRequired};
use crate::web::error::WebError;
use crate::web::layout::PageContext;
use crate::web::state::PanelState;
use crate::web::RequestContext;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::Extension;

/// A panel handler's common arguments; rejected (to the sign-in) like [`PanelUser`].
pub struct PanelRequest {
    pub(super) state: PanelState,
    pub(super) user: PanelUser,
    /// For the page the handler answers with.
    pub(super) ctx: PageContext,
    rctx: Option<Extension<RequestContext>>,
}

impl FromRequestParts<PanelState> for PanelRequest {
    type Rejection = SignInRequired;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &PanelState,
    ) -> Result<Self, Self::Rejection> {
        let user = PanelUser::from_request_parts(parts, state).await?;
        let Ok(ctx) = PageContext::from_request_parts(parts, state).await;
        let state = state.clone();
        let rctx = parts
            .extensions
            .get::<RequestContext>()
            .cloned()
            .map(Extension);
        Ok(Self {
            state,
            user,
            ctx,
            rctx,
        })
    }
}

impl PanelRequest {
    fn actor(&self) -> Actor {
        Actor::Person(self.user.login.as_str().to_owned())
    }

    /// The caller the provisioning use cases act for (with the person's scope).
    pub(super) fn caller(&self) -> Caller {
        self.user.caller(request_id(&self.rctx))
    }

    /// The caller the forms use cases write into their audit records.
    pub(super) fn forms_caller(&self) -> FormsCaller {
        FormsCaller {
            actor: self.actor(),
            request_id: request_id(&self.rctx),
        }
    }

    /// Who reads, for the audit record of a view of the history.
    pub(super) fn reader(&self) -> Reader {
        Reader {
            actor: self.actor(),
            request_id: request_id(&self.rctx),
        }
    }

    /// The school a records or history page is about, with its name and the schools the
    /// person may choose; 404 (audited as refused `what`) outside the scope.
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
                self.state
                    .history
                    .refused(&self.reader(), what, asked)
                    .await;
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
            caller: self.forms_caller(),
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
