//! The texts of the panel pages (school staff, accounts, history), Polish and English side by
//! side ([`Msg`], as in `web::i18n`).

use crate::domain::AccountState;
use crate::web::i18n::Msg;

// The audit records in words live beside: `texts::action`, `texts::failure_reason`, `texts::actor`.
pub use super::audit_words::{action, actor, failure_reason};

pub const STAFF_TITLE: Msg = Msg::new("Pracownicy placówki", "School staff");
pub const SCHOOL: Msg = Msg::new("Placówka", "School");
pub const SEARCH_LABEL: Msg = Msg::new("Imię i/lub nazwisko", "First name and/or surname");
pub const SEARCH_HINT: Msg = Msg::new(
    "Wielkość liter i polskie znaki nie mają znaczenia: „lukasz nowak” znajdzie „Łukasz Nowak”. Puste pole pokazuje wszystkich.",
    "Case and Polish letters do not matter: “lukasz nowak” finds “Łukasz Nowak”. Leave it empty to list everyone.",
);
pub const SEARCH: Msg = Msg::new("Szukaj", "Search");
pub const RESULTS: Msg = Msg::new("Wyniki", "Results");
pub const FOUND: Msg = Msg::new("Znaleziono", "Found");
pub const NOBODY_FOUND: Msg = Msg::new(
    "Nie znaleziono pracowników. Sprawdź pisownię albo wpisz tylko nazwisko.",
    "No staff found. Check the spelling or enter the surname only.",
);
pub const COL_NAME: Msg = Msg::new("Imię i nazwisko", "Name");
pub const COL_EMPLOYEE_NUMBER: Msg = Msg::new("Nr pracownika", "Employee no.");
pub const COL_POSITION: Msg = Msg::new("Stanowisko", "Position");
pub const COL_SCHOOLS: Msg = Msg::new("Placówki", "Schools");
pub const COL_ACCOUNT: Msg = Msg::new("Konto", "Account");
pub const COL_ACTIONS: Msg = Msg::new("Działania", "Actions");
/// The row number column ("liczba porządkowa"), the same in both languages.
pub const COL_ROW_NO: Msg = Msg::new("Lp.", "Lp.");
pub const ACTIONS_FOR: Msg = Msg::new("Działania dla:", "Actions for:");
pub const HELD_DELETE: Msg = Msg::new(
    "kadry zgłosiły usunięcie — czeka na decyzję administratora systemu",
    "HR asked to delete — awaiting a system administrator's decision",
);
pub const HELD_DEACTIVATE: Msg = Msg::new(
    "kadry zgłosiły koniec zatrudnienia — czeka na decyzję administratora systemu",
    "HR reported the end of employment — awaiting a system administrator's decision",
);
pub const YOUR_ACCOUNT: Msg = Msg::new("to Twoje konto", "your own account");
pub const NOT_GIVEN: Msg = Msg::new("brak", "none");
pub const EMPLOYMENT_INACTIVE: Msg = Msg::new("zatrudnienie nieaktywne", "employment inactive");
pub const PAGING: Msg = Msg::new("Strony wyników", "Result pages");
pub const PREVIOUS: Msg = Msg::new("Poprzednia strona", "Previous page");
pub const NEXT: Msg = Msg::new("Następna strona", "Next page");
pub const PAGE: Msg = Msg::new("Strona", "Page");
pub const OF: Msg = Msg::new("z", "of");

pub const RECORDS_LINK: Msg = Msg::new(
    "Historia, upoważnienia (F-02, F-03, F-04), nowe konta",
    "History, authorizations (F-02, F-03, F-04), new accounts",
);

pub const HAND_OVER_TITLE: Msg = Msg::new("Do wydania", "To hand over");
pub const HAND_OVER_LINK: Msg = Msg::new(
    "Do wydania: konta zamówione przez kadry",
    "To hand over: accounts requested by HR",
);
pub const HAND_OVER_INTRO: Msg = Msg::new(
    "Kadry albo system tożsamości zamówiły konta dla tych osób. Utwórz konto i wydrukuj kartę przekazania; osoba znika z tej listy, gdy konto zostanie utworzone.",
    "HR or an identity system asked for accounts for these people. Create the account and print the hand-over slip; the person leaves this list once the account exists.",
);
pub const HAND_OVER_EMPTY: Msg = Msg::new(
    "Nie ma kont do wydania w tej placówce.",
    "There are no accounts to hand over at this school.",
);
pub const SHOW: Msg = Msg::new("Pokaż", "Show");
pub const COL_REQUESTED_BY: Msg = Msg::new("Zamówił(a)", "Requested by");
pub const COL_REQUESTED_AT: Msg = Msg::new("Zamówiono", "Requested on");

