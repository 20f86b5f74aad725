//! Use cases of reading the audit records in the panel (procedure purpose 3: "the history of
//! the account's creation"): a school's history, filtered and paged or exported, and one
//! person's records. Each view and export writes its own record (`audit.viewed`,
//! `audit.exported`) with what was asked for, so the edge only parses, calls and renders; a
//! look at a school outside the caller's scope is recorded too (`access.refused`).

use crate::domain::audit::{Actor, AuditQuery, AuditRecord, NewAuditRecord, Outcome};
use crate::domain::SchoolCode;
use crate::ports::{AuditError, AuditLog};
use std::sync::Arc;
use time::OffsetDateTime;

/// The most records one view or export reads (newest first).
pub const MAX_RECORDS: usize = 20_000;

/// Who reads the records (recorded in the audit record of the view).
#[derive(Debug, Clone)]
pub struct Reader {
    pub actor: Actor,
    pub request_id: Option<String>,
}

impl Reader {
    /// A record of this reader's, with the request it came in.
    fn record(&self, action: &str, outcome: Outcome) -> NewAuditRecord {
        NewAuditRecord::new(self.actor.clone(), action, outcome).request_id(self.request_id.clone())
    }
}

/// What a school's history is filtered by: the period in the store's query, the rest matched
/// in memory (case-insensitive substrings; the action exactly). The texts are kept as typed
/// for the audit record of the view.
#[derive(Debug, Clone, Default)]
pub struct HistoryFilter {
    /// An action as stored (`account.created`), or empty for every action.
    pub action: String,
    /// Part of the person's name, login or entry.
    pub person: String,
    /// Part of who acted.
    pub actor: String,
    /// The first day; its instant is the one it starts.
    pub from: DayBound,
    /// The last day; its instant is the one after it ends.
    pub to: DayBound,
}

/// A day bound of the filter: as typed (for the audit record of the view), and the instant it
/// stands for (`None`: no bound, also when the text is not a day).
#[derive(Debug, Clone, Default)]
pub struct DayBound {
    pub typed: String,
    pub at: Option<OffsetDateTime>,
}

impl HistoryFilter {
    fn keeps(&self, r: &AuditRecord) -> bool {
        let has = |hay: &str, needle: &str| hay.to_lowercase().contains(&needle.to_lowercase());
        let rec = &r.record;
        (self.action.is_empty() || rec.action == self.action)
            && (self.actor.is_empty() || has(&rec.actor.to_string(), &self.actor))
            && (self.person.is_empty()
                || rec
                    .target
                    .as_ref()
                    .is_some_and(|t| has(&t.dn, &self.person))
                || ["login", "display_name"]
                    .iter()
                    .any(|k| rec.details.get(*k).is_some_and(|v| has(v, &self.person))))
    }

    /// The audit record of the view or export, with what was asked for (`filter_*`).
    fn describe(&self, record: NewAuditRecord) -> NewAuditRecord {
        [
            ("action", &self.action),
            ("person", &self.person),
            ("actor", &self.actor),
            ("from", &self.from.typed),
            ("to", &self.to.typed),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .fold(record, |r, (k, v)| r.detail(format!("filter_{k}"), v))
    }
}

/// One page of a school's history.
pub struct HistoryPage {
    /// The records on this page, newest first.
    pub records: Vec<AuditRecord>,
    /// How many records the filters match (at most [`MAX_RECORDS`]).
    pub total: usize,
    /// This page (from 1, within `1..=pages`) and the number of pages.
    pub page: usize,
    pub pages: usize,
}

/// The history use cases over the audit store.
#[derive(Clone)]
pub struct History {
    pub audit: Arc<dyn AuditLog>,
}

impl History {
    /// Page `page` (clamped) of `school`'s records matching `filter`, `per_page` a page; one
    /// `audit.viewed` record with the filters, the page and how many it shows.
    pub async fn school_page(
        &self,
        reader: &Reader,
        school: &SchoolCode,
        filter: &HistoryFilter,
        page: usize,
        per_page: usize,
    ) -> Result<HistoryPage, AuditError> {
        let matching = self.matching(school, filter).await?;
        let pages = matching.len().div_ceil(per_page).max(1);
        let page = page.clamp(1, pages);
        let shown: Vec<AuditRecord> = matching
            .iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .cloned()
            .collect();
        let record = filter
            .describe(
                reader
                    .record("audit.viewed", Outcome::Success)
                    .school(school),
            )
            .detail("page", page.to_string())
            .detail("shown", shown.len().to_string());
        self.audit.append(record).await?;
        Ok(HistoryPage {
            records: shown,
            total: matching.len(),
            page,
            pages,
        })
    }

    /// Every record of `school` matching `filter` (at most [`MAX_RECORDS`]), for an export in
    /// `format`; one `audit.exported` record with the filters, the format and the count.
    pub async fn school_export(
        &self,
        reader: &Reader,
        school: &SchoolCode,
        filter: &HistoryFilter,
        format: &str,
    ) -> Result<Vec<AuditRecord>, AuditError> {
        let records = self.matching(school, filter).await?;
        let record = filter
            .describe(
                reader
                    .record("audit.exported", Outcome::Success)
                    .school(school),
            )
            .detail("format", format)
            .detail("records", records.len().to_string());
        self.audit.append(record).await?;
        Ok(records)
    }

    /// The newest `limit` records about the entry `person_id` (the caller has already found
    /// the person in their scope).
    pub async fn of_person(
        &self,
        person_id: &str,
        limit: usize,
    ) -> Result<Vec<AuditRecord>, AuditError> {
        self.audit
            .query(AuditQuery {
                target_uuid: Some(person_id.to_owned()),
                limit: Some(limit),
                ..AuditQuery::default()
            })
            .await
    }

    /// Records a refused look at records of a school outside the reader's scope (`page` names
    /// which page; `asked` the school, when it was a school code). A failing audit store is
    /// logged here: the answer (a plain 404) is the same either way.
    pub async fn refused(&self, reader: &Reader, page: &str, asked: Option<&str>) {
        let mut record = reader
            .record("access.refused", Outcome::Failure("out_of_scope".into()))
            .detail("page", page);
        if let Some(code) = asked.and_then(|a| SchoolCode::parse(a.trim()).ok()) {
            record = record.detail("school_asked", code.as_str());
        }
        if let Err(e) = self.audit.append(record).await {
            tracing::error!(error = %e, "cannot audit a refused access");
        }
    }

    async fn matching(
        &self,
        school: &SchoolCode,
        filter: &HistoryFilter,
    ) -> Result<Vec<AuditRecord>, AuditError> {
        let mut records = self
            .audit
            .query(AuditQuery {
                school: Some(school.as_str().to_owned()),
                since: filter.from.at,
                until: filter.to.at,
                ..AuditQuery::default()
            })
            .await?;
        records.retain(|r| filter.keeps(r));
        records.truncate(MAX_RECORDS);
        Ok(records)
    }
}
