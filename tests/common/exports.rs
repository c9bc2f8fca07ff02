//! Exports shaped the way clinics' systems and Excel write them, made in
//! the tests from a slice of the sample practice (the samples are never
//! edited).

use std::path::{Path, PathBuf};

/// A small practice: the sample's first patients whose data Windows-1252
/// can hold (so every encoding can carry it), with their sessions and
/// payments, as plain UTF-8 CSV.
pub fn small_practice(patients: usize) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("practice");
    std::fs::create_dir(&dir).unwrap();
    let sample = super::sample("cedar-ridge");
    std::fs::copy(sample.join("practice.toml"), dir.join("practice.toml")).unwrap();
    // The providers' signatures practice.toml names.
    super::copy_dir(&sample.join("signatures"), &dir.join("signatures"));
    let pats = super::read_csv(&sample.join("patients.csv"));
    let encodable = |r: &Vec<String>| r.iter().all(|c| !encoding_rs::WINDOWS_1252.encode(c).2);
    let kept: Vec<Vec<String>> = pats
        .rows
        .into_iter()
        .filter(encodable)
        .take(patients)
        .collect();
    let ids: Vec<String> = kept.iter().map(|r| r[0].clone()).collect();
    write_csv(&dir.join("patients.csv"), &pats.header, &kept);
    for f in ["sessions.csv", "payments.csv"] {
        let t = super::read_csv(&sample.join(f));
        let col = t.col("patient_id");
        let rows: Vec<Vec<String>> = t
            .rows
            .into_iter()
            .filter(|r| ids.contains(&r[col]))
            .collect();
        write_csv(&dir.join(f), &t.header, &rows);
    }
    (tmp, dir)
}

pub fn write_csv(path: &Path, header: &[String], rows: &[Vec<String>]) {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header).unwrap();
    for r in rows {
        w.write_record(r).unwrap();
    }
    std::fs::write(path, w.into_inner().unwrap()).unwrap();
}

/// The CSV text of `file` rewritten with `delimiter` and `eol` (quoting
/// cells that hold the delimiter).
pub fn reshape(dir: &Path, file: &str, delimiter: u8, eol: &str) -> String {
    let t = super::read_csv(&dir.join(file));
    let mut w = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record(&t.header).unwrap();
    for r in &t.rows {
        w.write_record(r).unwrap();
    }
    String::from_utf8(w.into_inner().unwrap())
        .unwrap()
        .replace('\n', eol)
}

pub fn utf16(text: &str, little: bool) -> Vec<u8> {
    let mut out = if little {
        vec![0xff, 0xfe]
    } else {
        vec![0xfe, 0xff]
    };
    for u in text.encode_utf16() {
        out.extend(if little {
            u.to_le_bytes()
        } else {
            u.to_be_bytes()
        });
    }
    out
}

/// `file` as a workbook: one worksheet, dates as Excel dates and money as
/// numbers (how a sheet typed by hand holds them), `blank_rows` empty rows
/// above the header.
pub fn workbook(dir: &Path, file: &str, blank_rows: u32) -> Vec<u8> {
    let t = super::read_csv(&dir.join(file));
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(file.trim_end_matches(".csv")).unwrap();
    let date_format = rust_xlsxwriter::Format::new().set_num_format("m/d/yyyy");
    for (c, h) in t.header.iter().enumerate() {
        sheet.write_string(blank_rows, c as u16, h).unwrap();
    }
    for (i, r) in t.rows.iter().enumerate() {
        let row = blank_rows + 1 + i as u32;
        for (c, cell) in r.iter().enumerate() {
            let name = t.header[c].as_str();
            let c = c as u16;
            if cell.is_empty() {
                continue;
            }
            let ymd: Vec<&str> = cell.split('-').collect();
            if matches!(name, "date" | "dob") && ymd.len() == 3 {
                let d = rust_xlsxwriter::ExcelDateTime::from_ymd(
                    ymd[0].parse().unwrap(),
                    ymd[1].parse().unwrap(),
                    ymd[2].parse().unwrap(),
                )
                .unwrap();
                sheet
                    .write_datetime_with_format(row, c, d, &date_format)
                    .unwrap();
            } else if matches!(name, "amount" | "minutes" | "dose_mg") {
                sheet
                    .write_number(row, c, cell.parse::<f64>().unwrap())
                    .unwrap();
            } else {
                sheet.write_string(row, c, cell).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}
