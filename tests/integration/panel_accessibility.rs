//! Structural WCAG 2.1 checks of every panel page as served: the language (3.1.1), one `h1`
//! and a skip link to `main` (2.4.1, 1.3.1), a programmatic label for every form control
//! (1.3.1, 3.3.2, 4.1.2), no positive `tabindex` (2.4.3: focus follows the document order),
//! buttons and links with text (2.4.4, 4.1.2), table headers (1.3.1). Contrast is checked on
//! the stylesheet's declared colour pairs by a unit test beside the CSS.

use crate::panel_support::PanelApp;
use reqwest::StatusCode;

/// The attribute `name` of a tag's text, if present.
fn attr(tag: &str, name: &str) -> Option<String> {
    let needle = format!(" {name}=\"");
    let start = tag.find(&needle)? + needle.len();
    Some(tag[start..].split('"').next()?.to_owned())
}

/// Every opening tag `<name …>` in the page.
fn tags<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<{name}");
    html.match_indices(&open)
        .filter(|(i, _)| {
            html[i + open.len()..]
                .chars()
                .next()
                .is_some_and(|c| c == ' ' || c == '>' || c == '/')
        })
        .filter_map(|(i, _)| html[i..].find('>').map(|end| &html[i..=i + end]))
        .collect()
}

/// The problems of one page; empty when it passes.
pub(crate) fn problems(path: &str, html: &str) -> Vec<String> {
    let mut p = Vec::new();
    let mut say = |m: String| p.push(format!("{path}: {m}"));
    if !(html.contains("<html lang=\"pl\"") || html.contains("<html lang=\"en\"")) {
        say("no <html lang>".into());
    }
    if tags(html, "h1").len() != 1 {
        say(format!("{} h1 elements", tags(html, "h1").len()));
    }
    if !html.contains("href=\"#main\"") || !html.contains("<main id=\"main\"") {
        say("no skip link to <main id=main>".into());
    }
    let labels: Vec<String> = tags(html, "label")
        .iter()
        .filter_map(|t| attr(t, "for"))
        .collect();
    for control in ["input", "select", "textarea"] {
        for tag in tags(html, control) {
            let kind = attr(tag, "type").unwrap_or_default();
            if matches!(kind.as_str(), "hidden" | "submit" | "button") {
                continue;
            }
            let labelled = attr(tag, "id").is_some_and(|id| labels.contains(&id))
                || attr(tag, "aria-label").is_some()
                || attr(tag, "aria-labelledby").is_some();
            if !labelled {
                say(format!("unlabelled control {tag}"));
            }
        }
    }
    for tag in tags(html, "a").into_iter().chain(tags(html, "button")) {
        if let Some(t) = attr(tag, "tabindex") {
            if t.parse::<i32>().is_ok_and(|n| n > 0) {
                say(format!("positive tabindex in {tag}"));
            }
        }
    }
    for (open, close) in [("<button", "</button>"), ("<a ", "</a>")] {
        for (i, _) in html.match_indices(open) {
            let rest = &html[i..];
            let (Some(gt), Some(end)) = (rest.find('>'), rest.find(close)) else {
                continue;
            };
            let inner = &rest[gt + 1..end];
            let text: String = inner
                .split('<')
                .map(|s| s.split_once('>').map_or(s, |(_, t)| t))
                .collect();
            if text.trim().is_empty() && !rest[..gt].contains("aria-label") {
                say(format!("empty {}", &rest[..=gt]));
            }
        }
    }
    if html.contains("<table") && !html.contains("<th") {
        say("a table without header cells".into());
    }
    // 1.3.1: a data table says what it is (the page's documents, `article.form-doc`, are
    // titled by their heading instead).
    let tables = tags(html, "table").len();
    let captions = tags(html, "caption").len();
    let documents = html.matches("class=\"form-doc\"").count();
    if tables > captions + documents {
        say(format!("{tables} tables but {captions} captions"));
    }
    p
}

