//! The portal's database: one SQLite file (owner-only) holding the
//! registered documents, invitations (hashed), sessions (hashed tokens) and
//! the audit log. Times are stored as Unix seconds (UTC).
//!
//! What it never holds: names, dates of birth, e-mail addresses, codes or
//! session tokens in the clear.

mod access;
mod audit;

pub use access::{Invitation, Session};
pub use audit::{Audit, AuditEntry, Event};

use super::documents::Document;
use crate::error::{Error, Result};
use crate::money::Cents;
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use std::path::{Path, PathBuf};

const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS invitations (
    id           INTEGER PRIMARY KEY,
    patient_id   TEXT NOT NULL,
    link         TEXT NOT NULL UNIQUE,
    secret       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    revoked_at   INTEGER,
    failures     INTEGER NOT NULL DEFAULT 0,
    lockouts     INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER
);
CREATE INDEX IF NOT EXISTS invitations_patient ON invitations(patient_id);
CREATE TABLE IF NOT EXISTS documents (
    patient_id  TEXT NOT NULL,
    number      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    period_from TEXT NOT NULL,
    period_to   TEXT NOT NULL,
    charged     INTEGER NOT NULL,
    paid        INTEGER NOT NULL,
    balance     INTEGER NOT NULL,
    path        TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    added_at    INTEGER NOT NULL,
    PRIMARY KEY (patient_id, number)
);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash    TEXT PRIMARY KEY,
    invitation_id INTEGER NOT NULL REFERENCES invitations(id),
    patient_id    TEXT NOT NULL,
    csrf          TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    last_seen     INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    id            INTEGER PRIMARY KEY,
    at            INTEGER NOT NULL,
    event         TEXT NOT NULL,
    patient_id    TEXT,
    invitation_id INTEGER,
    document      TEXT,
    client        TEXT,
    detail        TEXT
);
CREATE INDEX IF NOT EXISTS audit_patient ON audit(patient_id, at);
";

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// The practice a database belongs to, shown on the portal's pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PracticeInfo {
    pub name: String,
    pub phone: String,
}

