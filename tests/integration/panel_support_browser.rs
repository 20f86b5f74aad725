//! The test browser without JavaScript ([`Browser`], which keeps the panel's `__Host-` cookies
//! itself, see `panel_support`) and the panel's answers it returns ([`PanelPage`]).

use super::*;
use reqwest::header::{HeaderMap, COOKIE, LOCATION, SET_COOKIE};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// An answer of the panel.
#[derive(Debug)]
pub struct PanelPage {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl PanelPage {
    /// The `Location` of a redirect.
    pub fn location(&self) -> Option<&str> {
        self.headers.get(LOCATION).and_then(|v| v.to_str().ok())
    }

    /// Every `Set-Cookie` line.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }

    /// The `Set-Cookie` line of cookie `name`.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.set_cookies()
            .into_iter()
            .find(|c| c.starts_with(&format!("{name}=")))
    }

    /// The value of the first hidden `csrf` field of the page.
    pub fn csrf(&self) -> Option<String> {
        csrf_in(&self.body)
    }
}

/// The value of the first `name="csrf"` input in `html`.
pub fn csrf_in(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\"")?;
    let rest = &html[at..];
    let v = rest.find("value=\"")? + "value=\"".len();
    let end = rest[v..].find('"')?;
    Some(rest[v..v + end].to_owned())
}

/// A browser without JavaScript: keeps the panel's cookies itself (see the module docs).
pub struct Browser {
    origin: String,
    http: reqwest::Client,
    cookies: Mutex<BTreeMap<String, String>>,
    /// A header sent with every request (e.g. `X-Forwarded-For` as a proxy would add it).
    always: Option<(String, String)>,
}

impl Browser {
    pub fn new(origin: &str) -> Self {
        Self {
            origin: origin.to_owned(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: Mutex::new(BTreeMap::new()),
            always: None,
        }
    }

    /// This browser, sending `name: value` with every request.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.always = Some((name.to_owned(), value.to_owned()));
        self
    }

    /// The current value of cookie `name`.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().unwrap().get(name).cloned()
    }

    /// Sets (or with `None` forgets) a cookie by hand, e.g. to replay an old session id.
    pub fn set_cookie(&self, name: &str, value: Option<&str>) {
        let mut c = self.cookies.lock().unwrap();
        match value {
            Some(v) => c.insert(name.to_owned(), v.to_owned()),
            None => c.remove(name),
        };
    }

    fn cookie_header(&self) -> Option<String> {
        let c = self.cookies.lock().unwrap();
        (!c.is_empty()).then(|| {
            c.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    fn remember(&self, headers: &HeaderMap) {
        let mut c = self.cookies.lock().unwrap();
        for line in headers.get_all(SET_COOKIE) {
            let line = line.to_str().unwrap();
            let (pair, attrs) = line.split_once(';').unwrap_or((line, ""));
            let Some((name, value)) = pair.trim().split_once('=') else {
                continue;
            };
            let deleted = attrs
                .split(';')
                .any(|a| a.trim().eq_ignore_ascii_case("max-age=0"));
            if deleted || value.is_empty() {
                c.remove(name);
            } else {
                c.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> PanelPage {
        let req = match &self.always {
            Some((name, value)) => req.header(name.as_str(), value.as_str()),
            None => req,
        };
        let req = match self.cookie_header() {
            Some(c) => req.header(COOKIE, c),
            None => req,
        };
        let res = req.send().await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        self.remember(&headers);
        let body = res.text().await.unwrap();
        PanelPage {
            status,
            headers,
            body,
        }
    }

    /// `GET <origin><path>`, e.g. `get("/panel/logowanie")`.
    pub async fn get(&self, path: &str) -> PanelPage {
        self.send(self.http.get(format!("{}{path}", self.origin)))
            .await
    }

    /// `GET <origin><path>` of a binary answer (a PDF): status, headers, bytes.
    pub async fn get_bytes(&self, path: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
        let req = self.http.get(format!("{}{path}", self.origin));
        let req = match self.cookie_header() {
            Some(c) => req.header(COOKIE, c),
            None => req,
        };
        let res = req.send().await.unwrap();
        let (status, headers) = (res.status(), res.headers().clone());
        (status, headers, res.bytes().await.unwrap().to_vec())
    }

    /// `POST` of an HTML form exactly as given (no CSRF field added).
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> PanelPage {
        self.send(
            self.http
                .post(format!("{}{path}", self.origin))
                .form(fields),
        )
        .await
    }

    /// `POST` of a form with one extra request header (e.g. `Sec-Fetch-Site`).
    pub async fn send_with_header(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        (name, value): (&str, &str),
    ) -> PanelPage {
        self.send(
            self.http
                .post(format!("{}{path}", self.origin))
                .header(name, value)
                .form(fields),
        )
        .await
    }

    /// Like a person: opens `page_path`, takes its CSRF token, posts `fields` with it to
    /// `action`.
    pub async fn submit(
        &self,
        page_path: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> PanelPage {
        let page = self.get(page_path).await;
        let csrf = page
            .csrf()
            .unwrap_or_else(|| panic!("no CSRF field on {page_path}: {}", page.body));
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf", &csrf));
        self.post_form(action, &all).await
    }

    /// Opens the sign-in page and signs in; the answer of the POST (303 on success).
    pub async fn sign_in(&self, login: &str, password: &str) -> PanelPage {
        self.submit(
            "/panel/logowanie",
            "/panel/logowanie",
            &[("login", login), ("password", password)],
        )
        .await
    }

    /// Follows a redirect answer with a GET.
    pub async fn follow(&self, page: &PanelPage) -> PanelPage {
        let to = page
            .location()
            .unwrap_or_else(|| panic!("not a redirect: {} {}", page.status, page.body))
            .to_owned();
        self.get(&to).await
    }
}
