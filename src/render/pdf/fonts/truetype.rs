//! A TrueType subset written straight in the layout [`super::program`]
//! embeds: the glyphs a document uses (and the glyphs their composites
//! are built from), renumbered, with the metrics, `loca`, `maxp` and
//! `head` to match, and the face's hinting tables as they are.
//!
//! It writes what the subsetter crate's TrueType path followed by
//! [`super::program`]'s relayout wrote, byte for byte (a test compares
//! the two on random glyph sets of every bundled face), without building
//! the intermediate font: the subsetter parsed the face, wrote a whole
//! sfnt and the relayout copied it again, a fifth of preparing a subset of
//! a name. CFF faces still go through the subsetter.

use super::face::Face;
use crate::hash::HashMap;

/// Glyph ids old to new, in the order they were first met.
pub struct Remap {
    forward: HashMap<u16, u16>,
    /// Old ids by new id.
    pub order: Vec<u16>,
}

impl Remap {
    /// Glyph 0 (.notdef) first, then `gids` in order.
    pub fn new(gids: impl IntoIterator<Item = u16>) -> Remap {
        let mut r = Remap {
            forward: HashMap::default(),
            order: Vec::new(),
        };
        r.remap(0);
        for g in gids {
            r.remap(g);
        }
        r
    }

    fn remap(&mut self, old: u16) -> u16 {
        let next = self.order.len() as u16;
        *self.forward.entry(old).or_insert_with(|| {
            self.order.push(old);
            next
        })
    }

    pub fn get(&self, old: u16) -> Option<u16> {
        self.forward.get(&old).copied()
    }
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The face's glyph records through its `loca`.
struct Glyf<'a> {
    loca: &'a [u8],
    glyf: &'a [u8],
    long: bool,
}

impl<'a> Glyf<'a> {
    fn glyph(&self, id: u16) -> Option<&'a [u8]> {
        let at = |n: usize| {
            if self.long {
                u32_at(self.loca, 4 * n).map(|o| o as usize)
            } else {
                u16_at(self.loca, 2 * n).map(|o| 2 * o as usize)
            }
        };
        let from = at(id as usize)?;
        let to = at(id as usize + 1)?;
        self.glyf.get(from..to)
    }
}

const ARG_1_AND_2_ARE_WORDS: u16 = 0x0001;
const WE_HAVE_A_SCALE: u16 = 0x0008;
const MORE_COMPONENTS: u16 = 0x0020;
const WE_HAVE_AN_X_AND_Y_SCALE: u16 = 0x0040;
const WE_HAVE_A_TWO_BY_TWO: u16 = 0x0080;

/// Visits each component record of composite glyph `data`: `f(at)` with
/// the offset of its glyph id. Returns where the records end and whether
/// instructions follow; None if a record runs past the data.
fn components(data: &[u8], mut f: impl FnMut(usize)) -> Option<(usize, bool)> {
    const WE_HAVE_INSTRUCTIONS: u16 = 0x0100;
    let mut at = 10;
    loop {
        let flags = u16_at(data, at)?;
        u16_at(data, at + 2)?;
        f(at + 2);
        at += 4;
        at += if flags & ARG_1_AND_2_ARE_WORDS != 0 {
            4
        } else {
            2
        };
        if flags & WE_HAVE_A_SCALE != 0 {
            at += 2;
        } else if flags & WE_HAVE_AN_X_AND_Y_SCALE != 0 {
            at += 4;
        } else if flags & WE_HAVE_A_TWO_BY_TWO != 0 {
            at += 8;
        }
        data.get(..at)?;
        if flags & MORE_COMPONENTS == 0 {
            return Some((at, flags & WE_HAVE_INSTRUCTIONS != 0));
        }
    }
}

fn is_composite(data: &[u8]) -> bool {
    data.len() >= 2 && i16::from_be_bytes([data[0], data[1]]) < 0
}

