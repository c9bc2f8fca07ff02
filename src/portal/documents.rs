//! The documents of a finished batch folder, or of a folder of year-end
//! statements, as the portal registers them. A document is generic (kind,
//! number, period, totals, file and its SHA-256), so both kinds join the
//! same list.

use crate::error::{Error, Result};
use crate::input::records::check_id;
use crate::manifest::{sha256_hex, Manifest};
use crate::money::Cents;
use chrono::NaiveDate;
use std::path::{Component, Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub patient_id: String,
    /// [`KIND_SUPERBILL`] or [`KIND_STATEMENT`].
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
/// A year-end statement (`superbill statement`): the year's visits and
/// payments, for HSA/FSA records and taxes.
pub const KIND_STATEMENT: &str = "statement";

/// Where the period is in summary.csv.
#[derive(Clone, Copy)]
enum Period {
    Split(usize, usize),
    Joined(usize),
}

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
    if !summary.exists() && out.join(STATEMENTS_FILE).exists() {
        return read_statements(&root, &manifest);
    }
    let mut reader = csv::Reader::from_path(&summary)
        .map_err(|e| Error::config(&summary, format!("cannot be read ({e}): re-run the batch")))?;
    let bad = |line: u64, msg: String| Error::config(&summary, format!("line {line}: {msg}"));
    let headers = reader
        .headers()
        .map_err(|e| Error::config(&summary, e.to_string()))?
        .clone();
    let find = |name: &str| headers.iter().position(|h| h == name);
    let col = |name: &str| {
        find(name).ok_or_else(|| {
            Error::config(&summary, format!("has no {name} column: re-run the batch"))
        })
    };
    let [number, patient, charged, paid, balance, file] = [
        "superbill_number",
        "patient_id",
        "charged",
        "paid",
        "balance",
        "file",
    ]
    .map(col);
    let (number, patient, charged, paid, balance, file) =
        (number?, patient?, charged?, paid?, balance?, file?);
    // `period_from, period_to`; batches before they were split wrote one
    // `period` column as `FROM..TO`.
    let period = match (find("period_from"), find("period_to"), find("period")) {
        (Some(from), Some(to), _) => Period::Split(from, to),
        (_, _, Some(p)) => Period::Joined(p),
        _ => {
            return Err(Error::config(
                &summary,
                "has no period_from and period_to columns: re-run the batch",
            ))
        }
    };
    // A held superbill (`status` = held) was not issued: it has no file and
    // no figures, and is never offered. Batches before the column existed
    // issued every row.
    let status = find("status");
    let mut docs = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let line = i as u64 + 2;
        let rec = rec.map_err(|e| bad(line, e.to_string()))?;
        let get = |c: usize| rec.get(c).unwrap_or("").trim();
        for c in [number, patient] {
            check_id(get(c)).map_err(|e| bad(line, e))?;
        }
        match status.map(get) {
            None | Some("final" | "partial") => {}
            Some("held") => continue,
            Some(other) => {
                return Err(bad(
                    line,
                    format!("status '{other}' is not final, partial or held: re-run the batch"),
                ))
            }
        }
        let dates = match period {
            Period::Split(a, b) => get(a).parse().ok().zip(get(b).parse().ok()),
            Period::Joined(p) => get(p)
                .split_once("..")
                .and_then(|(a, b)| a.parse().ok().zip(b.parse().ok())),
        };
        let (from, to): (NaiveDate, NaiveDate) =
            dates.ok_or_else(|| bad(line, "the period is not two dates".into()))?;
        let money = |c: usize| Cents::parse(get(c)).map_err(|e| bad(line, format!("amount {e}")));
        let (path, sha256) = checked(&root, &manifest, get(file), |m| bad(line, m))?;
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
            sha256,
        });
    }
    Ok(docs)
}

/// What `superbill statement` writes beside the statements.
const STATEMENTS_FILE: &str = "statements.csv";

