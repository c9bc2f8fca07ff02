//! Atomic, owner-only writes: a temp file in the target folder, renamed
//! over the target. A killed run leaves either the old file or the new one,
//! never half of one; a leftover temp file is swept on the next run. There
//! is no fsync per file: it doubled the batch's time for thousands of PDFs,
//! and what it adds (surviving a power cut mid-batch) a re-run gives too.

use crate::error::{Error, Result};
use std::fs;
use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` unless the file already holds exactly these
/// bytes (so an unchanged re-run keeps modification times). Returns whether
/// it wrote.
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<bool> {
    if let Ok(existing) = fs::read(path) {
        if existing == bytes {
            restrict(path)?;
            return Ok(false);
        }
    }
    write(path, bytes)?;
    Ok(true)
}

pub fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    create_private_dir(folder_of(path))?;
    write_into_folder(path, bytes)
}

/// As [`write`], into a folder that exists (a batch's folders are
/// prepared before it writes): no look at the folder per file (about 5%
/// of what writing a superbill's file cost the batch).
pub fn write_into_folder(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = folder_of(path);
    let mut tmp = tempfile::Builder::new()
        .prefix(".superbill-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, e))?;
    tmp.write_all(bytes).map_err(|e| Error::io(tmp.path(), e))?;
    // tempfile creates files 0600 on Unix already; the rename keeps that.
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// A file written as it is produced: into a temp file in the target's
/// folder, hashed on the way, and given its name (or dropped, when the
/// file there already holds the same bytes) by [`Staged::commit`]. The
/// batch's exports of a million sessions are hundreds of megabytes: they
/// go to disk row by row instead of being held until the end. In a dry run
/// nothing touches the disk; only the hash is kept, to tell what would
/// change.
pub struct Staged {
    tmp: Option<tempfile::NamedTempFile>,
    hash: sha2::Sha256,
    len: u64,
}

/// What [`Staged::commit`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Committed {
    pub sha256: String,
    /// Whether the file was (or, in a dry run, would be) written.
    pub written: bool,
}

impl Staged {
    /// A file to become a file of `dir` (which must exist); `dry_run`
    /// writes nothing.
    pub fn new(dir: &Path, dry_run: bool) -> Result<Staged> {
        use sha2::Digest;
        let tmp = if dry_run {
            None
        } else {
            Some(
                tempfile::Builder::new()
                    .prefix(".superbill-")
                    .suffix(".tmp")
                    .tempfile_in(dir)
                    .map_err(|e| Error::io(dir, e))?,
            )
        };
        Ok(Staged {
            tmp,
            hash: sha2::Sha256::new(),
            len: 0,
        })
    }

    /// Gives the bytes written the name `path`, unless `path` already
    /// holds exactly them (an unchanged re-run keeps modification times).
    pub fn commit(self, path: &Path) -> Result<Committed> {
        use sha2::Digest;
        let sha256 = hex::encode(self.hash.finalize());
        let same = fs::metadata(path).is_ok_and(|m| m.len() == self.len)
            && crate::manifest::sha256_file(path).is_ok_and(|h| h == sha256);
        if same {
            if self.tmp.is_some() {
                restrict(path)?;
            }
            return Ok(Committed {
                sha256,
                written: false,
            });
        }
        if let Some(tmp) = self.tmp {
            tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
        }
        Ok(Committed {
            sha256,
            written: true,
        })
    }
}

impl Write for Staged {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        use sha2::Digest;
        let n = match &mut self.tmp {
            Some(f) => f.write(buf)?,
            None => buf.len(),
        };
        self.hash.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.tmp {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

/// Creates `dir` and any missing parents readable by the owner only. A
/// folder that already exists is left as it is: it is the user's (it may
/// be their home or /tmp), not ours to lock down.
pub fn create_private_dir(dir: &Path) -> Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        create_private_dir(parent)?;
    }
    match fs::create_dir(dir) {
        Ok(()) => restrict_dir(dir),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(Error::io(dir, e)),
    }
}

#[cfg(unix)]
fn restrict_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(|e| Error::io(dir, e))
}

/// Sets a file we wrote back to owner-only if someone loosened it.
#[cfg(unix)]
pub fn restrict(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let meta = fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.permissions().mode() & 0o077 != 0 {
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))
            .map_err(|e| Error::io(path, e))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn restrict_dir(_: &Path) -> Result<()> {
    Ok(())
}

#[cfg(not(unix))]
pub fn restrict(_: &Path) -> Result<()> {
    Ok(())
}

/// Removes temp files a killed run left in `dir`.
pub fn sweep_temp_files(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(".superbill-") && name.ends_with(".tmp") {
            let _ = fs::remove_file(e.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staged_files_commit_hash_and_skip_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.csv");
        let stage = |bytes: &[u8], dry: bool| {
            let mut s = Staged::new(dir.path(), dry).unwrap();
            s.write_all(bytes).unwrap();
            s.commit(&p).unwrap()
        };
        // A dry run writes nothing and says it would.
        let c = stage(b"a,b\r\n", true);
        assert!(c.written && !p.exists());
        assert_eq!(c.sha256, crate::manifest::sha256_hex(b"a,b\r\n"));
        assert!(stage(b"a,b\r\n", false).written);
        assert_eq!(fs::read(&p).unwrap(), b"a,b\r\n");
        // Same bytes: not written, and no temp file is left behind.
        assert!(!stage(b"a,b\r\n", false).written);
        assert!(!stage(b"a,b\r\n", true).written);
        // Same length, other bytes: written.
        assert!(stage(b"a,c\r\n", false).written);
        assert_eq!(fs::read(&p).unwrap(), b"a,c\r\n");
        let left: Vec<_> = fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert_eq!(left.len(), 1, "{left:?}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&p).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }

    #[test]
    fn writes_private_files_and_skips_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/a.csv");
        assert!(write_if_changed(&p, b"x").unwrap());
        assert!(!write_if_changed(&p, b"x").unwrap());
        assert!(write_if_changed(&p, b"y").unwrap());
        assert_eq!(fs::read(&p).unwrap(), b"y");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&p).unwrap().permissions().mode() & 0o777,
                0o600
            );
            assert_eq!(
                fs::metadata(p.parent().unwrap())
                    .unwrap()
                    .permissions()
                    .mode()
                    & 0o777,
                0o700
            );
        }
        fs::write(dir.path().join("sub/.superbill-abc.tmp"), b"half").unwrap();
        sweep_temp_files(&dir.path().join("sub"));
        assert_eq!(fs::read_dir(dir.path().join("sub")).unwrap().count(), 1);
    }
}