pub const CREATE_ACCOUNT: Msg = Msg::new("Utwórz konto", "Create account");
pub const REISSUE: Msg = Msg::new(
    "Wydaj nowe hasło jednorazowe",
    "Issue a new one-time password",
);
pub const LOCK: Msg = Msg::new("Zablokuj", "Lock");
pub const UNLOCK: Msg = Msg::new("Odblokuj", "Unlock");
pub const RESET_SECOND_FACTOR: Msg = Msg::new(
    "Resetuj drugi składnik logowania",
    "Reset the second sign-in factor",
);
pub const SECOND_FACTOR_RESET_DONE: Msg = Msg::new(
    "Drugi składnik został usunięty, a sesje tej osoby zakończone. Przy następnym logowaniu do panelu skonfiguruje ona nowy.",
    "The second factor was removed and this person's sessions ended. They will set up a new one at their next panel sign-in.",
);
pub const HISTORY: Msg = Msg::new("Historia", "History");
pub const CANCEL: Msg = Msg::new("Anuluj i wróć do listy", "Cancel and go back to the list");
pub const BACK_TO_STAFF: Msg = Msg::new("Wróć do listy pracowników", "Back to the staff list");

pub const CREATE_INTRO: Msg = Msg::new(
    "Zostanie utworzone konto ZSZO dla tej osoby: z jej loginem (utworzonym z imienia i nazwiska) i wylosowanym hasłem jednorazowym. Hasło zobaczysz tylko raz, na karcie przekazania do wydrukowania — przygotuj drukarkę albo przekaż kartę osobiście.",
    "A ZSZO account will be created for this person: with their login (made from the name) and a random one-time password. You will see the password only once, on a hand-over slip to print — have a printer ready or hand the slip over in person.",
);
pub const CHECK_PERSON: Msg = Msg::new(
    "Sprawdź, czy to właściwa osoba (numer pracownika, stanowisko, placówki).",
    "Check that this is the right person (employee number, position, schools).",
);
pub const REISSUE_INTRO: Msg = Msg::new(
    "Zostanie wylosowane nowe hasło jednorazowe; poprzednie przestanie działać. Nowe hasło zobaczysz tylko raz, na karcie przekazania.",
    "A new one-time password will be generated; the previous one stops working. You will see the new password only once, on the hand-over slip.",
);

