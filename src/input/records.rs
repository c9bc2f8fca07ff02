//! Table rows to typed records. A row with any unusable required value gets
//! error findings at its line and yields no record. Findings quote a cell
//! only when it is a well-formed id or code (see `privacy`); names, dates
//! of birth, addresses, phones and e-mails are never quoted.

use super::label::Labels;
use super::model::*;
use super::parse::{self, DateRules};
pub use super::privacy::check_id;
use super::privacy::{describe, quote_code, shown_code, shown_id};
use super::table::{Columns, Row, Table};
use crate::findings::{At, Findings};
use crate::money::Cents;

pub const PATIENT_COLUMNS: Columns = Columns {
    required: &[
        "patient_id",
        "first_name",
        "last_name",
        "dob",
        "sex",
        "address",
        "city",
        "state",
        "zip",
        "payer",
        "member_id",
    ],
    optional: &[
        "middle_name",
        "address2",
        "group_number",
        "subscriber_name",
        "subscriber_relationship",
        "subscriber_dob",
        "phone",
        "email",
        "payer_type",
    ],
    free_text: &["address", "address2"],
};

pub const SESSION_COLUMNS: Columns = Columns {
    required: &[
        "session_id",
        "patient_id",
        "provider_id",
        "date",
        "diagnoses",
    ],
    optional: &[
        "service",
        "procedures",
        "minutes",
        "dose_mg",
        "place_of_service",
        "status",
        "location",
    ],
    free_text: &[],
};

pub const PAYMENT_COLUMNS: Columns = Columns {
    required: &["payment_id", "patient_id", "date", "amount", "method"],
    optional: &["session_id", "reference"],
    free_text: &[],
};

/// Far above any real line (J0013 at 84 mg is 84 units); keeps sums of
/// absurd typos far from integer overflow.
const MAX_UNITS: u32 = 999;
/// Far above any real cash payment, for the same reason.
const MAX_PAYMENT: Cents = Cents(100_000_000); // $1,000,000.00

/// Timestamps at exactly 00:00:00 UTC met in one column of one file: one
/// warning names how many and where the first is, unless practice.toml
/// already says how to read them.
#[derive(Debug, Default)]
pub struct Midnights {
    seen: Vec<(String, &'static str, u64, usize)>,
}

impl Midnights {
    /// Adds what another file's reading saw (files are read side by side;
    /// each file's timestamps are its own).
    pub fn join(&mut self, other: Midnights) {
        self.seen.extend(other.seen);
    }

    /// Adds what a later run of the same file's rows saw: counted with
    /// the earlier runs', the first line seen kept.
    pub fn join_later(&mut self, later: Midnights) {
        for (file, col, line, n) in later.seen {
            match self.seen.iter_mut().find(|s| s.0 == file && s.1 == col) {
                Some(s) => s.3 += n,
                None => self.seen.push((file, col, line, n)),
            }
        }
    }

    fn saw(&mut self, file: &str, col: &'static str, line: u64) {
        match self.seen.iter_mut().find(|s| s.0 == file && s.1 == col) {
            Some(s) => s.3 += 1,
            None => self.seen.push((file.to_string(), col, line, 1)),
        }
    }

    /// The warnings, when the practice left `utc_midnight` unset.
    pub fn report(self, rules: &DateRules, explicit: bool, findings: &mut Findings) {
        if explicit {
            return;
        }
        for (file, col, line, n) in self.seen {
            let how = match rules.utc_midnight {
                parse::UtcMidnight::Date => "read as the date written (many systems store a plain date that way; converted to the practice's time zone it would fall on the day before)",
                parse::UtcMidnight::Convert => "converted to the practice's time zone",
            };
            findings.warning(
                &At::new(file, line, ""),
                col,
                "utc-midnight",
                format!(
                    "{n} {col} value{} {} a timestamp at exactly 00:00:00Z (first on this line): {how}. Set utc_midnight = \"date\" or \"convert\" in practice.toml to say which is right and stop this warning",
                    if n == 1 { "" } else { "s" },
                    if n == 1 { "is" } else { "are" },
                ),
            );
        }
    }
}

/// What a cell is read into.
trait Text: for<'a> From<&'a str> + Default + std::ops::Deref<Target = str> {}
impl Text for String {}
impl Text for CompactString {}

/// How rows are read: the practice's date rules, and where timestamps at
/// midnight UTC are tallied.
#[derive(Debug)]
pub struct Reading {
    pub dates: DateRules,
    pub midnights: Midnights,
}

impl Reading {
    pub fn new(dates: DateRules) -> Reading {
        Reading {
            dates,
            midnights: Midnights::default(),
        }
    }
}

/// Reads a row's cells, collecting findings; `ok` turns false on any error.
struct RowReader<'a> {
    table: &'a Table,
    row: &'a Row,
    at: At<'a>,
    findings: &'a mut Findings,
    reading: &'a mut Reading,
    ok: bool,
}

