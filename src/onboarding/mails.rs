//! The portal's messages, in Polish with English below, as plain text and HTML (escaped by
//! maud). None carries a password; only the confirmation carries a link with a token, and it
//! is rendered at sending time (`crate::outbox`), never stored.

use crate::ports::OutgoingMail;
use crate::store::outbox::MailKind;
use maud::html;

/// Hours, for "the link works for N hours".
fn hours(ttl: time::Duration) -> i64 {
    ttl.whole_hours().max(1)
}

/// The greeting's name part: " Anna Kowalska" (the person's name, never the login), or none.
fn greeting_name(name: Option<&str>) -> String {
    name.map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| format!(" {n}"))
        .unwrap_or_default()
}

/// A mail that carries a one-use link (the confirmation, the password reset): its HTML part
/// is the same frame around different words (the plain-text part says more, in full).
struct LinkMail<'a> {
    /// The greeting's name part (`greeting_name`).
    name: &'a str,
    url: &'a str,
    /// What the link is for, before it.
    pl_intro: &'a str,
    /// How long and how often it works, and what to do if it was not asked for.
    pl_validity: &'a str,
    /// The English paragraph (all of it, the link above it).
    en: &'a str,
}

impl LinkMail<'_> {
    fn mail(&self, to: &str, subject: &str, text: String) -> OutgoingMail {
        let html = html! {
            p { "Dzień dobry" (self.name) "," }
            p { (self.pl_intro) }
            p { a href=(self.url) { (self.url) } }
            p { (self.pl_validity) }
            hr;
            p lang="en" { "Hello" (self.name) "," }
            p lang="en" { (self.en) }
        };
        OutgoingMail {
            to: to.to_owned(),
            subject: subject.into(),
            text,
            html: Some(html.into_string()),
        }
    }
}

/// The confirmation mail with its link; `name` is the person's name (not the login).
pub fn confirmation(to: &str, name: Option<&str>, url: &str, ttl: time::Duration) -> OutgoingMail {
    let h = hours(ttl);
    let name = greeting_name(name);
    let text = format!(
        "Dzień dobry{name},\n\n\
         aby potwierdzić ten adres e-mail w systemie ZSZO, otwórz poniższy link i kliknij \
         przycisk „Potwierdź”:\n\n{url}\n\n\
         Link działa przez {h} godz. i tylko raz. Jeśli to nie Ty podałeś(-aś) ten adres, \
         zignoruj tę wiadomość.\n\n\
         ---\n\n\
         Hello{name},\n\n\
         to confirm this email address in the ZSZO system, open the link below and press \
         \"Confirm\":\n\n{url}\n\n\
         The link works for {h} hours and only once. If you did not give this address, \
         ignore this message.\n"
    );
    let html = LinkMail {
        name: &name,
        url,
        pl_intro: "aby potwierdzić ten adres e-mail w systemie ZSZO, otwórz poniższy link i kliknij przycisk „Potwierdź”:",
        pl_validity: &format!("Link działa przez {h} godz. i tylko raz. Jeśli to nie Ty podałeś(-aś) ten adres, zignoruj tę wiadomość."),
        en: &format!("to confirm this email address in the ZSZO system, open the link above and press \"Confirm\". The link works for {h} hours and only once. If you did not give this address, ignore this message."),
    };
    html.mail(
        to,
        "Potwierdź adres e-mail / Confirm your email address – ZSZO",
        text,
    )
}

/// "I forgot my password": the link to set a new one (`ttl`: how long it still works).
pub fn password_reset(
    to: &str,
    name: Option<&str>,
    url: &str,
    ttl: time::Duration,
) -> OutgoingMail {
    let minutes = ttl.whole_minutes().max(1);
    let name = greeting_name(name);
    let text = format!(
        "Dzień dobry{name},\n\n\
         poproszono o ustawienie nowego hasła do Twojego konta ZSZO. Otwórz poniższy link i \
         ustaw nowe hasło:\n\n{url}\n\n\
         Link działa przez {minutes} min i tylko raz. Po ustawieniu hasła wszystkie sesje \
         konta zostaną zakończone. Jeśli to nie Ty prosiłeś(-aś) o zmianę, zignoruj tę \
         wiadomość: hasło pozostanie bez zmian.\n\n\
         ---\n\n\
         Hello{name},\n\n\
         a new password for your ZSZO account was asked for. Open the link below and set a new \
         password:\n\n{url}\n\n\
         The link works for {minutes} minutes and only once. Setting the password ends every \
         session of the account. If you did not ask for it, ignore this message: your password \
         stays as it is.\n"
    );
    let html = LinkMail {
        name: &name,
        url,
        pl_intro: "poproszono o ustawienie nowego hasła do Twojego konta ZSZO. Otwórz poniższy link i ustaw nowe hasło:",
        pl_validity: &format!("Link działa przez {minutes} min i tylko raz. Po ustawieniu hasła wszystkie sesje konta zostaną zakończone. Jeśli to nie Ty prosiłeś(-aś) o zmianę, zignoruj tę wiadomość: hasło pozostanie bez zmian."),
        en: &format!("a new password for your ZSZO account was asked for. Open the link above to set it. The link works for {minutes} minutes and only once. If you did not ask for it, ignore this message."),
    };
    html.mail(
        to,
        "Nowe hasło do konta ZSZO / New password for your ZSZO account",
        text,
    )
}

