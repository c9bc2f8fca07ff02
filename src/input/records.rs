//! Table rows to typed records. A row with any unusable required value gets
//! error findings at its line and yields no record.

use super::model::*;
use super::parse;
use super::table::{Row, Table};
use crate::findings::{At, Findings};
use crate::money::Cents;
use chrono_tz::Tz;

pub const PATIENT_COLUMNS: (&[&str], &[&str]) = (
    &[
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
    &[
        "middle_name",
        "address2",
        "group_number",
        "subscriber_name",
        "subscriber_relationship",
        "phone",
        "email",
    ],
);

pub const SESSION_COLUMNS: (&[&str], &[&str]) = (
    &[
        "session_id",
        "patient_id",
        "provider_id",
        "date",
        "diagnoses",
    ],
    &[
        "service",
        "procedures",
        "minutes",
        "dose_mg",
        "place_of_service",
        "status",
    ],
);

pub const PAYMENT_COLUMNS: (&[&str], &[&str]) = (
    &["payment_id", "patient_id", "date", "amount", "method"],
    &["session_id", "reference"],
);

/// Far above any real line (J0013 at 84 mg is 84 units); keeps sums of
/// absurd typos far from integer overflow.
const MAX_UNITS: u32 = 999;
/// Far above any real cash payment, for the same reason.
const MAX_PAYMENT: Cents = Cents(100_000_000); // $1,000,000.00

/// Ids end up in file names and superbill numbers, so they are held to a
/// safe alphabet rather than escaped later.
pub fn check_id(id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id.len() <= 40
        && id.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err("ids may hold only letters, digits, '-', '_' and '.' (at most 40, starting with a letter or digit)".into())
    }
}

/// Reads a row's cells, collecting findings; `ok` turns false on any error.
struct RowReader<'a> {
    table: &'a Table,
    row: &'a Row,
    at: At,
    findings: &'a mut Findings,
    ok: bool,
}

impl<'a> RowReader<'a> {
    fn new(table: &'a Table, row: &'a Row, id_col: &str, findings: &'a mut Findings) -> Self {
        let id = table.get(row, id_col).unwrap_or("").to_string();
        RowReader {
            at: At::new(&table.file, row.line, id),
            table,
            row,
            findings,
            ok: true,
        }
    }

    fn opt(&self, col: &str) -> Option<String> {
        self.table.get(self.row, col).map(str::to_string)
    }

    fn req(&mut self, col: &str) -> String {
        match self.table.get(self.row, col) {
            Some(v) => v.to_string(),
            None => {
                self.error(col, "missing-value", format!("{col} is empty: fill it in"));
                String::new()
            }
        }
    }

    fn id(&mut self, col: &str) -> String {
        let v = self.req(col);
        if !v.is_empty() {
            if let Err(e) = check_id(&v) {
                self.error(col, "bad-id", format!("{col}: {e}"));
            }
        }
        v
    }

    fn date(&mut self, col: &str, tz: Tz) -> Option<chrono::NaiveDate> {
        let v = self.req(col);
        if v.is_empty() {
            return None;
        }
        // A birth date is a calendar date: a timestamp is taken as written,
        // never shifted into the practice's time zone.
        let parsed = if col == "dob" {
            parse::calendar_date(&v)
        } else {
            parse::date(&v, tz)
        };
        match parsed {
            Ok(d) => Some(d),
            // A date of birth is never echoed, even a malformed one:
            // reports travel by e-mail.
            Err(_) if col == "dob" => {
                self.error(
                    col,
                    "bad-date",
                    "dob is not a valid date: use YYYY-MM-DD or M/D/YYYY with a four-digit year"
                        .into(),
                );
                None
            }
            Err(e) => {
                self.error(col, "bad-date", format!("{col} {e}"));
                None
            }
        }
    }

    fn number(&mut self, col: &str, unit: &str) -> Option<u32> {
        let v = self.opt(col)?;
        match parse::whole_number(&v, unit) {
            Ok(n) => Some(n),
            Err(e) => {
                self.error(col, "bad-number", format!("{col} {e}"));
                None
            }
        }
    }

    fn error(&mut self, field: &str, code: &'static str, message: String) {
        self.ok = false;
        self.findings.error(&self.at, field, code, message);
    }
}

/// Every row of an unusable file (missing required columns) is rejected
/// with a finding of its own, so the rejects report lists each one.
fn reject_all(table: &Table, id_col: &str, findings: &mut Findings) -> bool {
    if table.usable() {
        return false;
    }
    let cols = table.missing.join(", ");
    for row in &table.rows {
        let id = table.get(row, id_col).unwrap_or("");
        findings.error(
            &At::new(&table.file, row.line, id),
            table.missing[0],
            "csv-missing-column",
            format!("not read: the file lacks required column(s) {cols}"),
        );
    }
    true
}

pub fn patients(table: &Table, tz: Tz, findings: &mut Findings) -> Vec<Patient> {
    if reject_all(table, "patient_id", findings) {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(table.rows.len());
    for row in &table.rows {
        let mut r = RowReader::new(table, row, "patient_id", findings);
        let patient_id = r.id("patient_id");
        let first_name = r.req("first_name");
        let last_name = r.req("last_name");
        let dob = r.date("dob", tz);
        let sex = r.req("sex");
        if !sex.is_empty() && !matches!(sex.to_ascii_uppercase().as_str(), "F" | "M" | "X" | "U") {
            r.error(
                "sex",
                "bad-value",
                format!("sex '{sex}' must be F, M, X or U"),
            );
        }
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
            sex: sex.to_ascii_uppercase(),
            address,
            phone: r.opt("phone"),
            email: r.opt("email"),
            payer,
            member_id,
            group_number: r.opt("group_number"),
            subscriber_name: r.opt("subscriber_name"),
            subscriber_relationship: r.opt("subscriber_relationship"),
        };
        if r.ok {
            out.push(p);
        }
    }
    out
}

