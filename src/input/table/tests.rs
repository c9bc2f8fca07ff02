use super::*;

const COLS: Columns = Columns {
    required: &["id", "patient_id", "note", "min"],
    optional: &["reference"],
    free_text: &["note"],
};

fn parse(data: &[u8]) -> (Table, Findings) {
    let mut f = Findings::default();
    let t = Table::parse(data, "s.csv", &COLS, &mut f);
    (t, f)
}

fn row_lines(t: &Table) -> Vec<u64> {
    t.rows.iter().map(|r| r.line).collect()
}

fn codes(f: &Findings) -> Vec<(u64, &str)> {
    f.items.iter().map(|x| (x.line, x.code)).collect()
}

#[test]
fn bom_crlf_and_header_case() {
    let mut f = Findings::default();
    let t = Table::parse(
        b"\xef\xbb\xbfSession ID,Patient_ID\r\nS1,P1\r\n\r\nS2,P2\r\n",
        "sessions.csv",
        &Columns {
            required: &["session_id", "patient_id"],
            optional: &[],
            free_text: &[],
        },
        &mut f,
    );
    assert!(f.items.is_empty(), "{:?}", f.items);
    assert_eq!(t.rows.len(), 2);
    assert_eq!(t.get(&t.rows[1], "patient_id"), Some("P2"));
    assert_eq!(t.rows[1].line, 4);
}

#[test]
fn cr_lf_crlf_and_mixed_line_ends_give_true_line_numbers() {
    for data in [
        &b"id,patient_id,note,min\rS1,P1,a,45\rS2,P1,b,x\rS3,P1,c,45\r"[..],
        b"id,patient_id,note,min\nS1,P1,a,45\r\nS2,P1,b,x\rS3,P1,c,45",
        b"id,patient_id,note,min\r\nS1,P1,a,45\rS2,P1,b,x\nS3,P1,c,45\r\n",
    ] {
        let (t, f) = parse(data);
        assert!(f.items.is_empty(), "{:?}", f.items);
        assert_eq!(row_lines(&t), vec![2, 3, 4]);
        assert_eq!(t.get(&t.rows[1], "min"), Some("x"));
        assert_eq!(t.rows_read(), 3);
    }
    // A blank CR-only line still counts as a line.
    let (t, _) = parse(b"id,patient_id,note,min\r\rS1,P1,a,45\r");
    assert_eq!(row_lines(&t), vec![3]);
}

#[test]
fn lines_stay_right_after_quoted_cells_in_crlf_files() {
    let (t, f) = parse(
        b"id,patient_id,note,min\r\n1,P1,\"x, y\",4\r\n2,P1,z,4\r\n3,P1,\"multi\r\nline\",4\r\n4,P1,w,4\r\n",
    );
    assert_eq!(row_lines(&t), vec![2, 3, 4, 6]);
    assert_eq!(codes(&f), vec![(4, "csv-multiline-cell")]);
    // Line 5 is part of the row on line 4 and counts as read.
    assert_eq!(t.rows_read(), 5);
    assert!(t.lines.contains(&(5, 4)));
}

#[test]
fn semicolon_and_tab_files_are_told_from_the_header() {
    for data in [
        &b"id;patient_id;note;min\nS1;P1;\"a; b\";45\n"[..],
        b"id\tpatient_id\tnote\tmin\nS1\tP1\ta; b\t45\n",
        b"sep=;\nid;patient_id;note;min\nS1;P1;a; b;45\n",
    ] {
        let (t, f) = parse(data);
        let last = t.rows.last().map(|r| r.line);
        if data.starts_with(b"sep=") {
            // The header is line 2; `a; b` is two cells there: one row too wide.
            assert_eq!(codes(&f), vec![(3, "csv-cell-count")]);
            continue;
        }
        assert!(f.items.is_empty(), "{:?}", f.items);
        assert_eq!(last, Some(2));
        assert_eq!(t.get(&t.rows[0], "note"), Some("a; b"));
        assert_eq!(t.get(&t.rows[0], "min"), Some("45"));
    }
}

