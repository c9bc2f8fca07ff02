//! Registering a batch's documents and inviting their patients.
//!
//! One invitation per patient: a link with a random id, and a code that is
//! shown once (in `invites.csv` or the e-mail) and stored only hashed with
//! the date of birth. Re-inviting after the next batch adds the new
//! documents to the same patient's list; a patient whose invitation is
//! still valid keeps it (no new code to send: the row has an empty code and
//! the invitation's expiry moves to the new date if that is later), unless
//! new codes are asked for, which revokes the old invitation and ends its
//! sessions. A patient whose invitation expired or was revoked gets a new
//! one.

use super::documents::Document;
use super::secret;
use super::store::{Audit, Event, PracticeInfo, Store};
use crate::error::{Error, Result};
use crate::export::Csv;
use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, Utc};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};

/// What the portal needs of a patient: the id, the date of birth (hashed
/// with the code, never stored) and where to send the invitation.
#[derive(Debug, Clone)]
pub struct Invitee {
    pub patient_id: String,
    pub dob: NaiveDate,
    pub email: Option<String>,
}

/// The practice's patients as [`invite`] takes them, by id.
pub fn invitees(patients: &[crate::input::Patient]) -> HashMap<String, Invitee> {
    patients
        .iter()
        .map(|p| {
            (
                p.patient_id.clone(),
                Invitee {
                    patient_id: p.patient_id.clone(),
                    dob: p.dob,
                    email: p.email.clone(),
                },
            )
        })
        .collect()
}

#[derive(Debug, Clone)]
pub struct InviteOptions {
    /// What links start with, e.g. `https://portal.example.org`.
    pub base_url: String,
    pub valid_for: Duration,
    /// Issue new codes even to patients whose invitation is still valid.
    pub new_codes: bool,
}

/// One patient to write to.
#[derive(Debug, Clone)]
pub struct InviteRow {
    pub patient_id: String,
    pub email: Option<String>,
    pub link: String,
    /// Only for a new invitation; an existing one keeps its code.
    pub code: Option<String>,
    pub expires: DateTime<Utc>,
    /// Numbers of the documents this run added.
    pub new_documents: Vec<String>,
}

#[derive(Debug, Default)]
pub struct InviteReport {
    pub rows: Vec<InviteRow>,
    pub documents: usize,
    pub new_documents: usize,
    /// Patients with nothing new: no row.
    pub unchanged: usize,
    /// Patients whose documents were registered but who could not be
    /// invited: no usable row in patients.csv.
    pub not_invited: Vec<String>,
}

pub const INVITES_HEADER: [&str; 5] = ["patient_id", "email", "link", "code", "expires"];

/// Link of an invitation.
pub fn link_url(base_url: &str, link: &str) -> String {
    format!("{}/i/{link}", base_url.trim_end_matches('/'))
}

pub fn invite(
    store: &mut Store,
    practice: &PracticeInfo,
    docs: &[Document],
    patients: &HashMap<String, Invitee>,
    opts: &InviteOptions,
    now: DateTime<Utc>,
) -> Result<InviteReport> {
    if let Some(known) = store.practice()? {
        if known.name != practice.name {
            return Err(Error::Usage(format!(
                "this portal database belongs to '{}', not '{}': use one database per practice",
                known.name, practice.name
            )));
        }
    }
    let mut by_patient: BTreeMap<&str, Vec<&Document>> = BTreeMap::new();
    for d in docs {
        by_patient.entry(&d.patient_id).or_default().push(d);
    }
    let expires = now + opts.valid_for;
    // Decide first, then hash the new codes on every core (Argon2id is
    // slow on purpose), then write everything in one transaction.
    struct Plan<'a> {
        patient: &'a str,
        docs: Vec<&'a Document>,
        invitee: Option<&'a Invitee>,
        keep: Option<super::store::Invitation>,
    }
    let mut plans = Vec::new();
    for (patient, docs) in by_patient {
        let active = store.active_invitation(patient, now)?;
        plans.push(Plan {
            patient,
            docs,
            invitee: patients.get(patient),
            keep: active.filter(|_| !opts.new_codes),
        });
    }
    let fresh: Vec<Option<(String, String, String)>> = plans
        .par_iter()
        .map(|p| match (p.invitee, &p.keep) {
            (Some(who), None) => {
                let code = secret::code()?;
                let hash = secret::hash_secret(&code, who.dob)?;
                Ok(Some((secret::link_id()?, code, hash)))
            }
            _ => Ok(None),
        })
        .collect::<Result<_>>()?;
    store.transaction(|s| {
        s.set_practice(practice)?;
        let mut report = InviteReport::default();
        for (plan, fresh) in plans.iter().zip(fresh) {
            let mut new_documents = Vec::new();
            for d in &plan.docs {
                report.documents += 1;
                if s.upsert_document(d, now)? {
                    new_documents.push(d.number.clone());
                }
            }
            report.new_documents += new_documents.len();
            let Some(who) = plan.invitee else {
                report.not_invited.push(plan.patient.to_string());
                continue;
            };
            let audit = |event, invitation_id, detail| {
                s.audit(
                    Audit {
                        patient_id: Some(plan.patient),
                        invitation_id: Some(invitation_id),
                        detail,
                        ..Audit::new(event)
                    },
                    now,
                )
            };
            let row = match (&plan.keep, fresh) {
                (Some(inv), _) => {
                    if new_documents.is_empty() {
                        report.unchanged += 1;
                        continue;
                    }
                    let until = inv.expires_at.max(expires);
                    if until > inv.expires_at {
                        s.set_expiry(inv.id, until)?;
                        audit(Event::Extended, inv.id, Some("new documents"))?;
                    }
                    InviteRow {
                        patient_id: plan.patient.to_string(),
                        email: who.email.clone(),
                        link: link_url(&opts.base_url, &inv.link),
                        code: None,
                        expires: until,
                        new_documents,
                    }
                }
                (None, Some((link, code, hash))) => {
                    if opts.new_codes {
                        if let Some(old) = s.active_invitation(plan.patient, now)? {
                            s.revoke_invitation(old.id, now)?;
                            audit(Event::Revoked, old.id, Some("replaced by a new code"))?;
                        }
                    }
                    let id = s.create_invitation(plan.patient, &link, &hash, now, expires)?;
                    audit(Event::Invited, id, None)?;
                    InviteRow {
                        patient_id: plan.patient.to_string(),
                        email: who.email.clone(),
                        link: link_url(&opts.base_url, &link),
                        code: Some(code),
                        expires,
                        new_documents,
                    }
                }
                (None, None) => return Err(Error::Other(
                    "internal error: an invitee was left without an invitation; please report this"
                        .into(),
                )),
            };
            report.rows.push(row);
        }
        Ok(report)
    })
}

/// `invites.csv` for the clinic's mail merge. It holds codes: written
/// owner-only, to be deleted once the invitations are sent.
pub fn invites_csv(rows: &[&InviteRow]) -> Vec<u8> {
    let mut csv = Csv::new(&INVITES_HEADER);
    for r in rows {
        csv.row([
            r.patient_id.as_str(),
            r.email.as_deref().unwrap_or(""),
            &r.link,
            r.code.as_deref().unwrap_or(""),
            &r.expires.to_rfc3339_opts(SecondsFormat::Secs, true),
        ]);
    }
    csv.finish()
}
