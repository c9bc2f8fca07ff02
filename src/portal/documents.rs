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
    let bytes = std::fs::read(&summary)
        .map_err(|e| Error::config(&summary, format!("cannot be read ({e}): re-run the batch")))?;
    let mut list = List::new(summary, &bytes, "re-run the batch")?;
    let [number, patient, charged, paid, balance, file] = list.columns([
        "superbill_number",
        "patient_id",
        "charged",
        "paid",
        "balance",
        "file",
    ])?;
    let find = |name: &str| list.find(name);
    // `period_from, period_to`; batches before they were split wrote one
    // `period` column as `FROM..TO`.
    let period = match (find("period_from"), find("period_to"), find("period")) {
        (Some(from), Some(to), _) => Period::Split(from, to),
        (_, _, Some(p)) => Period::Joined(p),
        _ => {
            return Err(Error::config(
                &list.path,
                "has no period_from and period_to columns: re-run the batch",
            ))
        }
    };
    // A held superbill (`status` = held) was not issued: it has no file and
    // no figures, and is never offered. Batches before the column existed
    // issued every row.
    let status = find("status");
    let bad = list.bad();
    let mut docs = Vec::new();
    for row in list.rows([number, patient]) {
        let (line, rec) = row?;
        let get = |c: usize| rec.get(c).unwrap_or("").trim();
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
        let (path, sha256, _) = checked(&root, &manifest, get(file), |m| bad(line, m))?;
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
    let path = root.join(STATEMENTS_FILE);
    let (_, _, bytes) = checked(root, manifest, STATEMENTS_FILE, |m| Error::config(&path, m))?;
    let mut list = List::new(path, &bytes, "run `superbill statement` again")?;
    let [number, patient, year, charged, net_paid, status, file] = list.columns([
        "statement_number",
        "patient_id",
        "year",
        "charged",
        "net_paid",
        "status",
        "file",
    ])?;
    let bad = list.bad();
    let mut docs = Vec::new();
    for row in list.rows([number, patient]) {
        let (line, rec) = row?;
        let get = |c: usize| rec.get(c).unwrap_or("").trim();
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
        let (path, sha256, _) = checked(root, manifest, get(file), |m| bad(line, m))?;
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

/// A CSV list an output folder holds (summary.csv, statements.csv), read
/// from `bytes`; its errors name the file and say how to write it anew.
struct List<'a> {
    path: PathBuf,
    again: &'static str,
    reader: csv::Reader<&'a [u8]>,
    headers: csv::StringRecord,
}

impl<'a> List<'a> {
    fn new(path: PathBuf, bytes: &'a [u8], again: &'static str) -> Result<List<'a>> {
        let mut reader = csv::Reader::from_reader(bytes);
        let headers = reader
            .headers()
            .map_err(|e| Error::config(&path, format!("cannot be read ({e}): {again}")))?
            .clone();
        Ok(List {
            path,
            again,
            reader,
            headers,
        })
    }

    fn find(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    /// The positions of columns every row needs.
    fn columns<const N: usize>(&self, names: [&str; N]) -> Result<[usize; N]> {
        let mut out = [0; N];
        for (at, name) in out.iter_mut().zip(names) {
            *at = self.find(name).ok_or_else(|| {
                Error::config(&self.path, format!("has no {name} column: {}", self.again))
            })?;
        }
        Ok(out)
    }

    /// An error on a line of the list.
    fn bad(&self) -> impl Fn(u64, String) -> Error {
        let path = self.path.clone();
        move |line, msg| Error::config(&path, format!("line {line}: {msg}"))
    }

    /// The rows with their line numbers, each with well-formed ids in the
    /// columns `ids` (a document's number and its patient).
    fn rows<const N: usize>(
        &mut self,
        ids: [usize; N],
    ) -> impl Iterator<Item = Result<(u64, csv::StringRecord)>> + use<'_, 'a, N> {
        let bad = self.bad();
        self.reader.records().enumerate().map(move |(i, rec)| {
            let line = i as u64 + 2;
            let rec = rec.map_err(|e| bad(line, e.to_string()))?;
            for c in ids {
                check_id(rec.get(c).unwrap_or("").trim()).map_err(|e| bad(line, e))?;
            }
            Ok((line, rec))
        })
    }
}

/// The absolute path of output `rel` of the folder `root`, its SHA-256 and
/// its bytes, once they match the manifest's: a file changed or damaged
/// after the run is never offered to a patient.
fn checked(
    root: &Path,
    manifest: &Manifest,
    rel: &str,
    bad: impl Fn(String) -> Error,
) -> Result<(PathBuf, String, Vec<u8>)> {
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
    Ok((path, expected.clone(), actual))
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
