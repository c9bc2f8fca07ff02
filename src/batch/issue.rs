//! One patient's superbill in the batch: held, partial or final; its
//! revision against what this folder issued before; each of its documents
//! rendered and written unless an intact file of the same source is
//! already there. A failure to render holds this superbill with a finding;
//! it never stops the batch.

use super::Done;
use crate::error::Result;
use crate::export::{LedgerLine, Status, SummaryRow};
use crate::findings::{At, Findings, Severity};
use crate::hold::{Holds, Reason};
use crate::input::CompactString;
use crate::input::SESSIONS_FILE;
use crate::manifest::{change_reason, sha256, sha256_hex, Manifest, Revision, Sha256Sum};
use crate::render::Document;
use crate::superbill::{Group, Plan};
use crate::superbill::{LeftOut, Superbill};
use crate::{atomic, money::Cents};
use std::collections::BTreeMap;
use std::path::Path;

pub(super) struct Ctx<'a> {
    pub loaded: &'a crate::practice::Loaded,
    pub plan: &'a Plan<'a>,
    pub holds: &'a Holds,
    pub documents: &'a [Box<dyn Document>],
    pub dry_run: bool,
    pub previous: &'a Manifest,
    pub out: &'a Path,
    /// Nothing of ours was in the output folder (see [`crate::outdir::OutDir::fresh`]).
    pub fresh: bool,
    pub partial: bool,
    pub credit: &'a BTreeMap<String, Cents>,
    /// Money paid for the patient's sessions that are not billed.
    pub held_money: &'a BTreeMap<String, Cents>,
    /// A shard issues the documents of its own patients only; the others
    /// are built (for the report and the row count) but neither revised,
    /// rendered nor listed.
    pub shard: Option<crate::shard::Shard>,
    /// A merge takes each document from the shard that rendered it.
    pub from_shards: Option<&'a crate::shard::Shards>,
    /// Text the ledger lines of every superbill share.
    pub strings: &'a crate::export::ledger::Strings,
}

