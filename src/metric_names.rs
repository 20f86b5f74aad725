//! The name of every metric series the daemon exports, in one place that imports nothing, so
//! that any module can record a metric (`metrics::counter!(metric_names::MAIL_SENT)`) without
//! depending on the HTTP side of `crate::monitoring`, which installs the recorder and serves
//! `/metrics`.

pub const HTTP_REQUESTS: &str = "zszo_http_requests_total";
pub const HTTP_DURATION: &str = "zszo_http_request_duration_seconds";
pub const LDAP_DURATION: &str = "zszo_ldap_operation_duration_seconds";
pub const LDAP_ERRORS: &str = "zszo_ldap_operation_errors_total";
/// Pages cut by the daemon from every match because slapd refused to sort them (sssvlv busy,
/// a limit, no sssvlv): paging still right, slower (`ldap::search`).
pub const LDAP_PAGING_FALLBACKS: &str = "zszo_ldap_paging_fallbacks_total";
/// List requests by what the page cache did (`outcome`: `hit`, `miss`, `off` when slapd has no
/// syncprov), `ldap::page_cache`.
pub const LDAP_PAGE_CACHE: &str = "zszo_ldap_page_cache_requests_total";
pub const LDAP_POOL_WAIT: &str = "zszo_ldap_pool_wait_seconds";
/// Wait of a write for one of the `ldap.writes_in_flight` places (`ldap/pool/write_places.rs`).
pub const LDAP_WRITE_WAIT: &str = "zszo_ldap_write_wait_seconds";
pub const LDAP_POOL_SIZE: &str = "zszo_ldap_pool_connections";
pub const LDAP_IN_FLIGHT: &str = "zszo_ldap_operations_in_flight";
pub const LDAP_POOL_MAX: &str = "zszo_ldap_pool_max_connections";
pub const LDAP_POOL_WAITING: &str = "zszo_ldap_pool_waiting_requests";
pub const LDAP_PROVIDER_ACTIVE: &str = "zszo_ldap_provider_active";
pub const LDAP_PROVIDER_SWITCHES: &str = "zszo_ldap_provider_switches_total";
pub const AUDIT_APPEND_DURATION: &str = "zszo_audit_append_duration_seconds";
pub const AUDIT_APPEND_FAILURES: &str = "zszo_audit_append_failures_total";
pub const AUDIT_COMMIT_BATCH: &str = "zszo_audit_commit_batch_size";
/// Write intents per fsync'd state-store commit (`store/group_commit.rs`).
pub const STATE_COMMIT_BATCH: &str = "zszo_state_intent_commit_batch_size";
pub const HELD_OPERATIONS: &str = "zszo_deprovisioning_held_operations";
/// The outbox depth is read at scrape time; sent/failures are counted by `crate::outbox`.
pub const MAIL_OUTBOX_DEPTH: &str = "zszo_mail_outbox_depth";
pub const MAIL_SENT: &str = "zszo_mail_sent_total";
pub const MAIL_FAILURES: &str = "zszo_mail_failures_total";