/// The issued statements of a `superbill statement` folder (`root`,
/// canonical), each checked against the folder's manifest.
fn read_statements(root: &Path, manifest: &Manifest) -> Result<Vec<Document>> {
    // The list says whose each file is: it must be the one the run wrote.
    let (list, _) = checked(root, manifest, STATEMENTS_FILE, |m| {
        Error::config(root.join(STATEMENTS_FILE), m)
    })?;
    let mut reader = csv::Reader::from_path(&list).map_err(|e| {
        Error::config(
            &list,
            format!("cannot be read ({e}): run `superbill statement` again"),
        )
    })?;
    let bad = |line: u64, msg: String| Error::config(&list, format!("line {line}: {msg}"));
    let headers = reader
        .headers()
        .map_err(|e| Error::config(&list, e.to_string()))?
        .clone();
    let col = |name: &str| {
        headers.iter().position(|h| h == name).ok_or_else(|| {
            Error::config(
                &list,
                format!("has no {name} column: run `superbill statement` again"),
            )
        })
    };
    let [number, patient, year, charged, net_paid, status, file] = [
        "statement_number",
        "patient_id",
        "year",
        "charged",
        "net_paid",
        "status",
        "file",
    ]
    .map(col);
    let (number, patient, year, charged, net_paid, status, file) = (
        number?, patient?, year?, charged?, net_paid?, status?, file?,
    );
    let mut docs = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let line = i as u64 + 2;
        let rec = rec.map_err(|e| bad(line, e.to_string()))?;
        let get = |c: usize| rec.get(c).unwrap_or("").trim();
        for c in [number, patient] {
            check_id(get(c)).map_err(|e| bad(line, e))?;
        }
        // `held: <reasons>`: not issued, no file, never offered.
        match get(status) {
            "issued" => {}
            s if s.starts_with("held") => continue,
            other => {
                return Err(bad(
                    line,
                    format!(
                        "status '{other}' is not issued or held: run `superbill statement` again"
                    ),
                ))
            }
        }
        let year: i32 = get(year)
            .parse()
            .map_err(|_| bad(line, "the year is not a number".into()))?;
        // The statement's number names its year and patient.
        if get(number) != format!("YS-{year}-{}", get(patient)) {
            return Err(bad(
                line,
                "the statement number does not match its year and patient: run `superbill statement` again".into(),
            ));
        }
        let (from, to) = NaiveDate::from_ymd_opt(year, 1, 1)
            .zip(NaiveDate::from_ymd_opt(year, 12, 31))
            .ok_or_else(|| bad(line, "the year is out of range".into()))?;
        let money = |c: usize| Cents::parse(get(c)).map_err(|e| bad(line, format!("amount {e}")));
        let (charged, paid) = (money(charged)?, money(net_paid)?);
        let (path, sha256) = checked(root, manifest, get(file), |m| bad(line, m))?;
        docs.push(Document {
            patient_id: get(patient).to_string(),
            kind: KIND_STATEMENT.to_string(),
            number: get(number).to_string(),
            period_from: from,
            period_to: to,
            charged,
            paid,
            balance: charged - paid,
            path,
            sha256,
        });
    }
    Ok(docs)
}