impl<'a> RowReader<'a> {
    fn new(
        table: &'a Table,
        row: &'a Row,
        id_col: &str,
        reading: &'a mut Reading,
        findings: &'a mut Findings,
    ) -> Self {
        // The record id is shown only when it is one.
        let id = table.get(row, id_col).and_then(shown_id).unwrap_or("");
        RowReader {
            at: At::new(&table.file, row.line, id),
            table,
            row,
            findings,
            reading,
            ok: true,
        }
    }

    /// `T` is `String` for patients' cells and `CompactString` for the ids
    /// and codes of sessions and payments (kept inline, no allocation).
    fn opt<T: Text>(&self, col: &str) -> Option<T> {
        self.table.get(self.row, col).map(T::from)
    }

    fn req<T: Text>(&mut self, col: &str) -> T {
        match self.table.get(self.row, col) {
            Some(v) => T::from(v),
            None => {
                self.error(col, "missing-value", format!("{col} is empty: fill it in"));
                T::default()
            }
        }
    }

    /// An id: the record's own, or one that refers to another record
    /// (`what` is "patient", "provider", "session"). A cell that is not an
    /// id (a name typed in patient_id) is described, never quoted.
    fn id<T: Text>(&mut self, col: &str, what: &str) -> T {
        let v: T = self.req(col);
        if !v.is_empty() {
            if let Err(e) = check_id(&v) {
                self.error(
                    col,
                    "bad-id",
                    format!(
                        "{col} holds {} that is not a valid {what} id: {e}",
                        describe_id(&v)
                    ),
                );
            }
        }
        v
    }

    fn opt_id<T: Text>(&mut self, col: &str, what: &str) -> Option<T> {
        self.table.get(self.row, col)?;
        Some(self.id(col, what))
    }

    fn date(&mut self, col: &'static str) -> Option<chrono::NaiveDate> {
        let v: CompactString = self.req(col);
        if v.is_empty() {
            return None;
        }
        if col == "dob" {
            return self.birth_date(col, &v);
        }
        match parse::date_with(&v, self.reading.dates) {
            Ok(d) => {
                if d.utc_midnight {
                    self.reading
                        .midnights
                        .saw(&self.at.file, col, self.row.line);
                }
                Some(d.date)
            }
            Err(e) => {
                self.error(col, "bad-date", format!("{col} {} {e}", shown_date(&v)));
                None
            }
        }
    }

    /// An optional date of birth (`subscriber_dob`).
    fn opt_birth_date(&mut self, col: &'static str) -> Option<chrono::NaiveDate> {
        let v: CompactString = self.opt(col)?;
        self.birth_date(col, &v)
    }

    /// A date of birth is a calendar date: a timestamp is taken as
    /// written, never shifted into the practice's time zone; and it is
    /// never quoted, even a malformed one.
    fn birth_date(&mut self, col: &'static str, v: &str) -> Option<chrono::NaiveDate> {
        match parse::calendar_date(v) {
            Ok(d) => Some(d),
            Err(_) => {
                self.error(
                    col,
                    "bad-date",
                    format!(
                        "{col} holds {} that is not a valid date: use YYYY-MM-DD or M/D/YYYY with a four-digit year",
                        describe(v)
                    ),
                );
                None
            }
        }
    }