pub(crate) fn ts(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

pub(crate) fn time(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or_default()
}

pub(crate) fn db_err(path: &Path, e: rusqlite::Error) -> Error {
    Error::Other(format!("portal database {}: {e}", path.display()))
}

impl Store {
    /// Opens the database, creating it (owner-only) if it does not exist.
    pub fn open_or_create(path: &Path) -> Result<Store> {
        if !path.exists() {
            if let Some(dir) = path.parent() {
                crate::atomic::create_private_dir(dir)?;
            }
            create_private_file(path)?;
        }
        Store::open(path)
    }

    /// Opens a database `portal invite` created.
    pub fn open_existing(path: &Path) -> Result<Store> {
        if !path.is_file() {
            return Err(Error::Usage(format!(
                "no portal database at '{}': `superbill portal invite --db {0}` creates it",
                path.display()
            )));
        }
        Store::open(path)
    }

    fn open(path: &Path) -> Result<Store> {
        let err = |e| db_err(path, e);
        let conn = Connection::open(path).map_err(err)?;
        // A second process (revoke while serving) waits instead of failing.
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(err)?;
        let _mode: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(err)?;
        conn.execute_batch("PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;")
            .map_err(err)?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(err)?;
        if version > SCHEMA_VERSION {
            return Err(Error::Usage(format!(
                "{} was made by a newer superbill (schema {version}): upgrade superbill",
                path.display()
            )));
        }
        conn.execute_batch(SCHEMA).map_err(err)?;
        conn.execute_batch(&format!("PRAGMA user_version={SCHEMA_VERSION}"))
            .map_err(err)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    fn err(&self, e: rusqlite::Error) -> Error {
        db_err(&self.path, e)
    }

    /// Runs `f` in one transaction: all of it is written, or none.
    pub fn transaction<T>(&mut self, f: impl FnOnce(&Store) -> Result<T>) -> Result<T> {
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| self.err(e))?;
        match f(self) {
            Ok(v) => {
                self.conn.execute_batch("COMMIT").map_err(|e| self.err(e))?;
                Ok(v)
            }
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    pub fn practice(&self) -> Result<Option<PracticeInfo>> {
        let get = |key: &str| -> Result<Option<String>> {
            self.conn
                .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()
                .map_err(|e| self.err(e))
        };
        Ok(match (get("practice_name")?, get("practice_phone")?) {
            (Some(name), phone) => Some(PracticeInfo {
                name,
                phone: phone.unwrap_or_default(),
            }),
            _ => None,
        })
    }

    pub fn set_practice(&self, p: &PracticeInfo) -> Result<()> {
        for (k, v) in [("practice_name", &p.name), ("practice_phone", &p.phone)] {
            self.conn
                .execute(
                    "INSERT INTO meta (key, value) VALUES (?1, ?2)
                     ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    params![k, v],
                )
                .map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    /// Adds a document, or updates it when the same patient and number are
    /// registered again (a re-run batch). Returns whether it is new.
    pub fn upsert_document(&self, d: &Document, now: DateTime<Utc>) -> Result<bool> {
        let existed = self.document(&d.patient_id, &d.number)?.is_some();
        self.conn
            .execute(
                "INSERT INTO documents (patient_id, number, kind, period_from, period_to,
                    charged, paid, balance, path, sha256, added_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT(patient_id, number) DO UPDATE SET
                    kind = excluded.kind, period_from = excluded.period_from,
                    period_to = excluded.period_to, charged = excluded.charged,
                    paid = excluded.paid, balance = excluded.balance,
                    path = excluded.path, sha256 = excluded.sha256",
                params![
                    d.patient_id,
                    d.number,
                    d.kind,
                    d.period_from.to_string(),
                    d.period_to.to_string(),
                    d.charged.0,
                    d.paid.0,
                    d.balance.0,
                    d.path.to_string_lossy(),
                    d.sha256,
                    ts(now),
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(!existed)
    }

    /// A patient's documents, newest period first.
    pub fn documents(&self, patient_id: &str) -> Result<Vec<Document>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT patient_id, number, kind, period_from, period_to, charged, paid,
                        balance, path, sha256
                 FROM documents WHERE patient_id = ?1
                 ORDER BY period_from DESC, kind, number",
            )
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([patient_id], document_row)
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))
    }

    /// The patient's document with this number; another patient's document
    /// is as absent as one that does not exist.
    pub fn document(&self, patient_id: &str, number: &str) -> Result<Option<Document>> {
        self.conn
            .query_row(
                "SELECT patient_id, number, kind, period_from, period_to, charged, paid,
                        balance, path, sha256
                 FROM documents WHERE patient_id = ?1 AND number = ?2",
                [patient_id, number],
                document_row,
            )
            .optional()
            .map_err(|e| self.err(e))
    }
}

fn document_row(r: &Row<'_>) -> rusqlite::Result<Document> {
    let date = |i: usize| -> rusqlite::Result<NaiveDate> {
        let s: String = r.get(i)?;
        s.parse().map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
        })
    };
    Ok(Document {
        patient_id: r.get(0)?,
        number: r.get(1)?,
        kind: r.get(2)?,
        period_from: date(3)?,
        period_to: date(4)?,
        charged: Cents(r.get(5)?),
        paid: Cents(r.get(6)?),
        balance: Cents(r.get(7)?),
        path: PathBuf::from(r.get::<_, String>(8)?),
        sha256: r.get(9)?,
    })
}

#[cfg(unix)]
fn create_private_file(path: &Path) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map(drop)
        .map_err(|e| Error::io(path, e))
}

#[cfg(not(unix))]
fn create_private_file(path: &Path) -> Result<()> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map(drop)
        .map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 10, 5, 12, 0, 0).unwrap()
    }

    #[test]
    fn invitations_sessions_and_revocation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("portal.sqlite");
        let store = Store::open_or_create(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let later = now() + chrono::Duration::days(30);
        let id = store
            .create_invitation("P1", "abc", "$argon2id$x", now(), later)
            .unwrap();
        assert_eq!(
            store.active_invitation("P1", now()).unwrap().unwrap().id,
            id
        );
        assert!(store.active_invitation("P1", later).unwrap().is_none());
        assert_eq!(store.add_failure(id).unwrap(), (1, 0));
        store.lock(id, later).unwrap();
        let inv = store.invitation(id).unwrap().unwrap();
        assert_eq!((inv.failures, inv.lockouts), (0, 1));
        assert_eq!(inv.locked_until, Some(later));
        store.create_session("h1", id, "P1", "c", now()).unwrap();
        assert_eq!(store.sessions_of("P1").unwrap(), 1);
        assert_eq!(store.revoke_patient("P1", now()).unwrap(), 1);
        assert_eq!(store.sessions_of("P1").unwrap(), 0);
        assert!(store.session("h1").unwrap().is_none());
        assert!(!store.invitation(id).unwrap().unwrap().usable(now()));
        drop(store);
        // Reopening keeps everything and accepts the schema it wrote.
        let store = Store::open_existing(&path).unwrap();
        assert!(store.has_invitations("P1").unwrap());
        assert!(Store::open_existing(&dir.path().join("none.sqlite")).is_err());
    }
}
