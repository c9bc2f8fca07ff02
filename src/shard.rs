//! A batch split across machines: `batch --shard K/N` renders the PDFs of
//! the patients of shard K only, and `merge` combines the N shard folders
//! into exactly the folder one unsharded run writes.
//!
//! Each patient belongs to one shard, by a stable hash of the patient id
//! (the first 8 bytes of its SHA-256, big-endian, modulo N, plus 1): the
//! same id lands in the same shard on every machine, in every release.
//! Shards count from 1 (`1/N` to `N/N`), as people count them; Kubernetes'
//! completion index counts from 0, hence `$((JOB_COMPLETION_INDEX + 1))`.
//!
//! A shard folder holds its patients' documents and a `manifest.json`
//! whose `shard` entry says which shard of how many it is and what it was
//! run with. The merge reads the practice again (checked against the
//! hashes every shard recorded) and runs the batch itself, taking each PDF
//! from the shard that rendered it instead of rendering it: the exports and
//! the manifest come out of the same code as a single run's, so they are
//! byte-identical to it, and rows that belong to no patient (a file-level
//! finding, a session without a patient) are counted once, not N times.

use crate::error::{Error, Result};
use crate::manifest::{sha256_hex, Manifest};
use crate::outdir::{self, MANIFEST_FILE, PENDING_FILE};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Shard `index` of `count`, counted from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// `K/N`, as `--shard` takes it.
    pub fn parse(text: &str) -> std::result::Result<Shard, String> {
        let bad = || {
            format!(
                "'{text}' is not a shard: write K/N, shard K of N counted from 1, e.g. --shard 1/4"
            )
        };
        let (k, n) = text.trim().split_once('/').ok_or_else(bad)?;
        let k: u32 = k.trim().parse().map_err(|_| bad())?;
        let n: u32 = n.trim().parse().map_err(|_| bad())?;
        if n == 0 {
            return Err(format!(
                "'{text}': N is the number of shards and must be at least 1"
            ));
        }
        if k == 0 {
            return Err(format!(
                "'{text}': shards count from 1 (1/{n} to {n}/{n}); Kubernetes' JOB_COMPLETION_INDEX counts from 0, so pass --shard $((JOB_COMPLETION_INDEX + 1))/{n}"
            ));
        }
        if k > n {
            return Err(format!(
                "'{text}': there is no shard {k} of {n}; K runs from 1 to {n}"
            ));
        }
        Ok(Shard { index: k, count: n })
    }

    /// Whether this shard renders the patient's documents.
    pub fn owns(&self, patient_id: &str) -> bool {
        owner(patient_id, self.count) == self.index
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The shard (1 to `count`) a patient belongs to: stable across machines
/// and releases (never std's randomly seeded hasher).
pub fn owner(patient_id: &str, count: u32) -> u32 {
    let digest = Sha256::digest(patient_id.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    let v = u64::from_be_bytes(first);
    (v % u64::from(count.max(1))) as u32 + 1
}

/// What a shard folder's manifest records about its run, beside what every
/// manifest holds (version, period, practice, code releases, input hashes):
/// which shard it is, and the options that change the output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardInfo {
    pub index: u32,
    pub count: u32,
    /// The practice folder it read (absolute): where `merge` reads it again
    /// unless told `--practice`.
    pub practice_dir: PathBuf,
    pub as_of: NaiveDate,
    pub partial: bool,
    /// The documents added to each superbill (`--with`, practice.toml's
    /// `[documents]`), and how they print.
    pub documents: crate::render::Extras,
}

/// One shard folder given to `merge`.
struct Part {
    dir: PathBuf,
    manifest: Manifest,
    info: ShardInfo,
}

/// The shard folders of one run, checked to be complete and consistent:
/// one folder for every shard 1 to N, all of the same inputs and options.
pub struct Shards {
    /// By shard index - 1.
    parts: Vec<Part>,
}

impl Shards {
    /// Reads the manifests of `dirs` and checks that they are the N shards
    /// of one run, each once.
    pub fn open(dirs: &[PathBuf]) -> Result<Shards> {
        let mut parts: Vec<Part> = Vec::new();
        let mut seen: BTreeMap<PathBuf, &Path> = BTreeMap::new();
        for dir in dirs {
            let canon = outdir::resolve(dir)?;
            if let Some(first) = seen.insert(canon, dir) {
                return Err(Error::Usage(format!(
                    "{} is given twice (also as {}): give each shard folder once",
                    dir.display(),
                    first.display()
                )));
            }
            parts.push(read_part(dir)?);
        }
        let Some(first) = parts.first() else {
            return Err(Error::Usage(
                "no shard folder given: `superbill merge --out DIR SHARD_DIR...`".into(),
            ));
        };
        let count = first.info.count;
        for p in &parts[1..] {
            same_run(first, p)?;
        }
        let mut by_index: Vec<Option<Part>> = (0..count).map(|_| None).collect();
        for p in parts {
            let slot = &mut by_index[(p.info.index - 1) as usize];
            if let Some(other) = slot {
                return Err(Error::Usage(format!(
                    "shard {}/{count} is given twice, in {} and in {} (the shard was run twice): give one of them",
                    p.info.index,
                    other.dir.display(),
                    p.dir.display()
                )));
            }
            *slot = Some(p);
        }
        let missing: Vec<String> = by_index
            .iter()
            .enumerate()
            .filter(|(_, p)| p.is_none())
            .map(|(i, _)| format!("{}/{count}", i + 1))
            .collect();
        if !missing.is_empty() {
            let any = by_index.iter().flatten().next().expect("one is given");
            return Err(Error::Usage(format!(
                "shard{} {} {} missing: run `superbill batch --practice {} --period {} --as-of {} --shard {} --out DIR` and give its folder to merge too (a merge needs all {count} shards)",
                if missing.len() == 1 { "" } else { "s" },
                missing.join(", "),
                if missing.len() == 1 { "is" } else { "are" },
                crate::shell::path(&any.info.practice_dir),
                period_text(&any.manifest.period),
                any.info.as_of,
                missing[0],
            )));
        }
        Ok(Shards {
            parts: by_index.into_iter().flatten().collect(),
        })
    }

    /// What every shard was run with (all the same).
    pub fn info(&self) -> &ShardInfo {
        &self.parts[0].info
    }

    /// The period, `YYYY-MM`.
    pub fn period(&self) -> String {
        period_text(&self.parts[0].manifest.period)
    }

    pub fn dirs(&self) -> impl Iterator<Item = &Path> {
        self.parts.iter().map(|p| p.dir.as_path())
    }

    /// Refuses a practice folder whose inputs are not the ones the shards
    /// read (`hashes` as `batch::input_hashes` gives them).
    pub fn check_inputs(&self, practice: &Path, hashes: &BTreeMap<String, String>) -> Result<()> {
        let theirs = &self.parts[0].manifest.inputs;
        if theirs == hashes {
            return Ok(());
        }
        Err(Error::Usage(format!(
            "the practice folder {} is not what the shards read ({}): run the shards again on it, or name the folder they read with --practice",
            practice.display(),
            differences(theirs, hashes)
        )))
    }

    /// The bytes of document `name` of the patient's superbill, as the
    /// shard that owns the patient wrote them; refused unless that shard
    /// rendered it from `source` (the same data and renderer as this run).
    /// `number` and `revision` are the superbill's in this run (into
    /// `out`): a shard
    /// that numbered it otherwise is told apart from one of other data.
    pub fn fetch(
        &self,
        out: &Path,
        patient_id: &str,
        name: &str,
        source: &str,
        number: &str,
        revision: u32,
    ) -> Result<Vec<u8>> {
        let count = self.parts.len() as u32;
        let p = &self.parts[(owner(patient_id, count) - 1) as usize];
        let rerun = || {
            format!(
                "run shard {}/{count} again (`superbill batch ... --shard {}/{count} --out {}`), then merge",
                p.info.index,
                p.info.index,
                crate::shell::path(&p.dir)
            )
        };
        let (Some(sha), Some(theirs)) =
            (p.manifest.outputs.get(name), p.manifest.sources.get(name))
        else {
            return Err(Error::Usage(format!(
                "{} has no {name} (the shard held it, or did not finish): {}",
                p.dir.display(),
                rerun()
            )));
        };
        let their_revision = p
            .manifest
            .history
            .get(number)
            .and_then(|h| h.last())
            .map(|r| r.revision);
        if theirs != source && their_revision.is_some_and(|r| r != revision) {
            return Err(Error::Usage(format!(
                "shard {}/{count} ({}) issued {number} as revision {} but this folder's history makes it revision {revision}: the shards number corrected superbills against the history of the folder merge writes; run every shard again with --merge-into {} (this merge's --out), then merge",
                p.info.index,
                p.dir.display(),
                their_revision.unwrap_or_default(),
                crate::shell::path(out)
            )));
        }
        if theirs != source {
            return Err(Error::Usage(format!(
                "{}/{name} was rendered from other data than this merge reads: {}",
                p.dir.display(),
                rerun()
            )));
        }
        let path = p.dir.join(name);
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        if sha256_hex(&bytes) != *sha {
            return Err(Error::Usage(format!(
                "{} changed after the shard wrote it: {}",
                path.display(),
                rerun()
            )));
        }
        Ok(bytes)
    }
}

fn read_part(dir: &Path) -> Result<Part> {
    if dir.join(PENDING_FILE).exists() {
        return Err(Error::Usage(format!(
            "{}: a batch there did not finish (it is still running, or was stopped): let it finish, or run it again, then merge",
            dir.display()
        )));
    }
    let path = dir.join(MANIFEST_FILE);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::Usage(format!(
                "{} holds no manifest.json: it is not a finished shard folder; run `superbill batch ... --shard K/N --out {}` first",
                dir.display(),
                crate::shell::path(dir)
            )))
        }
        Err(e) => return Err(Error::io(&path, e)),
    };
    let manifest: Manifest = serde_json::from_slice(&bytes)
        .ok()
        .filter(|m: &Manifest| m.tool == "superbill")
        .ok_or_else(|| {
            Error::Usage(format!(
                "{} was not written by superbill: give merge the folders `batch --shard` wrote",
                path.display()
            ))
        })?;
    let Some(info) = manifest.shard.clone() else {
        return Err(Error::Usage(format!(
            "{} holds a whole batch, not a shard: give merge the folders of `superbill batch ... --shard K/N`",
            dir.display()
        )));
    };
    if info.count == 0 || info.index == 0 || info.index > info.count {
        return Err(Error::Usage(format!(
            "{}: its manifest names shard {}/{}, which cannot be: run the shard again",
            path.display(),
            info.index,
            info.count
        )));
    }
    Ok(Part {
        dir: dir.to_path_buf(),
        manifest,
        info,
    })
}

