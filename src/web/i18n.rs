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

/// `t(lang, &msg::APP_NAME)`, for call sites that prefer a function.
pub fn t(lang: Lang, msg: &Msg) -> &'static str {
    msg.get(lang)
}

/// The messages of the web foundation (layout, sign-in, errors).
pub mod msg {
    use super::Msg;

    pub const APP_NAME: Msg = Msg::new(
        "Centralny Panel Administracyjny ZSZO",
        "ZSZO Central Administration Panel",
    );
    pub const SKIP_TO_CONTENT: Msg = Msg::new("Przejdź do treści", "Skip to content");
    pub const SIGNED_IN_AS: Msg = Msg::new("Zalogowano jako", "Signed in as");
    pub const SIGN_OUT: Msg = Msg::new("Wyloguj", "Sign out");
    pub const SWITCH_LANGUAGE: Msg = Msg::new("English", "Polski");
    pub const SWITCH_LANGUAGE_LABEL: Msg = Msg::new(
        "English (zmień język na angielski)",
        "Polski (change the language to Polish)",
    );

    pub const SIGN_IN_TITLE: Msg = Msg::new("Logowanie", "Sign in");
    pub const SIGN_IN_INTRO: Msg = Msg::new(
        "Zaloguj się swoim loginem i hasłem ZSZO. Panel jest dostępny dla administratorów lokalnych placówek i administratorów systemu.",
        "Sign in with your ZSZO login and password. The panel is for schools' local administrators and system administrators.",
    );
    pub const LOGIN: Msg = Msg::new("Login", "Login");
    pub const PASSWORD: Msg = Msg::new("Hasło", "Password");
    pub const SIGN_IN: Msg = Msg::new("Zaloguj się", "Sign in");
    pub const BAD_CREDENTIALS: Msg = Msg::new(
        "Nieprawidłowy login lub hasło. Sprawdź, czy nie jest włączony Caps Lock, i spróbuj ponownie.",
        "Wrong login or password. Check that Caps Lock is off and try again.",
    );
    /// Only after the failures' limit: saying so is no help to a guesser (the block is
    /// per login and address alike), and the person knows why to wait.
    pub const SIGN_IN_THROTTLED: Msg = Msg::new(
        "Zbyt wiele nieudanych prób logowania. Odczekaj kilka minut i spróbuj ponownie.",
        "Too many failed sign-in attempts. Wait a few minutes and try again.",
    );
    pub const NOT_AN_ADMINISTRATOR: Msg = Msg::new(
        "Nie masz uprawnień do Centralnego Panelu Administracyjnego: mogą z niego korzystać tylko administratorzy lokalni placówek i administratorzy systemu. Jeśli potrzebujesz dostępu, zwróć się do dyrektora swojej placówki.",
        "You may not use the Central Administration Panel: it is only for schools' local administrators and system administrators. If you need access, ask the head of your school.",
    );
    pub const FIRST_SIGN_IN_PENDING: Msg = Msg::new(
        "Najpierw dokończ pierwsze logowanie w Portalu Dostępowym: ustaw własne hasło i potwierdź adres e-mail. Hasłem jednorazowym nie można zalogować się do panelu.",
        "First finish your first sign-in in the Access Portal: set your own password and confirm your email address. A one-time password never opens the panel.",
    );
    pub const TO_THE_PORTAL: Msg =
        Msg::new("Przejdź do Portalu Dostępowego", "Go to the Access Portal");
    pub const BUSY: Msg = Msg::new(
        "Zbyt wiele logowań naraz. Spróbuj ponownie za kilka sekund.",
        "Too many sign-ins at once. Try again in a few seconds.",
    );
    pub const SIGNED_OUT: Msg = Msg::new("Wylogowano.", "You have signed out.");
    pub const SESSION_ENDED: Msg = Msg::new(
        "Sesja wygasła. Zaloguj się ponownie.",
        "Your session has ended. Please sign in again.",
    );

    pub const ERROR_TITLE: Msg = Msg::new("Błąd", "Error");
    pub const ERROR_BAD_REQUEST: Msg = Msg::new(
        "Nieprawidłowe żądanie. Wróć i spróbuj ponownie.",
        "The request was not valid. Go back and try again.",
    );
    pub const ERROR_CSRF: Msg = Msg::new(
        "Formularz wygasł lub nie pochodzi z tego panelu, więc nic nie zostało zmienione. Wróć, odśwież stronę i spróbuj ponownie.",
        "The form has expired or did not come from this panel, so nothing was changed. Go back, reload the page and try again.",
    );
    pub const ERROR_FORBIDDEN: Msg = Msg::new(
        "Nie masz uprawnień do tej strony.",
        "You may not open this page.",
    );
    pub const ERROR_NOT_FOUND: Msg = Msg::new("Nie znaleziono strony.", "The page was not found.");
    pub const ERROR_CONFLICT: Msg = Msg::new(
        "Ktoś właśnie to zmienił. Odśwież stronę i sprawdź stan.",
        "Someone has just changed this. Reload the page and check.",
    );
    pub const ERROR_UNAVAILABLE: Msg = Msg::new(
        "Usługa jest chwilowo niedostępna. Spróbuj ponownie za chwilę.",
        "The service is temporarily unavailable. Try again in a moment.",
    );
    pub const ERROR_INTERNAL: Msg = Msg::new(
        "Wystąpił nieoczekiwany błąd. Spróbuj ponownie; jeśli się powtarza, zgłoś to administratorowi systemu.",
        "Something went wrong. Try again; if it happens again, tell the system administrator.",
    );
    pub const BACK_TO_PANEL: Msg = Msg::new("Wróć do panelu", "Back to the panel");
    pub const BACK_TO_PORTAL: Msg = Msg::new("Wróć do portalu", "Back to the portal");
    pub const PORTAL_NAME: Msg = Msg::new("Portal Dostępowy ZSZO", "ZSZO Access Portal");
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