/// The subset of TrueType `face` holding glyph 0 and `gids` (in order),
/// as [`super::program::write_sfnt`] lays it out, with where the shared
/// tables start; and the renumbering. None when the face's tables are
/// malformed (a glyph id out of range, a truncated record).
pub fn subset(face: &Face, gids: impl IntoIterator<Item = u16>) -> Option<(Vec<u8>, usize, Remap)> {
    let head = face.table(b"head")?;
    let glyf = Glyf {
        loca: face.table(b"loca")?,
        glyf: face.table(b"glyf")?,
        long: u16_at(head, 50)? != 0,
    };
    let mut remap = Remap::new(gids);
    // The glyphs composites are built from, depth first from the last
    // glyph, as the subsetter numbers them.
    let mut stack = remap.order.clone();
    while let Some(g) = stack.pop() {
        remap.remap(g);
        let data = match glyf.glyph(g) {
            Some(d) if is_composite(d) => d,
            _ => continue,
        };
        let mut found = Vec::new();
        components(data, |at| found.push(u16_at(data, at).unwrap_or(0)))?;
        stack.extend(found.into_iter().filter(|&c| remap.get(c).is_none()));
    }

    // glyf and loca.
    let mut records: Vec<std::borrow::Cow<[u8]>> = Vec::with_capacity(remap.order.len());
    let mut size = 0usize;
    for &old in &remap.order {
        let data = glyf.glyph(old)?;
        if data.is_empty() {
            records.push(data.into());
            continue;
        }
        data.get(..2)?;
        let data: std::borrow::Cow<[u8]> = if is_composite(data) {
            let mut owned = data.to_vec();
            let mut bad = false;
            let (end, instructions) = components(data, |at| {
                let old = u16_at(data, at).unwrap_or(0);
                match remap.get(old) {
                    Some(new) => owned[at..at + 2].copy_from_slice(&new.to_be_bytes()),
                    None => bad = true,
                }
            })?;
            if bad {
                return None;
            }
            // Bytes after the records (padding) are dropped unless they are
            // the glyph's instructions.
            if !instructions {
                owned.truncate(end);
            }
            owned.into()
        } else {
            data.into()
        };
        size += data.len() + data.len() % 2;
        records.push(data);
    }
    let long_loca = size > 2 * usize::from(u16::MAX);
    let mut new_glyf = Vec::with_capacity(size);
    let mut new_loca = Vec::with_capacity((records.len() + 1) * if long_loca { 4 } else { 2 });
    let offset = |loca: &mut Vec<u8>, at: usize| {
        if long_loca {
            loca.extend_from_slice(&(at as u32).to_be_bytes());
        } else {
            loca.extend_from_slice(&((at / 2) as u16).to_be_bytes());
        }
    };
    for r in &records {
        offset(&mut new_loca, new_glyf.len());
        new_glyf.extend_from_slice(r);
        if !long_loca && new_glyf.len() % 2 != 0 {
            new_glyf.push(0);
        }
    }
    offset(&mut new_loca, new_glyf.len());

    // hmtx and hhea: trailing glyphs of the same advance keep only their
    // side bearing.
    let hhea = face.table(b"hhea")?;
    let hmtx = face.table(b"hmtx")?;
    let n_metrics = u16_at(hhea, 34)?;
    let last_advance = u16_at(hmtx, 4 * usize::from(n_metrics.checked_sub(1)?))?;
    let mut metrics: Vec<(u16, u16)> = Vec::with_capacity(remap.order.len());
    for &old in &remap.order {
        metrics.push(if old < n_metrics {
            let at = 4 * usize::from(old);
            (u16_at(hmtx, at)?, u16_at(hmtx, at + 2)?)
        } else {
            let at = 4 * usize::from(n_metrics) + 2 * usize::from(old - n_metrics);
            (last_advance, u16_at(hmtx, at)?)
        });
    }
    let mut last = metrics.len() - 1;
    while last > 0 && metrics[last - 1].0 == metrics[metrics.len() - 1].0 {
        last -= 1;
    }
    let mut new_hmtx = Vec::with_capacity(4 * metrics.len());
    for (i, (advance, lsb)) in metrics.iter().enumerate() {
        if i <= last {
            new_hmtx.extend_from_slice(&advance.to_be_bytes());
        }
        new_hmtx.extend_from_slice(&lsb.to_be_bytes());
    }
    let mut new_hhea = hhea.get(..hhea.len().checked_sub(2)?)?.to_vec();
    new_hhea.extend_from_slice(&(last as u16 + 1).to_be_bytes());

    // maxp: the glyph count; head: the loca format, the checksum
    // adjustment left for the layout to set.
    let maxp = face.table(b"maxp")?;
    let mut new_maxp = 0x0001_0000u32.to_be_bytes().to_vec();
    new_maxp.extend_from_slice(&(remap.order.len() as u16).to_be_bytes());
    new_maxp.extend_from_slice(maxp.get(6..)?);
    let mut new_head = head.to_vec();
    new_head
        .get_mut(50..52)?
        .copy_from_slice(&[0, u8::from(long_loca)]);
    new_head.get_mut(8..12)?.fill(0);

    let mut tables: Vec<([u8; 4], [u8; 4], &[u8])> = vec![
        (*b"glyf", [0; 4], &new_glyf),
        (*b"loca", [0; 4], &new_loca),
        (*b"hmtx", [0; 4], &new_hmtx),
        (*b"hhea", [0; 4], &new_hhea),
        (*b"maxp", [0; 4], &new_maxp),
        (*b"head", [0; 4], &new_head),
    ];
    for tag in [b"cvt ", b"fpgm", b"prep"] {
        if let Some(t) = face.table(tag) {
            tables.push((*tag, [0; 4], t));
        }
    }
    for t in &mut tables {
        t.1 = super::program::checksum(t.2).to_be_bytes();
    }
    let (program, shared_at) = super::program::write_sfnt([0, 1, 0, 0], tables)?;
    Some((program, shared_at, remap))
}

