//! The output folder of a batch, and the rules that keep the tool from
//! touching what is not its own:
//!
//! - `--out` may not be, hold or sit inside the practice folder (paths are
//!   compared after resolving symlinks and `..`), checked before anything
//!   is written;
//! - one batch at a time: a lock file held for the whole run, so a second
//!   batch on the same folder fails at once instead of mixing files;
//! - one practice and one period per folder (from the previous manifest);
//! - only files the tool wrote are overwritten or removed: those the
//!   previous `manifest.json` lists, plus those a run that was killed had
//!   claimed in `.superbill-pending.json` before writing them. A file at one
//!   of our names that is not ours stops the batch before it writes;
//! - no symlink is followed: a symlinked `superbills/` is refused, and a
//!   symlink where an output would go is never written through or removed;
//! - a run that fails before writing leaves no folder it created behind.

use crate::error::{Error, Result};
use crate::manifest::Manifest;
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Component, Path, PathBuf};

/// The lock file, held (advisory `flock`) for the whole run.
pub const LOCK_FILE: &str = ".superbill.lock";
/// Names a run is about to write, recorded before it writes any of them,
/// so that a killed run's files are still known as ours.
pub const PENDING_FILE: &str = ".superbill-pending.json";
pub const MANIFEST_FILE: &str = "manifest.json";
pub const SUPERBILLS_DIR: &str = "superbills";

/// `path` made absolute with symlinks resolved, whether or not it exists
/// yet: the deepest existing ancestor is canonicalized and the rest (which
/// cannot hold symlinks, not existing) is joined lexically.
pub fn resolve(path: &Path) -> Result<PathBuf> {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| Error::io(".", e))?
            .join(path)
    };
    let mut existing = abs.as_path();
    let mut rest: Vec<Component> = Vec::new();
    loop {
        match fs::canonicalize(existing) {
            Ok(canon) => {
                let mut out = canon;
                for c in rest.iter().rev() {
                    match c {
                        Component::ParentDir => {
                            out.pop();
                        }
                        Component::CurDir => {}
                        other => out.push(other.as_os_str()),
                    }
                }
                return Ok(out);
            }
            Err(_) => {
                let Some(parent) = existing.parent() else {
                    return Ok(abs);
                };
                if let Some(last) = existing.components().next_back() {
                    rest.push(last);
                }
                existing = parent;
            }
        }
    }
}

/// Refuses an output folder that is, holds or sits inside the practice
/// folder: a batch would overwrite the exports it reads (or sweep them).
pub fn check_overlap(out: &Path, practice: &Path) -> Result<()> {
    let Ok(practice_abs) = fs::canonicalize(practice) else {
        return Ok(()); // loading the practice reports a missing folder
    };
    let out_abs = resolve(out)?;
    let what = if out_abs == practice_abs {
        "is the practice folder"
    } else if out_abs.starts_with(&practice_abs) {
        "is inside the practice folder"
    } else if practice_abs.starts_with(&out_abs) {
        "holds the practice folder"
    } else {
        return Ok(());
    };
    Err(Error::Usage(format!(
        "--out {} {what} ({}): what is written there could overwrite the exports it is made from; choose a folder outside it, e.g. --out {}",
        out.display(),
        practice.display(),
        suggestion(practice)
    )))
}

/// Refuses `render --out FILE` inside the practice folder (where it could
/// replace an input, or be read as one).
pub fn check_file_outside(file: &Path, practice: &Path) -> Result<()> {
    let Ok(practice_abs) = fs::canonicalize(practice) else {
        return Ok(());
    };
    let file_abs = resolve(file)?;
    if file_abs.starts_with(&practice_abs) {
        return Err(Error::Usage(format!(
            "--out {} is inside the practice folder ({}): write the PDF elsewhere, e.g. --out {}",
            file.display(),
            practice.display(),
            file.file_name()
                .map(|n| Path::new(n).display().to_string())
                .unwrap_or_else(|| "superbill.pdf".into())
        )));
    }
    Ok(())
}

