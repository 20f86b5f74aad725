//! Tests of `confirmations.rs`.
use super::*;

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

fn store() -> (tempfile::TempDir, StateStore) {
    let dir = tempfile::tempdir().unwrap();
    let s = StateStore::open(&dir.path().join("s.redb")).unwrap();
    (dir, s)
}

#[tokio::test]
async fn a_confirmation_is_used_once_and_its_mail_is_queued_with_it() {
    let (_d, s) = store();
    let now = OffsetDateTime::now_utc();
    let issued = s
        .issue_confirmation("k1".into(), pending("p1", now), LIMITS, now, vec![])
        .await
        .unwrap();
    assert_eq!(issued, IssueOutcome::Issued);
    let queued = s.due_mail(now, 10).await.unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(
        queued[0].1.kind,
        MailKind::EmailConfirmation {
            confirmation: "k1".into()
        }
    );
    assert!(s.live_confirmation_of("p1".into()).await.unwrap().is_some());
    let first = s
        .consume_confirmation("k1".into(), now, vec![])
        .await
        .unwrap();
    assert!(matches!(first, ConsumeOutcome::Consumed(_)));
    assert_eq!(
        s.consume_confirmation("k1".into(), now, vec![])
            .await
            .unwrap(),
        ConsumeOutcome::Used
    );
    assert_eq!(
        s.consume_confirmation("nope".into(), now, vec![])
            .await
            .unwrap(),
        ConsumeOutcome::Unknown
    );
    assert!(s.live_confirmation_of("p1".into()).await.unwrap().is_none());
}

#[tokio::test]
async fn a_new_confirmation_supersedes_the_old_and_issuing_is_throttled() {
    let (_d, s) = store();
    let t0 = OffsetDateTime::now_utc();
    s.issue_confirmation("k1".into(), pending("p1", t0), LIMITS, t0, vec![])
        .await
        .unwrap();
    let soon = t0 + Duration::seconds(10);
    assert_eq!(
        s.issue_confirmation("k2".into(), pending("p1", soon), LIMITS, soon, vec![])
            .await
            .unwrap(),
        IssueOutcome::Throttled {
            retry_after_secs: 50
        }
    );
    let t1 = t0 + Duration::seconds(61);
    s.issue_confirmation("k2".into(), pending("p1", t1), LIMITS, t1, vec![])
        .await
        .unwrap();
    assert_eq!(
        s.consume_confirmation("k1".into(), t1, vec![])
            .await
            .unwrap(),
        ConsumeOutcome::Superseded
    );
    // Only the newer mail is still queued.
    assert_eq!(s.outbox_depth().await.unwrap(), 1);
    let t2 = t1 + Duration::seconds(61);
    s.issue_confirmation("k3".into(), pending("p1", t2), LIMITS, t2, vec![])
        .await
        .unwrap();
    let t3 = t2 + Duration::seconds(61);
    assert!(matches!(
        s.issue_confirmation("k4".into(), pending("p1", t3), LIMITS, t3, vec![])
            .await
            .unwrap(),
        IssueOutcome::Throttled { .. }
    ));
    // Another person is not affected.
    assert_eq!(
        s.issue_confirmation("q1".into(), pending("p2", t3), LIMITS, t3, vec![])
            .await
            .unwrap(),
        IssueOutcome::Issued
    );
}

#[tokio::test]
async fn an_expired_confirmation_cannot_be_used() {
    let (_d, s) = store();
    let now = OffsetDateTime::now_utc();
    s.issue_confirmation("k1".into(), pending("p1", now), LIMITS, now, vec![])
        .await
        .unwrap();
    let late = now + Duration::hours(24);
    assert_eq!(
        s.consume_confirmation("k1".into(), late, vec![])
            .await
            .unwrap(),
        ConsumeOutcome::Expired
    );
    let just_in_time = now + Duration::hours(24) - Duration::seconds(1);
    assert!(matches!(
        s.consume_confirmation("k1".into(), just_in_time, vec![])
            .await
            .unwrap(),
        ConsumeOutcome::Consumed(_)
    ));
}
