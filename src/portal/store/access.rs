//! Invitations and sessions.

use super::{time, ts, Store};
use crate::error::Result;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Row};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: i64,
    pub patient_id: String,
    pub link: String,
    /// Argon2id PHC string of code and date of birth.
    pub secret: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub failures: u32,
    pub lockouts: u32,
    pub locked_until: Option<DateTime<Utc>>,
}

impl Invitation {
    /// Neither revoked nor expired.
    pub fn usable(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}

/// A session joined with the state of its invitation.
#[derive(Debug, Clone)]
pub struct Session {
    pub patient_id: String,
    pub invitation_id: i64,
    pub csrf: String,
    pub created_at: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub invitation_expires_at: DateTime<Utc>,
    pub invitation_revoked: bool,
}

impl Store {
    /// The patient's newest usable invitation, if any.
    pub fn active_invitation(
        &self,
        patient_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Invitation>> {
        self.conn
            .query_row(
                &format!(
                    "{INVITATION_SELECT} WHERE patient_id = ?1 AND revoked_at IS NULL
                     AND expires_at > ?2 ORDER BY expires_at DESC, id DESC LIMIT 1"
                ),
                params![patient_id, ts(now)],
                invitation_row,
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    pub fn invitation_by_link(&self, link: &str) -> Result<Option<Invitation>> {
        self.conn
            .query_row(
                &format!("{INVITATION_SELECT} WHERE link = ?1"),
                [link],
                invitation_row,
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    pub fn invitation(&self, id: i64) -> Result<Option<Invitation>> {
        self.conn
            .query_row(
                &format!("{INVITATION_SELECT} WHERE id = ?1"),
                [id],
                invitation_row,
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    pub fn create_invitation(
        &self,
        patient_id: &str,
        link: &str,
        secret: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<i64> {
        self.conn
            .execute(
                "INSERT INTO invitations (patient_id, link, secret, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![patient_id, link, secret, ts(now), ts(expires_at)],
            )
            .map_err(|e| self.err(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn set_expiry(&self, id: i64, expires_at: DateTime<Utc>) -> Result<()> {
        self.conn
            .execute(
                "UPDATE invitations SET expires_at = ?2 WHERE id = ?1",
                params![id, ts(expires_at)],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Counts a failed attempt; returns the failures since the last
    /// success or lock, and the locks so far.
    pub fn add_failure(&self, id: i64) -> Result<(u32, u32)> {
        self.conn
            .query_row(
                "UPDATE invitations SET failures = failures + 1 WHERE id = ?1
                 RETURNING failures, lockouts",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(|e| self.err(e))
    }

    /// Locks an invitation until `until`, starting a new count of failures.
    pub fn lock(&self, id: i64, until: DateTime<Utc>) -> Result<()> {
        self.conn
            .execute(
                "UPDATE invitations SET failures = 0, lockouts = lockouts + 1,
                    locked_until = ?2 WHERE id = ?1",
                params![id, ts(until)],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// After a successful login the count and the growth of locks restart.
    pub fn clear_failures(&self, id: i64) -> Result<()> {
        self.conn
            .execute(
                "UPDATE invitations SET failures = 0, lockouts = 0, locked_until = NULL
                 WHERE id = ?1",
                [id],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Revokes every usable invitation of a patient and ends their
    /// sessions at once. Returns the number of invitations revoked.
    pub fn revoke_patient(&self, patient_id: &str, now: DateTime<Utc>) -> Result<usize> {
        let n = self
            .conn
            .execute(
                "UPDATE invitations SET revoked_at = ?2
                 WHERE patient_id = ?1 AND revoked_at IS NULL",
                params![patient_id, ts(now)],
            )
            .map_err(|e| self.err(e))?;
        self.conn
            .execute("DELETE FROM sessions WHERE patient_id = ?1", [patient_id])
            .map_err(|e| self.err(e))?;
        Ok(n)
    }

    /// Revokes one invitation and ends its sessions.
    pub fn revoke_invitation(&self, id: i64, now: DateTime<Utc>) -> Result<()> {
        self.conn
            .execute(
                "UPDATE invitations SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                params![id, ts(now)],
            )
            .map_err(|e| self.err(e))?;
        self.conn
            .execute("DELETE FROM sessions WHERE invitation_id = ?1", [id])
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    pub fn has_invitations(&self, patient_id: &str) -> Result<bool> {
        self.conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM invitations WHERE patient_id = ?1)",
                [patient_id],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    pub fn create_session(
        &self,
        token_hash: &str,
        invitation_id: i64,
        patient_id: &str,
        csrf: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO sessions (token_hash, invitation_id, patient_id, csrf, created_at, last_seen)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                params![token_hash, invitation_id, patient_id, csrf, ts(now)],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    pub fn session(&self, token_hash: &str) -> Result<Option<Session>> {
        self.conn
            .query_row(
                "SELECT s.patient_id, s.invitation_id, s.csrf, s.created_at, s.last_seen,
                        i.expires_at, i.revoked_at IS NOT NULL
                 FROM sessions s JOIN invitations i ON i.id = s.invitation_id
                 WHERE s.token_hash = ?1",
                [token_hash],
                |r| {
                    Ok(Session {
                        patient_id: r.get(0)?,
                        invitation_id: r.get(1)?,
                        csrf: r.get(2)?,
                        created_at: time(r.get(3)?),
                        last_seen: time(r.get(4)?),
                        invitation_expires_at: time(r.get(5)?),
                        invitation_revoked: r.get(6)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    pub fn touch_session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<()> {
        self.conn
            .execute(
                "UPDATE sessions SET last_seen = ?2 WHERE token_hash = ?1",
                params![token_hash, ts(now)],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    pub fn delete_session(&self, token_hash: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Deletes sessions idle since before `idle_before` or started before
    /// `started_before`, so dead sessions do not pile up.
    pub fn sweep_sessions(
        &self,
        idle_before: DateTime<Utc>,
        started_before: DateTime<Utc>,
    ) -> Result<usize> {
        self.conn
            .execute(
                "DELETE FROM sessions WHERE last_seen < ?1 OR created_at < ?2",
                params![ts(idle_before), ts(started_before)],
            )
            .map_err(|e| self.err(e))
    }

    pub fn sessions_of(&self, patient_id: &str) -> Result<usize> {
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM sessions WHERE patient_id = ?1",
                [patient_id],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as usize)
            .map_err(|e| self.err(e))
    }
}

const INVITATION_SELECT: &str = "SELECT id, patient_id, link, secret, created_at, expires_at,
    revoked_at, failures, lockouts, locked_until FROM invitations";

fn invitation_row(r: &Row<'_>) -> rusqlite::Result<Invitation> {
    Ok(Invitation {
        id: r.get(0)?,
        patient_id: r.get(1)?,
        link: r.get(2)?,
        secret: r.get(3)?,
        created_at: time(r.get(4)?),
        expires_at: time(r.get(5)?),
        revoked_at: r.get::<_, Option<i64>>(6)?.map(time),
        failures: r.get(7)?,
        lockouts: r.get(8)?,
        locked_until: r.get::<_, Option<i64>>(9)?.map(time),
    })
}