#[tokio::test]
async fn every_panel_page_has_language_headings_labels_and_a_keyboard_order() {
    let app = PanelApp::start().await;
    let person = app
        .add_person("Ola", "Źrebięcka", &app.school_a, Some("A11Y-1"), None)
        .await;
    let id = person.entry.id.clone();
    let anonymous = app.browser();
    let admin = app.signed_in(&app.local_admin).await;
    let system = app.signed_in(&app.system_admin).await;

    let mut pages = vec![(
        "/panel/logowanie".to_owned(),
        anonymous.get("/panel/logowanie").await,
    )];
    for path in [
        format!("/panel/pracownicy?szkola={}", app.school_a),
        format!("/panel/pracownicy?szkola={}&q=ola", app.school_a),
        format!("/panel/pracownicy/{id}/utworz-konto"),
        format!("/panel/pracownicy/{id}/historia"),
        format!("/panel/do-wydania?szkola={}", app.school_a),
        format!("/panel/rejestry?szkola={}", app.school_a),
        format!("/panel/historia?szkola={}", app.school_a),
        format!(
            "/panel/historia?szkola={}&akcja=account.created",
            app.school_a
        ),
        format!("/panel/nowe-konta?szkola={}", app.school_a),
        format!("/panel/upowaznienia?szkola={}", app.school_a),
        format!("/panel/ewidencja?szkola={}", app.school_a),
        format!("/panel/pomieszczenia?szkola={}", app.school_a),
        // Issue 16: the start page, a bad date said on the page, a stale F-04 removal.
        "/panel".to_owned(),
        format!("/panel/historia?szkola={}&od=wczoraj", app.school_a),
        format!(
            "/panel/pomieszczenia/usun?szkola={}&wersja=9&lp=1",
            app.school_a
        ),
    ] {
        pages.push((path.clone(), admin.get(&path).await));
    }
    pages.push(("/panel (system)".to_owned(), {
        let first = system.get("/panel").await;
        if first.status == StatusCode::SEE_OTHER {
            system.follow(&first).await
        } else {
            first
        }
    }));
    // The hand-over slip, the one page that shows the one-time password.
    let confirm = admin
        .get(&format!("/panel/pracownicy/{id}/utworz-konto"))
        .await;
    let slip = admin
        .post_form(
            &format!("/panel/pracownicy/{id}/utworz-konto"),
            &[("csrf", &confirm.csrf().unwrap())],
        )
        .await;
    pages.push(("slip".to_owned(), slip));
    // An error page is a page too.
    pages.push((
        "404".to_owned(),
        admin
            .get("/panel/pracownicy/00000000-0000-4000-8000-000000000000/historia")
            .await,
    ));

    let mut all = Vec::new();
    for (path, page) in &pages {
        assert!(
            page.status.is_success() || page.status == StatusCode::NOT_FOUND,
            "{path}: {} {}",
            page.status,
            page.body
        );
        all.extend(problems(path, &page.body));
    }
    assert!(all.is_empty(), "{all:#?}");
}

#[test]
fn the_checker_finds_what_it_looks_for() {
    let bad = "<html><body><h1>a</h1><h1>b</h1><input name=\"q\"><a href=\"/x\"></a>\
               <button tabindex=\"2\">ok</button><table><tr><td>1</td></tr></table></body></html>";
    let found = problems("x", bad);
    for expected in [
        "lang",
        "2 h1",
        "skip link",
        "unlabelled",
        "positive tabindex",
        "empty",
        "header cells",
    ] {
        assert!(
            found.iter().any(|p| p.contains(expected)),
            "{expected}: {found:?}"
        );
    }
    let good = "<html lang=\"pl\"><a href=\"#main\">Przejdź</a><main id=\"main\"><h1>T</h1>\
                <label for=\"q\">Szukaj</label><input id=\"q\" name=\"q\">\
                <input type=\"hidden\" name=\"csrf\"><button>Szukaj</button></main></html>";
    assert!(problems("y", good).is_empty(), "{:?}", problems("y", good));
}
