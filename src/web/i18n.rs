//! Languages of the panel: Polish by default, English selectable.
//!
//! The language is chosen by the `__Host-zszo-lang` cookie (`pl` or `en`), set by
//! `GET /panel/jezyk?lang=en&wroc=<path>`; anything else means Polish. Texts are [`Msg`]
//! constants, one per message, both languages side by side so a missing translation cannot
//! compile. Other modules (the panel pages) declare their own `Msg` constants the same way.

/// A language of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Pl,
    En,
}

impl Lang {
    /// The BCP 47 tag, for `<html lang>` and the cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Pl => "pl",
            Lang::En => "en",
        }
    }

    /// `pl`/`en` (case-insensitive); anything else is `None`.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "pl" => Some(Lang::Pl),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The other language (the header's switch offers it).
    pub fn other(self) -> Self {
        match self {
            Lang::Pl => Lang::En,
            Lang::En => Lang::Pl,
        }
    }

    /// The text of `msg` in this language.
    pub fn t(self, msg: &Msg) -> &'static str {
        msg.get(self)
    }
}

/// One message in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Msg {
    pub pl: &'static str,
    pub en: &'static str,
}

impl Msg {
    pub const fn new(pl: &'static str, en: &'static str) -> Self {
        Self { pl, en }
    }

    pub fn get(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Pl => self.pl,
            Lang::En => self.en,
        }
    }
}

/// Declares text constants as a translation table: each row is a name, its Polish text and its
/// English text, and becomes `pub const NAME: Msg = Msg::new(polish, english);`. The texts are
/// data, one row each with both languages side by side in one layout for every row (rustfmt
/// would otherwise lay short and long rows out differently), doc comments kept.
///
/// ```ignore
/// texts! {
///     /// Why this text exists, when it is not obvious.
///     SIGN_IN:
///         "Zaloguj się",
///         "Sign in";
/// }
/// ```
macro_rules! texts {
    ($($(#[$doc:meta])* $name:ident: $pl:literal, $en:literal;)*) => {
        $($(#[$doc])* pub const $name: $crate::web::i18n::Msg = $crate::web::i18n::Msg::new($pl, $en);)*
    };
}
pub(crate) use texts;

/// `t(lang, &msg::APP_NAME)`, for call sites that prefer a function.
pub fn t(lang: Lang, msg: &Msg) -> &'static str {
    msg.get(lang)
}

/// The messages of the web foundation (layout, sign-in, errors).
pub mod msg {
    texts! {
        APP_NAME:
            "Centralny Panel Administracyjny ZSZO",
            "ZSZO Central Administration Panel";
        SKIP_TO_CONTENT:
            "Przejdź do treści",
            "Skip to content";
        SIGNED_IN_AS:
            "Zalogowano jako",
            "Signed in as";
        SIGN_OUT:
            "Wyloguj",
            "Sign out";
        SWITCH_LANGUAGE:
            "English",
            "Polski";
        SWITCH_LANGUAGE_LABEL:
            "English (zmień język na angielski)",
            "Polski (change the language to Polish)";

        SIGN_IN_TITLE:
            "Logowanie",
            "Sign in";
        SIGN_IN_INTRO:
            "Zaloguj się swoim loginem i hasłem ZSZO. Panel jest dostępny dla administratorów lokalnych placówek i administratorów systemu.",
            "Sign in with your ZSZO login and password. The panel is for schools' local administrators and system administrators.";
        LOGIN:
            "Login",
            "Login";
        PASSWORD:
            "Hasło",
            "Password";
        SIGN_IN:
            "Zaloguj się",
            "Sign in";
        BAD_CREDENTIALS:
            "Nieprawidłowy login lub hasło. Sprawdź, czy nie jest włączony Caps Lock, i spróbuj ponownie.",
            "Wrong login or password. Check that Caps Lock is off and try again.";
        /// Only after the failures' limit: saying so is no help to a guesser (the block is
        /// per login and address alike), and the person knows why to wait.
        SIGN_IN_THROTTLED:
            "Zbyt wiele nieudanych prób logowania. Odczekaj kilka minut i spróbuj ponownie.",
            "Too many failed sign-in attempts. Wait a few minutes and try again.";
        NOT_AN_ADMINISTRATOR:
            "Nie masz uprawnień do Centralnego Panelu Administracyjnego: mogą z niego korzystać tylko administratorzy lokalni placówek i administratorzy systemu. Jeśli potrzebujesz dostępu, zwróć się do dyrektora swojej placówki.",
            "You may not use the Central Administration Panel: it is only for schools' local administrators and system administrators. If you need access, ask the head of your school.";
        FIRST_SIGN_IN_PENDING:
            "Najpierw dokończ pierwsze logowanie w Portalu Dostępowym: ustaw własne hasło i potwierdź adres e-mail. Hasłem jednorazowym nie można zalogować się do panelu.",
            "First finish your first sign-in in the Access Portal: set your own password and confirm your email address. A one-time password never opens the panel.";
        TO_THE_PORTAL:
            "Przejdź do Portalu Dostępowego",
            "Go to the Access Portal";
        BUSY:
            "Zbyt wiele logowań naraz. Spróbuj ponownie za kilka sekund.",
            "Too many sign-ins at once. Try again in a few seconds.";
        SIGNED_OUT:
            "Wylogowano.",
            "You have signed out.";
        SESSION_ENDED:
            "Sesja wygasła. Zaloguj się ponownie.",
            "Your session has ended. Please sign in again.";

        ERROR_TITLE:
            "Błąd",
            "Error";
        ERROR_BAD_REQUEST:
            "Nieprawidłowe żądanie. Wróć i spróbuj ponownie.",
            "The request was not valid. Go back and try again.";
        ERROR_CSRF:
            "Formularz wygasł lub nie pochodzi z tego panelu, więc nic nie zostało zmienione. Wróć, odśwież stronę i spróbuj ponownie.",
            "The form has expired or did not come from this panel, so nothing was changed. Go back, reload the page and try again.";
        ERROR_FORBIDDEN:
            "Nie masz uprawnień do tej strony.",
            "You may not open this page.";
        ERROR_NOT_FOUND:
            "Nie znaleziono strony.",
            "The page was not found.";
        ERROR_CONFLICT:
            "Ktoś właśnie to zmienił. Odśwież stronę i sprawdź stan.",
            "Someone has just changed this. Reload the page and check.";
        ERROR_UNAVAILABLE:
            "Usługa jest chwilowo niedostępna. Spróbuj ponownie za chwilę.",
            "The service is temporarily unavailable. Try again in a moment.";
        ERROR_INTERNAL:
            "Wystąpił nieoczekiwany błąd. Spróbuj ponownie; jeśli się powtarza, zgłoś to administratorowi systemu.",
            "Something went wrong. Try again; if it happens again, tell the system administrator.";
        BACK_TO_PANEL:
            "Wróć do panelu",
            "Back to the panel";
        BACK_TO_PORTAL:
            "Wróć do portalu",
            "Back to the portal";
        PORTAL_NAME:
            "Portal Dostępowy ZSZO",
            "ZSZO Access Portal";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_parse_and_default_to_polish() {
        assert_eq!(Lang::parse("EN"), Some(Lang::En));
        assert_eq!(Lang::parse("pl"), Some(Lang::Pl));
        assert_eq!(Lang::parse("de"), None);
        assert_eq!(Lang::default(), Lang::Pl);
        assert_eq!(Lang::En.t(&msg::SIGN_IN), "Sign in");
        assert_eq!(t(Lang::Pl, &msg::SIGN_IN), "Zaloguj się");
    }
}
