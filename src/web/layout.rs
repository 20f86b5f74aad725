//! The page frame of the panel: an HTML5 document in the person's language with a skip link,
//! a header (application name, the signed-in person, sign-out, language switch), `<main>`
//! and the one stylesheet. No inline style or script anywhere, so the CSP stays strict
//! (`style-src 'self'`, no scripts at all); everything works without JavaScript.
//!
//! Accessibility (WCAG 2.1 AA): `<html lang>`, a skip link first in focus order, landmarks
//! (`header`, `nav`, `main`), the language switch labelled in its target language
//! (`hreflang`, `lang`), and the stylesheet's contrast and focus styles.

use super::auth::PanelUser;
use super::csrf::{csrf_field, CsrfToken};
use super::error::RenderedError;
use super::i18n::{msg, Lang};
use super::{Area, RequestContext};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use maud::{html, Markup, DOCTYPE};

/// The stylesheet's address.
pub const CSS_PATH: &str = "/panel/assets/zszo.css";

/// What every page needs to render its frame.
#[derive(Debug, Clone)]
pub struct PageContext {
    /// The panel or the portal: the frame's links follow it.
    pub area: Area,
    pub lang: Lang,
    /// The signed-in administrator (panel only).
    pub user: Option<PanelUser>,
    /// Who is signed in (name, login), in either area, for the header.
    pub signed_in: Option<(String, String)>,
    /// The token for this page's forms (the session's, or the pre-session one).
    pub csrf: CsrfToken,
    /// The request's path (and query), for the language switch to come back to.
    pub path: String,
}

impl PageContext {
    pub fn t(&self, m: &super::i18n::Msg) -> &'static str {
        self.lang.t(m)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PageContext {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        // The full path: inside a nested router `parts.uri` lacks the `/panel` or `/portal`
        // prefix, and the language switch must come back to the page itself.
        let uri = parts
            .extensions
            .get::<axum::extract::OriginalUri>()
            .map(|u| u.0.clone())
            .unwrap_or_else(|| parts.uri.clone());
        let path = uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/panel".to_owned());
        Ok(match parts.extensions.get::<RequestContext>() {
            Some(c) => c.page_context(path),
            None => PageContext {
                area: Area::Panel,
                lang: Lang::Pl,
                user: None,
                signed_in: None,
                csrf: CsrfToken::new(""),
                path,
            },
        })
    }
}

/// A full page: `title` goes into `<title>` (after the application name) and `<h1>`.
pub fn page(ctx: &PageContext, title: &str, body: Markup) -> Markup {
    let lang = ctx.lang;
    let other = lang.other();
    let root = ctx.area.root();
    let switch = format!(
        "{root}/jezyk?lang={}&wroc={}",
        other.code(),
        urlencode(&ctx.path)
    );
    let app_name = match ctx.area {
        Area::Panel => &msg::APP_NAME,
        Area::Portal => &msg::PORTAL_NAME,
    };
    let sign_out = format!("{root}/wyloguj");
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " – " (lang.t(app_name)) }
                link rel="stylesheet" href=(CSS_PATH);
            }
            body {
                a.skip-link href="#main" { (lang.t(&msg::SKIP_TO_CONTENT)) }
                header.site-header.no-print {
                    p.app-name { a href=(root) { (lang.t(app_name)) } }
                    nav aria-label=(if lang == Lang::Pl { "Konto i język" } else { "Account and language" }) {
                        ul.header-links {
                            li {
                                // The accessible name starts with the visible text (WCAG 2.5.3,
                                // axe's label-content-name-mismatch).
                                a href=(switch) hreflang=(other.code())
                                    aria-label=(lang.t(&msg::SWITCH_LANGUAGE_LABEL)) {
                                    span lang=(other.code()) { (lang.t(&msg::SWITCH_LANGUAGE)) }
                                }
                            }
                            @if let Some((name, login)) = &ctx.signed_in {
                                li.signed-in {
                                    (lang.t(&msg::SIGNED_IN_AS)) " "
                                    strong { (name) } " (" (login) ")"
                                }
                                li {
                                    form.inline method="post" action=(sign_out) {
                                        (csrf_field(&ctx.csrf))
                                        button.link-button type="submit" { (lang.t(&msg::SIGN_OUT)) }
                                    }
                                }
                            }
                        }
                    }
                }
                main id="main" tabindex="-1" {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

/// The page of an error: with the frame when the context is known.
pub fn error_page(ctx: Option<&PageContext>, lang: Lang, e: &RenderedError) -> Markup {
    let body = html! {
        p.error role="alert" { (e.message.get(lang)) }
        @match ctx.map(|c| c.area) {
            Some(Area::Portal) => p { a href="/portal" { (lang.t(&msg::BACK_TO_PORTAL)) } },
            _ => p { a href="/panel" { (lang.t(&msg::BACK_TO_PANEL)) } },
        }
    };
    let title = format!("{} {}", lang.t(&msg::ERROR_TITLE), e.status.as_u16());
    match ctx {
        Some(ctx) => page(ctx, &title, body),
        None => page(
            &PageContext {
                area: Area::Panel,
                lang,
                user: None,
                signed_in: None,
                csrf: CsrfToken::new(""),
                path: "/panel".to_owned(),
            },
            &title,
            body,
        ),
    }
}

/// Percent-encodes a path for a query value (everything but unreserved characters and `/`).
pub fn urlencode(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for b in raw.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_has_the_language_skip_link_main_and_no_inline_style() {
        let ctx = PageContext {
            area: Area::Panel,
            lang: Lang::En,
            user: None,
            signed_in: None,
            csrf: CsrfToken::new("t"),
            path: "/panel/pracownicy?q=ł&x=1".into(),
        };
        let html = page(&ctx, "Staff <b>", html! { p { "x" } }).into_string();
        assert!(
            html.starts_with("<!DOCTYPE html><html lang=\"en\">"),
            "{html}"
        );
        assert!(html.contains("href=\"#main\""));
        assert!(html.contains("<main id=\"main\""));
        assert!(html.contains("Staff &lt;b&gt;"));
        assert!(
            html.contains("/panel/jezyk?lang=pl&amp;wroc=/panel/pracownicy%3Fq%3D%C5%82%26x%3D1"),
            "{html}"
        );
        assert!(!html.contains("style="));
        assert!(!html.contains("<script"));
        // No sign-out without a user.
        assert!(!html.contains("/panel/wyloguj"));
    }
}