/// `out/<practice folder name>`, next to the practice folder.
fn suggestion(practice: &Path) -> String {
    let name = practice
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "practice".into());
    format!("out/{name}")
}

/// Whose batch a folder holds: the practice's identifiers and the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The practice's EIN and organization NPI, as in practice.toml.
    pub practice: String,
    /// Period label, e.g. `202609`.
    pub period: String,
    /// `YYYY-MM` (or the label for odd ranges), for messages.
    pub period_text: String,
}

/// An output folder opened for one batch: locked (unless a dry run), with
/// what the previous run left.
pub struct OutDir {
    pub path: PathBuf,
    /// The previous run's manifest (empty when there is none).
    pub previous: Manifest,
    /// Relative paths of files the tool wrote here before.
    owned: BTreeSet<String>,
    /// Nothing of ours was here when the folder was opened.
    fresh: bool,
    /// Folders this run created, outermost first.
    created: Vec<PathBuf>,
    lock: Option<fs::File>,
    dry_run: bool,
    /// Set once this run has claimed names (and may have written): from
    /// then on, a failure leaves the folder as it is, for a re-run.
    claimed: bool,
    done: bool,
}

impl OutDir {
    /// Opens (and for a real run creates and locks) the output folder.
    /// Nothing else is written here.
    pub fn open(path: &Path, dry_run: bool) -> Result<OutDir> {
        if let Ok(meta) = fs::metadata(path) {
            if !meta.is_dir() {
                return Err(Error::Usage(format!(
                    "--out {} is a file, not a folder: name a folder for the batch's outputs",
                    path.display()
                )));
            }
        }
        let mut dir = OutDir {
            path: path.to_path_buf(),
            previous: Manifest::default(),
            owned: BTreeSet::new(),
            fresh: false,
            created: Vec::new(),
            lock: None,
            dry_run,
            claimed: false,
            done: false,
        };
        if !dry_run {
            dir.created = create_dirs(path)?;
            dir.lock = Some(lock(path)?);
            // Temp files a killed run left (ours: see `atomic`).
            sweep(path);
        }
        dir.refuse_symlinked(SUPERBILLS_DIR)?;
        dir.read_previous()?;
        Ok(dir)
    }

    fn refuse_symlinked(&self, folder: &str) -> Result<()> {
        let sub = self.path.join(folder);
        match fs::symlink_metadata(&sub) {
            Ok(m) if m.file_type().is_symlink() => Err(Error::Usage(format!(
                "{} is a symbolic link: the batch writes only into real folders inside --out, so it never touches files elsewhere; replace the link with a folder or choose another --out",
                sub.display()
            ))),
            Ok(m) if !m.is_dir() => Err(Error::Usage(format!(
                "{} is not a folder: move it away or choose another --out",
                sub.display()
            ))),
            _ => Ok(()),
        }
    }

    /// The documents' folders (`superbills/`...): refused when one is a
    /// symlink or not a folder; created owner-only when missing (not in a
    /// dry run).
    pub fn prepare_folders(&mut self, folders: &[&str]) -> Result<()> {
        for folder in folders {
            self.refuse_symlinked(folder)?;
            let sub = self.path.join(folder);
            if !self.dry_run && fs::symlink_metadata(&sub).is_err() {
                self.created.extend(create_dirs(&sub)?);
            }
        }
        Ok(())
    }

    /// Reads the previous manifest and a killed run's claims.
    fn read_previous(&mut self) -> Result<()> {
        let path = self.path.join(MANIFEST_FILE);
        match fs::symlink_metadata(&path) {
            Err(_) => {}
            Ok(m) if !m.is_file() => return Err(not_ours(&path)),
            Ok(_) => {
                let bytes = fs::read(&path).map_err(|e| Error::io(&path, e))?;
                self.previous = serde_json::from_slice::<Manifest>(&bytes)
                    .ok()
                    .filter(|m| m.tool == "superbill")
                    .ok_or_else(|| not_ours(&path))?;
                self.owned.insert(MANIFEST_FILE.to_string());
            }
        }
        self.owned.extend(
            self.previous
                .outputs
                .keys()
                .filter(|n| safe_name(n))
                .cloned(),
        );
        let pending = self.path.join(PENDING_FILE);
        if let Ok(bytes) = fs::read(&pending) {
            if let Ok(p) = serde_json::from_slice::<Pending>(&bytes) {
                if self.previous.period.is_empty() {
                    self.previous.period = p.period.clone();
                    self.previous.practice = p.practice.clone();
                }
                self.owned
                    .extend(p.files.into_iter().filter(|n| safe_name(n)));
            }
        }
        self.fresh = self.owned.is_empty();
        Ok(())
    }