pub fn sessions(table: &Table, tz: Tz, findings: &mut Findings) -> Vec<Session> {
    if reject_all(table, "session_id", findings) {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(table.rows.len());
    for row in &table.rows {
        let mut r = RowReader::new(table, row, "session_id", findings);
        let session_id = r.id("session_id");
        let patient_id = r.req("patient_id");
        let provider_id = r.req("provider_id");
        let date = r.date("date", tz);
        let status = match r.opt("status").map(|s| s.to_ascii_lowercase()) {
            None => Status::Completed,
            Some(s) => match s.replace(['_', ' '], "-").as_str() {
                "completed" | "complete" | "done" => Status::Completed,
                "cancelled" | "canceled" => Status::Cancelled,
                "no-show" | "noshow" => Status::NoShow,
                _ => {
                    r.error(
                        "status",
                        "bad-value",
                        format!("status '{s}' must be completed, cancelled or no-show"),
                    );
                    Status::Completed
                }
            },
        };
        let mut diagnoses: Vec<String> = Vec::new();
        for code in r.opt("diagnoses").iter().flat_map(|d| split_list(d)) {
            let code = crate::icd10::normalize(code);
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
        if let Some(text) = r.opt("procedures") {
            for item in split_list(&text) {
                match proc_spec(item) {
                    Ok(p) => procedures.push(p),
                    Err(e) => r.error("procedures", "bad-procedure", e),
                }
            }
        }
        let service = r.opt("service");
        let minutes = r.number("minutes", "min");
        let dose_mg = r.number("dose_mg", "mg");
        if status == Status::Completed {
            if diagnoses.is_empty() {
                r.error(
                    "diagnoses",
                    "missing-value",
                    "diagnoses is empty: a claim needs at least one ICD-10-CM code".into(),
                );
            }
            if service.is_none() && procedures.is_empty() {
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
            diagnoses,
            service,
            procedures,
            minutes,
            dose_mg,
            place_of_service: r.opt("place_of_service").map(|p| format!("{p:0>2}")),
            status,
        };
        if r.ok {
            out.push(s);
        }
    }
    out
}

pub fn payments(table: &Table, tz: Tz, findings: &mut Findings) -> Vec<Payment> {
    if reject_all(table, "payment_id", findings) {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(table.rows.len());
    for row in &table.rows {
        let mut r = RowReader::new(table, row, "payment_id", findings);
        let payment_id = r.id("payment_id");
        let patient_id = r.req("patient_id");
        let date = r.date("date", tz);
        let amount_text = r.req("amount");
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
                Err(e) => {
                    r.error("amount", "bad-amount", format!("amount {e}"));
                    Cents::ZERO
                }
            }
        };
        let method = r.req("method");
        let p = Payment {
            line: row.line,
            payment_id,
            patient_id,
            session_id: r.opt("session_id"),
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
    let code = parts.next().unwrap_or("").trim().to_ascii_uppercase();
    if code.len() != 5 || !code.bytes().all(|c| c.is_ascii_alphanumeric()) {
        return Err(format!(
            "'{item}' is not CODE[-MOD][xUNITS]: codes are 5 characters, e.g. 99214-25 or J3490x1"
        ));
    }
    let modifiers: Vec<String> = parts.map(|m| m.trim().to_ascii_uppercase()).collect();
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
        let mut f = Findings::default();
        let t = Table::parse(
            b"patient_id,first_name,last_name,dob,sex,address,city,state,zip,payer,member_id\nP1,Ann,Lee,13/45/1980,F,1 A St,Denver,CO,80202,Aetna,M1\n",
            "patients.csv",
            PATIENT_COLUMNS.0,
            PATIENT_COLUMNS.1,
            &mut f,
        );
        assert!(patients(&t, chrono_tz::America::Denver, &mut f).is_empty());
        assert_eq!(f.items.len(), 1);
        assert_eq!(
            (f.items[0].field.as_str(), f.items[0].code),
            ("dob", "bad-date")
        );
        assert!(
            !f.items[0].message.contains("1980"),
            "{}",
            f.items[0].message
        );
    }

    #[test]
    fn a_timestamped_date_of_birth_keeps_its_calendar_day() {
        let mut f = Findings::default();
        let t = Table::parse(
            b"patient_id,first_name,last_name,dob,sex,address,city,state,zip,payer,member_id\nP1,Ann,Lee,1975-07-09T00:00:00Z,F,1 A St,Denver,CO,80202,Aetna,M1\n",
            "patients.csv",
            PATIENT_COLUMNS.0,
            PATIENT_COLUMNS.1,
            &mut f,
        );
        let p = patients(&t, chrono_tz::America::Denver, &mut f);
        assert_eq!(
            p[0].dob,
            chrono::NaiveDate::from_ymd_opt(1975, 7, 9).unwrap()
        );
    }

    #[test]
    fn ids() {
        assert!(check_id("P0001").is_ok());
        assert!(check_id("S-2026.09_1").is_ok());
        assert!(check_id("../etc").is_err());
        assert!(check_id("Jane Doe").is_err());
        assert!(check_id("").is_err());
    }
}
