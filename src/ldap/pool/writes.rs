//! The pool's writes: add, modify, delete, Modify DN. Never retried (a write whose answer
//! was lost may have happened, `ldap/error.rs` makes it `OutcomeUnknown`); an add or a modify
//! may ask for the entry as it left it (RFC 4527 Post-Read), so that no search follows it.

use super::super::error::{from_ldap_write, from_result};
use super::super::names::Filter;
use super::LdapPool;
use crate::metric_names as names;
use crate::ports::DirectoryError;
use ldap3::{Ldap, Mod, SearchEntry};
use std::collections::HashSet;
use std::time::Instant;

impl LdapPool {
    /// Adds an entry. Never retried: a write that timed out may have happened.
    pub async fn add(
        &self,
        dn: &str,
        attrs: Vec<(String, HashSet<String>)>,
    ) -> Result<(), WriteError> {
        self.add_read_back(dn, attrs, &[]).await.map(drop)
    }

    /// [`Self::add`], answered with the new entry as slapd stored it: its attributes `read`
    /// come back in the add's own answer (RFC 4527 Post-Read), so no search follows the add
    /// (issue 17) and no other provider is asked. `None` when slapd sent no post-read answer
    /// (or `read` is empty).
    pub async fn add_read_back(
        &self,
        dn: &str,
        attrs: Vec<(String, HashSet<String>)>,
        read: &[&str],
    ) -> Result<Option<SearchEntry>, WriteError> {
        self.write(dn, Write::Add(attrs), None, read).await
    }

    /// Modifies an entry. Never retried.
    pub async fn modify(&self, dn: &str, mods: Vec<Mod<String>>) -> Result<(), WriteError> {
        self.modify_asserting(dn, mods, None).await
    }

    /// [`Self::modify`], done by slapd only if the entry matches `assertion` (RFC 4528, a
    /// critical control: a server without it refuses rather than ignores it); otherwise
    /// `assertionFailed` (122).
    pub async fn modify_asserting(
        &self,
        dn: &str,
        mods: Vec<Mod<String>>,
        assertion: Option<&Filter>,
    ) -> Result<(), WriteError> {
        self.modify_read_back(dn, mods, assertion, &[])
            .await
            .map(drop)
    }

    /// [`Self::modify_asserting`], answered with the attributes `read` of the entry as the
    /// Modify left it (RFC 4527 Post-Read; none asked for when `read` is empty), so that no
    /// search follows the write. `None` when slapd sent no post-read answer.
    pub async fn modify_read_back(
        &self,
        dn: &str,
        mods: Vec<Mod<String>>,
        assertion: Option<&Filter>,
        read: &[&str],
    ) -> Result<Option<SearchEntry>, WriteError> {
        self.write(dn, Write::Modify(mods), assertion, read).await
    }

    /// Deletes an entry. Never retried.
    pub async fn delete(&self, dn: &str) -> Result<(), WriteError> {
        self.write(dn, Write::Delete, None, &[]).await.map(drop)
    }

    /// Renames and/or moves an entry (Modify DN, RFC 4511 §4.9), deleting the old RDN value.
    /// Never retried.
    pub async fn modify_dn(
        &self,
        dn: &str,
        new_rdn: &str,
        new_superior: Option<&str>,
    ) -> Result<(), WriteError> {
        let rename = Write::ModifyDn {
            new_rdn,
            new_superior,
        };
        self.write(dn, rename, None, &[]).await.map(drop)
    }

    /// Sends one write on a pooled connection within `operation_timeout`, with the controls
    /// asked for, and settles it: the metrics, then the entry of its Post-Read answer (when
    /// `read` asked for one and slapd sent it), or the refusal.
    async fn write(
        &self,
        dn: &str,
        write: Write<'_>,
        assertion: Option<&Filter>,
        read: &[&str],
    ) -> Result<Option<SearchEntry>, WriteError> {
        let operation = write.operation();
        let waited = Instant::now();
        let Some(_place) = self.write_places.take(self.options.operation_timeout).await else {
            metrics::counter!(names::LDAP_ERRORS, "operation" => operation, "kind" => "not_sent")
                .increment(1);
            return Err(WriteError::Failed(DirectoryError::Unavailable(format!(
                "{}: no place among the {} writes sent at once came free within the \
                 operation timeout; the {operation} of {dn} was not sent",
                self.active_url(),
                self.write_places.limit()
            ))));
        };
        metrics::histogram!(names::LDAP_WRITE_WAIT).record(waited.elapsed().as_secs_f64());
        let mut conn = self.get().await.map_err(WriteError::Failed)?;
        let start = Instant::now();
        with_write_controls(&mut conn, assertion, read);
        let timed = conn.with_timeout(self.options.operation_timeout);
        let res = match write {
            Write::Add(attrs) => timed.add(dn, attrs).await,
            Write::Modify(mods) => timed.modify(dn, mods).await,
            Write::Delete => timed.delete(dn).await,
            Write::ModifyDn {
                new_rdn,
                new_superior,
            } => timed.modifydn(dn, new_rdn, true, new_superior).await,
        };
        self.settle(operation, start, conn, &res);
        self.writes_done
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let entry = res.as_ref().ok().and_then(|r| post_read_entry(dn, r));
        Self::check(operation, dn, res).map(|()| entry)
    }

