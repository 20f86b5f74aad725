//! The texts of the panel pages (school staff, accounts, history), Polish and English side by
//! side ([`Msg`], as in `web::i18n`).

use crate::domain::AccountState;
use crate::web::i18n::{texts, Msg};

// The audit records in words live beside: `texts::action`, `texts::failure_reason`, `texts::actor`.
pub use super::audit_words::{action, actor, failure_reason};
// The records pages' texts live in their own table, under the same `texts::` names.
pub use records::*;

mod records;

texts! {
    STAFF_TITLE:
        "Pracownicy placówki",
        "School staff";
    SCHOOL:
        "Placówka",
        "School";
    SEARCH_LABEL:
        "Imię i/lub nazwisko",
        "First name and/or surname";
    SEARCH_HINT:
        "Wielkość liter i polskie znaki nie mają znaczenia: „lukasz nowak” znajdzie „Łukasz Nowak”. Puste pole pokazuje wszystkich.",
        "Case and Polish letters do not matter: “lukasz nowak” finds “Łukasz Nowak”. Leave it empty to list everyone.";
    SEARCH:
        "Szukaj",
        "Search";
    RESULTS:
        "Wyniki",
        "Results";
    FOUND:
        "Znaleziono",
        "Found";
    NOBODY_FOUND:
        "Nie znaleziono pracowników. Sprawdź pisownię albo wpisz tylko nazwisko.",
        "No staff found. Check the spelling or enter the surname only.";
    COL_NAME:
        "Imię i nazwisko",
        "Name";
    COL_EMPLOYEE_NUMBER:
        "Nr pracownika",
        "Employee no.";
    COL_POSITION:
        "Stanowisko",
        "Position";
    COL_SCHOOLS:
        "Placówki",
        "Schools";
    COL_ACCOUNT:
        "Konto",
        "Account";
    COL_ACTIONS:
        "Działania",
        "Actions";
    /// The row number column ("liczba porządkowa"), the same in both languages.
    COL_ROW_NO:
        "Lp.",
        "Lp.";
    ACTIONS_FOR:
        "Działania dla:",
        "Actions for:";
    HELD_DELETE:
        "kadry zgłosiły usunięcie — czeka na decyzję administratora systemu",
        "HR asked to delete — awaiting a system administrator's decision";
    HELD_DEACTIVATE:
        "kadry zgłosiły koniec zatrudnienia — czeka na decyzję administratora systemu",
        "HR reported the end of employment — awaiting a system administrator's decision";
    YOUR_ACCOUNT:
        "to Twoje konto",
        "your own account";
    NOT_GIVEN:
        "brak",
        "none";
    EMPLOYMENT_INACTIVE:
        "zatrudnienie nieaktywne",
        "employment inactive";
    PAGING:
        "Strony wyników",
        "Result pages";
    PREVIOUS:
        "Poprzednia strona",
        "Previous page";
    NEXT:
        "Następna strona",
        "Next page";
    PAGE:
        "Strona",
        "Page";
    OF:
        "z",
        "of";

    RECORDS_LINK:
        "Historia, upoważnienia (F-02, F-03, F-04), nowe konta",
        "History, authorizations (F-02, F-03, F-04), new accounts";

    HAND_OVER_TITLE:
        "Do wydania",
        "To hand over";
    HAND_OVER_LINK:
        "Do wydania: konta zamówione przez kadry",
        "To hand over: accounts requested by HR";
    HAND_OVER_INTRO:
        "Kadry albo system tożsamości zamówiły konta dla tych osób. Utwórz konto i wydrukuj kartę przekazania; osoba znika z tej listy, gdy konto zostanie utworzone.",
        "HR or an identity system asked for accounts for these people. Create the account and print the hand-over slip; the person leaves this list once the account exists.";
    HAND_OVER_EMPTY:
        "Nie ma kont do wydania w tej placówce.",
        "There are no accounts to hand over at this school.";
    SHOW:
        "Pokaż",
        "Show";
    COL_REQUESTED_BY:
        "Zamówił(a)",
        "Requested by";
    COL_REQUESTED_AT:
        "Zamówiono",
        "Requested on";

    CREATE_ACCOUNT:
        "Utwórz konto",
        "Create account";
    REISSUE:
        "Wydaj nowe hasło jednorazowe",
        "Issue a new one-time password";
    LOCK:
        "Zablokuj",
        "Lock";
    UNLOCK:
        "Odblokuj",
        "Unlock";
    RESET_SECOND_FACTOR:
        "Resetuj drugi składnik logowania",
        "Reset the second sign-in factor";
    SECOND_FACTOR_RESET_DONE:
        "Drugi składnik został usunięty, a sesje tej osoby zakończone. Przy następnym logowaniu do panelu skonfiguruje ona nowy.",
        "The second factor was removed and this person's sessions ended. They will set up a new one at their next panel sign-in.";
    HISTORY:
        "Historia",
        "History";
    CANCEL:
        "Anuluj i wróć do listy",
        "Cancel and go back to the list";
    BACK_TO_STAFF:
        "Wróć do listy pracowników",
        "Back to the staff list";

    CREATE_INTRO:
        "Zostanie utworzone konto ZSZO dla tej osoby: z jej loginem (utworzonym z imienia i nazwiska) i wylosowanym hasłem jednorazowym. Hasło zobaczysz tylko raz, na karcie przekazania do wydrukowania — przygotuj drukarkę albo przekaż kartę osobiście.",
        "A ZSZO account will be created for this person: with their login (made from the name) and a random one-time password. You will see the password only once, on a hand-over slip to print — have a printer ready or hand the slip over in person.";
    CHECK_PERSON:
        "Sprawdź, czy to właściwa osoba (numer pracownika, stanowisko, placówki).",
        "Check that this is the right person (employee number, position, schools).";
    REISSUE_INTRO:
        "Zostanie wylosowane nowe hasło jednorazowe; poprzednie przestanie działać. Nowe hasło zobaczysz tylko raz, na karcie przekazania.",
        "A new one-time password will be generated; the previous one stops working. You will see the new password only once, on the hand-over slip.";

    ALREADY_CREATED:
        "To konto zostało już utworzone (na przykład strona karty przekazania została odświeżona albo otwarta ponownie przyciskiem „Wstecz”). Hasło jednorazowe pokazuje się tylko raz. Jeśli karta nie została wydrukowana albo przekazana, wydaj nowe hasło jednorazowe — poprzednie przestanie działać.",
        "This account has already been created (for example the hand-over slip was reloaded or opened again with Back). The one-time password is shown only once. If the slip was not printed or handed over, issue a new one-time password — the previous one stops working.";
    NO_ACCOUNT_YET:
        "Ta osoba nie ma jeszcze konta, więc nie można wydać nowego hasła. Najpierw utwórz konto.",
        "This person has no account yet, so no new password can be issued. Create the account first.";
    STATE_NOW:
        "Stan konta jest już inny niż wtedy, gdy otwarto tę stronę, więc niczego nie zmieniono. Poniżej jest stan obecny.",
        "The account's state is no longer what it was when this page was opened, so nothing was changed. Its current state is below.";
    SLIP_TITLE:
        "Karta przekazania konta ZSZO",
        "ZSZO account hand-over slip";
    SLIP_SHOWN_ONCE:
        "Hasło jednorazowe jest widoczne tylko teraz: nie da się go wyświetlić ponownie. Wydrukuj tę kartę (Ctrl+P, na Macu Cmd+P) albo przepisz dane i przekaż je pracownikowi osobiście. Nie wysyłaj hasła e-mailem ani komunikatorem.",
        "The one-time password is shown only now: it cannot be displayed again. Print this slip (Ctrl+P, Cmd+P on a Mac) or copy it out and hand it to the employee in person. Do not send the password by email or chat.";
    SLIP_FOR:
        "Pracownik",
        "Employee";
    SLIP_LOGIN:
        "Login",
        "Login";
    SLIP_PASSWORD:
        "Hasło jednorazowe",
        "One-time password";
    SLIP_PASSWORD_NOTE:
        "małe litery i cyfry, wpisz razem z myślnikami",
        "lower-case letters and digits, type it with the dashes";
    SLIP_PORTAL:
        "Adres Portalu Dostępowego",
        "Access Portal address";
    SLIP_EXPIRES:
        "Hasło ważne do",
        "Password valid until";
    SLIP_STEPS:
        "Co należy zrobić",
        "What to do";
    SLIP_STEP_OPEN:
        "Otwórz w przeglądarce Portal Dostępowy pod adresem podanym powyżej.",
        "Open the Access Portal in a web browser at the address above.";
    SLIP_STEP_SIGN_IN:
        "Zaloguj się loginem i hasłem jednorazowym z tej karty.",
        "Sign in with the login and the one-time password on this slip.";
    SLIP_STEP_NEW_PASSWORD:
        "Ustaw własne, nowe hasło (co najmniej 15 znaków). Znasz je tylko Ty — nikomu go nie podawaj.",
        "Set your own new password (at least 15 characters). Only you know it — never tell anyone.";
    SLIP_STEP_EMAIL:
        "Podaj swój adres e-mail, a potem otwórz wiadomość wysłaną przez ZSZO i postępuj zgodnie z jej instrukcją, aby go potwierdzić.",
        "Enter your email address, then open the message ZSZO sends you and follow its instructions to confirm it.";
    SLIP_STEP_EXPIRY:
        "Hasło jednorazowe działa tylko do podanego terminu. Jeśli nie zdążysz, poproś administratora lokalnego placówki o nowe.",
        "The one-time password works only until the date above. If you miss it, ask your school's local administrator for a new one.";
    SLIP_STEP_DESTROY:
        "Po pierwszym zalogowaniu zniszcz tę kartę.",
        "Destroy this slip after your first sign-in.";
    SLIP_ISSUED_BY:
        "Wydał(a)",
        "Issued by";
    SLIP_ISSUED_AT:
        "Data wydania",
        "Issued on";
    SLIP_RECEIPT:
        "Potwierdzam odbiór loginu i hasła jednorazowego.",
        "I confirm I received the login and the one-time password.";
    SLIP_SIGNATURE_EMPLOYEE:
        "(data i podpis pracownika)",
        "(date and the employee's signature)";
    SLIP_SIGNATURE_ADMIN:
        "(podpis administratora lokalnego placówki)",
        "(the school's local administrator's signature)";
    SLIP_DONE:
        "Gotowe — wróć do listy pracowników",
        "Done — back to the staff list";

    LOCKED_DONE:
        "Konto zostało zablokowane: nie można się na nie zalogować, dopóki ktoś go nie odblokuje.",
        "The account is locked: nobody can sign in to it until it is unlocked.";
    UNLOCKED_DONE:
        "Konto zostało odblokowane.",
        "The account is unlocked.";
    LOCK_TITLE:
        "Blokada konta",
        "Account lock";

    HISTORY_TITLE:
        "Historia",
        "History";
    HISTORY_INTRO:
        "Zdarzenia dotyczące tej osoby i jej konta, od najnowszych. Czas polski.",
        "What happened to this person and their account, newest first. Polish time.";
    HISTORY_EMPTY:
        "Brak zapisów.",
        "No records.";
    COL_TIME:
        "Czas",
        "Time";
    COL_WHO:
        "Kto",
        "Who";
    COL_WHAT:
        "Co",
        "What";
    COL_OUTCOME:
        "Wynik",
        "Outcome";
    OUTCOME_OK:
        "wykonano",
        "done";
    OUTCOME_FAILED:
        "nie wykonano",
        "failed";
    ACTOR_SCIM:
        "system zewnętrzny (SCIM)",
        "external system (SCIM)";
    ACTOR_SYSTEM:
        "ZSZO (automatycznie)",
        "ZSZO (automatically)";
}

/// The account state in words.
pub fn account_state(state: AccountState) -> Msg {
    match state {
        AccountState::None => Msg::new("brak konta", "no account"),
        AccountState::AwaitingFirstLogin => {
            Msg::new("czeka na pierwsze logowanie", "awaiting first sign-in")
        }
        AccountState::AwaitingEmailConfirmation => Msg::new(
            "czeka na potwierdzenie e-maila",
            "awaiting email confirmation",
        ),
        AccountState::Active => Msg::new("aktywne", "active"),
        AccountState::Locked => Msg::new("zablokowane", "locked"),
    }
}