    /// Whether the folder held nothing of ours when opened: then no file
    /// is at a name this run claimed ([`OutDir::claim`] refuses names taken
    /// by files the tool did not write), and a document is written without
    /// first reading what is there (a failed open per file of a first run:
    /// a fifth of the cost of writing a superbill).
    pub fn fresh(&self) -> bool {
        self.fresh
    }

    /// Refuses a folder that holds another practice's or another period's
    /// batch, with the folder to use instead.
    pub fn check_identity(&self, me: &Identity) -> Result<()> {
        let prev = &self.previous;
        let other_period = !prev.period.is_empty() && prev.period != me.period;
        let other_practice = !prev.practice.is_empty() && prev.practice != me.practice;
        if !other_period && !other_practice {
            return Ok(());
        }
        let parent = self
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let hint = parent.join(&me.period_text);
        let what = if other_practice {
            "another practice's batch".to_string()
        } else {
            format!("the batch of period {}", period_text(&prev.period))
        };
        Err(Error::Usage(format!(
            "{} holds {what}: one output folder is one practice and one period, so nothing there is replaced; use a folder per month (per year for statements), e.g. --out {}",
            self.path.display(),
            hint.display()
        )))
    }

    /// Checks that every file this run will write is either absent or
    /// ours, then records the names (before any is written) so that a
    /// killed run's files are known as ours next time.
    pub fn claim(&mut self, names: &BTreeSet<String>, me: &Identity) -> Result<()> {
        // Looked up side by side (in the caller's thread pool): a million
        // sessions' batch claims 185,000 names, a file system call each.
        let foreign: Vec<String> = names
            .par_iter()
            .filter(|name| match fs::symlink_metadata(self.path.join(name)) {
                Err(_) => false,
                Ok(_) => !(self.owned.contains(*name) && self.plain_file(name)),
            })
            .cloned()
            .collect();
        if !foreign.is_empty() {
            let more = foreign.len().saturating_sub(5);
            let mut list: Vec<String> = foreign.into_iter().take(5).collect();
            if more > 0 {
                list.push(format!("and {more} more"));
            }
            return Err(Error::Usage(format!(
                "{} holds files the batch would overwrite but did not write ({}): move them out of the folder or choose another --out",
                self.path.display(),
                list.join(", ")
            )));
        }
        if self.dry_run {
            return Ok(());
        }
        let mut files: BTreeSet<String> = self.owned.clone();
        files.extend(names.iter().cloned());
        let pending = Pending {
            period: me.period.clone(),
            practice: me.practice.clone(),
            files: files.into_iter().collect(),
        };
        let mut bytes = serde_json::to_vec_pretty(&pending).expect("pending list serialises");
        bytes.push(b'\n');
        self.claimed = true;
        crate::atomic::write(&self.path.join(PENDING_FILE), &bytes)?;
        self.owned.extend(names.iter().cloned());
        Ok(())
    }

    /// Files of ours that this run did not produce (superbills now held or
    /// gone): removed, and only if they are still plain files in a real
    /// folder (a folder swapped for a symlink is not followed).
    pub fn stale<K: std::borrow::Borrow<str> + Ord>(&self, keep: &BTreeSet<K>) -> Vec<String> {
        self.owned
            .iter()
            .filter(|n| !keep.contains(n.as_str()))
            .filter(|n| self.plain_file(n))
            .cloned()
            .collect()
    }