    fn check(
        operation: &'static str,
        dn: &str,
        res: ldap3::result::Result<ldap3::LdapResult>,
    ) -> Result<(), WriteError> {
        let checked = WriteError::check(dn, res);
        if matches!(checked, Err(WriteError::Refused(_))) {
            Self::refused(operation);
        }
        checked
    }
}

/// What a write does to its entry (the operations [`LdapPool::write`] sends).
enum Write<'a> {
    Add(Vec<(String, HashSet<String>)>),
    Modify(Vec<Mod<String>>),
    Delete,
    ModifyDn {
        new_rdn: &'a str,
        new_superior: Option<&'a str>,
    },
}

impl Write<'_> {
    /// The operation's name in the metrics and the log.
    fn operation(&self) -> &'static str {
        match self {
            Write::Add(_) => "add",
            Write::Modify(_) => "modify",
            Write::Delete => "delete",
            Write::ModifyDn { .. } => "modify_dn",
        }
    }
}

/// The controls of a write: the version `assertion` (RFC 4528) and a Post-Read of `read`
/// (RFC 4527), each only when asked for.
fn with_write_controls(conn: &mut Ldap, assertion: Option<&Filter>, read: &[&str]) {
    let mut controls = Vec::new();
    if let Some(filter) = assertion {
        controls.push(assertion_control(filter));
    }
    if !read.is_empty() {
        controls.push(ldap3::controls::PostRead::new(read.to_vec()));
    }
    if !controls.is_empty() {
        conn.with_controls(controls);
    }
}

/// The entry in a write's Post-Read answer (RFC 4527), named `dn`.
fn post_read_entry(dn: &str, result: &ldap3::LdapResult) -> Option<SearchEntry> {
    use ldap3::controls::{Control, ControlType, PostReadResp};
    result.ctrls.iter().find_map(|c| match c {
        Control(Some(ControlType::PostReadResp), raw) if raw.val.is_some() => {
            let read: PostReadResp = raw.parse();
            Some(SearchEntry {
                dn: dn.to_owned(),
                attrs: read.attrs,
                bin_attrs: read.bin_attrs,
            })
        }
        _ => None,
    })
}

/// The RFC 4528 assertion control for `filter` (rendered and escaped by `names`), critical.
fn assertion_control(filter: &Filter) -> ldap3::controls::RawControl {
    let mut control = ldap3::controls::Assertion::new(filter.render());
    control.crit = true;
    control
}

/// A failed write: either slapd answered with a result code (the caller may need the code,
/// e.g. to tell "login taken" from other constraints), or the write could not be done at all.
#[derive(Debug)]
pub enum WriteError {
    Refused(ldap3::LdapResult),
    Failed(DirectoryError),
}

impl WriteError {
    fn check(dn: &str, res: ldap3::result::Result<ldap3::LdapResult>) -> Result<(), WriteError> {
        match res {
            Ok(result) if result.rc == 0 => Ok(()),
            Ok(result) => Err(WriteError::Refused(result)),
            Err(ldap3::LdapError::LdapResult { result }) => Err(WriteError::Refused(result)),
            // The request was handed to the connection: a transport failure now leaves the
            // outcome unknown (slapd may have applied it before the connection broke).
            Err(e) => Err(WriteError::Failed(from_ldap_write(dn, e))),
        }
    }

    /// The domain error for an operation on `context`.
    pub fn into_directory(self, context: &str) -> DirectoryError {
        match self {
            WriteError::Refused(result) => from_result(context, &result),
            WriteError::Failed(e) => e,
        }
    }

    /// The result code slapd answered, if it answered.
    pub fn rc(&self) -> Option<u32> {
        match self {
            WriteError::Refused(result) => Some(result.rc),
            WriteError::Failed(_) => None,
        }
    }
}
