//! The patient portal: patients download their own documents.
//!
//! The clinic registers a finished batch folder (`invite`), which issues
//! each patient an invitation: a link holding a random id and a short code.
//! The patient opens the link, confirms their date of birth and the code,
//! and sees the documents registered for them (`http`). Everything lives in
//! one SQLite file (`store`); the PDFs stay where the batch wrote them and
//! are checked against the batch's manifest before each download.
//!
//! Security decisions, each in one place:
//! - `secret`: random tokens and codes, the slow salted hash of code and
//!   date of birth, SHA-256 of session tokens, constant-time comparison.
//! - `auth`: lockout of an invitation after repeated failures, the
//!   per-address limit, session validity (idle and absolute time, expiry
//!   and revocation of the invitation).
//! - `http`: cookies, CSRF, security headers on every response, a single
//!   "not found" for anything a patient may not see, the audit log.
//!
//! The library never reads the clock: the caller passes a [`Clock`].

pub mod auth;
pub mod config;
pub mod documents;
pub mod http;
pub mod invite;
pub mod mail;
pub mod secret;
pub mod store;

use chrono::{DateTime, Utc};

/// The time source. The command passes the system clock; tests pass one
/// they can move forward to expire invitations without sleeping.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

impl<F> Clock for F
where
    F: Fn() -> DateTime<Utc> + Send + Sync + 'static,
{
    fn now(&self) -> DateTime<Utc> {
        self()
    }
}
