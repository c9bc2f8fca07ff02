//! Turns the CDC's ICD-10-CM tabular XML into the project's table text
//! (`codes/icd10cm/<release>.tsv`). The XML is only read here, at import
//! time; the binary and the tests work from the derived table, so a new
//! release (each October, sometimes an April update) is imported the same way.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::normalize;
use crate::error::{Error, Result};

/// What a release is called and which dates of service it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseMeta {
    pub name: String,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    /// File name of the tabular XML, recorded so a table can be traced back.
    pub source: String,
}

/// Guesses the release from the file name (`...April-1-2026.xml`,
/// `...October-1-2026.xml`) or else from the XML `<version>` (a fiscal
/// year). The file name wins because the April update carries the same
/// `<version>` as the October release it amends. `None` when neither tells
/// the year; the caller then needs an explicit name and dates.
pub fn guess_release(file_name: &str, xml: &str) -> Option<ReleaseMeta> {
    let source = Path::new(file_name)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| file_name.to_string());
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
    let meta = |name: String, from: Option<NaiveDate>, to: Option<NaiveDate>| {
        Some(ReleaseMeta {
            name,
            valid_from: from?,
            valid_to: to?,
            source: source.clone(),
        })
    };
    if let Some((month, year)) = month_year(&source) {
        return if month == "april" {
            meta(
                format!("FY{year}-April"),
                date(year, 4, 1),
                date(year, 9, 30),
            )
        } else {
            let fy = year + 1;
            meta(format!("FY{fy}"), date(year, 10, 1), date(fy, 9, 30))
        };
    }
    let fy = xml_version(xml)?;
    meta(format!("FY{fy}"), date(fy - 1, 10, 1), date(fy, 9, 30))
}

/// Finds `April-1-YYYY` / `October-1-YYYY` (any case, `-`/`_`/space
/// separated) in a file name.
fn month_year(file_name: &str) -> Option<(&'static str, i32)> {
    let lower = file_name.to_ascii_lowercase();
    let parts: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .collect();
    parts.windows(3).find_map(|w| {
        let month = match w[0] {
            "april" | "apr" => "april",
            "october" | "oct" => "october",
            _ => return None,
        };
        let year: i32 = w[2].parse().ok().filter(|_| w[2].len() == 4)?;
        (w[1] == "1" || w[1] == "01").then_some((month, year))
    })
}

/// `<version>2026</version>` near the top of the file; a string search so
/// guessing does not parse 10 MB of XML twice.
fn xml_version(xml: &str) -> Option<i32> {
    let head = &xml[..xml.len().min(4096)];
    let start = head.find("<version>")? + "<version>".len();
    let end = start + head[start..].find("</version>")?;
    head[start..end].trim().parse().ok()
}

/// The table text for one release: `# key: value` metadata, then one
/// `CODE<TAB>B|H<TAB>description` line per code (no dot), sorted.
pub fn import_tabular(xml: &str, release: &ReleaseMeta) -> Result<String> {
    let doc = roxmltree::Document::parse(xml)
        .map_err(|e| Error::config(&release.source, format!("not ICD-10-CM tabular XML: {e}")))?;
    let mut rows: Vec<(String, bool, String)> = Vec::with_capacity(100_000);
    collect(doc.root_element(), None, &mut rows, &release.source)?;
    if rows.is_empty() {
        return Err(Error::config(&release.source, "no <diag> codes found"));
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    if let Some(w) = rows.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(Error::config(
            &release.source,
            format!("code {} appears twice", w[0].0),
        ));
    }
    let mut out = String::with_capacity(rows.len() * 90);
    out.push_str("# ICD-10-CM code table derived by `superbill codes import-icd10cm`\n");
    out.push_str(&format!("# name: {}\n", release.name));
    out.push_str(&format!("# valid_from: {}\n", release.valid_from));
    out.push_str(&format!("# valid_to: {}\n", release.valid_to));
    out.push_str(&format!("# source: {}\n", release.source));
    out.push_str(&format!("# count: {}\n", rows.len()));
    for (code, billable, desc) in rows {
        let kind = if billable { 'B' } else { 'H' };
        out.push_str(&format!("{code}\t{kind}\t{desc}\n"));
    }
    Ok(out)
}

type SevenChr = Vec<(String, String)>;

/// Walks chapters and sections (not codes themselves) down into `<diag>`s.
fn collect(
    node: roxmltree::Node,
    seven: Option<&SevenChr>,
    rows: &mut Vec<(String, bool, String)>,
    source: &str,
) -> Result<()> {
    for child in node.children().filter(|n| n.is_element()) {
        match child.tag_name().name() {
            "chapter" | "section" => collect(child, seven, rows, source)?,
            "diag" => diag(child, seven, rows, source)?,
            _ => {}
        }
    }
    Ok(())
}

