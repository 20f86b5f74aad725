//! Fault injection on mail (issue 14, item 7): the SMTP relay down while several people finish
//! their first login, then up again. Every queued message is delivered exactly once (one per
//! address, none twice in later passes), nothing is lost, the outbox ends empty.

use crate::portal_support::PortalApp;
use std::time::Duration;

const GOOD: &str = "tramwaj smok obwarzanek wawel";

#[tokio::test]
async fn smtp_down_then_up_delivers_every_queued_mail_exactly_once() {
    let mut p = PortalApp::start().await;
    let n = 5;
    let mut people = Vec::new();
    for i in 0..n {
        people.push(p.employee("Poczta", &format!("Wstrzymana{i}")).await);
    }
    p.smtp.stop();
    let addresses: Vec<String> = (0..n).map(|i| format!("poczta{i}@example.pl")).collect();
    for (e, to) in people.iter().zip(&addresses) {
        p.set_up(e, GOOD, to).await;
    }
    // The sender tries while the relay is down: the attempts fail and are recorded, nothing
    // leaves the outbox.
    for _ in 0..100 {
        if !p.app.audit_of("mail.failed").await.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!p.app.audit_of("mail.failed").await.is_empty());
    assert_eq!(p.app.state.outbox_depth().await.unwrap(), n);
    assert!(p.smtp.messages().is_empty());

    p.smtp.start_again();
    p.app.clock.advance(time::Duration::minutes(10));
    let mails = p.smtp.wait_for(n, Duration::from_secs(30)).await;
    assert_eq!(mails.len(), n);
    // Later passes send nothing more.
    p.app.clock.advance(time::Duration::minutes(30));
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut got: Vec<String> = p
        .smtp
        .messages()
        .into_iter()
        .flat_map(|m| m.recipients)
        .collect();
    got.sort();
    assert_eq!(got, addresses, "each address exactly once");
    assert_eq!(p.app.state.outbox_depth().await.unwrap(), 0);
}