fn utf16(s: &str, le: bool) -> Vec<u8> {
    let mut out = if le {
        vec![0xff, 0xfe]
    } else {
        vec![0xfe, 0xff]
    };
    for u in s.encode_utf16() {
        out.extend(if le { u.to_le_bytes() } else { u.to_be_bytes() });
    }
    out
}

#[test]
fn utf16_and_windows_1252_are_decoded_with_a_warning_naming_them() {
    let text = "id\tpatient_id\tnote\tmin\r\nS1\tP1\tZoë Muñoz\t45\r\n";
    for (bytes, name) in [
        (utf16(text, true), "UTF-16 LE"),
        (utf16(text, false), "UTF-16 BE"),
        (
            b"id,patient_id,note,min\r\nS1,P1,Zo\xeb Mu\xf1oz,45\r\n".to_vec(),
            "Windows-1252",
        ),
    ] {
        let (t, f) = parse(&bytes);
        assert_eq!(codes(&f), vec![(0, "csv-encoding-converted")], "{name}");
        assert!(f.items[0].message.contains(name), "{}", f.items[0].message);
        assert_eq!(t.get(&t.rows[0], "note"), Some("Zoë Muñoz"));
        assert_eq!(row_lines(&t), vec![2]);
    }
}

#[test]
fn utf16_without_a_bom_is_one_clear_error() {
    let (t, f) = parse(&utf16("id,patient_id,note,min\nS1,P1,a,4\n", true)[2..]);
    assert!(!t.usable());
    assert_eq!(codes(&f), vec![(0, "csv-encoding-unknown")]);
}

#[test]
fn missing_and_unknown_columns() {
    let (t, f) = parse(b"id,patient_id,notes,min\nS1,P1,x,3\n");
    assert!(!t.usable());
    assert_eq!(codes(&f), vec![(1, "csv-missing-column")]);
    assert!(
        f.items[0].message.contains("did you mean `note`?"),
        "{}",
        f.items[0].message
    );
}

#[test]
fn ragged_rows_and_bad_bytes_are_reported_with_lines() {
    let (t, f) = parse(b"id,patient_id,note,min\n1,P1,a,2\n1,P1,a,2,3\n4,P1,a,5\n");
    assert_eq!(row_lines(&t), vec![2, 4]);
    assert_eq!(t.unreadable, vec![3]);
    assert_eq!(codes(&f), vec![(3, "csv-cell-count")]);
    assert_eq!(t.rows_read(), 3);

    let (t, f) = parse(b"id,patient_id,note,min\n1,P1,Zo\xc3\xab,2\n\xff,P1,a,2\n");
    assert_eq!(t.unreadable, vec![3]);
    assert_eq!(codes(&f), vec![(3, "csv-encoding")]);
}

#[test]
fn a_damaged_rows_cells_never_lend_a_name_as_its_id() {
    // A stray CR splits line 2: line 3 starts with a surname.
    let (t, f) = parse(b"id,patient_id,note,min\nS1,P1,a\rHargrove,45\nS2,P1,b,4\n");
    assert_eq!(t.unreadable, vec![2, 3]);
    assert!(f
        .items
        .iter()
        .all(|x| x.record_id.is_empty() || x.record_id == "S1"));
    assert!(!format!("{:?}", f.items).contains("Hargrove"));
    // The patient of a damaged line is kept when its cell reads as an id.
    assert_eq!(
        t.unreadable_patients.get(&2).map(String::as_str),
        Some("P1")
    );
    assert_ne!(
        t.unreadable_patients.get(&3).map(String::as_str),
        Some("Hargrove")
    );
}

/// The stray quote of issue 7: opened in `reference` on line 2, closed at
/// the end of line 6, swallowing four whole rows.
const STRAY: &[u8] = b"id,patient_id,min,note,reference\n\
P1,A1,45,ok,\"ch_1\n\
P2,A1,45,ok,ch_2\n\
P3,A1,45,ok,ch_3\n\
P4,A1,45,ok,ch_4\n\
P5,A1,45,ok,ch_5\"\n\
P6,A2,45,ok,ch_6\n";

