//! The texts of the records pages (history per school, F-02, F-03, F-04, to-dos), Polish and
//! English side by side; re-exported by `panel::texts`.

use crate::web::i18n::texts;

texts! {
    RECORDS_TITLE:
        "Historia i rejestry placówki",
        "The school's history and records";
    SCHOOL_HISTORY_TITLE:
        "Historia placówki",
        "The school's history";
    TODOS_TITLE:
        "Nowe konta: zaktualizuj F-02, F-03, F-04",
        "New accounts: update F-02, F-03, F-04";
    TODOS_INTRO:
        "Te osoby aktywowały konto. Zgodnie z pkt 7 procedury zaktualizuj upoważnienie (F-02), ewidencję (F-03) i wykaz pomieszczeń (F-04), a potem potwierdź.",
        "These people activated their account. Per step 7 of the procedure, update the authorization (F-02), the register (F-03) and the room list (F-04), then confirm.";
    TODOS_OPEN:
        "Do potwierdzenia",
        "Open";
    TODOS_NONE:
        "Brak nowych kont do potwierdzenia.",
        "No new accounts to confirm.";
    TODO_CONFIRM:
        "Potwierdź aktualizację F-02, F-03 i F-04",
        "Confirm that F-02, F-03 and F-04 are updated";
    TODO_SEE_F02:
        "upoważnienie F-02",
        "authorization F-02";
    TODO_SEE_F03:
        "ewidencja F-03",
        "register F-03";
    TODO_SEE_F04:
        "wykaz pomieszczeń F-04",
        "room list F-04";
    TODO_DONE:
        "potwierdzone",
        "confirmed";
    OPEN_PER_SCHOOL:
        "Niepotwierdzone nowe konta w placówkach",
        "Unconfirmed new accounts per school";
    F02_TITLE:
        "F-02: upoważnienia do przetwarzania danych osobowych",
        "F-02: authorizations to process personal data";
    F03_TITLE:
        "F-03: ewidencja osób upoważnionych do przetwarzania danych osobowych",
        "F-03: register of persons authorized to process personal data";
    F03_INTRO:
        "Ewidencja powstaje z katalogu i historii kont. Wierszy się nie zmienia ani nie usuwa: korekta (np. odwołanie) to nowy wiersz wskazujący wiersz korygowany.",
        "The register is made from the directory and the accounts' history. Rows are never changed or removed: a correction (e.g. a revocation) is a new row naming the row it corrects.";
    F04_TITLE:
        "F-04: wykaz pomieszczeń tworzących obszar przetwarzania danych osobowych",
        "F-04: rooms forming the personal-data processing area";
    F04_EMPTY:
        "Wykaz jest pusty.",
        "The list is empty.";
    F04_ADD:
        "Dodaj pomieszczenie",
        "Add a room";
    F04_REMOVE:
        "Usuń",
        "Remove";
    F04_ADDED:
        "Dodano pomieszczenie: powstała nowa wersja wykazu.",
        "The room was added: a new version of the list was made.";
    F04_REMOVED:
        "Usunięto pomieszczenie: powstała nowa wersja wykazu (poprzednie wersje zostają).",
        "The room was removed: a new version of the list was made (earlier versions stay).";
    F04_CHANGED_MEANWHILE:
        "Nic nie zmieniono: wykaz zmienił się w międzyczasie (w innej karcie przeglądarki albo zrobił to inny administrator). Poniżej jest wykaz aktualny; to, co wpisano, zostało w formularzu — sprawdź i zapisz ponownie.",
        "Nothing was changed: the list changed meanwhile (in another browser tab, or another administrator changed it). The current list is below; what you typed is still in the form — check it and save again.";
    F04_INVALID:
        "Wypełnij wszystkie trzy pola (każde do 200 znaków).",
        "Fill in all three fields (up to 200 characters each).";
    F04_REMOVE_TITLE:
        "Usunąć pomieszczenie z wykazu?",
        "Remove the room from the list?";
    F04_REMOVE_INTRO:
        "To pomieszczenie zniknie z wykazu F-04 (powstanie nowa wersja wykazu; poprzednie wersje zostają do wglądu).",
        "This room will leave the F-04 list (a new version of the list is made; earlier versions stay).";
    F04_REMOVE_CONFIRM:
        "Tak, usuń pomieszczenie",
        "Yes, remove the room";
    F04_KEEP:
        "Nie usuwaj, wróć do wykazu",
        "Keep it, back to the list";
    COL_ACTIVATED:
        "Konto aktywne od",
        "Active since";
    COL_FORMS:
        "Dokumenty",
        "Documents";
    F04_VERSIONS:
        "Wersje wykazu",
        "Versions of the list";
    COL_ROOM:
        "Pomieszczenie",
        "Room";
    COL_BUILDING:
        "Budynek / adres",
        "Building / address";
    COL_PURPOSE:
        "Przeznaczenie",
        "Purpose";
    PRINT:
        "Wersja do druku",
        "Print view";
    PDF:
        "PDF",
        "PDF";
    CSV:
        "Eksport CSV",
        "CSV export";
    JSON:
        "Eksport JSON",
        "JSON export";
    NUMBER:
        "Nr",
        "No.";
    GRANTED:
        "Nadano",
        "Granted";
    REVOKED:
        "Odwołano",
        "Revoked";
    IN_FORCE:
        "obowiązuje",
        "in force";
    NO_AUTHORIZATIONS:
        "Brak upoważnień: pojawią się, gdy pracownicy aktywują konta.",
        "No authorizations yet: they appear when employees activate their accounts.";
    FILTER:
        "Filtruj",
        "Filter";
    FILTER_ACTION:
        "Działanie",
        "Action";
    FILTER_ANY:
        "dowolne",
        "any";
    FILTER_PERSON:
        "Osoba (login lub nazwisko)",
        "Person (login or name)";
    FILTER_ACTOR:
        "Kto działał (login, klient SCIM)",
        "Who acted (login, SCIM client)";
    FILTER_FROM:
        "Od dnia",
        "From";
    FILTER_TO:
        "Do dnia",
        "To";
    DATE_HINT:
        "Daty jak 04.12.2026 (albo 2026-12-04).",
        "Dates like 04.12.2026 (day.month.year) or 2026-12-04.";
    DATE_INVALID:
        "Nie rozpoznano daty. Wpisz ją jak 04.12.2026 (dzień.miesiąc.rok). Na razie pokazano zapisy bez tego ograniczenia.",
        "The date was not recognised. Type it like 04.12.2026 (day.month.year). For now the records are shown without that limit.";
    RECORDS_FOUND:
        "Rekordów",
        "Records";
    EXPORT_NOTE:
        "Eksport obejmuje wszystkie rekordy spełniające filtry (wszystkie strony). Przeglądanie i eksport są zapisywane w historii.",
        "The export holds every record the filters match (all pages). Viewing and exporting are recorded in the history.";
    COL_PERSON:
        "Dotyczy",
        "About";
}