/// Descriptions wrap across lines in the XML; the table needs one line
/// without tabs.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn diag(
    node: roxmltree::Node,
    inherited: Option<&SevenChr>,
    rows: &mut Vec<(String, bool, String)>,
    source: &str,
) -> Result<()> {
    let text = |tag: &str| {
        node.children()
            .find(|n| n.has_tag_name(tag))
            .and_then(|n| n.text())
            .map(one_line)
    };
    let (Some(name), Some(desc)) = (text("name"), text("desc")) else {
        let line = node.document().text_pos_at(node.range().start).row;
        return Err(Error::config(
            source,
            format!("line {line}: <diag> without <name> or <desc>"),
        ));
    };
    let code = normalize(&name);
    // A nearer sevenChrDef replaces the inherited one (S12.8 under S12, etc.).
    let own = node
        .children()
        .find(|n| n.has_tag_name("sevenChrDef"))
        .map(|def| {
            def.children()
                .filter(|n| n.has_tag_name("extension"))
                .map(|e| {
                    let ch = e.attribute("char").unwrap_or_default().trim().to_string();
                    (ch, one_line(e.text().unwrap_or_default()))
                })
                .collect::<SevenChr>()
        });
    let seven = own.as_ref().or(inherited);
    let has_children = node.children().any(|n| n.has_tag_name("diag"));
    if has_children {
        rows.push((code, false, desc));
        return collect(node, seven, rows, source);
    }
    match seven {
        // A leaf needing a 7th character is only billable with it; the
        // placeholder X pads the code to six characters first.
        Some(exts) if !exts.is_empty() => {
            let mut base = code.clone();
            while base.len() < 6 {
                base.push('X');
            }
            for (ch, what) in exts {
                if !seventh_applies(&base, ch) {
                    continue;
                }
                rows.push((format!("{base}{ch}"), true, format!("{desc}, {what}")));
            }
            rows.push((code, false, desc));
        }
        _ => rows.push((code, true, desc)),
    }
    Ok(())
}

/// 7th characters the tabular only rules out in a free-text `<notes>`
/// ("7th characters D and S do not apply to codes in category S06 with 6th
/// character 7 ... or 8"); the CMS code list omits them, so must we.
/// (category, 6th characters, the only 7th characters allowed)
const SEVENTH_ONLY: &[(&str, &str, &str)] = &[("S06", "78", "A")];

fn seventh_applies(base: &str, seventh: &str) -> bool {
    SEVENTH_ONLY.iter().all(|(category, sixth, allowed)| {
        let restricted =
            base.starts_with(category) && base.get(5..6).is_some_and(|c| sixth.contains(c));
        !restricted || allowed.contains(seventh)
    })
}

