//! The portal's texts, Polish and English side by side.

use crate::web::i18n::texts;

texts! {
    SIGN_IN_TITLE:
        "Logowanie do Portalu Dostępowego",
        "Sign in to the Access Portal";
    SIGN_IN_INTRO:
        "Zaloguj się loginem i hasłem. Za pierwszym razem użyj hasła jednorazowego z karty przekazania konta.",
        "Sign in with your login and password. The first time, use the one-time password from the account hand-over slip.";
    BAD_CREDENTIALS:
        "Nieprawidłowy login lub hasło, hasło jednorazowe wygasło albo było zbyt wiele nieudanych prób. Jeśli hasło jednorazowe wygasło, poproś administratora lokalnego placówki o nowe.",
        "Wrong login or password, an expired one-time password, or too many failed attempts. If your one-time password expired, ask your school's local administrator for a new one.";
    SIGNED_OUT:
        "Wylogowano.",
        "You are signed out.";
    LOGIN:
        "Login",
        "Login";

    FORGOT_LINK:
        "Nie pamiętam hasła",
        "I forgot my password";
    FORGOT_TITLE:
        "Nie pamiętam hasła",
        "Forgotten password";
    FORGOT_INTRO:
        "Podaj swój login. Jeśli Twoje konto ma potwierdzony adres e-mail, wyślemy na niego link do ustawienia nowego hasła.",
        "Enter your login. If your account has a confirmed email address, we will send a link to set a new password to it.";
    FORGOT_SEND:
        "Wyślij link",
        "Send the link";
    FORGOT_SENT:
        "Jeśli login jest poprawny, a konto ma potwierdzony adres e-mail, za chwilę wyślemy na ten adres link do ustawienia nowego hasła. Link działa przez 30 minut i tylko raz.",
        "If the login is right and the account has a confirmed email address, we will shortly send a link to set a new password to that address. The link works for 30 minutes and only once.";
    FORGOT_NO_ADDRESS:
        "Nie masz potwierdzonego adresu e-mail albo wiadomość nie dotarła? Poproś administratora lokalnego placówki o nowe hasło jednorazowe.",
        "No confirmed email address, or no message arrived? Ask your school's local administrator for a new one-time password.";
    RESET_TITLE:
        "Ustaw nowe hasło",
        "Set a new password";
    RESET_INTRO:
        "Wpisz nowe hasło dwa razy. Po zapisaniu wszystkie sesje Twojego konta zostaną zakończone, a na Twój adres wyślemy powiadomienie.",
        "Type the new password twice. Once it is saved, every session of your account ends and we send a notice to your address.";
    RESET_DONE:
        "Hasło zostało zmienione, a wszystkie sesje Twojego konta zakończone. Zaloguj się nowym hasłem.",
        "Your password was changed and every session of your account ended. Sign in with the new password.";
    RESET_LINK_INVALID:
        "Ten link nie działa: został już użyty, wygasł albo zastąpił go nowszy. Poproś o nowy link.",
        "This link does not work: it was used already, expired, or a newer one replaced it. Ask for a new link.";

    FIRST_LOGIN_TITLE:
        "Pierwsze logowanie: ustaw hasło i adres e-mail",
        "First sign-in: set your password and email address";
    FIRST_LOGIN_INTRO:
        "Hasło jednorazowe działa tylko do tego kroku. Wybierz własne hasło i podaj adres e-mail; wyślemy na niego link potwierdzający.",
        "The one-time password works for this step only. Choose your own password and give your email address; we will send a confirmation link to it.";
    NEW_PASSWORD:
        "Nowe hasło",
        "New password";
    REPEAT_PASSWORD:
        "Powtórz nowe hasło",
        "Repeat the new password";
    CURRENT_PASSWORD:
        "Obecne hasło",
        "Current password";
    EMAIL:
        "Adres e-mail",
        "Email address";
    PASSWORD_RULES:
        "Co najmniej 15 znaków (najwyżej 128). Dowolne znaki, także spacje i polskie litery; najłatwiej zapamiętać kilka niezwiązanych słów. Hasło nie może być popularnym hasłem, zawierać loginu ani imienia i nazwiska, składać się tylko z nazwy miasta, szkoły, miesięcy i cyfr, ani być hasłem jednorazowym.",
        "At least 15 characters (at most 128). Any characters, spaces and Polish letters included; a few unrelated words are easiest to remember. It must not be a common password, contain your login or name, consist only of the city's or school's name, months and digits, or be the one-time password.";
    SAVE:
        "Zapisz",
        "Save";
    PASSWORDS_DIFFER:
        "Powtórzone hasło różni się od nowego.",
        "The repeated password differs from the new one.";

    TOO_SHORT:
        "Hasło jest za krótkie: potrzeba co najmniej 15 znaków.",
        "The password is too short: at least 15 characters are needed.";
    TOO_LONG:
        "Hasło jest za długie: najwyżej 128 znaków.",
        "The password is too long: at most 128 characters.";
    UNPRINTABLE:
        "Hasło nie może być puste ani zawierać znaków sterujących.",
        "The password must not be blank or contain control characters.";
    SAME_AS_OTP:
        "Nowe hasło musi być inne niż hasło jednorazowe.",
        "The new password must differ from the one-time password.";
    ON_BLOCKLIST:
        "To hasło jest zbyt popularne (jest na liście często używanych haseł).",
        "This password is too common (it is on the list of frequently used passwords).";
    CONTAINS_LOGIN:
        "Hasło nie może zawierać loginu.",
        "The password must not contain your login.";
    CONTAINS_NAME:
        "Hasło nie może zawierać imienia ani nazwiska.",
        "The password must not contain your first or last name.";
    CONTEXT_ONLY:
        "Hasło składa się tylko z łatwych do odgadnięcia słów (miasto, szkoła, ZSZO, miesiące, pory roku) i cyfr.",
        "The password consists only of easily guessed words (city, school, ZSZO, months, seasons) and digits.";
    EMAIL_INVALID:
        "Podaj poprawny adres e-mail, np. jan.kowalski@example.pl (bez spacji i polskich znaków).",
        "Give a valid email address such as jan.kowalski@example.pl (no spaces or diacritics).";
    ADDRESS_TAKEN:
        "Ten adres e-mail ma już inne konto. Podaj swój adres.",
        "Another account has this email address. Give your own address.";
    THROTTLED:
        "Link wysłano przed chwilą albo zbyt wiele razy. Spróbuj ponownie później.",
        "A link was sent a moment ago or too many times. Try again later.";
    WRONG_CURRENT:
        "Obecne hasło jest nieprawidłowe.",
        "The current password is wrong.";
    WRONG_STATE:
        "Ten krok nie jest już potrzebny: stan konta się zmienił.",
        "This step is no longer needed: the account's state changed.";
    UNAVAILABLE:
        "Usługa jest chwilowo niedostępna. Spróbuj ponownie za chwilę.",
        "The service is unavailable for a moment. Try again shortly.";

    ACCOUNT_TITLE:
        "Twoje konto",
        "Your account";
    NAME:
        "Imię i nazwisko",
        "Name";
    STATE:
        "Stan konta",
        "Account state";
    STATE_AWAITING:
        "czeka na potwierdzenie adresu e-mail",
        "awaiting email confirmation";
    STATE_ACTIVE:
        "aktywne",
        "active";
    EMAIL_NONE:
        "brak potwierdzonego adresu",
        "no confirmed address";
    SENT_SHORTLY:
        "Zapisano. Link potwierdzający wyślemy za chwilę na adres {address} (jeśli serwer poczty jest chwilowo niedostępny, wyślemy go, gdy zacznie działać). Link działa przez 24 godziny.",
        "Saved. We'll send the confirmation link to {address} shortly (if the mail server is down for a moment, we send it as soon as it is back). The link works for 24 hours.";
    PENDING_TO:
        "Czekamy na potwierdzenie adresu:",
        "Waiting for the confirmation of:";
    RESEND_INTRO:
        "Nie dotarł link albo adres jest błędny? Popraw adres i wyślij link ponownie (poprzednie linki przestaną działać).",
        "No link arrived or the address is wrong? Correct it and send the link again (earlier links stop working).";
    RESEND:
        "Wyślij link ponownie",
        "Send the link again";
    CHANGE_PASSWORD:
        "Zmień hasło",
        "Change password";
    CHANGE_EMAIL:
        "Zmień adres e-mail",
        "Change email address";
    PASSWORD_CHANGED:
        "Hasło zostało zmienione. Inne sesje zostały zakończone.",
        "Your password was changed. Other sessions were ended.";
    CHANGE_EMAIL_INTRO:
        "Podaj nowy adres i obecne hasło. Nowy adres zacznie obowiązywać po potwierdzeniu; dotychczasowy adres otrzyma powiadomienie.",
        "Give the new address and your current password. It takes effect once confirmed; the current address is told.";

    CONFIRM_TITLE:
        "Potwierdzenie adresu e-mail",
        "Email address confirmation";
    CONFIRM_INTRO:
        "Potwierdź, że adres {address} należy do Ciebie.",
        "Confirm that the address {address} is yours.";
    CONFIRM_BUTTON:
        "Potwierdź",
        "Confirm";
    CONFIRMED_FIRST:
        "Adres e-mail został potwierdzony. Twoje konto jest aktywne; wysyłamy administratorowi lokalnemu placówki powiadomienie e-mailem. Możesz się teraz zalogować.",
        "Your email address is confirmed. Your account is active; we are emailing your school's local administrator a notice. You can sign in now.";
    /// When no local administrator of the school has an address to send the notice to: the
    /// page must not claim a notice (the panel's "new accounts" list shows the activation).
    CONFIRMED_FIRST_NO_NOTICE:
        "Adres e-mail został potwierdzony. Twoje konto jest aktywne. Możesz się teraz zalogować. Powiedz administratorowi lokalnemu placówki, że konto jest aktywne: zobaczy je w panelu na liście nowych kont (nie mamy jego adresu e-mail, więc nie wysłaliśmy powiadomienia).",
        "Your email address is confirmed. Your account is active. You can sign in now. Tell your school's local administrator that the account is active: they will see it in the panel's list of new accounts (we have no email address of theirs, so no notice was sent).";
    CONFIRMED_CHANGE:
        "Nowy adres e-mail został potwierdzony.",
        "The new email address is confirmed.";
    LINK_INVALID:
        "Ten link nie działa: został już użyty, wygasł albo zastąpił go nowszy. Zaloguj się do portalu, aby wysłać nowy.",
        "This link does not work: it was used already, expired, or a newer one replaced it. Sign in to the portal to send a new one.";
    GO_TO_PORTAL:
        "Przejdź do portalu",
        "Go to the portal";
    GO_TO_SIGN_IN:
        "Przejdź do logowania",
        "Go to sign-in";
}