pub const ALREADY_CREATED: Msg = Msg::new(
    "To konto zostało już utworzone (na przykład strona karty przekazania została odświeżona albo otwarta ponownie przyciskiem „Wstecz”). Hasło jednorazowe pokazuje się tylko raz. Jeśli karta nie została wydrukowana albo przekazana, wydaj nowe hasło jednorazowe — poprzednie przestanie działać.",
    "This account has already been created (for example the hand-over slip was reloaded or opened again with Back). The one-time password is shown only once. If the slip was not printed or handed over, issue a new one-time password — the previous one stops working.",
);
pub const NO_ACCOUNT_YET: Msg = Msg::new(
    "Ta osoba nie ma jeszcze konta, więc nie można wydać nowego hasła. Najpierw utwórz konto.",
    "This person has no account yet, so no new password can be issued. Create the account first.",
);
pub const STATE_NOW: Msg = Msg::new(
    "Stan konta jest już inny niż wtedy, gdy otwarto tę stronę, więc niczego nie zmieniono. Poniżej jest stan obecny.",
    "The account's state is no longer what it was when this page was opened, so nothing was changed. Its current state is below.",
);
pub const SLIP_TITLE: Msg = Msg::new(
    "Karta przekazania konta ZSZO",
    "ZSZO account hand-over slip",
);
pub const SLIP_SHOWN_ONCE: Msg = Msg::new(
    "Hasło jednorazowe jest widoczne tylko teraz: nie da się go wyświetlić ponownie. Wydrukuj tę kartę (Ctrl+P, na Macu Cmd+P) albo przepisz dane i przekaż je pracownikowi osobiście. Nie wysyłaj hasła e-mailem ani komunikatorem.",
    "The one-time password is shown only now: it cannot be displayed again. Print this slip (Ctrl+P, Cmd+P on a Mac) or copy it out and hand it to the employee in person. Do not send the password by email or chat.",
);
pub const SLIP_FOR: Msg = Msg::new("Pracownik", "Employee");
pub const SLIP_LOGIN: Msg = Msg::new("Login", "Login");
pub const SLIP_PASSWORD: Msg = Msg::new("Hasło jednorazowe", "One-time password");
pub const SLIP_PASSWORD_NOTE: Msg = Msg::new(
    "małe litery i cyfry, wpisz razem z myślnikami",
    "lower-case letters and digits, type it with the dashes",
);
pub const SLIP_PORTAL: Msg = Msg::new("Adres Portalu Dostępowego", "Access Portal address");
pub const SLIP_EXPIRES: Msg = Msg::new("Hasło ważne do", "Password valid until");
pub const SLIP_STEPS: Msg = Msg::new("Co należy zrobić", "What to do");
pub const SLIP_STEP_OPEN: Msg = Msg::new(
    "Otwórz w przeglądarce Portal Dostępowy pod adresem podanym powyżej.",
    "Open the Access Portal in a web browser at the address above.",
);
pub const SLIP_STEP_SIGN_IN: Msg = Msg::new(
    "Zaloguj się loginem i hasłem jednorazowym z tej karty.",
    "Sign in with the login and the one-time password on this slip.",
);
pub const SLIP_STEP_NEW_PASSWORD: Msg = Msg::new(
    "Ustaw własne, nowe hasło (co najmniej 15 znaków). Znasz je tylko Ty — nikomu go nie podawaj.",
    "Set your own new password (at least 15 characters). Only you know it — never tell anyone.",
);
pub const SLIP_STEP_EMAIL: Msg = Msg::new(
    "Podaj swój adres e-mail, a potem otwórz wiadomość wysłaną przez ZSZO i postępuj zgodnie z jej instrukcją, aby go potwierdzić.",
    "Enter your email address, then open the message ZSZO sends you and follow its instructions to confirm it.",
);
pub const SLIP_STEP_EXPIRY: Msg = Msg::new(
    "Hasło jednorazowe działa tylko do podanego terminu. Jeśli nie zdążysz, poproś administratora lokalnego placówki o nowe.",
    "The one-time password works only until the date above. If you miss it, ask your school's local administrator for a new one.",
);
pub const SLIP_STEP_DESTROY: Msg = Msg::new(
    "Po pierwszym zalogowaniu zniszcz tę kartę.",
    "Destroy this slip after your first sign-in.",
);
pub const SLIP_ISSUED_BY: Msg = Msg::new("Wydał(a)", "Issued by");
pub const SLIP_ISSUED_AT: Msg = Msg::new("Data wydania", "Issued on");
pub const SLIP_RECEIPT: Msg = Msg::new(
    "Potwierdzam odbiór loginu i hasła jednorazowego.",
    "I confirm I received the login and the one-time password.",
);
pub const SLIP_SIGNATURE_EMPLOYEE: Msg = Msg::new(
    "(data i podpis pracownika)",
    "(date and the employee's signature)",
);
pub const SLIP_SIGNATURE_ADMIN: Msg = Msg::new(
    "(podpis administratora lokalnego placówki)",
    "(the school's local administrator's signature)",
);
pub const SLIP_DONE: Msg = Msg::new(
    "Gotowe — wróć do listy pracowników",
    "Done — back to the staff list",
);

pub const LOCKED_DONE: Msg = Msg::new(
    "Konto zostało zablokowane: nie można się na nie zalogować, dopóki ktoś go nie odblokuje.",
    "The account is locked: nobody can sign in to it until it is unlocked.",
);
pub const UNLOCKED_DONE: Msg = Msg::new("Konto zostało odblokowane.", "The account is unlocked.");
pub const LOCK_TITLE: Msg = Msg::new("Blokada konta", "Account lock");

