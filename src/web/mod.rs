//! The web edge for people: the Central Administration Panel under `/panel` and the Access
//! Portal under `/portal` (`portal/`). Server-rendered HTML (maud, escaped at compile time), Polish by default,
//! no JavaScript, no inline styles.
//!
//! Every panel request passes, outermost first:
//! 1. [`headers::security_headers`]: CSP, HSTS, nosniff, … and `Cache-Control: no-store`;
//! 2. [`context_layer`]: the language, the live session (touched, or ended by its timeouts),
//!    the pre-session CSRF cookie, the client address; every POST is refused with 403 unless
//!    its `csrf` field matches (see [`csrf`]); error pages are rendered in the language.
//!
//! Handlers then take [`auth::PanelUser`] (signed-in only, else 303 to the sign-in page) and
//! [`layout::PageContext`] (for [`layout::page`]). The panel pages (`panel/`) add their routes
//! through [`panel::routes`].

pub mod assets;
pub mod auth;
pub mod client_address;
pub mod csrf;
pub mod error;
pub mod headers;
pub mod i18n;
pub mod layout;
pub mod panel;
pub mod portal;
pub mod second_factor;
pub mod session;
pub mod signin;
pub mod state;
pub mod throttle;

use auth::PanelUser;
use axum::body::{Body, Bytes};
use axum::extract::rejection::ExtensionRejection;
use axum::extract::{ConnectInfo, FromRequestParts, OriginalUri, Request, State};
use axum::http::request::Parts;
use axum::http::{header, Method};
use axum::middleware::{from_fn, from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use csrf::CsrfToken;
use error::{RenderedError, WebError};
use i18n::Lang;
use layout::PageContext;
use session::Session;
use state::{PanelState, WebState};
use std::net::{IpAddr, SocketAddr};

/// Which part of the web edge a request is for: each has its own session cookie, session
/// checks and page frame; the middleware and the frame are shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// The Central Administration Panel (`/panel`), for administrators.
    Panel,
    /// The Access Portal (`/portal`), for every employee.
    Portal,
}

impl Area {
    /// The area's root path.
    pub fn root(self) -> &'static str {
        match self {
            Area::Panel => "/panel",
            Area::Portal => "/portal",
        }
    }
}

/// What the request middleware learnt about a request; in its extensions for extractors
/// ([`PanelUser`], [`PageContext`]) and handlers (`Extension<RequestContext>`).
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub area: Area,
    pub lang: Lang,
    /// The live session, if any (already touched).
    pub session: Option<Session>,
    /// The pre-session CSRF token (from its cookie, or new and set on the response).
    pub pre_csrf: CsrfToken,
    /// The client: the TCP peer, or behind `server.trusted_proxies` the forwarded address
    /// (`client_address`).
    pub addr: Option<IpAddr>,
    /// `x-request-id`, for audit records.
    pub request_id: Option<String>,
}

impl RequestContext {
    /// The token this request's forms carry: the session's, else the pre-session one.
    pub fn csrf(&self) -> CsrfToken {
        match &self.session {
            Some(s) => CsrfToken::of(s),
            None => self.pre_csrf.clone(),
        }
    }

    pub fn user(&self) -> Option<PanelUser> {
        if self.area != Area::Panel {
            return None;
        }
        self.session
            .as_ref()
            .and_then(|s| PanelUser::from_session(&s.record))
    }

    pub fn page_context(&self, path: String) -> PageContext {
        PageContext {
            area: self.area,
            lang: self.lang,
            user: self.user(),
            signed_in: self
                .session
                .as_ref()
                .map(|s| (s.record.name.clone(), s.record.login.clone())),
            csrf: self.csrf(),
            path,
        }
    }
}

/// The common arguments of a handler that needs no signed-in person (sign-in, the second
/// factor, the portal's links): its area's state, what the middleware learnt about the
/// request, and the page context. Signed-in panel handlers take `panel::request::PanelRequest`.
pub struct WebRequest<S> {
    pub state: S,
    pub rc: RequestContext,
    pub ctx: PageContext,
}

impl<S: Clone + Send + Sync> FromRequestParts<S> for WebRequest<S> {
    /// Only without the middleware (a routing mistake), like `Extension<RequestContext>`.
    type Rejection = ExtensionRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Extension(rc) = Extension::<RequestContext>::from_request_parts(parts, state).await?;
        let Ok(ctx) = PageContext::from_request_parts(parts, state).await;
        Ok(Self {
            state: state.clone(),
            rc,
            ctx,
        })
    }
}

/// The panel, to be nested at `/panel` by `app::router`.
pub fn panel_router(state: PanelState) -> Router {
    let routes = Router::new()
        .route(
            "/logowanie",
            get(signin::sign_in_page).post(signin::sign_in),
        )
        .route("/wyloguj", post(signin::sign_out))
        .route(
            "/drugi-skladnik",
            get(second_factor::show).post(second_factor::submit),
        )
        .route(
            "/pracownicy/{id}/drugi-skladnik-reset",
            post(second_factor::reset),
        )
        .route("/assets/zszo.css", get(assets::stylesheet))
        .merge(panel::routes());
    behind_the_edge(routes, Area::Panel, state.web.clone(), state)
}