#[cfg(test)]
mod tests {
    use super::super::program::{relayout_for_tests as relayout, trimmed_source};
    use super::super::FontSet;
    use super::*;

    /// What the subsetter crate's TrueType path and the relayout wrote
    /// for the same glyphs: the reference.
    fn reference(face: &Face, gids: &[u16]) -> Option<(Vec<u8>, usize, Vec<u16>)> {
        let trimmed = trimmed_source(face)?;
        let mut remapper = subsetter::GlyphRemapper::new();
        remapper.remap(0);
        for &g in gids {
            remapper.remap(g);
        }
        let font = subsetter::subset(&trimmed, 0, &remapper).ok()?;
        let (program, shared_at) = relayout(&font)?;
        let ids = gids.iter().map(|&g| remapper.get(g).unwrap()).collect();
        Some((program, shared_at, ids))
    }

    #[test]
    fn subsets_are_the_subsetters_byte_for_byte() {
        let fonts = FontSet::new(&Default::default()).unwrap();
        let mono = FontSet::mono().unwrap();
        let mut faces: Vec<&Face> = Vec::new();
        for set in [&fonts, &mono] {
            for fam in &set.families {
                faces.push(&fam.regular);
                faces.extend(fam.bold.as_ref());
            }
        }
        assert!(faces.len() >= 7, "Liberation Sans, Mono, Hebrew, Arabic");
        let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut compared = 0;
        let mut composites = 0;
        for face in faces {
            let n = face.shaper().number_of_glyphs();
            // Real text (accented letters are composites in Liberation
            // Sans), then random glyph sets, some with ids out of range.
            let mut sets: Vec<Vec<u16>> = [
                "Dvořák Nguyễn Thị Ñandú ǅ Ǻ ﬁ",
                "Wiśniewski, Łukasz",
                "שָׁלוֹם עברית",
                "عبد الله",
            ]
            .iter()
            .map(|t| t.chars().filter_map(|c| face.glyph(c)).collect())
            .collect();
            for _ in 0..150 {
                let k = 1 + next() % 40;
                sets.push((0..k).map(|_| (next() % u64::from(n)) as u16).collect());
            }
            sets.push(vec![n, 3]);
            sets.push(vec![0, 5, 5, 2]);
            for gids in sets {
                let mine = subset(face, gids.iter().copied());
                let want = reference(face, &gids);
                match (mine, want) {
                    (Some((program, shared_at, remap)), Some((p, s, ids))) => {
                        assert!(program == p, "{}: {gids:?}", face.name);
                        assert_eq!(shared_at, s);
                        let mine: Vec<u16> = gids.iter().map(|&g| remap.get(g).unwrap()).collect();
                        assert_eq!(mine, ids);
                        composites += usize::from(remap.order.len() > 1 + gids.len());
                        compared += 1;
                    }
                    (None, None) => {}
                    (a, b) => panic!(
                        "{}: {gids:?}: ours {}, the subsetter's {}",
                        face.name,
                        a.is_some(),
                        b.is_some()
                    ),
                }
            }
        }
        assert!(compared > 1000, "{compared}");
        assert!(
            composites > 50,
            "glyph sets pulling in components: {composites}"
        );
    }
}