    fn number(&mut self, col: &str, unit: &str) -> Option<u32> {
        let v: CompactString = self.opt(col)?;
        match parse::whole_number(&v, unit) {
            Ok(n) => Some(n),
            Err(e) => {
                self.error(col, "bad-number", format!("{col} {} {e}", quote_code(&v)));
                None
            }
        }
    }

    fn error(&mut self, field: &str, code: &'static str, message: String) {
        self.ok = false;
        self.findings.error(&self.at, field, code, message);
    }
}

/// A date cell as a message may show it: dates of service are not
/// personal, but a damaged row can put anything in the column.
fn shown_date(cell: &str) -> String {
    let s = cell.trim();
    let plain = s.len() <= 32
        && s.is_ascii()
        && s.bytes().any(|b| b.is_ascii_digit())
        && s.bytes().filter(u8::is_ascii_alphabetic).count() <= 9
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b" /:.,+-".contains(&b));
    if plain {
        format!("'{s}'")
    } else {
        describe(s).to_string()
    }
}

/// What an id cell that fails the id rules holds, in words.
fn describe_id(cell: &str) -> &'static str {
    match describe(cell) {
        "text" if cell.contains(char::is_whitespace) => "text with spaces (a name?)",
        "text" => "text",
        other => other,
    }
}

/// A file whose header cannot be used has its one root-cause finding at
/// the header; its rows are rejected with it, not reported one by one.
fn unusable(table: &Table) -> bool {
    !table.usable()
}

/// The records of `rows` (the table's, or a run of them).
pub fn patients(
    table: &Table,
    rows: &[Row],
    reading: &mut Reading,
    findings: &mut Findings,
) -> Vec<Patient> {
    if unusable(table) {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let mut r = RowReader::new(table, row, "patient_id", reading, findings);
        let patient_id = r.id("patient_id", "patient");
        let first_name = r.req("first_name");
        let last_name = r.req("last_name");
        let dob = r.date("dob");
        let sex_cell: CompactString = r.req("sex");
        let sex = match sex_cell.to_ascii_lowercase().as_str() {
            "" => String::new(),
            "f" | "female" => "F".into(),
            "m" | "male" => "M".into(),
            "x" => "X".into(),
            "u" | "unknown" => "U".into(),
            _ => {
                let what = describe(&sex_cell);
                let hint = if what == "text" {
                    ""
                } else {
                    ": the row's cells may be shifted (a missing or extra comma)"
                };
                r.error(
                    "sex",
                    "bad-value",
                    format!("{what} where the sex column is expected: use F, M, X or U{hint}"),
                );
                String::new()
            }
        };
        let address = Address {
            line1: r.req("address"),
            line2: r.opt("address2"),
            city: r.req("city"),
            state: r.req("state"),
            zip: r.req("zip"),
        };
        let payer = r.req("payer");
        let member_id = r.req("member_id");
        let p = Patient {
            line: row.line,
            patient_id,
            first_name,
            middle_name: r.opt("middle_name"),
            last_name,
            dob: dob.unwrap_or_default(),
            sex,
            address,
            phone: r.opt("phone"),
            email: r.opt("email"),
            payer,
            member_id,
            group_number: r.opt("group_number"),
            subscriber_name: r.opt("subscriber_name"),
            subscriber_relationship: r.opt("subscriber_relationship"),
            subscriber_dob: r.opt_birth_date("subscriber_dob"),
            payer_type: r.opt("payer_type"),
        };
        if r.ok {
            out.push(p);
        }
    }
    out
}

/// What a session's status cell may say.
const STATUSES: [(&str, Status); 7] = [
    ("completed", Status::Completed),
    ("complete", Status::Completed),
    ("done", Status::Completed),
    ("cancelled", Status::Cancelled),
    ("canceled", Status::Cancelled),
    ("no-show", Status::NoShow),
    ("noshow", Status::NoShow),
];