/// An area's routes behind the edge both areas share (outermost first): the security
/// headers, then the request context of `area`; the language switch (`/jezyk`) is the same
/// in both, and a path no route matches is the area's localized "not found" page.
pub fn behind_the_edge<S: Clone + Send + Sync + 'static>(
    routes: Router<S>,
    area: Area,
    web: WebState,
    state: S,
) -> Router {
    routes
        .route("/jezyk", get(signin::language))
        .fallback(|| async { WebError::NotFound })
        .layer(from_fn_with_state((web, area), context_layer))
        .layer(from_fn(headers::security_headers))
        .with_state(state)
}

/// The request context of `area` (see [`context`]); each area's router layers it with its
/// own area.
pub async fn context_layer(
    State((state, area)): State<(WebState, Area)>,
    request: Request,
    next: Next,
) -> Response {
    context(state, area, request, next).await
}

/// Language, session, CSRF on POST, the client address; localized error pages.
async fn context(state: WebState, area: Area, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let lang = session::cookie(&parts.headers, session::LANG_COOKIE)
        .and_then(|v| Lang::parse(&v))
        .unwrap_or_default();
    let path = parts
        .extensions
        .get::<OriginalUri>()
        .map(|u| u.0.clone())
        .unwrap_or_else(|| parts.uri.clone());
    let path = path
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| area.root().to_owned());
    let session = match state.sessions.load(&parts.headers, area).await {
        Ok(s) => s,
        Err(e) => return localized(WebError::from(e).into_response(), lang, None, path),
    };
    let pre_cookie = session::cookie(&parts.headers, session::PRE_COOKIE);
    let new_pre = session.is_none() && pre_cookie.is_none();
    let ctx = RequestContext {
        area,
        lang,
        pre_csrf: CsrfToken::new(pre_cookie.clone().unwrap_or_else(session::new_secret)),
        session,
        addr: parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| {
            client_address::client_address(c.0.ip(), &parts.headers, &state.trusted_proxies)
        }),
        request_id: parts
            .headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    };

    let body = if parts.method == Method::GET || parts.method == Method::HEAD {
        body
    } else {
        let limit = state.body_limit;
        let bytes: Bytes = match axum::body::to_bytes(body, limit).await {
            Ok(b) => b,
            Err(_) => {
                let e = WebError::BadRequest("the form is too large or was cut off".into());
                return localized(e.into_response(), lang, Some(&ctx), path);
            }
        };
        let cross_site = parts
            .headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.eq_ignore_ascii_case("cross-site") || v.eq_ignore_ascii_case("same-site")
            });
        // Without a session, the token must come from the pre-session cookie itself.
        let expected = match &ctx.session {
            Some(s) => Some(CsrfToken::of(s)),
            None => pre_cookie.map(CsrfToken::new),
        };
        let given = csrf::field_of(&bytes);
        let verdict = match expected {
            Some(expected) if !cross_site => csrf::verify(&expected, given.as_deref()),
            _ => Err(WebError::Csrf),
        };
        if let Err(e) = verdict {
            let mut response = localized(e.into_response(), lang, Some(&ctx), path);
            if new_pre {
                response.headers_mut().append(
                    header::SET_COOKIE,
                    session::set_cookie(session::PRE_COOKIE, ctx.pre_csrf.as_str()),
                );
            }
            return response;
        }
        // Fail closed (issue 14): no POST starts while the audit store cannot append.
        if !state.audit.ready_for_writes().await {
            let e = WebError::Unavailable("the audit store cannot append".into());
            let mut response = localized(e.into_response(), lang, Some(&ctx), path);
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
            return response;
        }
        Body::from(bytes)
    };

    parts.extensions.insert(ctx.clone());
    let response = next.run(Request::from_parts(parts, body)).await;
    let mut response = localized(response, lang, Some(&ctx), path);
    if new_pre {
        response.headers_mut().append(
            header::SET_COOKIE,
            session::set_cookie(session::PRE_COOKIE, ctx.pre_csrf.as_str()),
        );
    }
    response
}

/// Re-renders an error page (tagged by [`WebError`]) in `lang`, with the frame.
fn localized(
    response: Response,
    lang: Lang,
    ctx: Option<&RequestContext>,
    path: String,
) -> Response {
    let Some(rendered) = response.extensions().get::<RenderedError>().copied() else {
        return response;
    };
    let page_ctx = ctx.map(|c| c.page_context(path));
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    let markup = layout::error_page(page_ctx.as_ref(), lang, &rendered);
    Response::from_parts(parts, Body::from(markup.into_string()))
}