    /// Whether `name` (relative) is a regular file reached through real
    /// folders only.
    fn plain_file(&self, name: &str) -> bool {
        let in_real_folder = Path::new(name).parent().is_none_or(|p| {
            p.as_os_str().is_empty()
                || fs::symlink_metadata(self.path.join(p)).is_ok_and(|m| m.file_type().is_dir())
        });
        in_real_folder
            && fs::symlink_metadata(self.path.join(name)).is_ok_and(|m| m.file_type().is_file())
    }

    pub fn remove_stale<K: std::borrow::Borrow<str> + Ord>(
        &self,
        keep: &BTreeSet<K>,
    ) -> Result<Vec<String>> {
        let stale = self.stale(keep);
        for name in &stale {
            let path = self.path.join(name);
            fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        }
        Ok(stale)
    }

    /// The run completed: the manifest now lists every file, so the claims
    /// and the lock go.
    pub fn finish(mut self) {
        self.done = true;
        if !self.dry_run {
            let _ = fs::remove_file(self.path.join(PENDING_FILE));
        }
    }
}

impl Drop for OutDir {
    /// On failure or interruption: temp files go; a run that wrote nothing
    /// leaves no folder (or lock file) it created.
    fn drop(&mut self) {
        // Without the lock this run touched nothing: the temp files and
        // the lock file there are another batch's, still at work.
        if self.dry_run || self.lock.is_none() {
            return;
        }
        if !self.done {
            sweep(&self.path);
        }
        if let Some(lock) = self.lock.take() {
            // Removed while still held: a process that opened it before
            // sees, once it gets the lock, that it is no longer the file at
            // the path, and tries again (see `lock`).
            let _ = fs::remove_file(self.path.join(LOCK_FILE));
            drop(lock);
        }
        if !self.done && !self.claimed {
            for dir in self.created.iter().rev() {
                let _ = fs::remove_dir(dir);
            }
        }
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Pending {
    period: String,
    practice: String,
    files: Vec<String>,
}

fn not_ours(path: &Path) -> Error {
    Error::Usage(format!(
        "{} was not written by superbill: this folder holds someone else's files; choose an empty folder for --out",
        path.display()
    ))
}

/// A manifest entry names a file inside the folder or one of its
/// documents' folders: no absolute paths, no `..`, nothing deeper, nothing
/// that would lead a removal outside `--out`.
fn safe_name(name: &str) -> bool {
    let p = Path::new(name);
    !name.is_empty()
        && p.components().all(|c| matches!(c, Component::Normal(_)))
        && p.components().count() <= 2
}

/// Removes temp files a run left in the folder and in its real (not
/// symlinked) subfolders.
fn sweep(dir: &Path) {
    crate::atomic::sweep_temp_files(dir);
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            crate::atomic::sweep_temp_files(&e.path());
        }
    }
}

/// `202609` -> `2026-09`.
fn period_text(label: &str) -> String {
    if label.len() == 6 && label.bytes().all(|b| b.is_ascii_digit()) {
        format!("{}-{}", &label[..4], &label[4..])
    } else {
        label.to_string()
    }
}

/// Creates `dir` and missing parents (owner-only); returns those created.
fn create_dirs(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut missing = Vec::new();
    let mut p = Some(dir);
    while let Some(d) = p.filter(|d| !d.as_os_str().is_empty()) {
        if fs::symlink_metadata(d).is_ok() {
            break;
        }
        missing.push(d.to_path_buf());
        p = d.parent();
    }
    missing.reverse();
    crate::atomic::create_private_dir(dir)?;
    Ok(missing)
}

fn lock(dir: &Path) -> Result<fs::File> {
    let path = dir.join(LOCK_FILE);
    for _ in 0..3 {
        let file = open_lock_file(&path)?;
        match fs4::FileExt::try_lock(&file) {
            Ok(()) => {}
            Err(fs4::TryLockError::WouldBlock) => {
                return Err(Error::Usage(format!(
                    "another superbill batch is writing to {} right now: wait for it to finish (or stop it), then run again",
                    dir.display()
                )))
            }
            Err(fs4::TryLockError::Error(e)) => return Err(Error::io(&path, e)),
        }
        // The holder before us removes the file as it finishes; a lock on
        // a file no longer at the path protects nothing: try again.
        if same_file(&file, &path) {
            return Ok(file);
        }
    }
    Err(Error::Other(format!(
        "{}: could not take the lock; run again",
        path.display()
    )))
}