/// What a local administrator is told when an account of their school became active.
pub struct ActivatedAccount<'a> {
    pub name: &'a str,
    pub login: &'a str,
    pub school: &'a str,
    pub panel_url: &'a str,
}

/// Procedure step 7: the account exists; update the school's forms.
pub fn activated_notice(to: &str, a: &ActivatedAccount<'_>) -> OutgoingMail {
    let ActivatedAccount {
        name,
        login,
        school,
        panel_url,
    } = a;
    let text = format!(
        "Konto pracownika {name} (login: {login}) w placówce {school} jest aktywne: \
         pracownik ustawił hasło i potwierdził adres e-mail.\n\n\
         Zaktualizuj formularze F-02, F-03 i F-04 placówki. Lista nowych kont: {panel_url}\n\n\
         ---\n\n\
         The account of {name} (login: {login}) at school {school} is active: the employee \
         set a password and confirmed their email address.\n\n\
         Update the school's forms F-02, F-03 and F-04. New accounts: {panel_url}\n"
    );
    let html = html! {
        p { "Konto pracownika " strong { (name) } " (login: " code { (login) } ") w placówce " (school) " jest aktywne: pracownik ustawił hasło i potwierdził adres e-mail." }
        p { "Zaktualizuj formularze " strong { "F-02, F-03 i F-04" } " placówki. " a href=(panel_url) { "Lista nowych kont" } }
        hr;
        p lang="en" { "The account of " (name) " (login: " (login) ") at school " (school) " is active. Update the school's forms F-02, F-03 and F-04." }
    };
    OutgoingMail {
        to: to.to_owned(),
        subject: format!(
            "Nowe konto: {name} ({login}) – zaktualizuj F-02, F-03, F-04 / New account"
        ),
        text,
        html: Some(html.into_string()),
    }
}

/// To the old address when a change to another one was requested (security.md MAIL-05).
pub fn address_change_notice(to: &str, new_masked: &str) -> OutgoingMail {
    let text = format!(
        "Poproszono o zmianę adresu e-mail Twojego konta ZSZO na {new_masked}. Zmiana nastąpi \
         po potwierdzeniu nowego adresu. Jeśli to nie Ty, zmień hasło w Portalu Dostępowym i \
         powiadom administratora lokalnego placówki.\n\n---\n\n\
         A change of your ZSZO account's email address to {new_masked} was requested. It takes \
         effect once the new address is confirmed. If this was not you, change your password in \
         the Access Portal and tell your school's local administrator.\n"
    );
    OutgoingMail {
        to: to.to_owned(),
        subject: "Zmiana adresu e-mail / Email address change – ZSZO".into(),
        html: Some(
            html! {
                p { "Poproszono o zmianę adresu e-mail Twojego konta ZSZO na " (new_masked) ". Zmiana nastąpi po potwierdzeniu nowego adresu. Jeśli to nie Ty, zmień hasło w Portalu Dostępowym i powiadom administratora lokalnego placówki." }
                hr;
                p lang="en" { "A change of your ZSZO account's email address to " (new_masked) " was requested. If this was not you, change your password and tell your school's local administrator." }
            }
            .into_string(),
        ),
        text,
    }
}

