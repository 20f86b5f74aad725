//! The audit records in words, for the histories and the exports: actions, the reasons of
//! failures (by their code, never the stored detail), and who acted. Polish and English.

use super::texts::{ACTOR_SCIM, ACTOR_SYSTEM};
use crate::web::i18n::{Lang, Msg};

/// The same words for a held operation's record and for a failure held by the guard.
const HELD_FOR_REVIEW: Msg = Msg::new(
    "wstrzymano do sprawdzenia przez administratora systemu",
    "held for a system administrator's review",
);

/// `&[(key, Msg)]` from rows `key => polish, english;`: the words are data, one row each with
/// both languages side by side in one layout for every row, as `i18n::texts!` declares the
/// pages' texts.
macro_rules! msg_rows {
    ($($key:expr => $pl:expr, $en:expr;)*) => {
        &[$(($key, Msg::new($pl, $en))),*]
    };
}

/// Every audit action the histories name, in words.
const ACTIONS: &[(&str, Msg)] = msg_rows![
    "person.created" =>
        "dodano osobę do katalogu",
        "person added to the directory";
    "person.updated" =>
        "zmieniono dane osoby",
        "person's data changed";
    "person.moved" =>
        "przeniesiono do innej placówki",
        "moved to another school";
    "person.deactivated" =>
        "zakończono zatrudnienie",
        "employment ended";
    "person.reactivated" =>
        "wznowiono zatrudnienie",
        "employment resumed";
    "person.deleted" =>
        "usunięto osobę z katalogu",
        "person deleted";
    "account.created" =>
        "utworzono konto i wydano hasło jednorazowe",
        "account created, one-time password issued";
    "account.password_reissued" =>
        "wydano nowe hasło jednorazowe",
        "new one-time password issued";
    "account.locked" =>
        "zablokowano konto",
        "account locked";
    "account.unlocked" =>
        "odblokowano konto",
        "account unlocked";
    "role.granted" =>
        "nadano rolę",
        "role granted";
    "group.created" =>
        "utworzono grupę",
        "group created";
    "group.updated" =>
        "zmieniono grupę",
        "group changed";
    "group.members_changed" =>
        "zmieniono członków grupy",
        "group members changed";
    "group.deleted" =>
        "usunięto grupę",
        "group deleted";
    "panel.sign_out" =>
        "wylogowanie z panelu",
        "panel sign-out";
    "access.refused" =>
        "odmowa dostępu do danych innej placówki",
        "access to another school's data refused";
    "deprovisioning.released" =>
        "administrator systemu zatwierdził wstrzymaną operację",
        "a system administrator released a held operation";
    "deprovisioning.discarded" =>
        "administrator systemu odrzucił wstrzymaną operację",
        "a system administrator discarded a held operation";
    "account.activated" =>
        "pracownik aktywował konto (potwierdził e-mail)",
        "the employee activated the account (email confirmed)";
    "account.first_login" =>
        "pierwsze logowanie hasłem jednorazowym",
        "first sign-in with the one-time password";
    "account.password_set" =>
        "pracownik ustawił hasło i podał e-mail",
        "the employee set a password and gave an email address";
    "account.password_changed" =>
        "zmieniono hasło",
        "password changed";
    "password.reset_requested" =>
        "poproszono o link do ustawienia nowego hasła („Nie pamiętam hasła”)",
        "a link to set a new password was asked for (“Forgot password”)";
    "account.password_reset" =>
        "pracownik ustawił nowe hasło z linku („Nie pamiętam hasła”)",
        "the employee set a new password from the link (“Forgot password”)";
    "email.confirmation_requested" =>
        "ponownie wysłano link potwierdzający",
        "confirmation link sent again";
    "email.change_requested" =>
        "poproszono o zmianę adresu e-mail",
        "email address change requested";
    "email.changed" =>
        "potwierdzono nowy adres e-mail",
        "new email address confirmed";
    "email.confirmed" =>
        "potwierdzenie adresu e-mail",
        "email address confirmation";
    "mail.sent" =>
        "wysłano wiadomość e-mail",
        "email sent";
    "mail.failed" =>
        "wiadomość e-mail nie została wysłana",
        "email not sent";
    "administrators.notified" =>
        "powiadomiono administratora lokalnego placówki",
        "the school's local administrator notified";
    "portal.sign_in" =>
        "logowanie do portalu",
        "portal sign-in";
    "panel.sign_in" =>
        "logowanie do panelu",
        "panel sign-in";
    "audit.viewed" =>
        "przeglądano historię",
        "history viewed";
    "audit.exported" =>
        "wyeksportowano historię",
        "history exported";
    "audit.pruned" =>
        "usunięto rekordy po okresie przechowywania",
        "records past retention removed";
    "forms.viewed" =>
        "wyświetlono formularz",
        "form viewed";
    "forms.exported" =>
        "wyeksportowano formularz",
        "form exported";
    "forms.todo_acknowledged" =>
        "potwierdzono aktualizację F-02/F-03/F-04",
        "F-02/F-03/F-04 update confirmed";
    "forms.rooms_changed" =>
        "zmieniono wykaz pomieszczeń (F-04)",
        "room list (F-04) changed";
    "deprovisioning.held" =>
        HELD_FOR_REVIEW.pl,
        HELD_FOR_REVIEW.en;
];