#[test]
fn a_stray_quote_that_closes_later_rejects_every_line_it_took() {
    let (t, f) = parse(STRAY);
    assert_eq!(row_lines(&t), vec![7]);
    assert_eq!(t.unreadable, vec![2, 3, 4, 5, 6]);
    assert_eq!(t.rows_read(), 6);
    assert_eq!(
        codes(&f),
        vec![
            (2, "csv-stray-quote"),
            (3, "csv-swallowed-line"),
            (4, "csv-swallowed-line"),
            (5, "csv-swallowed-line"),
            (6, "csv-swallowed-line"),
        ]
    );
    assert_eq!(f.items[0].record_id, "P1");
    assert_eq!(f.items[0].field, "reference");
    assert!(
        f.items[0]
            .message
            .contains("a quote opened on line 2 (in the reference column) closes only on line 6"),
        "{}",
        f.items[0].message
    );
    assert_eq!(f.items[1].record_id, "P2");
    assert_eq!(
        f.items[1].message,
        "this line was swallowed by the stray quote on line 2: it is rejected until that is fixed"
    );
    // Whose rows they were, for holding their superbills.
    for n in 2..=5 {
        assert_eq!(
            t.unreadable_patients.get(&n).map(String::as_str),
            Some("A1"),
            "line {n}"
        );
    }
}

#[test]
fn a_note_over_several_lines_is_one_row_with_a_warning() {
    let (t, f) = parse(
        b"id,patient_id,note,min\nS1,P1,\"tolerated well\nBP 120/80, stable\",45\nS2,P1,x,45\n",
    );
    assert_eq!(row_lines(&t), vec![2, 4]);
    assert_eq!(t.get(&t.rows[0], "min"), Some("45"));
    assert_eq!(codes(&f), vec![(2, "csv-multiline-cell")]);
    assert_eq!(f.items[0].severity, crate::findings::Severity::Warning);
    assert_eq!(t.rows_read(), 3);
    assert_eq!(t.lines, vec![(2, 2), (3, 2), (4, 4)]);
}

#[test]
fn a_note_is_not_allowed_to_swallow_rows() {
    // The quote in `note` closes on line 4, but lines 3 is a whole row.
    let (t, f) =
        parse(b"id,patient_id,note,min\nS1,P1,\"open,45\nS2,P1,x,45\nS3,P1,y\",45\nS4,P1,z,45\n");
    assert_eq!(row_lines(&t), vec![5]);
    assert_eq!(t.unreadable, vec![2, 3, 4]);
    assert_eq!(f.items[0].code, "csv-stray-quote");
}

#[test]
fn a_quoted_line_break_in_a_column_that_is_not_free_text_is_an_error() {
    let (t, f) = parse(b"id,patient_id,note,min\nS1,\"P1\nP2\",a,45\n");
    assert!(t.rows.is_empty());
    assert_eq!(t.unreadable, vec![2, 3]);
    assert_eq!(
        codes(&f),
        vec![(2, "csv-stray-quote"), (3, "csv-swallowed-line")]
    );
}

#[test]
fn an_unclosed_quote_rejects_every_line_it_swallows() {
    for data in [
        &b"id,patient_id,note,min\nS1,P,ok,45\nS2,P,\"never closed,45\nS3,P,x,45\nS4,P,y,45\nS5,P,z,45\n"[..],
        b"id,patient_id,note,min\r\nS1,P,ok,45\r\nS2,P,\"never closed,45\r\nS3,P,x,45\r\nS4,P,y,45\r\nS5,P,z,45\r\n",
        b"id,patient_id,note,min\nS1,P,ok,45\nS2,P,\"never closed,45\nS3,P,x,45\nS4,P,y,45\nS5,P,z,45",
        // In the last column the swallowed cell keeps the count right.
        b"id,patient_id,min,note\nS1,P,45,ok\nS2,P,45,\"never closed\nS3,P,45,x\nS4,P,45,y\nS5,P,45,z\n",
    ] {
        let (t, f) = parse(data);
        assert_eq!(row_lines(&t), vec![2]);
        assert_eq!(t.unreadable, vec![3, 4, 5, 6]);
        assert_eq!(t.rows_read(), 5);
        assert_eq!(
            codes(&f),
            vec![
                (3, "csv-unclosed-quote"),
                (4, "csv-swallowed-line"),
                (5, "csv-swallowed-line"),
                (6, "csv-swallowed-line")
            ]
        );
        assert_eq!(f.items[0].record_id, "S2");
        assert!(f.items[0].message.contains("a quote opened on line 3 is never closed"));
        assert_eq!(f.items[1].record_id, "S3");
        assert_eq!(f.items[3].record_id, "S5");
    }
}

