//! The machine's own fonts, the last links of the fallback chain: CJK and
//! any script the bundled faces do not cover. Scanned with fontdb the first
//! time a character needs them (a practice whose text the bundled faces
//! cover never pays for the scan), then searched in a fixed order so the
//! same machine always picks the same face.
//!
//! The scan and the faces it loads serve the whole process, like the font
//! files themselves ([`face::keep_file`]): a batch builds several font
//! chains (the preflight's, each renderer's), and the scan (parsing every
//! font file's names, ~10 ms here) and a CJK face's parse were paid by each.

use super::face::{self, Face, Origin};
use crate::hash::HashMap;
use rustybuzz::ttf_parser;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

/// Families tried first, in this order, when several faces have a
/// character: well-drawn sans faces that match Liberation Sans's weight.
/// Simplified Chinese first among the CJK faces (Han characters are shared;
/// kana and Hangul are in all of them).
const PREFERRED: &[&str] = &[
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans CJK KR",
    "Noto Sans CJK TC",
    "Noto Sans CJK HK",
    "Source Han Sans SC",
    "Source Han Sans",
    "PingFang SC",
    "Hiragino Sans",
    "Microsoft YaHei",
    "Malgun Gothic",
    "Noto Sans",
    "DejaVu Sans",
    "Arial Unicode MS",
];

/// Face keys of system faces start here (fixed faces are numbered from 0).
pub const FIRST_KEY: u32 = 1000;

/// A handle on the process's scan of the machine's fonts.
pub struct SystemFonts {
    _private: (),
}

static SCAN: OnceLock<Scan> = OnceLock::new();

struct Scan {
    db: fontdb::Database,
    /// Regular-weight upright faces in search order.
    regular: Vec<Candidate>,
    by_char: Mutex<HashMap<char, Option<usize>>>,
}

struct Candidate {
    id: fontdb::ID,
    path: PathBuf,
    index: u32,
    /// The bold face of the same family, if the machine has one.
    bold: Option<(fontdb::ID, PathBuf, u32)>,
    regular_face: OnceLock<Option<Arc<Face>>>,
    bold_face: OnceLock<Option<Arc<Face>>>,
}

impl SystemFonts {
    pub fn new() -> SystemFonts {
        SystemFonts { _private: () }
    }

    fn scan(&self) -> &'static Scan {
        SCAN.get_or_init(Scan::new)
    }

    /// The first system face (in search order) that has `c`, for `bold`
    /// text the family's bold face when it has `c` too.
    pub fn face_for(&self, c: char, bold: bool) -> Option<&'static Face> {
        let scan = self.scan();
        let found = {
            let cached = scan
                .by_char
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(&c)
                .copied();
            match cached {
                Some(hit) => hit,
                None => {
                    // Probe each candidate's cmap through fontdb (a mapped
                    // file, released after), so a character no font has
                    // does not read every font on the machine into memory;
                    // only the face that has it is loaded and kept.
                    let hit = (0..scan.regular.len())
                        .find(|&i| scan.covers(i, c) && scan.load(i, false).is_some());
                    scan.by_char
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(c, hit);
                    hit
                }
            }
        }?;
        let regular = scan.load(found, false)?;
        if bold {
            if let Some(b) = scan.load(found, true).filter(|b| b.has_glyph(c)) {
                return Some(b);
            }
        }
        Some(regular)
    }

    /// A loaded system face by key (for the PDF assembly, which meets faces
    /// by resource name).
    pub fn by_key(&self, key: u32) -> Option<&'static Face> {
        let scan = SCAN.get()?;
        let i = (key.checked_sub(FIRST_KEY)? / 2) as usize;
        let bold = (key - FIRST_KEY) % 2 == 1;
        scan.load(i, bold)
    }
}

impl Scan {
    fn new() -> Scan {
        let mut db = fontdb::Database::new();
        db.load_system_fonts();
        let mut faces: Vec<&fontdb::FaceInfo> = db
            .faces()
            .filter(|f| matches!(f.source, fontdb::Source::File(_)))
            .filter(|f| f.style == fontdb::Style::Normal && !f.monospaced)
            .filter(|f| {
                let fam = family(f).to_ascii_lowercase();
                !["emoji", "mono", "symbol", "math"]
                    .iter()
                    .any(|w| fam.contains(w))
            })
            .collect();
        let rank = |f: &fontdb::FaceInfo| {
            let fam = family(f);
            let pref = PREFERRED
                .iter()
                .position(|p| p.eq_ignore_ascii_case(fam))
                .unwrap_or(PREFERRED.len());
            // Sans before serif among the rest.
            let serif = fam.to_ascii_lowercase().contains("serif")
                && !fam.to_ascii_lowercase().contains("sans");
            (pref, serif, fam.to_string(), path_of(f), f.index)
        };
        faces.sort_by_key(|f| rank(f));
        let regular_weight = |f: &fontdb::FaceInfo| (350..=500).contains(&f.weight.0);
        let regular = faces
            .iter()
            .filter(|f| regular_weight(f))
            .map(|f| {
                let bold = faces
                    .iter()
                    .filter(|b| family(b) == family(f) && (600..=800).contains(&b.weight.0))
                    .min_by_key(|b| (b.weight.0.abs_diff(700), path_of(b), b.index))
                    .map(|b| (b.id, path_of(b), b.index));
                Candidate {
                    id: f.id,
                    path: path_of(f),
                    index: f.index,
                    bold,
                    regular_face: OnceLock::new(),
                    bold_face: OnceLock::new(),
                }
            })
            .collect();
        Scan {
            db,
            regular,
            by_char: Mutex::new(HashMap::default()),
        }
    }

    /// Whether candidate `i` has a real glyph for `c`.
    fn covers(&self, i: usize, c: char) -> bool {
        let Some(cand) = self.regular.get(i) else {
            return false;
        };
        if let Some(Some(face)) = cand.regular_face.get() {
            return face.has_glyph(c);
        }
        self.db
            .with_face_data(cand.id, |data, index| {
                ttf_parser::Face::parse(data, index)
                    .ok()
                    .and_then(|f| f.glyph_index(c))
                    .is_some_and(|g| g.0 != 0)
            })
            .unwrap_or(false)
    }

    /// Loads candidate `i` (its bold face when `bold`) the first time it is
    /// asked for. A file that cannot be used is skipped, not an error: the
    /// next candidate may have the character.
    fn load(&self, i: usize, bold: bool) -> Option<&Face> {
        let cand = self.regular.get(i)?;
        let (cell, id, path, index) = if bold {
            let (id, path, index) = cand.bold.as_ref()?;
            (&cand.bold_face, *id, path, *index)
        } else {
            (&cand.regular_face, cand.id, &cand.path, cand.index)
        };
        cell.get_or_init(|| {
            self.db.face(id)?;
            let bytes = face::keep_file(path)?;
            let key = FIRST_KEY + 2 * i as u32 + u32::from(bold);
            Face::new(
                key,
                bytes,
                index,
                Origin::System(path.clone()),
                "system font",
            )
            .ok()
            .map(Arc::new)
        })
        .as_deref()
    }
}

fn family(f: &fontdb::FaceInfo) -> &str {
    f.families.first().map(|(n, _)| n.as_str()).unwrap_or("")
}

fn path_of(f: &fontdb::FaceInfo) -> PathBuf {
    match &f.source {
        fontdb::Source::File(p) => p.clone(),
        _ => PathBuf::new(),
    }
}