/// Builds, decides and (unless held) renders and writes one superbill.
pub(super) fn issue(ctx: &Ctx, g: &Group) -> Result<Done> {
    let inputs = &ctx.loaded.inputs;
    let pid = &g.patient.patient_id;
    let (mut sb, findings) = ctx.plan.build(g);
    let mut reasons = ctx.holds.reasons(pid);
    // Sessions the build itself had to leave off (a 13th diagnosis).
    for f in findings
        .items
        .iter()
        .filter(|f| f.severity == Severity::Error)
    {
        let left = (f.file == SESSIONS_FILE)
            .then(|| g.sessions.iter().map(|&i| &inputs.sessions[i]))
            .and_then(|mut it| it.find(|s| s.line == f.line))
            .map(|s| LeftOut::Session {
                id: s.session_id.to_string(),
                date: Some(s.date),
            });
        let mut reason = Reason::of(f, left);
        reason.file = inputs.source_name(&f.file).to_string();
        reasons.push(reason);
    }
    reasons.sort();
    reasons.dedup();
    let group_sessions: Vec<CompactString> = g
        .sessions
        .iter()
        .map(|&i| inputs.sessions[i].session_id.clone())
        .collect();
    let period = crate::validate::Period {
        from: sb.period_from,
        to: sb.period_to,
    };
    let mut d = Done::held(&sb.number, pid, &period, findings, &reasons);
    d.group_sessions = group_sessions;
    if sb.lines.is_empty() && reasons.is_empty() {
        d.row = None;
        return Ok(d);
    }
    let blocked = reasons.iter().any(|r| r.left_out.is_none());
    if !reasons.is_empty() && (!ctx.partial || blocked || sb.lines.is_empty()) {
        return Ok(d);
    }
    let mut left: Vec<LeftOut> = reasons.iter().filter_map(|r| r.left_out.clone()).collect();
    left.sort();
    left.dedup();
    sb.issue.left_out = left;
    if ctx.shard.is_some_and(|s| !s.owns(pid)) {
        // Another shard's superbill: counted in the report and the rows,
        // never revised, hashed, rendered or exported here (the merge
        // does all of that once for the whole batch).
        let file = super::file_path(ctx.documents[0].as_ref(), &sb.number);
        counted_only(ctx, &mut d, &sb, file, &reasons);
        return Ok(d);
    }
    let data = Data::of(&mut sb);
    let revision = revise(ctx.previous, &mut sb, data.content());
    // Every document rendered before any is written: a superbill held for
    // a failed render leaves no file of its own behind.
    let mut files = Vec::new();
    let mut rendered = Vec::new();
    for doc in ctx.documents {
        let name = super::file_path(doc.as_ref(), &sb.number);
        let source = data.source(revision.revision, &doc.fingerprint_for(&sb));
        let same = unchanged(ctx.previous, ctx.out, &name, &source);
        if ctx.dry_run || same {
            // `unchanged` checked it is the file's hash, as lower-case hex.
            let sha = same
                .then(|| {
                    ctx.previous
                        .outputs
                        .get(&name)
                        .and_then(|h| digest_of_hex(h))
                })
                .flatten();
            files.push(super::Written {
                name,
                sha256: sha,
                written: !same,
                source,
            });
            continue;
        }
        if let Some(shards) = ctx.from_shards {
            // Not a render failure of this run: a shard that does not
            // match stops the merge.
            let bytes = shards.fetch(
                ctx.out,
                pid,
                &name,
                &hex::encode(source),
                &sb.number,
                revision.revision,
            )?;
            rendered.push((files.len(), bytes));
            files.push(super::Written {
                name,
                sha256: None,
                written: true,
                source,
            });
            continue;
        }
        match doc.render(&sb) {
            Ok(bytes) => rendered.push((files.len(), bytes)),
            Err(e) => {
                // Held with a finding; the other superbills go on. Text no
                // font can draw that validation could not see (a template's
                // output) keeps its own code.
                let code = match e {
                    crate::Error::Unprintable(_) => "font-missing-glyph",
                    _ => "render-failed",
                };
                let mut f = Findings::default();
                f.error(
                    &At::new(&name, 0, pid.as_str()),
                    "",
                    code,
                    format!("{e}: the superbill is held; `superbill validate` shows what to fix"),
                );
                let reason = Reason::of(&f.items[0], None);
                d.findings.extend(f);
                d.reasons.push(reason);
                d.row = Some(SummaryRow::held(
                    &sb.number,
                    pid,
                    sb.period_from,
                    sb.period_to,
                    reasons_text(&d.reasons),
                ));
                return Ok(d);
            }
        }
        files.push(super::Written {
            name,
            sha256: None,
            written: true,
            source,
        });
    }
    for (i, bytes) in rendered {
        let f = &mut files[i];
        let path = ctx.out.join(&f.name);
        f.written = if ctx.fresh {
            atomic::write_into_folder(&path, &bytes)?;
            true
        } else {
            atomic::write_if_changed(&path, &bytes)?
        };
        f.sha256 = Some(sha256(&bytes));
    }
    for f in files.iter().filter(|f| !f.written && !ctx.dry_run) {
        // Same bytes as before; only their permissions may need fixing.
        atomic::restrict(&ctx.out.join(&f.name))?;
    }
    d.lines = LedgerLine::of(&sb, &ctx.loaded.catalog, ctx.strings);
    counted_only(ctx, &mut d, &sb, files[0].name.clone(), &reasons);
    d.files = files;
    if revision.sessions == d.sessions {
        // Kept once, in the revision (see `Done::billed_sessions`).
        d.sessions = Vec::new();
    }
    d.revision = Some(Box::new(revision));
    Ok(d)
}

/// What the report and the row count need of a superbill this run
/// neither renders nor exports.
fn counted_only(ctx: &Ctx, d: &mut Done, sb: &Superbill, file: String, reasons: &[Reason]) {
    let pid = &sb.patient.patient_id;
    d.status = sb_status(sb);
    d.sessions = sb
        .lines
        .iter()
        .map(|l| l.session_id.as_str().into())
        .collect();
    d.sessions.dedup();
    let mut row = SummaryRow::of(
        sb,
        file,
        ctx.credit.get(pid).copied().unwrap_or_default(),
        ctx.held_money.get(pid).copied().unwrap_or_default(),
    );
    row.reasons = reasons_text(reasons);
    d.row = Some(row);
}

fn sb_status(sb: &Superbill) -> Status {
    if sb.issue.is_partial() {
        Status::Partial
    } else {
        Status::Final
    }
}

/// At most this many reasons in a summary.csv cell; rejects.csv has all.
const REASONS_SHOWN: usize = 20;

pub(super) fn reasons_text(reasons: &[Reason]) -> String {
    let mut v: Vec<String> = reasons
        .iter()
        .take(REASONS_SHOWN)
        .map(Reason::label)
        .collect();
    if reasons.len() > REASONS_SHOWN {
        v.push(format!(
            "and {} more (rejects.csv)",
            reasons.len() - REASONS_SHOWN
        ));
    }
    v.join("; ")
}