#[test]
fn blank_lines_inside_the_swallowed_span_are_not_rows() {
    let (t, f) = parse(b"id,patient_id,note,min\nS1,P,\"open,45\n\nS2,P,x,45\n\n");
    assert_eq!(t.unreadable, vec![2, 4]);
    assert_eq!(t.rows_read(), 2);
    assert!(
        f.items[0].message.contains("to line 4"),
        "{}",
        f.items[0].message
    );
}

#[test]
fn a_swallowed_line_never_lends_a_stray_cell_as_its_id() {
    // Line 3 is not a whole row on its own: no id is taken from it.
    let (t, f) = parse(b"id,patient_id,note,min\nS1,P,\"open,45\nJane Doe\nS3,P,x,45\n");
    assert_eq!(t.unreadable, vec![2, 3, 4]);
    assert_eq!(f.items[1].line, 3);
    assert_eq!(f.items[1].record_id, "");
    assert_eq!(f.items[2].record_id, "S3");
}

#[test]
fn a_quote_in_the_header_is_one_root_cause() {
    let (t, f) = parse(b"id,\"patient_id,note,min\nS1,P,a,1\nS2,P,b,2\"\nS3,P,c,3\n");
    assert!(!t.usable());
    assert_eq!(f.items.len(), 1, "{:?}", f.items);
    assert_eq!(f.items[0].code, "csv-bad-header");
    // Every data line is still read (and rejected with the file).
    assert_eq!(t.rows_read(), 3);
}

#[test]
fn empty_rows_of_delimiters_are_not_data() {
    let (t, f) = parse(b"id,patient_id,note,min\nS1,P,a,1\n,,,\n\"\",,,\nS2,P,b,2\n");
    assert!(f.items.is_empty(), "{:?}", f.items);
    assert_eq!(row_lines(&t), vec![2, 5]);
    assert_eq!(t.rows_read(), 2);
}

#[test]
fn a_headerless_file_is_one_finding_that_quotes_nothing() {
    let (t, f) = parse(b"S1,P0001,Zo\xc3\xab Hargrove,45\nS2,P0001,x,45\n");
    assert!(!t.usable());
    assert_eq!(codes(&f), vec![(1, "csv-no-header")]);
    assert!(!f.items[0].message.contains("Hargrove"));
    assert!(!f.items[0].message.contains("P0001"));
    assert_eq!(t.rows_read(), 1);
}

#[test]
fn excels_sep_line_names_the_delimiter_and_the_header_is_line_2() {
    let (t, f) = parse(b"sep=;\r\nid;patient_id;note;min\r\nS1;P1;a, b;45\r\n");
    assert!(f.items.is_empty(), "{:?}", f.items);
    assert_eq!(row_lines(&t), vec![3]);
    assert_eq!(t.get(&t.rows[0], "note"), Some("a, b"));
}

