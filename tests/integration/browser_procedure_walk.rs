//! The test that walks the whole procedure: it starts the services and the browser script,
//! answers the script's requests (links from the received mails) and checks what it saw.

use super::*;

#[tokio::test(flavor = "multi_thread")]
async fn the_whole_procedure_in_a_real_browser() {
    let tools = tools_dir();
    assert!(
        tools.join("node_modules/playwright-core").is_dir(),
        "{} is missing: run .ci/install-deps (it installs playwright-core there)",
        tools.display()
    );
    let app = PanelApp::start().await;
    let employee = app
        .add_person("Barbara", "Żółkiewska", &app.school_a, None, None)
        .await;
    // The local administrator's address, where the "new account" notice goes.
    common::connect_admin()
        .await
        .modify(
            &app.local_admin.dn,
            vec![ldap3::Mod::Replace("mail", [ADMIN_EMAIL].into())],
        )
        .await
        .unwrap()
        .success()
        .unwrap();

    let sink = SmtpSink::start();
    let dir = tempfile::tempdir().unwrap();
    let port = crate::common::free_port();
    let base = format!("http://127.0.0.1:{port}");
    let daemon = start_daemon(dir.path(), port, &sink).await;

    let shots = screenshots_dir("procedure");
    let record_shots = screenshots_dir("records");
    let mut node = tokio::process::Command::new("node")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/e2e/procedure.mjs"
        ))
        .env("E2E_BASE_URL", &base)
        .env("E2E_SCHOOL", &app.school_a)
        .env("E2E_ADMIN_LOGIN", &app.local_admin.login)
        .env("E2E_ADMIN_PASSWORD", &app.local_admin.password)
        .env("E2E_EMPLOYEE_ID", &employee.entry.id)
        .env("E2E_EMPLOYEE_SEARCH", SEARCH)
        .env("E2E_NEW_PASSWORD", NEW_PASSWORD)
        .env("E2E_EMAIL", EMAIL)
        .env("E2E_RESET_PASSWORD", RESET_PASSWORD)
        .env("E2E_SCREENSHOTS", &shots)
        .env("E2E_RECORD_SHOTS", &record_shots)
        .env("E2E_WORK", dir.path())
        .env("E2E_TOOLS", &tools)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("run node (.ci/install-deps installs nodejs)");
    let mut answers = node.stdin.take().unwrap();
    let mut lines = BufReader::new(node.stdout.take().unwrap()).lines();

    let run = tokio::time::timeout(BROWSER_WAIT, async {
        let mut run = Run::default();
        while let Some(line) = lines.next_line().await.unwrap() {
            let said: Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("the script printed {line:?}: {e}"));
            let need = said.get("need").and_then(Value::as_str);
            let answer = if let Some(slip) = said.get("slip") {
                let field = |k: &str| slip[k].as_str().unwrap().to_owned();
                run.slip = Some((field("login"), field("password")));
                None
            } else if need == Some("confirmation_link") {
                let mails = sink.wait_for(1, MAIL_WAIT).await;
                let mail = mails
                    .iter()
                    .find(|m| m.recipients == [EMAIL])
                    .unwrap_or_else(|| panic!("no mail to {EMAIL}: {mails:#?}"));
                Some(confirmation_link(
                    mail.text.as_deref().unwrap_or_default(),
                    &base,
                ))
            } else if need == Some("admin_notice") {
                // The confirmation told the school's administrators, by mail.
                let mails = sink.wait_for(2, MAIL_WAIT).await;
                let notice = mails
                    .iter()
                    .find(|m| m.recipients == [ADMIN_EMAIL])
                    .unwrap_or_else(|| panic!("no mail to {ADMIN_EMAIL}: {mails:#?}"));
                run.admin_notice = Some(notice.clone());
                Some("ok".to_owned())
            } else if said.get("portal").is_some() {
                run.portal = Some(field(&said, "portal"));
                None
            } else if said.get("todos").is_some() {
                run.todos = Some(field(&said, "todos"));
                None
            } else if said.get("history").is_some() {
                run.history = field(&said, "history");
                None
            } else if said.get("f02_pdf").is_some() {
                let pdf: PathBuf = field(&said, "f02_pdf");
                render_first_page(&pdf, &record_shots.join("f02-pdf.png"));
                run.f02_pdf = Some(pdf);
                None
            } else if said.get("slip_pdf").is_some() {
                run.slip_pdf = Some(field(&said, "slip_pdf"));
                None
            } else if need == Some("reset_link") {
                // Confirmation, the administrator's notice, then the reset link.
                let mails = sink.wait_for(3, MAIL_WAIT).await;
                let mail = mails
                    .iter()
                    .rev()
                    .find(|m| m.recipients == [EMAIL])
                    .unwrap_or_else(|| panic!("no mail to {EMAIL}: {mails:#?}"));
                Some(reset_link(mail.text.as_deref().unwrap_or_default(), &base))
            } else if said.get("reset").is_some() {
                run.reset_signed_out = said["reset"]["signedOut"].as_bool();
                None
            } else if said.get("axe").is_some() {
                run.axe = Some(field(&said, "axe"));
                None
            } else if said.get("records").is_some() {
                run.records = Some(field(&said, "records"));
                None
            } else if let Some(d) = said.get("done") {
                run.done = d.as_str().map(str::to_owned);
                None
            } else {
                panic!("unexpected line from the script: {line}");
            };
            if let Some(a) = answer {
                answers
                    .write_all(format!("{a}\n").as_bytes())
                    .await
                    .unwrap();
            }
        }
        run
    })
    .await
    .unwrap_or_else(|_| panic!("the browser run took over {BROWSER_WAIT:?}"));
    let status = node.wait().await.unwrap();
    assert!(
        status.success(),
        "the browser script failed ({status}); the daemon said:\n{}",
        daemon.output()
    );
    assert_eq!(run.done.as_deref(), Some("all"));

    let (login, one_time) = run.slip.expect("the slip was read");
    assert!(!login.is_empty() && !one_time.is_empty());

    // The portal: the address waits for its confirmation, then the account is active with it.
    let portal = run.portal.expect("the account page was read");
    assert_eq!(portal.awaiting.pending.as_deref(), Some(EMAIL));
    assert_eq!(portal.active.email.as_deref(), Some(EMAIL));
    assert_ne!(
        portal.awaiting.state, portal.active.state,
        "the account's state changes with the confirmation"
    );

    // The administrators were told, by mail, with the reminder about F-02.
    let notice = run.admin_notice.expect("the script asked for the notice");
    assert!(
        notice.subject.contains(&login) || notice.subject.contains("Żółkiewska"),
        "{}",
        notice.subject
    );
    assert!(
        notice.text.as_deref().unwrap_or_default().contains("F-02"),
        "{notice:#?}"
    );

    // ... and in the panel: an open to-do, closed by the administrator's confirmation.
    let todos = run.todos.expect("the new-accounts page was read");
    let row = |rows: &[TodoRow]| {
        rows.iter()
            .find(|r| r.login == login)
            .map(|r| r.open)
            .unwrap_or_else(|| panic!("{login} is not on the new-accounts page: {rows:#?}"))
    };
    assert!(row(&todos.before), "an open to-do: {:#?}", todos.before);
    assert!(!row(&todos.after), "confirmed: {:#?}", todos.after);

    // The history: the administrator's creation, then the employee's own steps.
    assert!(
        run.history
            .iter()
            .any(|row| row.contains(&app.local_admin.login)),
        "the administrator's creation of the account is in the history: {:#?}",
        run.history
    );
    assert!(
        run.history.iter().any(|row| row.contains(&login)),
        "the employee's portal steps are in the history: {:#?}",
        run.history
    );

    // The records: the activation is an authorization in F-03 (and its F-02 a PDF); the two
    // rooms added are in the F-04 print.
    assert!(run.f02_pdf.is_some(), "the F-02 PDF was fetched");
    let records = run.records.expect("the records were read");
    assert!(
        records.register.iter().any(|r| r.contains(&login)),
        "{login} in F-03: {:#?}",
        records.register
    );
    assert_eq!(records.rooms, 2);

    // The slip printed to PDF: it starts with its title, names the school, has the receipt
    // line, and the login is whole (issue 16).
    let slip = flat_pdf_text(&run.slip_pdf.expect("the slip was printed"));
    assert!(slip.starts_with("Karta przekazania konta ZSZO"), "{slip}");
    // The login may wrap only at its dots (pdftotext may also put a space there).
    assert!(
        slip.replace(". ", ".").contains(&login),
        "{login} not in: {slip}"
    );
    for expected in [
        &format!("Szkoła {}", app.school_a),
        "(data i podpis pracownika)",
    ] {
        assert!(
            slip.contains(expected),
            "{expected:?} not in the slip's PDF: {slip}"
        );
    }
    assert!(
        !slip.contains("Centralny Panel"),
        "the page's frame is not printed: {slip}"
    );

    // "Nie pamiętam hasła": the other session ended; the password set there opens the
    // account; the one set at the first login and the one-time password no longer do.
    assert_eq!(run.reset_signed_out, Some(true));
    assert_eq!(common::bind_rc(&employee.entry.dn, RESET_PASSWORD).await, 0);
    assert_eq!(common::bind_rc(&employee.entry.dn, NEW_PASSWORD).await, 49);
    assert_eq!(common::bind_rc(&employee.entry.dn, &one_time).await, 49);

    // axe-core: every page, Polish and English, without a WCAG 2.1 AA violation.
    let axe = run.axe.expect("axe-core ran");
    assert!(axe.pages >= 50, "axe checked only {} pages", axe.pages);
    assert!(
        axe.violations.is_empty(),
        "axe-core found WCAG 2.1 AA violations: {:#}",
        Value::Array(axe.violations)
    );
}