/// Sets the superbill's revision from this folder's history: the same
/// `content` keeps the revision last issued; different content is a
/// corrected superbill, one revision up. Returns the history entry (the
/// caller fills in the PDF's hash and source).
fn revise(previous: &Manifest, sb: &mut Superbill, content: String) -> Revision {
    let mut payments: Vec<CompactString> = sb
        .payments
        .iter()
        .map(|p| p.payment_id.as_str().into())
        .collect();
    payments.dedup();
    let mut sessions: Vec<CompactString> = sb
        .lines
        .iter()
        .map(|l| l.session_id.as_str().into())
        .collect();
    sessions.dedup();
    let mut new = Revision {
        number: sb.number.as_str().into(),
        revision: 1,
        status: sb_status(sb).as_str().into(),
        sha256: String::new(),
        source: String::new(),
        content,
        reason: "first issue".into(),
        sessions,
        payments,
        charged: sb.total_charged,
        paid: sb.total_paid,
    };
    match previous.latest(&sb.number) {
        Some(old) if old.content == new.content => {
            // Its PDF's hash and source are the caller's to fill in (from
            // the file, when the history is written: not held twice per
            // superbill while the batch renders).
            new = Revision {
                sha256: String::new(),
                source: String::new(),
                ..old.clone()
            }
        }
        Some(old) => {
            new.revision = old.revision + 1;
            new.reason = change_reason(old, &new).into();
        }
        None => {}
    }
    sb.issue.revision = new.revision;
    new
}

/// A superbill's data, serialised and hashed once: its content hash (the
/// revision left at 0, so that a re-issue of the same content compares
/// equal) and, continuing from that hash's state, each document's source
/// (the revision and the document's fingerprint added). Serialising and
/// hashing twice per superbill, once for each, was 3% of a batch's CPU.
struct Data(sha2::Sha256);

impl Data {
    fn of(sb: &mut Superbill) -> Data {
        use sha2::Digest;
        sb.issue.revision = 0;
        let mut h = sha2::Sha256::new();
        serde_json::to_writer(Hashing(&mut h), &*sb).expect("superbill serialises");
        Data(h)
    }

    fn content(&self) -> String {
        use sha2::Digest;
        hex::encode(self.0.clone().finalize())
    }

    /// What a document of revision `revision` is rendered from.
    fn source(&self, revision: u32, fingerprint: &str) -> Sha256Sum {
        use sha2::Digest;
        let mut h = self.0.clone();
        h.update(format!("\nrevision {revision}\n"));
        h.update(fingerprint.as_bytes());
        h.finalize().into()
    }
}

/// Bytes written straight into a hash (the JSON is never held).
struct Hashing<'a>(&'a mut sha2::Sha256);

impl std::io::Write for Hashing<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        sha2::Digest::update(self.0, buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Whether the PDF a previous run wrote from the same source is still
/// there, intact: then rendering it again would give the same bytes.
fn unchanged(previous: &Manifest, out: &Path, name: &str, source: &Sha256Sum) -> bool {
    // Compared as the manifest's text, exactly as it was written.
    if previous.sources.get(name) != Some(&hex::encode(source)) {
        return false;
    }
    let Some(sha) = previous.outputs.get(name) else {
        return false;
    };
    let path = out.join(name);
    let plain = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_file());
    plain && std::fs::read(&path).is_ok_and(|b| sha256_hex(&b) == *sha)
}

/// The digest a manifest's lower-case hex names.
fn digest_of_hex(hex: &str) -> Option<Sha256Sum> {
    let mut d = [0u8; 32];
    hex::decode_to_slice(hex, &mut d).ok().map(|()| d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_hash_reads_back_as_the_digest_it_was_written_from() {
        let bytes = b"%PDF-1.7 a superbill";
        assert_eq!(digest_of_hex(&sha256_hex(bytes)), Some(sha256(bytes)));
        assert_eq!(hex::encode(sha256(bytes)), sha256_hex(bytes));
        // Not a hash: a cut or hand-edited manifest's entry.
        assert_eq!(digest_of_hex(""), None);
        assert_eq!(digest_of_hex(&sha256_hex(bytes)[..62]), None);
        assert_eq!(digest_of_hex(&"zz".repeat(32)), None);
    }
}