fn status(cell: &str) -> Result<Status, String> {
    // Nearly every row says one of these as written: no copy to compare.
    if let Some((_, st)) = STATUSES.iter().find(|(k, _)| *k == cell) {
        return Ok(*st);
    }
    let s = cell.to_ascii_lowercase().replace(['_', ' '], "-");
    if let Some((_, st)) = STATUSES.iter().find(|(k, _)| *k == s) {
        return Ok(*st);
    }
    // A typo is shown with its correction; other text only described.
    let near = ["completed", "cancelled", "no-show"]
        .iter()
        .map(|k| (strsim::damerau_levenshtein(&s, k), *k))
        .filter(|(d, _)| *d <= 2)
        .min();
    Err(match near {
        Some((_, k)) => {
            format!("status must be completed, cancelled or no-show: did you mean {k}?")
        }
        None => format!(
            "status holds {} where completed, cancelled or no-show is expected",
            describe(cell)
        ),
    })
}

/// An ICD-10-CM code's shape: a letter, a digit, then letters or digits,
/// 3 to 7 in all once the dot is gone. Anything else is not a code, and
/// is described rather than quoted.
fn icd_shaped(code: &str) -> bool {
    let b = code.as_bytes();
    (3..=7).contains(&b.len())
        && b[0].is_ascii_alphabetic()
        && b[1].is_ascii_digit()
        && b.iter().all(u8::is_ascii_alphanumeric)
}

/// The records of `rows` (the table's, or a run of them).
pub fn sessions(
    table: &Table,
    rows: &[Row],
    reading: &mut Reading,
    findings: &mut Findings,
) -> Vec<Session> {
    if unusable(table) {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(rows.len());
    let mut labels = Labels::default();
    for row in rows {
        let mut r = RowReader::new(table, row, "session_id", reading, findings);
        let session_id = r.id("session_id", "session");
        let patient_id = r.id("patient_id", "patient");
        let provider_id = labels.of(r.id("provider_id", "provider"));
        let date = r.date("date");
        let status = match r.opt::<CompactString>("status") {
            None => Status::Completed,
            Some(s) => match status(&s) {
                Ok(st) => st,
                Err(e) => {
                    r.error("status", "bad-value", e);
                    Status::Completed
                }
            },
        };
        let mut diagnoses: Vec<CompactString> = Vec::new();
        let mut listed = false;
        for code in r
            .opt::<CompactString>("diagnoses")
            .iter()
            .flat_map(|d| split_list(d))
        {
            listed = true;
            let code = CompactString::from(crate::icd10::normalize(code));
            if !icd_shaped(&code) {
                r.error(
                    "diagnoses",
                    "bad-diagnosis",
                    format!(
                        "diagnoses holds {} that is not an ICD-10-CM code: list codes such as F33.1;F41.1",
                        quote_code(&code)
                    ),
                );
                continue;
            }
            // A code listed twice would take two letters on the claim.
            if diagnoses.contains(&code) {
                r.findings.warning(
                    &r.at,
                    "diagnoses",
                    "duplicate-diagnosis",
                    format!(
                        "{} is listed twice: it is kept once",
                        crate::icd10::dotted(&code)
                    ),
                );
            } else {
                diagnoses.push(code);
            }
        }
        let mut procedures = Vec::new();
        let mut listed_codes = false;
        if let Some(text) = r.opt::<CompactString>("procedures") {
            for item in split_list(&text) {
                listed_codes = true;
                match proc_spec(item) {
                    Ok(p) => procedures.push(p),
                    Err(e) if shown_code(item).is_some() => r.error("procedures", "bad-procedure", e),
                    Err(_) => r.error(
                        "procedures",
                        "bad-procedure",
                        format!(
                            "procedures holds {} where codes are expected: list them as CODE[-MOD][xUNITS], e.g. 99214-25;J3490x1",
                            describe(item)
                        ),
                    ),
                }
            }
        }
        let service: Option<CompactString> = r.opt("service");
        if let Some(key) = &service {
            // Keys are quoted in later findings: hold them to an id's shape.
            if check_id(key).is_err() {
                let what = describe(key);
                r.error(
                    "service",
                    "bad-value",
                    format!("service holds {what} that is not a service key: use a key from the practice's service mapping (e.g. ketamine-iv)"),
                );
            }
        }
        let minutes = r.number("minutes", "min");
        let dose_mg = r.number("dose_mg", "mg");
        let place_of_service: Option<CompactString> = r.opt("place_of_service");
        if let Some(p) = &place_of_service {
            if !(1..=2).contains(&p.len()) || !p.bytes().all(|b| b.is_ascii_digit()) {
                r.error(
                    "place_of_service",
                    "unknown-pos",
                    format!(
                        "place_of_service {} is not a place-of-service code: use two digits, e.g. 11 (office) or 10 (telehealth at home)",
                        quote_code(p)
                    ),
                );
            }
        }
        if status == Status::Completed {
            if !listed {
                r.error(
                    "diagnoses",
                    "missing-value",
                    "diagnoses is empty: a claim needs at least one ICD-10-CM code".into(),
                );
            }
            if service.is_none() && !listed_codes {
                r.error(
                    "service",
                    "missing-value",
                    "neither service nor procedures is filled in: name a service from the practice's mapping or list the codes".into(),
                );
            }
        }
        let s = Session {
            line: row.line,
            session_id,
            patient_id,
            provider_id,
            date: date.unwrap_or_default(),
            diagnoses: diagnoses.into_boxed_slice(),
            service: service.map(|s| labels.of(s)),
            procedures,
            minutes,
            dose_mg,
            place_of_service: place_of_service
                .map(|p| labels.of(compact_str::format_compact!("{p:0>2}"))),
            status,
            location: r
                .opt_id::<CompactString>("location", "location")
                .map(|l| labels.of(l)),
        };
        if r.ok {
            out.push(s);
        }
    }
    out
}

/// `1.250,00` and `12,50`: a decimal comma, as European Excel writes money.
fn decimal_comma(s: &str) -> bool {
    let Some((whole, cents)) = s
        .trim()
        .trim_start_matches(['$', '€', '-'])
        .rsplit_once(',')
    else {
        return false;
    };
    cents.len() == 2
        && cents.bytes().all(|b| b.is_ascii_digit())
        && !whole.is_empty()
        && whole
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b' ')
}

