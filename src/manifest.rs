//! `manifest.json`: what produced a batch, the SHA-256 of every input and
//! output file, and the history of every superbill issued from the folder,
//! so an auditor can prove which documents came from which data and which
//! revision a patient holds. It holds no timestamps: an unchanged re-run
//! gives the same manifest.

use crate::input::CompactString;
use crate::money::Cents;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Manifest {
    pub tool: String,
    pub version: String,
    pub period: String,
    /// Whose batch this is: the practice's EIN and organization NPI. A
    /// folder holds one practice's batch of one period.
    #[serde(default)]
    pub practice: String,
    pub icd10cm_releases: Vec<String>,
    /// File name (relative to the practice folder) -> SHA-256 hex.
    pub inputs: BTreeMap<String, String>,
    /// File path relative to the output folder -> SHA-256 hex.
    pub outputs: BTreeMap<String, String>,
    /// PDF path -> SHA-256 of what it was rendered from (the superbill's
    /// data and the renderer's fingerprint): a re-run whose source is
    /// unchanged and whose file is intact skips rendering it.
    #[serde(default)]
    pub sources: BTreeMap<String, String>,
    /// Superbill number -> every revision issued from this folder, oldest
    /// first. Kept across runs, also while a superbill is held.
    #[serde(default)]
    pub history: BTreeMap<String, Vec<Revision>>,
    /// Set in a shard's folder (`batch --shard K/N`): which shard, and what
    /// it was run with; never in a whole batch's manifest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<crate::shard::ShardInfo>,
}

/// One issued revision of a superbill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    pub number: CompactString,
    /// 1 for the first issue; each issue with different content adds one.
    pub revision: u32,
    /// `final` or `partial`.
    pub status: CompactString,
    /// SHA-256 of the revision's PDF (as last written).
    pub sha256: String,
    /// What the PDF was rendered from (see `Manifest::sources`).
    pub source: String,
    /// SHA-256 of the superbill's content (its data, without the
    /// revision label): a new revision is issued when this changes.
    pub content: String,
    /// Why this revision was issued: `first issue`, or what changed.
    pub reason: CompactString,
    /// Ids kept inline: a month of a big network lists a million.
    pub sessions: Vec<CompactString>,
    pub payments: Vec<CompactString>,
    pub charged: Cents,
    pub paid: Cents,
}

/// A SHA-256 as its 32 bytes: what a batch holds per file while it runs
/// (the hex text, twice as long and a separate allocation, is made once,
/// for the manifest).
pub type Sha256Sum = [u8; 32];

pub fn sha256(bytes: &[u8]) -> Sha256Sum {
    Sha256::digest(bytes).into()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(sha256(bytes))
}

/// SHA-256 of a file, read in blocks: an export of years of sessions is
/// never held whole just to be hashed.
pub fn sha256_file(path: &std::path::Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => h.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(hex::encode(h.finalize()))
}

impl Manifest {
    /// The manifest a previous run left in `dir`, if any and readable
    /// (the batch itself reads it through `outdir::OutDir`).
    pub fn previous(dir: &std::path::Path) -> Manifest {
        std::fs::read(dir.join("manifest.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    pub fn to_json(&self) -> Vec<u8> {
        let mut v = Vec::new();
        self.write_to(&mut v).expect("writing to memory");
        v
    }

    /// The manifest as `manifest.json` holds it: pretty JSON and a newline.
    pub fn write_to(&self, w: &mut impl std::io::Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut *w, self)?;
        w.write_all(b"\n")
    }

    /// The latest revision issued of superbill `number`.
    pub fn latest(&self, number: &str) -> Option<&Revision> {
        self.history.get(number).and_then(|h| h.last())
    }
}

/// What changed between two issues, in ids and amounts only.
pub fn change_reason(old: &Revision, new: &Revision) -> String {
    let mut parts = Vec::new();
    let diff = |what: &str, a: &[CompactString], b: &[CompactString], parts: &mut Vec<String>| {
        let added: Vec<&str> = b
            .iter()
            .filter(|x| !a.contains(x))
            .map(CompactString::as_str)
            .collect();
        let removed: Vec<&str> = a
            .iter()
            .filter(|x| !b.contains(x))
            .map(CompactString::as_str)
            .collect();
        if !added.is_empty() {
            parts.push(format!("{what} added: {}", added.join(" ")));
        }
        if !removed.is_empty() {
            parts.push(format!("{what} removed: {}", removed.join(" ")));
        }
    };
    diff("sessions", &old.sessions, &new.sessions, &mut parts);
    diff("payments", &old.payments, &new.payments, &mut parts);
    if old.charged != new.charged {
        parts.push(format!(
            "charged {} -> {}",
            old.charged.plain(),
            new.charged.plain()
        ));
    }
    if old.paid != new.paid {
        parts.push(format!("paid {} -> {}", old.paid.plain(), new.paid.plain()));
    }
    if old.status != new.status {
        parts.push(format!("{} -> {}", old.status, new.status));
    }
    if parts.is_empty() {
        parts.push("details changed (codes, diagnoses, units or party details)".into());
    }
    format!("corrects revision {}: {}", old.revision, parts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_hashed_in_blocks_hashes_as_its_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sessions.csv");
        // Longer than one block, not a multiple of it.
        let bytes: Vec<u8> = (0..200_001u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(sha256_file(&path).unwrap(), sha256_hex(&bytes));
        std::fs::write(&path, b"").unwrap();
        assert_eq!(sha256_file(&path).unwrap(), sha256_hex(b""));
        let missing = sha256_file(&dir.path().join("payments.csv")).unwrap_err();
        assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
    }
}
