use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// A date inside the embedded FY2026-April release.
fn dos() -> NaiveDate {
    d(2026, 5, 14)
}

fn codes(entries: &[&Entry]) -> Vec<String> {
    entries.iter().map(|e| e.dotted()).collect()
}

fn header_children(code: &str) -> Vec<String> {
    match CodeSet::embedded().check(code, dos()) {
        Check::Header {
            entry,
            billable_children,
            ..
        } => {
            assert!(!entry.billable);
            codes(&billable_children)
        }
        other => panic!("{code}: expected a header, got {other:?}"),
    }
}

#[test]
fn normalizes_and_dots_codes() {
    assert_eq!(normalize(" f33.2 "), "F332");
    assert_eq!(dotted("F332"), "F33.2");
    assert_eq!(dotted("F17210"), "F17.210");
    assert_eq!(dotted("F33"), "F33");
    assert_eq!(dotted("t36.0x1a"), "T36.0X1A");
}

#[test]
fn billable_codes_with_or_without_the_dot() {
    let set = CodeSet::embedded();
    for code in ["F33.2", "F332", "f33.2", "F17.210", "T36.0X1A"] {
        let check = set.check(code, dos());
        assert!(check.is_billable(), "{code}: {check:?}");
        let Check::Billable { release, .. } = check else {
            unreachable!()
        };
        assert_eq!(release.name, "FY2026-April");
    }
    assert_eq!(
        set.describe("F33.2", dos()),
        Some("Major depressive disorder, recurrent severe without psychotic features")
    );
}

#[test]
fn headers_list_their_billable_descendants() {
    let f33 = header_children("F33");
    assert_eq!(&f33[..4], ["F33.0", "F33.1", "F33.2", "F33.3"]);
    assert!(f33.contains(&"F33.41".to_string()) && !f33.contains(&"F33.4".to_string()));
    assert_eq!(header_children("F43.1"), ["F43.10", "F43.11", "F43.12"]);
    assert_eq!(
        header_children("G90.51"),
        ["G90.511", "G90.512", "G90.513", "G90.519"]
    );
    assert_eq!(
        header_children("F17.21"),
        ["F17.210", "F17.211", "F17.213", "F17.218", "F17.219"]
    );
    assert_eq!(
        header_children("T36.0X1"),
        ["T36.0X1A", "T36.0X1D", "T36.0X1S"]
    );
}

#[test]
fn absent_codes_get_nearby_suggestions() {
    let set = CodeSet::embedded();
    match set.check("F41.2", dos()) {
        Check::Absent { suggestions, .. } => {
            let got = codes(&suggestions);
            assert!(
                got.len() <= 5 && got.contains(&"F41.9".to_string()),
                "{got:?}"
            );
            assert!(suggestions
                .iter()
                .all(|e| e.billable && e.code.starts_with("F41")));
        }
        other => panic!("F41.2: {other:?}"),
    }
    let empty = set.check("", dos());
    assert!(matches!(empty, Check::Absent { ref suggestions, .. } if suggestions.is_empty()));
    assert!(matches!(set.check("ÄÖÜ9", dos()), Check::Absent { .. }));
    // Category S06 codes with 6th character 7/8 only take 7th character A.
    assert!(set.check("S06.1X7A", dos()).is_billable());
    assert!(matches!(set.check("S06.1X7D", dos()), Check::Absent { .. }));
}

#[test]
fn dates_outside_every_release_name_the_nearest() {
    let set = CodeSet::embedded();
    for date in [d(2026, 10, 1), d(2025, 1, 1)] {
        match set.check("F33.2", date) {
            Check::NoRelease { nearest, verdict } => {
                assert_eq!(nearest.name, "FY2026-April");
                assert!(verdict.is_billable());
            }
            other => panic!("{date}: {other:?}"),
        }
    }
    assert!(set.release_for(d(2026, 9, 30)).is_some());
    let text = set.lookup_text("F33.2", d(2026, 10, 1));
    assert!(text.starts_with("warning: no loaded") && text.contains("FY2026-April"));
    assert!(text.contains("Import the FY2027 release"));
    assert!(text.contains(CDC_FILES) && text.contains("import-icd10cm icd10cm-tabular-2027.xml"));
}