#[test]
fn a_damaged_rows_date_shaped_cells_are_kept_and_nothing_else() {
    for yes in [
        "2026-09-15",
        "09/15/2026",
        "9/5/26",
        "15.09.2026",
        "2026-09-15T14:30:00-06:00",
        "9/15/2026 2:30 PM",
        " 2026-09-15 ",
    ] {
        assert!(date_shaped(yes), "{yes}");
    }
    for no in [
        "",
        "45",
        "50.5",
        "P0001",
        "Hargrove",
        "2026-09",
        "2026-09/15",
        "12-34-56-78",
        "F33.2;F17.210",
        "555-0142",
        "2026-09-15 Hargrove",
    ] {
        assert!(!date_shaped(no), "{no}");
    }
    let (t, _) =
        parse(b"id,patient_id,note,min\nS1,P1,2026-08-20,Hargrove,45\nS2,P1,2026-09-01,4\n");
    assert_eq!(t.unreadable, vec![2]);
    assert_eq!(
        t.unreadable_dates.get(&2),
        Some(&vec!["2026-08-20".to_string()])
    );
    assert!(!format!("{:?}", t.unreadable_dates).contains("Hargrove"));
    // A column the tool does not know may hold a date that is not the
    // row's: nothing is kept then.
    let (t, _) = parse(b"id,patient_id,note,min,created_at\nS1,P1,Sep 15,2026,45,2026-08-28\n");
    assert_eq!(t.unreadable, vec![2]);
    assert!(t.unreadable_dates.is_empty(), "{:?}", t.unreadable_dates);
}

/// A big export without quotes is read in parts side by side: the same
/// rows, lines, rejected lines and findings, in the same order, as one
/// pass gives (line ends of every kind, blank and `,,,` lines, rows of the
/// wrong width, a row that is not UTF-8, all across the part boundaries).
#[test]
fn a_big_file_read_in_parts_reads_as_one_pass_does() {
    let mut data = b"id,patient_id,note,min\r\n".to_vec();
    for i in 0..60_000u32 {
        let row: Vec<u8> = match i % 97 {
            0 => b"\r\n".to_vec(),
            1 => b",,,\n".to_vec(),
            2 => format!("S{i},P{},short\n", i % 500).into_bytes(),
            3 => [&b"S"[..], i.to_string().as_bytes(), b",P1,\xff\xfe,45\n"].concat(),
            4 => format!("S{i},P1,a,45,extra,09/03/2026\n").into_bytes(),
            5 => format!("S{i},P{},lone cr,45\r", i % 500).into_bytes(),
            _ => format!(
                "S{i},P{},a note of some length here,{}\r\n",
                i % 500,
                i % 90
            )
            .into_bytes(),
        };
        data.extend(row);
    }
    assert!(data.len() > 2 << 20, "at least two parts of a megabyte");
    let read = |side_by_side: bool| {
        let mut f = Findings::default();
        let t = Table::parse_in(&data, "s.csv", &COLS, &mut f, side_by_side);
        (t, f)
    };
    let (one, f1) = read(false);
    let (parts, f2) = read(true);
    assert!(one.rows.len() > 50_000 && !f1.items.is_empty());
    let rows = |t: &Table| -> Vec<(u64, Vec<String>)> {
        t.rows
            .iter()
            .map(|r| (r.line, r.cells.iter().map(str::to_string).collect()))
            .collect()
    };
    assert_eq!(rows(&one), rows(&parts));
    assert_eq!(one.unreadable, parts.unreadable);
    assert_eq!(one.lines, parts.lines);
    assert_eq!(one.unreadable_patients, parts.unreadable_patients);
    assert_eq!(one.unreadable_ids, parts.unreadable_ids);
    assert_eq!(one.unreadable_dates, parts.unreadable_dates);
    assert_eq!(f1.items, f2.items);

    // The parts really were read apart: a quote anywhere keeps one pass.
    let body = &data[b"id,patient_id,note,min\r\n".len()..];
    let ctx = Ctx {
        file: "s.csv",
        cols: &COLS,
        delimiter: b',',
        width: 4,
    };
    let header_only = || {
        let mut f = Findings::default();
        Table::parse_in(b"id,patient_id,note,min\n", "s.csv", &COLS, &mut f, false)
    };
    let mut t = header_only();
    assert!(t.rows_side_by_side(&ctx, body, 2, &mut Findings::default()));
    assert!(t.rows.len() > 50_000);
    let mut quoted = body.to_vec();
    quoted.extend(b"S9,P1,\"quoted\",45\n");
    let mut t = header_only();
    assert!(!t.rows_side_by_side(&ctx, &quoted, 2, &mut Findings::default()));
    assert!(t.rows.is_empty());
}