/// To the confirmed address when the password was changed (security.md INIT-07).
pub fn password_changed_notice(to: &str) -> OutgoingMail {
    let text = "Hasło Twojego konta ZSZO zostało zmienione. Jeśli to nie Ty, natychmiast \
                powiadom administratora lokalnego placówki.\n\n---\n\n\
                The password of your ZSZO account was changed. If this was not you, tell your \
                school's administrator at once.\n"
        .to_owned();
    OutgoingMail {
        to: to.to_owned(),
        subject: "Hasło zostało zmienione / Password changed – ZSZO".into(),
        html: Some(
            html! {
                p { "Hasło Twojego konta ZSZO zostało zmienione. Jeśli to nie Ty, natychmiast powiadom administratora lokalnego placówki." }
                hr;
                p lang="en" { "The password of your ZSZO account was changed. If this was not you, tell your school's local administrator at once." }
            }
            .into_string(),
        ),
        text,
    }
}

/// A rendered message as an outbox entry.
pub(super) fn rendered(m: OutgoingMail) -> MailKind {
    MailKind::Rendered {
        to: m.to,
        subject: m.subject,
        text: m.text,
        html: m.html,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_confirmation_has_the_link_in_both_parts_and_both_languages() {
        let m = confirmation(
            "jan@example.pl",
            Some("Jan <Kowalski>"),
            "https://z.pl/portal/confirm/t",
            time::Duration::hours(24),
        );
        assert!(m.text.contains("https://z.pl/portal/confirm/t"));
        assert!(m.text.contains("24 godz.") && m.text.contains("24 hours"));
        let html = m.html.unwrap();
        assert!(html.contains("href=\"https://z.pl/portal/confirm/t\""));
        assert!(html.contains("Jan &lt;Kowalski&gt;"), "escaped: {html}");
        assert!(
            m.text.starts_with("Dzień dobry Jan <Kowalski>,"),
            "{}",
            m.text
        );
    }

    #[test]
    fn the_confirmation_greets_by_name_never_by_login_and_without_a_name_plainly() {
        let m = confirmation(
            "a@example.pl",
            Some("Anna Kowalska"),
            "https://z.pl/c",
            time::Duration::hours(24),
        );
        assert!(
            m.text.starts_with("Dzień dobry Anna Kowalska,"),
            "{}",
            m.text
        );
        assert!(m.text.contains("Hello Anna Kowalska,"));
        let m = confirmation(
            "a@example.pl",
            None,
            "https://z.pl/c",
            time::Duration::hours(24),
        );
        assert!(m.text.starts_with("Dzień dobry,"), "{}", m.text);
        assert!(m.text.contains("Hello,"));
    }

    #[test]
    fn the_administrators_notice_names_the_person_and_the_forms() {
        let m = activated_notice(
            "adm@example.pl",
            &ActivatedAccount {
                name: "Małgorzata Żółkiewska",
                login: "malgorzata.zolkiewska",
                school: "261302",
                panel_url: "https://z.pl/panel",
            },
        );
        assert!(m.subject.contains("malgorzata.zolkiewska") && m.subject.contains("F-02"));
        assert!(m.text.contains("F-02, F-03 i F-04") && m.text.contains("F-02, F-03 and F-04"));
    }

    #[test]
    fn the_html_of_a_link_mail_is_the_frame_around_its_words_escaped() {
        let m = confirmation(
            "a@example.pl",
            Some("Anna"),
            "https://z.pl/c?t=a&b",
            time::Duration::hours(48),
        );
        assert_eq!(
            m.html.as_deref(),
            Some(concat!(
                "<p>Dzień dobry Anna,</p>",
                "<p>aby potwierdzić ten adres e-mail w systemie ZSZO, otwórz poniższy link i kliknij przycisk „Potwierdź”:</p>",
                "<p><a href=\"https://z.pl/c?t=a&amp;b\">https://z.pl/c?t=a&amp;b</a></p>",
                "<p>Link działa przez 48 godz. i tylko raz. Jeśli to nie Ty podałeś(-aś) ten adres, zignoruj tę wiadomość.</p>",
                "<hr>",
                "<p lang=\"en\">Hello Anna,</p>",
                "<p lang=\"en\">to confirm this email address in the ZSZO system, open the link above and press &quot;Confirm&quot;. The link works for 48 hours and only once. If you did not give this address, ignore this message.</p>",
            ))
        );
        let m = password_reset(
            "a@example.pl",
            None,
            "https://z.pl/r",
            time::Duration::minutes(30),
        );
        let html = m.html.unwrap_or_default();
        assert!(
            html.starts_with("<p>Dzień dobry,</p><p>poproszono o ustawienie"),
            "{html}"
        );
        assert!(
            html.contains("<p>Link działa przez 30 min i tylko raz."),
            "{html}"
        );
        assert!(html.ends_with("The link works for 30 minutes and only once. If you did not ask for it, ignore this message.</p>"), "{html}");
    }
}