#[test]
fn search_finds_words_in_any_order_billable_first() {
    let release = CodeSet::embedded().release_for(dos()).unwrap();
    let found = release.search("major depressive recurrent severe", 20);
    assert!(
        found.iter().any(|e| e.code == "F332"),
        "{:?}",
        codes(&found)
    );
    assert!(found
        .iter()
        .all(|e| e.description.to_lowercase().contains("severe")));
    let by_code = release.search("f43.1", 10);
    assert_eq!(codes(&by_code), ["F43.10", "F43.11", "F43.12", "F43.1"]);
    assert!(release.search("  ", 10).is_empty());
}

const NEXT: &str = "# name: FY2027\n# valid_from: 2026-10-01\n# valid_to: 2027-09-30\n\
    # count: 3\n\
    F33\tH\tMajor depressive disorder, recurrent\n\
    F332\tH\tMajor depressive disorder, recurrent severe without psychotic features\n\
    F3320\tB\tMajor depressive disorder, recurrent severe, imagined split\n";

#[test]
fn picks_the_release_by_date_of_service() {
    let mut set = CodeSet::embedded().clone();
    set.add(Release::parse(NEXT, "test").unwrap());
    assert_eq!(
        set.release_for(d(2026, 9, 30)).unwrap().name,
        "FY2026-April"
    );
    assert_eq!(set.release_for(d(2026, 10, 1)).unwrap().name, "FY2027");
    assert_eq!(set.nearest_release(d(2030, 1, 1)).name, "FY2027");
    assert!(set.check("F33.2", d(2026, 9, 30)).is_billable());
    assert!(matches!(
        set.check("F33.2", d(2026, 10, 1)),
        Check::Header { .. }
    ));
    assert!(matches!(
        set.check("F41.9", d(2026, 10, 1)),
        Check::Absent { .. }
    ));
}

#[test]
fn load_adds_and_replaces_releases_from_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("FY2027.tsv"), NEXT).unwrap();
    let replaced = NEXT
        .replace("FY2027", "FY2026-April")
        .replace("2026-10-01", "2026-04-01");
    std::fs::write(dir.path().join("mine.tsv"), replaced).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a table").unwrap();
    let set = CodeSet::load(dir.path()).unwrap();
    assert_eq!(set.releases().count(), 2);
    assert_eq!(set.release_for(d(2026, 5, 1)).unwrap().entries.len(), 3);
    let missing = CodeSet::load(&dir.path().join("missing")).unwrap();
    assert_eq!(missing.releases().count(), 1);
    let truncated = NEXT.replace("# count: 3", "# count: 4");
    std::fs::write(dir.path().join("bad.tsv"), truncated).unwrap();
    assert!(CodeSet::load(dir.path()).is_err());
}

#[test]
fn lookup_text_explains_headers_and_billable_codes() {
    let set = CodeSet::embedded();
    let header = set.lookup_text("F33", dos());
    assert!(header.starts_with(
        "F33 Major depressive disorder, recurrent — header, not billable; choose one of:\n"
    ));
    assert!(header.contains("F33.2") && header.contains("ICD-10-CM FY2026-April"));
    let billable = set.lookup_text("f332", dos());
    assert!(billable.starts_with(
        "F33.2 Major depressive disorder, recurrent severe without psychotic features — billable\n"
    ));
    let absent = set.lookup_text("F41.2", dos());
    assert!(absent.contains("not an ICD-10-CM code") && absent.contains("F41.9"));
    assert!(set
        .search_text("generalized anxiety", dos(), 5)
        .contains("F41.1"));
}

#[test]
fn embedded_table_is_the_whole_release() {
    let release = Release::parse_static(EMBEDDED[0], "embedded").unwrap();
    // Every code of the April 2026 code list, headers included.
    assert_eq!(release.entries.len(), 98_186);
    assert_eq!(release.name, "FY2026-April");
}

#[test]
fn names_the_release_to_import_for_a_date() {
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    assert_eq!(release_to_import(d("2026-12-01")), "FY2027");
    assert_eq!(release_to_import(d("2026-10-01")), "FY2027");
    assert_eq!(release_to_import(d("2026-02-10")), "FY2026");
    assert_eq!(
        release_to_import(d("2027-05-01")),
        "FY2027 (or its April update)"
    );
}