fn open_lock_file(path: &Path) -> Result<fs::File> {
    let mut o = fs::OpenOptions::new();
    o.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
        o.custom_flags(libc::O_NOFOLLOW);
    }
    o.open(path).map_err(|e| Error::io(path, e))
}

#[cfg(unix)]
fn same_file(file: &fs::File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::symlink_metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_: &fs::File, path: &Path) -> bool {
    path.is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlap_is_found_through_dots_and_symlinks() {
        let tmp = tempfile::tempdir().unwrap();
        let practice = tmp.path().join("clinic");
        fs::create_dir(&practice).unwrap();
        assert!(check_overlap(&practice, &practice).is_err());
        assert!(check_overlap(&practice.join("out/2026-09"), &practice).is_err());
        assert!(check_overlap(tmp.path(), &practice).is_err());
        assert!(check_overlap(&tmp.path().join("x/../clinic/out"), &practice).is_err());
        assert!(check_overlap(&tmp.path().join("out"), &practice).is_ok());
        assert!(check_overlap(&tmp.path().join("clinic-out"), &practice).is_ok());
        #[cfg(unix)]
        {
            let link = tmp.path().join("link");
            std::os::unix::fs::symlink(&practice, &link).unwrap();
            assert!(check_overlap(&link.join("out"), &practice).is_err());
            assert!(check_file_outside(&link.join("payments.csv"), &practice).is_err());
        }
        assert!(check_file_outside(&tmp.path().join("a.pdf"), &practice).is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn a_stale_file_behind_a_symlinked_folder_is_not_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let elsewhere = tmp.path().join("elsewhere");
        fs::create_dir_all(&elsewhere).unwrap();
        fs::write(elsewhere.join("x.pdf"), b"the user's").unwrap();
        let mut dir = OutDir::open(&out, false).unwrap();
        std::os::unix::fs::symlink(&elsewhere, out.join("old")).unwrap();
        fs::write(out.join("a.csv"), b"ours").unwrap();
        dir.owned.insert("old/x.pdf".into());
        dir.owned.insert("a.csv".into());
        let removed = dir.remove_stale(&BTreeSet::<String>::new()).unwrap();
        assert_eq!(removed, ["a.csv"]);
        assert_eq!(fs::read(elsewhere.join("x.pdf")).unwrap(), b"the user's");
    }

    #[test]
    fn names_that_leave_the_folder_are_never_ours() {
        assert!(safe_name("summary.csv"));
        assert!(safe_name("superbills/SB-202609-P0001.pdf"));
        assert!(!safe_name("../practice/payments.csv"));
        assert!(!safe_name("/etc/passwd"));
        assert!(!safe_name("superbills/../../x"));
        assert!(safe_name("dummy/SB-202609-P1-dummy.pdf"));
        assert!(!safe_name("a/b/x.pdf"));
        assert!(!safe_name(""));
    }

    #[test]
    fn a_second_lock_fails_and_a_failed_run_leaves_no_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("a/b/out");
        let first = OutDir::open(&out, false).unwrap();
        // The first run's file being written: the refused run leaves it.
        let writing = out.join(".superbill-x.tmp");
        fs::write(&writing, b"half").unwrap();
        let err = OutDir::open(&out, false).err().expect("second run refused");
        assert!(err.to_string().contains("another superbill batch"), "{err}");
        assert!(
            writing.exists(),
            "the refused run swept the first's temp file"
        );
        assert!(out.join(LOCK_FILE).exists());
        drop(first);
        assert!(!writing.exists());
        assert!(
            !tmp.path().join("a").exists(),
            "created folders left behind"
        );
        let again = OutDir::open(&out, false).unwrap();
        drop(again);
    }
}