/// Refuses two shards of different runs, naming what differs.
fn same_run(a: &Part, b: &Part) -> Result<()> {
    let (ma, mb, ia, ib) = (&a.manifest, &b.manifest, &a.info, &b.info);
    let what = if ia.count != ib.count {
        format!(
            "one of {} shards, the other of {} (every shard of a run uses the same N)",
            ia.count, ib.count
        )
    } else if ma.inputs != mb.inputs {
        format!("different inputs ({})", differences(&ma.inputs, &mb.inputs))
    } else if ma.period != mb.period {
        format!(
            "different periods ({} and {})",
            period_text(&ma.period),
            period_text(&mb.period)
        )
    } else if ma.practice != mb.practice {
        "different practices".into()
    } else if ia.as_of != ib.as_of {
        format!(
            "different --as-of dates ({} and {}; pass the same --as-of to every shard)",
            ia.as_of, ib.as_of
        )
    } else if ia.partial != ib.partial {
        "one with --partial, the other without".into()
    } else if ia.documents != ib.documents {
        "different documents (--with and the CMS-1500's print options)".into()
    } else if ma.version != mb.version || ma.icd10cm_releases != mb.icd10cm_releases {
        format!(
            "different superbill versions or code releases ({} and {})",
            ma.version, mb.version
        )
    } else {
        return Ok(());
    };
    Err(Error::Usage(format!(
        "{} and {} are shards of different runs: {what}. Run every shard on the same inputs with the same options, then merge",
        a.dir.display(),
        b.dir.display()
    )))
}

