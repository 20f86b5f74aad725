//! Use cases of reading a school's staff in the panel: the staff list searched by name, the
//! people whose account HR asked for ("to hand over"), and the school's people matching a
//! condition (the start page's work lists). Each builds its domain query here and reads
//! within the caller's `SchoolScope`; reads only, no audit record.

use crate::domain::query::{name_search, CompareOp, Filter, PersonAttr, Value};
use crate::ports::SortOrder;
use crate::ports::{Directory, DirectoryError, Page, PersonEntry, PersonSearch, SchoolScope};
use std::sync::Arc;

#[derive(Clone)]
pub struct Staff {
    pub directory: Arc<dyn Directory>,
}

/// People of `school` who also match every condition of `also`.
fn in_school(school: &str, also: Vec<Filter<PersonAttr>>) -> Filter<PersonAttr> {
    let mut parts = vec![Filter::Compare(
        PersonAttr::SchoolCode,
        CompareOp::Eq,
        Value::Str(school.to_owned()),
    )];
    parts.extend(also);
    Filter::And(parts)
}

impl Staff {
    /// Page `page` (from 1) of `school`'s people whose name matches `text` (folded, any
    /// order; empty: everyone), by family name.
    pub async fn search(
        &self,
        scope: &SchoolScope,
        school: &str,
        text: &str,
        page: usize,
        per_page: usize,
    ) -> Result<Page<PersonEntry>, DirectoryError> {
        self.find(
            scope,
            in_school(school, name_search(text).into_iter().collect()),
            PersonAttr::FamilyName,
            (page - 1) * per_page + 1,
            per_page,
        )
        .await
    }

    /// `school`'s people whose account was requested and not yet created, oldest request
    /// first, at most `limit`.
    pub async fn account_requests(
        &self,
        scope: &SchoolScope,
        school: &str,
        limit: usize,
    ) -> Result<Page<PersonEntry>, DirectoryError> {
        let requested = Filter::Present(PersonAttr::AccountRequested);
        let filter = in_school(school, vec![requested]);
        self.find(scope, filter, PersonAttr::AccountRequested, 1, limit)
            .await
    }

    /// The first `limit` of `school`'s people also matching `filter`, by family name.
    pub async fn matching(
        &self,
        scope: &SchoolScope,
        school: &str,
        filter: Filter<PersonAttr>,
        limit: usize,
    ) -> Result<Vec<PersonEntry>, DirectoryError> {
        let filter = in_school(school, vec![filter]);
        let found = self
            .find(scope, filter, PersonAttr::FamilyName, 1, limit)
            .await?;
        Ok(found.items)
    }

    async fn find(
        &self,
        scope: &SchoolScope,
        filter: Filter<PersonAttr>,
        sort: PersonAttr,
        start_index: usize,
        count: usize,
    ) -> Result<Page<PersonEntry>, DirectoryError> {
        self.directory
            .search_people(&PersonSearch {
                filter: Some(filter),
                scope: scope.clone(),
                sort: Some((sort, SortOrder::Ascending)),
                start_index,
                count,
            })
            .await
    }
}
