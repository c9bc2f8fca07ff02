//! The audit log: who did what, when, from where; ids only.

use super::{time, ts, Store};
use crate::error::Result;
use chrono::{DateTime, Utc};
use rusqlite::params;

/// One line of the audit log: ids and fixed words only, never names.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub event: String,
    pub patient_id: Option<String>,
    pub invitation_id: Option<i64>,
    pub document: Option<String>,
    /// The client's address (for portal requests).
    pub client: Option<String>,
    /// A fixed reason, e.g. `expired` or `wrong code or date of birth`.
    pub detail: Option<String>,
}

/// What the audit log records. The names are stable: scripts filter on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Invited,
    Extended,
    Revoked,
    Login,
    LoginFailed,
    /// The attempt that locked the invitation.
    Locked,
    /// An attempt refused because the invitation is locked.
    LoginWhileLocked,
    /// An attempt refused because its address failed too often.
    AddressLimited,
    Download,
    NotFound,
    IntegrityFailed,
    Logout,
    SessionEnded,
}

impl Event {
    pub fn name(self) -> &'static str {
        match self {
            Event::Invited => "invited",
            Event::Extended => "invitation-extended",
            Event::Revoked => "revoked",
            Event::Login => "login",
            Event::LoginFailed => "login-failed",
            Event::Locked => "locked",
            Event::LoginWhileLocked => "login-while-locked",
            Event::AddressLimited => "address-limited",
            Event::Download => "download",
            Event::NotFound => "not-found",
            Event::IntegrityFailed => "integrity-failed",
            Event::Logout => "logout",
            Event::SessionEnded => "session-ended",
        }
    }
}

/// An audit record to write.
#[derive(Debug, Clone, Copy)]
pub struct Audit<'a> {
    pub event: Event,
    pub patient_id: Option<&'a str>,
    pub invitation_id: Option<i64>,
    pub document: Option<&'a str>,
    pub client: Option<&'a str>,
    pub detail: Option<&'static str>,
}

impl<'a> Audit<'a> {
    pub fn new(event: Event) -> Audit<'a> {
        Audit {
            event,
            patient_id: None,
            invitation_id: None,
            document: None,
            client: None,
            detail: None,
        }
    }
}

impl Store {
    pub fn audit(&self, a: Audit<'_>, now: DateTime<Utc>) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO audit (at, event, patient_id, invitation_id, document, client, detail)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    ts(now),
                    a.event.name(),
                    a.patient_id,
                    a.invitation_id,
                    a.document,
                    a.client,
                    a.detail
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The audit log, oldest first; only one patient's when given.
    pub fn audit_log(&self, patient_id: Option<&str>) -> Result<Vec<AuditEntry>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT at, event, patient_id, invitation_id, document, client, detail
                 FROM audit WHERE ?1 IS NULL OR patient_id = ?1 ORDER BY at, id",
            )
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([patient_id], |r| {
                Ok(AuditEntry {
                    at: time(r.get(0)?),
                    event: r.get(1)?,
                    patient_id: r.get(2)?,
                    invitation_id: r.get(3)?,
                    document: r.get(4)?,
                    client: r.get(5)?,
                    detail: r.get(6)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))
    }
}