/// Input files whose hashes differ between two manifests, by name.
fn differences(a: &BTreeMap<String, String>, b: &BTreeMap<String, String>) -> String {
    let names: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    let differ: Vec<&str> = names
        .into_iter()
        .filter(|n| a.get(*n) != b.get(*n))
        .map(String::as_str)
        .collect();
    format!(
        "{} differ{}",
        differ.join(", "),
        if differ.len() == 1 { "s" } else { "" }
    )
}

/// `202609` -> `2026-09`.
fn period_text(label: &str) -> String {
    if label.len() == 6 && label.bytes().all(|b| b.is_ascii_digit()) {
        format!("{}-{}", &label[..4], &label[4..])
    } else {
        label.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignment_is_pinned() {
        // Pinned: a change here moves patients between shards of runs
        // already under way on other machines.
        let got: Vec<u32> = ["P0001", "P0002", "P0003", "P0045", "X-17"]
            .iter()
            .map(|id| owner(id, 3))
            .collect();
        assert_eq!(got, PINNED_3);
        assert_eq!(owner("P0001", 1), 1);
        assert_eq!((owner("P0001", 2), owner("P0045", 2)), (2, 1));
    }

    // Checked against Python: int.from_bytes(sha256(id).digest()[:8], "big") % 3 + 1.
    const PINNED_3: [u32; 5] = [2, 2, 1, 2, 3];

    #[test]
    fn every_patient_is_in_exactly_one_shard() {
        for n in 1..=7u32 {
            let mut sizes = vec![0usize; n as usize];
            for i in 0..700 {
                let id = format!("P{i:04}");
                let shards: Vec<u32> = (1..=n)
                    .filter(|&k| Shard { index: k, count: n }.owns(&id))
                    .collect();
                assert_eq!(shards.len(), 1, "{id} of {n}: {shards:?}");
                sizes[(shards[0] - 1) as usize] += 1;
            }
            // Spread, not all in one: each shard gets at least half its share.
            let share = 700 / n as usize;
            assert!(sizes.iter().all(|&s| s >= share / 2), "{n}: {sizes:?}");
        }
    }

    #[test]
    fn shard_syntax() {
        assert_eq!(Shard::parse("2/3"), Ok(Shard { index: 2, count: 3 }));
        assert_eq!(Shard::parse(" 1 / 1 "), Ok(Shard { index: 1, count: 1 }));
        let err = |s: &str| Shard::parse(s).unwrap_err();
        assert!(
            err("0/2").contains("JOB_COMPLETION_INDEX + 1"),
            "{}",
            err("0/2")
        );
        assert!(err("3/2").contains("K runs from 1 to 2"));
        assert!(err("1/0").contains("at least 1"));
        for bad in ["", "1", "a/2", "1/b", "-1/2", "1/2/3", "1.5/2"] {
            assert!(err(bad).contains("write K/N"), "{bad}: {}", err(bad));
        }
        assert_eq!(Shard { index: 2, count: 5 }.to_string(), "2/5");
    }
}