pub const HISTORY_TITLE: Msg = Msg::new("Historia", "History");
pub const HISTORY_INTRO: Msg = Msg::new(
    "Zdarzenia dotyczące tej osoby i jej konta, od najnowszych. Czas polski.",
    "What happened to this person and their account, newest first. Polish time.",
);
pub const HISTORY_EMPTY: Msg = Msg::new("Brak zapisów.", "No records.");
pub const COL_TIME: Msg = Msg::new("Czas", "Time");
pub const COL_WHO: Msg = Msg::new("Kto", "Who");
pub const COL_WHAT: Msg = Msg::new("Co", "What");
pub const COL_OUTCOME: Msg = Msg::new("Wynik", "Outcome");
pub const OUTCOME_OK: Msg = Msg::new("wykonano", "done");
pub const OUTCOME_FAILED: Msg = Msg::new("nie wykonano", "failed");
pub const ACTOR_SCIM: Msg = Msg::new("system zewnętrzny (SCIM)", "external system (SCIM)");
pub const ACTOR_SYSTEM: Msg = Msg::new("ZSZO (automatycznie)", "ZSZO (automatically)");

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

// The records pages (history per school, F-02, F-03, F-04, to-dos).
pub const RECORDS_TITLE: Msg = Msg::new(
    "Historia i rejestry placówki",
    "The school's history and records",
);
pub const SCHOOL_HISTORY_TITLE: Msg = Msg::new("Historia placówki", "The school's history");
pub const TODOS_TITLE: Msg = Msg::new(
    "Nowe konta: zaktualizuj F-02, F-03, F-04",
    "New accounts: update F-02, F-03, F-04",
);
pub const TODOS_INTRO: Msg = Msg::new(
    "Te osoby aktywowały konto. Zgodnie z pkt 7 procedury zaktualizuj upoważnienie (F-02), ewidencję (F-03) i wykaz pomieszczeń (F-04), a potem potwierdź.",
    "These people activated their account. Per step 7 of the procedure, update the authorization (F-02), the register (F-03) and the room list (F-04), then confirm.",
);
pub const TODOS_OPEN: Msg = Msg::new("Do potwierdzenia", "Open");
pub const TODOS_NONE: Msg = Msg::new(
    "Brak nowych kont do potwierdzenia.",
    "No new accounts to confirm.",
);
pub const TODO_CONFIRM: Msg = Msg::new(
    "Potwierdź aktualizację F-02, F-03 i F-04",
    "Confirm that F-02, F-03 and F-04 are updated",
);
pub const TODO_SEE_F02: Msg = Msg::new("upoważnienie F-02", "authorization F-02");
pub const TODO_SEE_F03: Msg = Msg::new("ewidencja F-03", "register F-03");
pub const TODO_SEE_F04: Msg = Msg::new("wykaz pomieszczeń F-04", "room list F-04");
pub const TODO_DONE: Msg = Msg::new("potwierdzone", "confirmed");
pub const OPEN_PER_SCHOOL: Msg = Msg::new(
    "Niepotwierdzone nowe konta w placówkach",
    "Unconfirmed new accounts per school",
);
pub const F02_TITLE: Msg = Msg::new(
    "F-02: upoważnienia do przetwarzania danych osobowych",
    "F-02: authorizations to process personal data",
);
pub const F03_TITLE: Msg = Msg::new(
    "F-03: ewidencja osób upoważnionych do przetwarzania danych osobowych",
    "F-03: register of persons authorized to process personal data",
);
pub const F03_INTRO: Msg = Msg::new(
    "Ewidencja powstaje z katalogu i historii kont. Wierszy się nie zmienia ani nie usuwa: korekta (np. odwołanie) to nowy wiersz wskazujący wiersz korygowany.",
    "The register is made from the directory and the accounts' history. Rows are never changed or removed: a correction (e.g. a revocation) is a new row naming the row it corrects.",
);
pub const F04_TITLE: Msg = Msg::new(
    "F-04: wykaz pomieszczeń tworzących obszar przetwarzania danych osobowych",
    "F-04: rooms forming the personal-data processing area",
);
pub const F04_EMPTY: Msg = Msg::new("Wykaz jest pusty.", "The list is empty.");
pub const F04_ADD: Msg = Msg::new("Dodaj pomieszczenie", "Add a room");
pub const F04_REMOVE: Msg = Msg::new("Usuń", "Remove");
pub const F04_ADDED: Msg = Msg::new(
    "Dodano pomieszczenie: powstała nowa wersja wykazu.",
    "The room was added: a new version of the list was made.",
);
pub const F04_REMOVED: Msg = Msg::new(
    "Usunięto pomieszczenie: powstała nowa wersja wykazu (poprzednie wersje zostają).",
    "The room was removed: a new version of the list was made (earlier versions stay).",
);
pub const F04_CHANGED_MEANWHILE: Msg = Msg::new(
    "Nic nie zmieniono: wykaz zmienił się w międzyczasie (w innej karcie przeglądarki albo zrobił to inny administrator). Poniżej jest wykaz aktualny; to, co wpisano, zostało w formularzu — sprawdź i zapisz ponownie.",
    "Nothing was changed: the list changed meanwhile (in another browser tab, or another administrator changed it). The current list is below; what you typed is still in the form — check it and save again.",
);
pub const F04_INVALID: Msg = Msg::new(
    "Wypełnij wszystkie trzy pola (każde do 200 znaków).",
    "Fill in all three fields (up to 200 characters each).",
);
pub const F04_REMOVE_TITLE: Msg = Msg::new(
    "Usunąć pomieszczenie z wykazu?",
    "Remove the room from the list?",
);
pub const F04_REMOVE_INTRO: Msg = Msg::new(
    "To pomieszczenie zniknie z wykazu F-04 (powstanie nowa wersja wykazu; poprzednie wersje zostają do wglądu).",
    "This room will leave the F-04 list (a new version of the list is made; earlier versions stay).",
);
pub const F04_REMOVE_CONFIRM: Msg = Msg::new("Tak, usuń pomieszczenie", "Yes, remove the room");
pub const F04_KEEP: Msg = Msg::new("Nie usuwaj, wróć do wykazu", "Keep it, back to the list");
pub const COL_ACTIVATED: Msg = Msg::new("Konto aktywne od", "Active since");
pub const COL_FORMS: Msg = Msg::new("Dokumenty", "Documents");
pub const F04_VERSIONS: Msg = Msg::new("Wersje wykazu", "Versions of the list");
pub const COL_ROOM: Msg = Msg::new("Pomieszczenie", "Room");
pub const COL_BUILDING: Msg = Msg::new("Budynek / adres", "Building / address");
pub const COL_PURPOSE: Msg = Msg::new("Przeznaczenie", "Purpose");
pub const PRINT: Msg = Msg::new("Wersja do druku", "Print view");
pub const PDF: Msg = Msg::new("PDF", "PDF");
pub const CSV: Msg = Msg::new("Eksport CSV", "CSV export");
pub const JSON: Msg = Msg::new("Eksport JSON", "JSON export");
pub const NUMBER: Msg = Msg::new("Nr", "No.");
pub const GRANTED: Msg = Msg::new("Nadano", "Granted");
pub const REVOKED: Msg = Msg::new("Odwołano", "Revoked");
pub const IN_FORCE: Msg = Msg::new("obowiązuje", "in force");
pub const NO_AUTHORIZATIONS: Msg = Msg::new(
    "Brak upoważnień: pojawią się, gdy pracownicy aktywują konta.",
    "No authorizations yet: they appear when employees activate their accounts.",
);
pub const FILTER: Msg = Msg::new("Filtruj", "Filter");
pub const FILTER_ACTION: Msg = Msg::new("Działanie", "Action");
pub const FILTER_ANY: Msg = Msg::new("dowolne", "any");
pub const FILTER_PERSON: Msg = Msg::new("Osoba (login lub nazwisko)", "Person (login or name)");
pub const FILTER_ACTOR: Msg = Msg::new(
    "Kto działał (login, klient SCIM)",
    "Who acted (login, SCIM client)",
);
pub const FILTER_FROM: Msg = Msg::new("Od dnia", "From");
pub const FILTER_TO: Msg = Msg::new("Do dnia", "To");
pub const DATE_HINT: Msg = Msg::new(
    "Daty jak 04.12.2026 (albo 2026-12-04).",
    "Dates like 04.12.2026 (day.month.year) or 2026-12-04.",
);
pub const DATE_INVALID: Msg = Msg::new(
    "Nie rozpoznano daty. Wpisz ją jak 04.12.2026 (dzień.miesiąc.rok). Na razie pokazano zapisy bez tego ograniczenia.",
    "The date was not recognised. Type it like 04.12.2026 (day.month.year). For now the records are shown without that limit.",
);
pub const RECORDS_FOUND: Msg = Msg::new("Rekordów", "Records");
pub const EXPORT_NOTE: Msg = Msg::new(
    "Eksport obejmuje wszystkie rekordy spełniające filtry (wszystkie strony). Przeglądanie i eksport są zapisywane w historii.",
    "The export holds every record the filters match (all pages). Viewing and exporting are recorded in the history.",
);
pub const COL_PERSON: Msg = Msg::new("Dotyczy", "About");