/// The records of `rows` (the table's, or a run of them).
pub fn payments(
    table: &Table,
    rows: &[Row],
    reading: &mut Reading,
    findings: &mut Findings,
) -> Vec<Payment> {
    if unusable(table) {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(rows.len());
    let mut labels = Labels::default();
    for row in rows {
        let mut r = RowReader::new(table, row, "payment_id", reading, findings);
        let payment_id = r.id("payment_id", "payment");
        let patient_id = r.id("patient_id", "patient");
        let session_id = r.opt_id("session_id", "session");
        let date = r.date("date");
        let amount_text: CompactString = r.req("amount");
        let amount = if amount_text.is_empty() {
            Cents::ZERO
        } else {
            match Cents::parse(&amount_text) {
                Ok(c) if c.0.abs() > MAX_PAYMENT.0 => {
                    r.error(
                        "amount",
                        "bad-amount",
                        format!(
                            "amount {} is implausibly large: check the value",
                            c.display()
                        ),
                    );
                    c
                }
                Ok(c) if c == Cents::ZERO => {
                    r.error(
                        "amount",
                        "bad-amount",
                        "amount is zero: remove the row or enter what was paid".into(),
                    );
                    c
                }
                Ok(c) => c,
                Err(_) if decimal_comma(&amount_text) => {
                    r.error(
                        "amount",
                        "bad-amount",
                        format!(
                            "amount {} has a decimal comma: write it with a dot before the cents and no thousands dots, e.g. 1250.00",
                            quote_code(&amount_text)
                        ),
                    );
                    Cents::ZERO
                }
                Err(e) => {
                    let msg = match shown_code(&amount_text) {
                        Some(_) => format!("amount {e}"),
                        None => format!(
                            "amount holds {} where an amount is expected: write e.g. 1250.00",
                            describe(&amount_text)
                        ),
                    };
                    r.error("amount", "bad-amount", msg);
                    Cents::ZERO
                }
            }
        };
        let method = labels.of(r.req("method"));
        let p = Payment {
            line: row.line,
            payment_id,
            patient_id,
            session_id,
            date: date.unwrap_or_default(),
            amount,
            method,
            reference: r.opt("reference"),
        };
        if r.ok {
            out.push(p);
        }
    }
    out
}

/// `;`-separated lists; commas and `|` are accepted too since staff type
/// them.
fn split_list(text: &str) -> impl Iterator<Item = &str> {
    text.split([';', ',', '|'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// `99214-25`, `J3490x1`, `96366x2`, `99215-25-95`.
pub fn proc_spec(item: &str) -> Result<ProcSpec, String> {
    let (body, units) = match item.rsplit_once(['x', 'X']) {
        Some((b, u)) if !u.is_empty() && u.bytes().all(|c| c.is_ascii_digit()) => {
            let n: u32 = u
                .parse()
                .map_err(|_| format!("'{item}': units too large"))?;
            if n == 0 {
                return Err(format!("'{item}': units must be at least 1"));
            }
            if n > MAX_UNITS {
                return Err(format!(
                    "'{item}': {n} units is implausible (at most {MAX_UNITS}): check the value"
                ));
            }
            (b, Some(n))
        }
        _ => (item, None),
    };
    let mut parts = body.split('-');
    let code = CompactString::from(parts.next().unwrap_or("").trim()).to_ascii_uppercase();
    if code.len() != 5 || !code.bytes().all(|c| c.is_ascii_alphanumeric()) {
        return Err(format!(
            "'{item}' is not CODE[-MOD][xUNITS]: codes are 5 characters, e.g. 99214-25 or J3490x1"
        ));
    }
    let modifiers: Vec<CompactString> = parts
        .map(|m| CompactString::from(m.trim()).to_ascii_uppercase())
        .collect();
    if modifiers
        .iter()
        .any(|m| m.len() != 2 || !m.bytes().all(|c| c.is_ascii_alphanumeric()))
    {
        return Err(format!(
            "'{item}': modifiers are two characters, e.g. 25 or KX"
        ));
    }
    if modifiers.len() > 4 {
        return Err(format!("'{item}': a line takes at most 4 modifiers"));
    }
    Ok(ProcSpec {
        code,
        modifiers,
        units,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::parse::UtcMidnight;

    const HEADER: &str =
        "patient_id,first_name,last_name,dob,sex,address,city,state,zip,payer,member_id\n";

    fn reading(utc_midnight: UtcMidnight) -> Reading {
        Reading::new(DateRules {
            tz: chrono_tz::America::Denver,
            utc_midnight,
        })
    }

    fn read_patients(rows: &str) -> (Vec<Patient>, Findings) {
        let mut f = Findings::default();
        let t = Table::parse(
            format!("{HEADER}{rows}").as_bytes(),
            "patients.csv",
            &PATIENT_COLUMNS,
            &mut f,
        );
        let p = patients(&t, &t.rows, &mut reading(UtcMidnight::Date), &mut f);
        (p, f)
    }

    fn read_sessions(rows: &str) -> (Vec<Session>, Findings) {
        let mut f = Findings::default();
        let t = Table::parse(
            format!("session_id,patient_id,provider_id,date,diagnoses,service,procedures,status,place_of_service\n{rows}").as_bytes(),
            "sessions.csv",
            &SESSION_COLUMNS,
            &mut f,
        );
        let mut r = reading(UtcMidnight::Date);
        let s = sessions(&t, &t.rows, &mut r, &mut f);
        r.midnights.report(&r.dates, false, &mut f);
        (s, f)
    }

    fn read_payments(rows: &str) -> (Vec<Payment>, Findings) {
        let mut f = Findings::default();
        let t = Table::parse(
            format!("payment_id,patient_id,session_id,date,amount,method\n{rows}").as_bytes(),
            "payments.csv",
            &PAYMENT_COLUMNS,
            &mut f,
        );
        let p = payments(&t, &t.rows, &mut reading(UtcMidnight::Date), &mut f);
        (p, f)
    }

    /// No finding may quote any of these.
    fn assert_no_leak(f: &Findings, values: &[&str]) {
        let all = format!("{:?}", f.items);
        for v in values {
            assert!(!all.contains(v), "{v} leaked: {all}");
        }
    }

    #[test]
    fn procedure_specs() {
        assert_eq!(
            proc_spec("99214-25").unwrap(),
            ProcSpec {
                code: "99214".into(),
                modifiers: vec!["25".into()],
                units: None
            }
        );
        assert_eq!(proc_spec("J3490x1").unwrap().units, Some(1));
        assert_eq!(proc_spec("j0013X56").unwrap().code, "J0013");
        let p = proc_spec("99215-25-95x1").unwrap();
        assert_eq!(p.modifiers, vec!["25", "95"]);
        assert!(proc_spec("9921").is_err());
        assert!(proc_spec("99214-2").is_err());
        assert!(proc_spec("96366x0").is_err());
        assert!(proc_spec("99214x4294967295").is_err());
        assert!(proc_spec("99214x99999999999").is_err());
    }

    #[test]
    fn a_bad_date_of_birth_is_not_echoed() {
        let (p, f) = read_patients("P1,Ann,Lee,13/45/1980,F,1 A St,Denver,CO,80202,Aetna,M1\n");
        assert!(p.is_empty());
        assert_eq!(f.items.len(), 1);
        assert_eq!(
            (f.items[0].field.as_str(), f.items[0].code),
            ("dob", "bad-date")
        );
        assert_no_leak(&f, &["1980", "13/45"]);
    }

    #[test]
    fn a_timestamped_date_of_birth_keeps_its_calendar_day() {
        let (p, _) =
            read_patients("P1,Ann,Lee,1975-07-09T00:00:00Z,F,1 A St,Denver,CO,80202,Aetna,M1\n");
        assert_eq!(
            p[0].dob,
            chrono::NaiveDate::from_ymd_opt(1975, 7, 9).unwrap()
        );
    }

    #[test]
    fn a_shifted_row_is_described_not_quoted() {
        // middle name missing its comma: every cell after it moves left.
        let (p, f) = read_patients(
            "P1,Zo\u{eb},Hargrove,F,1975-07-09,8294 Pinyon Gate Way,Broomfield,CO,80020,Anthem,HMQ849508732,\n",
        );
        assert!(p.is_empty());
        assert_no_leak(
            &f,
            &["Hargrove", "1975", "8294", "Pinyon", "Zo\u{eb}", "HMQ"],
        );
        // Twelve cells for eleven columns.
        assert_eq!(f.items[0].code, "csv-cell-count");

        let (p, f) = read_patients(
            "P1,Zoe,Hargrove,F,1975-07-09,8294 Pinyon Gate Way,Broomfield,CO,80020,Anthem,HMQ849508732\n",
        );
        assert!(p.is_empty());
        let sex = f.items.iter().find(|x| x.field == "sex").unwrap();
        assert_eq!(
            sex.message,
            "a date where the sex column is expected: use F, M, X or U: the row's cells may be shifted (a missing or extra comma)"
        );
        assert_no_leak(&f, &["Hargrove", "1975", "8294", "Pinyon", "Zoe"]);
    }

    #[test]
    fn sex_accepts_the_words_too() {
        let (p, f) = read_patients(
            "P1,Ann,Lee,1975-07-09,female,1 A St,Denver,CO,80202,Aetna,M1\nP2,Bo,Lee,1975-07-09,Male,1 A St,Denver,CO,80202,Aetna,M2\n",
        );
        assert!(f.items.is_empty(), "{:?}", f.items);
        assert_eq!((p[0].sex.as_str(), p[1].sex.as_str()), ("F", "M"));
    }

    #[test]
    fn a_name_typed_as_an_id_is_described() {
        let (s, f) = read_sessions("S1,Zo\u{eb} Hargrove,a,2026-09-01,F33.1,,99214,,\n");
        assert!(s.is_empty());
        assert_eq!(f.items.len(), 1, "{:?}", f.items);
        assert_eq!(
            (f.items[0].field.as_str(), f.items[0].code),
            ("patient_id", "bad-id")
        );
        assert!(
            f.items[0].message.starts_with(
                "patient_id holds text with spaces (a name?) that is not a valid patient id"
            ),
            "{}",
            f.items[0].message
        );
        assert_no_leak(&f, &["Hargrove", "Zo\u{eb}"]);
        let (p, f) = read_payments("PMT1,P1,Jane Doe,2026-09-01,10.00,card\n");
        assert!(p.is_empty());
        assert_eq!(f.items[0].field, "session_id");
        assert_no_leak(&f, &["Jane", "Doe"]);
    }

    #[test]
    fn a_location_that_is_not_an_id_is_described_not_quoted() {
        let mut f = Findings::default();
        let t = Table::parse(
            "session_id,patient_id,provider_id,date,diagnoses,service,location\nS1,P1,a,2026-09-01,F33.1,med-management,Dr Hargrove's office\n".as_bytes(),
            "sessions.csv",
            &SESSION_COLUMNS,
            &mut f,
        );
        let mut r = reading(UtcMidnight::Date);
        let s = sessions(&t, &t.rows, &mut r, &mut f);
        assert!(s.is_empty());
        assert_eq!(
            (f.items[0].field.as_str(), f.items[0].code),
            ("location", "bad-id")
        );
        assert_no_leak(&f, &["Hargrove"]);
    }

    #[test]
    fn cells_that_are_not_codes_are_described() {
        let (s, f) = read_sessions(
            "S1,P1,a,2026-09-01,Hargrove;F33.1,Zoe Hargrove,Hargrove,Hargrov,Broomfield\n",
        );
        assert!(s.is_empty());
        assert_no_leak(&f, &["Hargrove", "Hargrov", "Zoe", "Broomfield"]);
        let fields: Vec<&str> = f.items.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "status",
                "diagnoses",
                "procedures",
                "service",
                "place_of_service"
            ]
        );
        // A typo in status is corrected, not quoted.
        let (_, f) = read_sessions("S1,P1,a,2026-09-01,F33.1,,99214,completd,\n");
        assert_eq!(
            f.items[0].message,
            "status must be completed, cancelled or no-show: did you mean completed?"
        );
        // Codes are quoted: they are what staff look for.
        let (_, f) = read_sessions("S1,P1,a,2026-09-01,F33.1,,99214-2,,\n");
        assert!(
            f.items[0].message.starts_with("'99214-2'"),
            "{}",
            f.items[0].message
        );
    }

    #[test]
    fn dates_of_service_in_more_forms() {
        let (s, f) = read_sessions(
            "S1,P1,a,9/3/26,F33.1,,99214,,\nS2,P1,a,\"Sep 3, 2026\",F33.1,,99214,,\nS3,P1,a,\"September 3, 2026\",F33.1,,99214,,\nS4,P1,a,03.09.2026,F33.1,,99214,,\n",
        );
        assert_eq!(s.len(), 3);
        let d = chrono::NaiveDate::from_ymd_opt(2026, 9, 3).unwrap();
        assert!(s.iter().all(|s| s.date == d));
        assert_eq!(f.items.len(), 1);
        assert_eq!(f.items[0].line, 5);
        assert!(
            f.items[0]
                .message
                .starts_with("date '03.09.2026' is written with dots"),
            "{}",
            f.items[0].message
        );
    }

    #[test]
    fn european_amounts_name_the_expected_form() {
        let (p, f) = read_payments("PMT1,P1,,2026-09-01,\"1.250,00\",card\n");
        assert!(p.is_empty());
        assert_eq!(
            f.items[0].message,
            "amount '1.250,00' has a decimal comma: write it with a dot before the cents and no thousands dots, e.g. 1250.00"
        );
    }

    #[test]
    fn midnight_utc_timestamps_are_dates_with_one_warning_per_column() {
        let (s, f) = read_sessions(
            "S1,P1,a,2026-09-14T00:00:00Z,F33.1,,99214,,\nS2,P1,a,2026-09-15T00:00:00.000Z,F33.1,,99214,,\nS3,P1,a,2026-09-15T16:00:00Z,F33.1,,99214,,\n",
        );
        let days: Vec<u32> = s.iter().map(|s| chrono::Datelike::day(&s.date)).collect();
        assert_eq!(days, vec![14, 15, 15]);
        assert_eq!(f.items.len(), 1, "{:?}", f.items);
        assert_eq!((f.items[0].line, f.items[0].code), (2, "utc-midnight"));
        assert!(
            f.items[0]
                .message
                .starts_with("2 date values are a timestamp at exactly 00:00:00Z"),
            "{}",
            f.items[0].message
        );
        assert!(f.items[0].message.contains("utc_midnight"));
    }

    #[test]
    fn ids() {
        assert!(check_id("P0001").is_ok());
        assert!(check_id("Jane Doe").is_err());
    }
}