/// `superbill codes import-icd10cm`: reads the tabular XML, derives the
/// table and writes `<out_dir>/<name>.tsv` atomically (a `.tmp` beside it,
/// then a rename) so a crash never leaves half a table for `CodeSet::load`.
pub fn run_import(
    xml_path: &Path,
    out_dir: &Path,
    name: Option<String>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<PathBuf> {
    let xml = std::fs::read_to_string(xml_path).map_err(|e| Error::io(xml_path, e))?;
    let file_name = xml_path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let guess = guess_release(&file_name, &xml);
    let missing = || {
        Error::Usage(format!(
            "cannot tell the release of {} from its name or <version>; pass --name, --from and --to",
            xml_path.display()
        ))
    };
    let meta = ReleaseMeta {
        name: match name.or_else(|| guess.as_ref().map(|g| g.name.clone())) {
            Some(n) => n,
            None => return Err(missing()),
        },
        valid_from: from
            .or(guess.as_ref().map(|g| g.valid_from))
            .ok_or_else(missing)?,
        valid_to: to
            .or(guess.as_ref().map(|g| g.valid_to))
            .ok_or_else(missing)?,
        source: file_name,
    };
    if meta.name.is_empty()
        || !meta
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        || meta.name.starts_with('.')
    {
        return Err(Error::Usage(format!(
            "release name '{}' must be letters, digits, '-', '_' or '.' (it becomes the file name)",
            meta.name
        )));
    }
    if meta.valid_to < meta.valid_from {
        return Err(Error::Usage(format!(
            "release {} ends ({}) before it starts ({})",
            meta.name, meta.valid_to, meta.valid_from
        )));
    }
    let table = import_tabular(&xml, &meta)?;
    std::fs::create_dir_all(out_dir).map_err(|e| Error::io(out_dir, e))?;
    let path = out_dir.join(format!("{}.tsv", meta.name));
    let tmp = out_dir.join(format!("{}.tsv.tmp", meta.name));
    std::fs::write(&tmp, table).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    const XML: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<ICD10CM.tabular>
  <version>2026</version>
  <chapter>
    <name>19</name>
    <desc>Injury, poisoning</desc>
    <section id="T36-T50">
      <desc>Poisoning by drugs</desc>
      <diag>
        <name>T36</name>
        <desc>Poisoning by systemic antibiotics</desc>
        <sevenChrNote><note>The appropriate 7th character is to be added</note></sevenChrNote>
        <sevenChrDef>
          <extension char="A">initial encounter</extension>
          <extension char="S">sequela</extension>
        </sevenChrDef>
        <diag>
          <name>T36.0</name>
          <desc>Poisoning by penicillins</desc>
          <diag>
            <name>T36.0X1</name>
            <desc>Poisoning by penicillins, accidental (unintentional)</desc>
          </diag>
        </diag>
        <diag>
          <name>T36.8</name>
          <desc>Poisoning by other antibiotics</desc>
        </diag>
      </diag>
    </section>
  </chapter>
  <chapter>
    <name>5</name>
    <desc>Mental disorders</desc>
    <section id="F30-F39">
      <desc>Mood disorders</desc>
      <diag>
        <name>F33</name>
        <desc>Major depressive disorder,
          recurrent</desc>
        <diag><name>F33.2</name><desc>Major depressive disorder, recurrent severe without psychotic features</desc></diag>
      </diag>
    </section>
  </chapter>
</ICD10CM.tabular>"#;

    #[test]
    fn imports_a_tiny_tabular_with_seventh_characters() {
        let meta = guess_release("icd10c-tabular-April-1-2026.xml", XML).unwrap();
        let table = import_tabular(XML, &meta).unwrap();
        let expected = "\
# ICD-10-CM code table derived by `superbill codes import-icd10cm`
# name: FY2026-April
# valid_from: 2026-04-01
# valid_to: 2026-09-30
# source: icd10c-tabular-April-1-2026.xml
# count: 10
F33\tH\tMajor depressive disorder, recurrent
F332\tB\tMajor depressive disorder, recurrent severe without psychotic features
T36\tH\tPoisoning by systemic antibiotics
T360\tH\tPoisoning by penicillins
T360X1\tH\tPoisoning by penicillins, accidental (unintentional)
T360X1A\tB\tPoisoning by penicillins, accidental (unintentional), initial encounter
T360X1S\tB\tPoisoning by penicillins, accidental (unintentional), sequela
T368\tH\tPoisoning by other antibiotics
T368XXA\tB\tPoisoning by other antibiotics, initial encounter
T368XXS\tB\tPoisoning by other antibiotics, sequela
";
        assert_eq!(table, expected);
        // And the runtime reads what the import writes.
        let release = super::super::Release::parse(&table, "test").unwrap();
        assert_eq!(release.entries.len(), 10);
    }

    #[test]
    fn guesses_release_from_file_name_then_version() {
        let april = guess_release("icd10c-tabular-April-1-2026.xml", "").unwrap();
        assert_eq!(april.name, "FY2026-April");
        assert_eq!(
            (april.valid_from, april.valid_to),
            (d(2026, 4, 1), d(2026, 9, 30))
        );
        let october = guess_release("/x/icd10cm-tabular-October-1-2026.xml", "").unwrap();
        assert_eq!(october.name, "FY2027");
        assert_eq!(
            (october.valid_from, october.valid_to),
            (d(2026, 10, 1), d(2027, 9, 30))
        );
        assert_eq!(october.source, "icd10cm-tabular-October-1-2026.xml");
        let plain = guess_release("tabular.xml", "<x><version>2027</version></x>").unwrap();
        assert_eq!(plain.name, "FY2027");
        assert_eq!(
            (plain.valid_from, plain.valid_to),
            (d(2026, 10, 1), d(2027, 9, 30))
        );
        assert_eq!(guess_release("tabular.xml", "<x/>"), None);
    }

    #[test]
    fn run_import_writes_the_table_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let xml = dir.path().join("icd10cm-tabular-October-1-2026.xml");
        std::fs::write(&xml, XML).unwrap();
        let out = dir.path().join("codes/icd10cm");
        let path = run_import(&xml, &out, Some("FY2027-test".into()), None, None).unwrap();
        assert_eq!(path, out.join("FY2027-test.tsv"));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("# valid_from: 2026-10-01\n"));
        assert!(!out.join("FY2027-test.tsv.tmp").exists());
        let bad = run_import(&xml, &out, Some("../x".into()), None, None);
        assert!(matches!(bad, Err(Error::Usage(_))));
    }
}
