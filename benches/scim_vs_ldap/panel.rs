//! A minimal panel client: keeps the session cookies itself (they are `__Host-`/`Secure`,
//! which a cookie store would not send back over plain http on loopback) and reads the
//! form's CSRF field.

use reqwest::header::{COOKIE, SET_COOKIE};
use std::collections::BTreeMap;
use std::sync::Mutex;

pub struct Panel {
    origin: String,
    http: reqwest::Client,
    cookies: Mutex<BTreeMap<String, String>>,
    pub csrf: String,
}

fn csrf_in(html: &str) -> Option<String> {
    let rest = &html[html.find("name=\"csrf\"")?..];
    let v = rest.find("value=\"")? + "value=\"".len();
    let end = rest[v..].find('"')?;
    Some(rest[v..v + end].to_owned())
}

impl Panel {
    /// Signs in (asserts it worked) and keeps the session's CSRF token.
    pub async fn sign_in(origin: &str, login: &str, password: &str) -> Panel {
        let mut panel = Panel {
            origin: origin.to_owned(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: Mutex::new(BTreeMap::new()),
            csrf: String::new(),
        };
        let (_, page) = panel.get("/panel/logowanie").await;
        let csrf = csrf_in(&page).expect("a CSRF field on the sign-in page");
        let (status, body) = panel
            .post(
                "/panel/logowanie",
                &[("login", login), ("password", password), ("csrf", &csrf)],
            )
            .await;
        assert_eq!(status, 303, "panel sign-in failed: {body}");
        let (_, staff) = panel.get("/panel/pracownicy").await;
        panel.csrf = csrf_in(&staff).unwrap_or(csrf);
        panel
    }

    fn remember(&self, headers: &reqwest::header::HeaderMap) {
        let mut c = self.cookies.lock().unwrap();
        for line in headers.get_all(SET_COOKIE) {
            let line = line.to_str().unwrap();
            let pair = line.split(';').next().unwrap_or("");
            if let Some((name, value)) = pair.trim().split_once('=') {
                if value.is_empty() || line.to_ascii_lowercase().contains("max-age=0") {
                    c.remove(name);
                } else {
                    c.insert(name.to_owned(), value.to_owned());
                }
            }
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> (u16, String) {
        let cookie = {
            let c = self.cookies.lock().unwrap();
            c.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        };
        let res = req.header(COOKIE, cookie).send().await.unwrap();
        self.remember(res.headers());
        let status = res.status().as_u16();
        (status, res.text().await.unwrap_or_default())
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        self.send(self.http.get(format!("{}{path}", self.origin)))
            .await
    }

    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
        self.send(
            self.http
                .post(format!("{}{path}", self.origin))
                .form(fields),
        )
        .await
    }

    /// "Create account" for the person with entry id `id`: Argon2id of a new one-time
    /// password at the configured cost, the entry's update, the audit record, the slip.
    pub async fn create_account(&self, id: &str) -> bool {
        self.issue(id, "utworz-konto").await
    }

    /// "New one-time password" for a person whose account awaits its first sign-in: the same
    /// work as [`Self::create_account`] (a hash, the entry's update, the record, the slip).
    pub async fn reissue_password(&self, id: &str) -> bool {
        self.issue(id, "nowe-haslo").await
    }

    async fn issue(&self, id: &str, action: &str) -> bool {
        let path = format!("/panel/pracownicy/{id}/{action}");
        let (status, _) = self.post(&path, &[("csrf", &self.csrf)]).await;
        status == 200
    }
}