/// The absolute path of output `rel` of the folder `root` and its SHA-256,
/// once its bytes match the manifest's: a file changed or damaged after
/// the run is never offered to a patient.
fn checked(
    root: &Path,
    manifest: &Manifest,
    rel: &str,
    bad: impl Fn(String) -> Error,
) -> Result<(PathBuf, String)> {
    if Path::new(rel)
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return Err(bad("file must be a path inside the output folder".into()));
    }
    let Some(expected) = manifest.outputs.get(rel) else {
        return Err(bad(format!(
            "{rel} is not in manifest.json: run the command that wrote the folder again"
        )));
    };
    let path = root.join(rel);
    let actual = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    if !crate::portal::secret::ct_eq(sha256_hex(&actual).as_bytes(), expected.as_bytes()) {
        return Err(Error::config(
            &path,
            "does not match manifest.json (changed after the run?): run it again before inviting",
        ));
    }
    Ok((path, expected.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A batch folder with one PDF and the given summary.csv.
    fn folder(summary: &str, pdf: &[u8], listed: &[u8]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("superbills")).unwrap();
        std::fs::write(dir.path().join("superbills/SB-202609-P1.pdf"), pdf).unwrap();
        std::fs::write(dir.path().join("summary.csv"), summary).unwrap();
        let mut m = Manifest::default();
        m.outputs
            .insert("superbills/SB-202609-P1.pdf".into(), sha256_hex(listed));
        std::fs::write(dir.path().join("manifest.json"), m.to_json()).unwrap();
        dir
    }

    const SPLIT: &str = "superbill_number,patient_id,period_from,period_to,sessions,lines,charged,paid,balance,credit,held,file\n\
SB-202609-P1,P1,2026-09-01,2026-09-30,2,3,1250.00,1000.00,250.00,0.00,0.00,superbills/SB-202609-P1.pdf\n";

    #[test]
    fn reads_summary_and_checks_the_manifest() {
        let dir = folder(SPLIT, b"%PDF-1.7 x", b"%PDF-1.7 x");
        let docs = read_batch(dir.path()).unwrap();
        assert_eq!(docs.len(), 1);
        let d = &docs[0];
        assert_eq!(
            (d.patient_id.as_str(), d.number.as_str()),
            ("P1", "SB-202609-P1")
        );
        assert_eq!(d.period_to, NaiveDate::from_ymd_opt(2026, 9, 30).unwrap());
        assert_eq!(
            (d.charged, d.paid, d.balance),
            (Cents(125_000), Cents(100_000), Cents(25_000))
        );
        assert!(d.path.is_absolute() && d.path.ends_with("superbills/SB-202609-P1.pdf"));
        // A file that differs from the manifest is refused.
        let dir = folder(SPLIT, b"%PDF-1.7 changed", b"%PDF-1.7 x");
        let err = read_batch(dir.path()).unwrap_err().to_string();
        assert!(err.contains("does not match manifest.json"), "{err}");
    }

    #[test]
    fn reads_the_older_joined_period_and_refuses_paths_outside() {
        let joined = "superbill_number,patient_id,period,sessions,lines,charged,paid,balance,file,credit\n\
SB-202609-P1,P1,2026-09-01..2026-09-30,2,3,1250.00,1000.00,250.00,superbills/SB-202609-P1.pdf,0.00\n";
        let dir = folder(joined, b"x", b"x");
        assert_eq!(
            read_batch(dir.path()).unwrap()[0].period_from.to_string(),
            "2026-09-01"
        );
        let escaping = SPLIT.replace(",superbills/SB-202609-P1.pdf", ",../SB-202609-P1.pdf");
        let dir = folder(&escaping, b"x", b"x");
        let err = read_batch(dir.path()).unwrap_err().to_string();
        assert!(err.contains("inside the output folder"), "{err}");
    }

    /// A `superbill statement` folder: issued statements with the year as
    /// their period and what was paid net of refunds; held ones left out;
    /// a changed PDF refused.
    #[test]
    fn year_end_statements_are_documents_too() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("YS-2026-P1.pdf"), b"%PDF-1.7 s").unwrap();
        std::fs::write(
            dir.path().join("statements.csv"),
            "statement_number,patient_id,year,visits,charged,paid,refunded,net_paid,status,file\n\
YS-2026-P1,P1,2026,8,4116.00,4216.00,100.00,4116.00,issued,YS-2026-P1.pdf\n\
YS-2026-P2,P2,2026,0,0.00,0.00,0.00,0.00,held: payments.csv:4 bad-amount,\n",
        )
        .unwrap();
        let mut m = Manifest::default();
        m.outputs
            .insert("YS-2026-P1.pdf".into(), sha256_hex(b"%PDF-1.7 s"));
        let list = std::fs::read(dir.path().join("statements.csv")).unwrap();
        m.outputs.insert("statements.csv".into(), sha256_hex(&list));
        std::fs::write(dir.path().join("manifest.json"), m.to_json()).unwrap();
        let docs = read_batch(dir.path()).unwrap();
        assert_eq!(docs.len(), 1, "{docs:?}");
        let d = &docs[0];
        assert_eq!(
            (d.kind.as_str(), d.patient_id.as_str(), d.number.as_str()),
            (KIND_STATEMENT, "P1", "YS-2026-P1")
        );
        assert_eq!(
            (d.period_from.to_string(), d.period_to.to_string()),
            ("2026-01-01".into(), "2026-12-31".into())
        );
        assert_eq!(
            (d.charged, d.paid, d.balance),
            (Cents(411_600), Cents(411_600), Cents::ZERO)
        );
        std::fs::write(dir.path().join("YS-2026-P1.pdf"), b"%PDF-1.7 t").unwrap();
        let err = read_batch(dir.path()).unwrap_err().to_string();
        assert!(err.contains("does not match manifest.json"), "{err}");
        // The list edited after the run (P1's statement given to P2).
        std::fs::write(dir.path().join("YS-2026-P1.pdf"), b"%PDF-1.7 s").unwrap();
        let edited = String::from_utf8(list)
            .unwrap()
            .replace("YS-2026-P1,P1,", "YS-2026-P1,P2,");
        std::fs::write(dir.path().join("statements.csv"), &edited).unwrap();
        let err = read_batch(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("statements.csv") && err.contains("does not match"),
            "{err}"
        );
        // Even when the manifest agrees, a number must name its patient.
        m.outputs
            .insert("statements.csv".into(), sha256_hex(edited.as_bytes()));
        std::fs::write(dir.path().join("manifest.json"), m.to_json()).unwrap();
        let err = read_batch(dir.path()).unwrap_err().to_string();
        assert!(err.contains("does not match its year and patient"), "{err}");
    }

    #[test]
    fn held_superbills_are_never_offered() {
        let with_status = "superbill_number,patient_id,period_from,period_to,sessions,lines,charged,paid,balance,credit,held,file,status,revision,reasons\n\
SB-202609-P1,P1,2026-09-01,2026-09-30,2,3,1250.00,1000.00,250.00,0.00,0.00,superbills/SB-202609-P1.pdf,final,1,\n\
SB-202609-P2,P2,2026-09-01,2026-09-30,,,,,,0.00,0.00,,held,,payments.csv:4 bad-amount\n";
        let dir = folder(with_status, b"x", b"x");
        let docs = read_batch(dir.path()).unwrap();
        assert_eq!(docs.len(), 1, "{docs:?}");
        assert_eq!(docs[0].patient_id, "P1");
        let odd = with_status.replace(",final,", ",draft,");
        let dir = folder(&odd, b"x", b"x");
        let err = read_batch(dir.path()).unwrap_err().to_string();
        assert!(err.contains("status 'draft'"), "{err}");
    }
}
