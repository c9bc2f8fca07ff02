//! The documents of a finished batch folder, as the portal registers them.
//! A document is generic (kind, number, period, totals, file and its
//! SHA-256), so other kinds (a year-end statement) join the same list.

use crate::error::{Error, Result};
use crate::input::records::check_id;
use crate::manifest::{sha256_hex, Manifest};
use crate::money::Cents;
use chrono::NaiveDate;
use std::path::{Component, Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub patient_id: String,
    /// `superbill` (later also `statement`).
    pub kind: String,
    /// Unique for the patient, e.g. `SB-202609-P0001`; used in the URL.
    pub number: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub charged: Cents,
    pub paid: Cents,
    pub balance: Cents,
    /// Absolute path of the PDF.
    pub path: PathBuf,
    /// SHA-256 (hex) from the batch's manifest, checked before each download.
    pub sha256: String,
}

pub const KIND_SUPERBILL: &str = "superbill";

/// Reads `summary.csv` and `manifest.json` of a batch output folder and
/// checks every PDF against the manifest, so a file changed or damaged
/// after the batch is never offered to a patient.
pub fn read_batch(out: &Path) -> Result<Vec<Document>> {
    let manifest_path = out.join("manifest.json");
    let bytes = std::fs::read(&manifest_path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::config(
            &manifest_path,
            "not found: --out must be the folder a finished `superbill batch` wrote",
        ),
        _ => Error::io(&manifest_path, e),
    })?;
    let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|e| {
        Error::config(
            &manifest_path,
            format!("not a batch manifest ({e}): re-run the batch"),
        )
    })?;
    let root = out.canonicalize().map_err(|e| Error::io(out, e))?;
    let summary = out.join("summary.csv");
    let mut reader = csv::Reader::from_path(&summary)
        .map_err(|e| Error::config(&summary, format!("cannot be read ({e}): re-run the batch")))?;
    let bad = |line: u64, msg: String| Error::config(&summary, format!("line {line}: {msg}"));
    let headers = reader
        .headers()
        .map_err(|e| Error::config(&summary, e.to_string()))?
        .clone();
    let col = |name: &str| {
        headers.iter().position(|h| h == name).ok_or_else(|| {
            Error::config(&summary, format!("has no {name} column: re-run the batch"))
        })
    };
    let [number, patient, period, charged, paid, balance, file] = [
        "superbill_number",
        "patient_id",
        "period",
        "charged",
        "paid",
        "balance",
        "file",
    ]
    .map(col);
    let (number, patient, period, charged, paid, balance, file) =
        (number?, patient?, period?, charged?, paid?, balance?, file?);
    let mut docs = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let line = i as u64 + 2;
        let rec = rec.map_err(|e| bad(line, e.to_string()))?;
        let get = |c: usize| rec.get(c).unwrap_or("").trim();
        for c in [number, patient] {
            check_id(get(c)).map_err(|e| bad(line, e))?;
        }
        let (from, to) = get(period)
            .split_once("..")
            .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)))
            .ok_or_else(|| bad(line, "period is not FROM..TO".into()))?;
        let money = |c: usize| Cents::parse(get(c)).map_err(|e| bad(line, format!("amount {e}")));
        let rel = get(file);
        if Path::new(rel)
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
        {
            return Err(bad(
                line,
                "file must be a path inside the batch folder".into(),
            ));
        }
        let Some(expected) = manifest.outputs.get(rel) else {
            return Err(bad(
                line,
                format!("{rel} is not in manifest.json: re-run the batch"),
            ));
        };
        let path = root.join(rel);
        let actual = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        if !crate::portal::secret::ct_eq(sha256_hex(&actual).as_bytes(), expected.as_bytes()) {
            return Err(Error::config(
                &path,
                "does not match manifest.json (changed after the batch?): re-run the batch before inviting",
            ));
        }
        docs.push(Document {
            patient_id: get(patient).to_string(),
            kind: KIND_SUPERBILL.to_string(),
            number: get(number).to_string(),
            period_from: from,
            period_to: to,
            charged: money(charged)?,
            paid: money(paid)?,
            balance: money(balance)?,
            path,
            sha256: expected.clone(),
        });
    }
    Ok(docs)
}