/// The reason codes of failures, in words (several codes may say the same).
const FAILURE_REASONS: &[(&[&str], Msg)] = msg_rows![
    &["not_found", "person_gone"] =>
        "nie ma takiej osoby",
        "no such person";
    &["out_of_scope"] =>
        "poza uprawnieniami",
        "outside the caller's schools";
    &["conflict", "changed_meanwhile", "precondition_failed"] =>
        "w międzyczasie ktoś zmienił dane",
        "the data changed meanwhile";
    &["acknowledged_already"] =>
        "potwierdzono już wcześniej",
        "confirmed already";
    &["invalid"] =>
        "nieprawidłowe dane",
        "invalid data";
    &["held"] =>
        HELD_FOR_REVIEW.pl,
        HELD_FOR_REVIEW.en;
    &["directory_unavailable", "unavailable", "smtp_unavailable"] =>
        "usługa była chwilowo niedostępna",
        "a service was unavailable for a moment";
    &["invalid_credentials"] =>
        "błędny login lub hasło",
        "wrong login or password";
    &["wrong_current_password"] =>
        "błędne obecne hasło",
        "wrong current password";
    &["throttled", "rate_limit_exceeded"] =>
        "zbyt wiele prób w krótkim czasie",
        "too many attempts in a short time";
    &["not_an_administrator"] =>
        "brak roli administratora",
        "not an administrator";
    &["policy"] =>
        "hasło niezgodne z zasadami",
        "the password broke the rules";
    &["wrong_state"] =>
        "konto było w innym stanie",
        "the account was in another state";
    &["address_taken"] =>
        "adres e-mail należy do innego konta",
        "the address belongs to another account";
    &["token_used"] =>
        "link był już użyty",
        "the link was used already";
    &["token_expired"] =>
        "link wygasł",
        "the link had expired";
    &["token_superseded"] =>
        "link zastąpiono nowszym",
        "a newer link replaced it";
    &["token_unknown", "wrong_person", "wrong_purpose"] =>
        "nieprawidłowy link",
        "an invalid link";
    &["unknown_login"] =>
        "nie ma takiego loginu",
        "no such login";
    &["no_confirmed_address"] =>
        "brak potwierdzonego adresu e-mail",
        "no confirmed email address";
];

/// An audit action (`account.created` …) in words; an unknown one as it is.
pub fn action(lang: Lang, action: &str) -> String {
    match ACTIONS.iter().find(|(name, _)| *name == action) {
        Some((_, m)) => lang.t(m).to_owned(),
        None => format!(
            "{} ({action})",
            lang.t(&Msg::new("inne zdarzenie", "other event"))
        ),
    }
}

/// Why an action failed, in words, from the audit record's reason code (its part before
/// `:`; what follows is for the log and the export, never shown here: it may be English
/// or name directory internals).
pub fn failure_reason(lang: Lang, why: &str) -> String {
    let code = why.split(':').next().unwrap_or_default().trim();
    let m = FAILURE_REASONS
        .iter()
        .find(|(codes, _)| codes.contains(&code))
        .map_or(Msg::new("błąd", "an error"), |(_, m)| *m);
    lang.t(&m).to_owned()
}

/// Who acted, in words the same everywhere (the person's and the school's history, the
/// exports): an administrator or employee by login, a SCIM client by name, the daemon's own
/// jobs by what they do.
pub fn actor(lang: Lang, a: &crate::domain::audit::Actor) -> String {
    use crate::domain::audit::Actor;
    match a {
        Actor::Person(login) => login.clone(),
        Actor::ScimClient(name) => format!("{}: {name}", lang.t(&ACTOR_SCIM)),
        Actor::System(job) => {
            let what = match job.as_str() {
                "mail-outbox" => Msg::new("wysyłka poczty", "mail sending"),
                "retention" => Msg::new("okres przechowywania", "retention"),
                "panel" => Msg::new("panel", "panel"),
                "portal" => Msg::new("portal", "portal"),
                _ => Msg::new("zadanie systemowe", "system job"),
            };
            format!("{}: {}", lang.t(&ACTOR_SYSTEM), lang.t(&what))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_and_reason_code_is_named_once() {
        let mut actions: Vec<_> = ACTIONS.iter().map(|(a, _)| *a).collect();
        let n = actions.len();
        actions.sort_unstable();
        actions.dedup();
        assert_eq!(
            actions.len(),
            n,
            "an action named twice: the second is never shown"
        );
        let mut codes: Vec<_> = FAILURE_REASONS.iter().flat_map(|(c, _)| c.iter()).collect();
        let n = codes.len();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), n, "a reason code named twice");
    }

    #[test]
    fn actions_and_reasons_read_in_both_languages_and_unknown_ones_stay_visible() {
        assert_eq!(action(Lang::Pl, "account.locked"), "zablokowano konto");
        assert_eq!(action(Lang::En, "deprovisioning.held"), HELD_FOR_REVIEW.en);
        assert_eq!(action(Lang::En, "x.y"), "other event (x.y)");
        assert_eq!(
            failure_reason(Lang::Pl, "held: by the guard"),
            HELD_FOR_REVIEW.pl
        );
        assert_eq!(failure_reason(Lang::En, "person_gone"), "no such person");
        assert_eq!(failure_reason(Lang::En, "something_new"), "an error");
    }
}
