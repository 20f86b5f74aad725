//! Tests of `confirmations.rs`.
use super::*;
use crate::store::temp_store as store;

fn pending(person: &str, now: OffsetDateTime) -> PendingConfirmation {
    PendingConfirmation {
        display_name: None,
        person_id: person.into(),
        person_dn: format!("uid={person}"),
        login: person.into(),
        school: Some("261301".into()),
        address: "jan@example.pl".into(),
        purpose: ConfirmationPurpose::FirstAddress,
        nonce: "n".into(),
        lang: "pl".into(),
        created: now.unix_timestamp(),
        expires: (now + Duration::hours(24)).unix_timestamp(),
        used: None,
        superseded: false,
    }
}

const LIMITS: IssueLimits = IssueLimits {
    min_interval: Duration::seconds(60),
    max_per_day: 3,
};

/// Issues the confirmation `key` of `person` at `at`, with no other mail.
async fn issue(s: &StateStore, key: &str, person: &str, at: OffsetDateTime) -> IssueOutcome {
    let issue = ConfirmationIssue {
        key: key.into(),
        confirmation: pending(person, at),
        limits: LIMITS,
        now: at,
        with: vec![],
    };
    s.issue_confirmation(issue).await.unwrap()
}

/// Consumes the confirmation `key` at `at`, with no other mail.
async fn consume(s: &StateStore, key: &str, at: OffsetDateTime) -> ConsumeOutcome {
    let using = ConfirmationUse {
        key: key.into(),
        now: at,
        with: vec![],
    };
    s.consume_confirmation(using).await.unwrap()
}

/// A store where the confirmation `k1` of person `p1` was issued at `at`.
async fn store_with_k1(at: OffsetDateTime) -> (tempfile::TempDir, StateStore) {
    let (dir, s) = store();
    assert_eq!(issue(&s, "k1", "p1", at).await, IssueOutcome::Issued);
    (dir, s)
}

#[tokio::test]
async fn a_confirmation_is_used_once_and_its_mail_is_queued_with_it() {
    let now = OffsetDateTime::now_utc();
    let (_d, s) = store_with_k1(now).await;
    let queued = s.due_mail(now, 10).await.unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(
        queued[0].1.kind,
        MailKind::EmailConfirmation {
            confirmation: "k1".into()
        }
    );
    assert!(s.live_confirmation_of("p1".into()).await.unwrap().is_some());
    let first = consume(&s, "k1", now).await;
    assert!(matches!(first, ConsumeOutcome::Consumed(_)));
    assert_eq!(consume(&s, "k1", now).await, ConsumeOutcome::Used);
    assert_eq!(consume(&s, "nope", now).await, ConsumeOutcome::Unknown);
    assert!(s.live_confirmation_of("p1".into()).await.unwrap().is_none());
}

#[tokio::test]
async fn a_new_confirmation_supersedes_the_old_and_issuing_is_throttled() {
    let t0 = OffsetDateTime::now_utc();
    let (_d, s) = store_with_k1(t0).await;
    let soon = t0 + Duration::seconds(10);
    assert_eq!(
        issue(&s, "k2", "p1", soon).await,
        IssueOutcome::Throttled {
            retry_after_secs: 50
        }
    );
    let t1 = t0 + Duration::seconds(61);
    issue(&s, "k2", "p1", t1).await;
    assert_eq!(consume(&s, "k1", t1).await, ConsumeOutcome::Superseded);
    // Only the newer mail is still queued.
    assert_eq!(s.outbox_depth().await.unwrap(), 1);
    let t2 = t1 + Duration::seconds(61);
    issue(&s, "k3", "p1", t2).await;
    let t3 = t2 + Duration::seconds(61);
    assert!(matches!(
        issue(&s, "k4", "p1", t3).await,
        IssueOutcome::Throttled { .. }
    ));
    // Another person is not affected.
    assert_eq!(issue(&s, "q1", "p2", t3).await, IssueOutcome::Issued);
}

#[tokio::test]
async fn an_expired_confirmation_cannot_be_used() {
    let now = OffsetDateTime::now_utc();
    let (_d, s) = store_with_k1(now).await;
    let late = now + Duration::hours(24);
    assert_eq!(consume(&s, "k1", late).await, ConsumeOutcome::Expired);
    let just_in_time = now + Duration::hours(24) - Duration::seconds(1);
    assert!(matches!(
        consume(&s, "k1", just_in_time).await,
        ConsumeOutcome::Consumed(_)
    ));
}
