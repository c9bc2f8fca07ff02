//! `ledger.csv`: one row per service line of every superbill issued.

use super::{place_text, Csv};
use crate::codes::Catalog;
use crate::hash::HashSet;
use crate::money::Cents;
use crate::superbill::Superbill;
use chrono::NaiveDate;
use std::io::Write;
use std::sync::{Arc, Mutex};

pub const LEDGER_HEADER: [&str; 18] = [
    "superbill_number",
    "patient_id",
    "session_id",
    "date_of_service",
    "provider_npi",
    "provider_name",
    "place_of_service",
    "code",
    "modifiers",
    "description",
    "category",
    "units",
    "unit_fee",
    "diagnosis_pointers",
    "charge",
    "ndc",
    "ndc_unit",
    "ndc_quantity",
];

/// Text of a ledger line: shared, since most of it (a provider, a code,
/// its description) repeats on thousands of lines.
pub type Text = Arc<str>;

/// One service line as the accountant sees it; also what the breakdowns
/// and the journal are computed from, so they agree with the ledger by
/// construction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerLine {
    pub superbill_number: Text,
    pub patient_id: Text,
    pub session_id: Text,
    pub date: NaiveDate,
    pub provider_npi: Text,
    /// "Maya Okafor, MD"
    pub provider_name: Text,
    /// Already text-safe (see `place_text`).
    pub place_of_service: Text,
    pub code: Text,
    pub modifiers: Text,
    /// The practice's own description (never AMA text).
    pub description: Text,
    /// The procedure table's category, e.g. `infusion-initial`.
    pub category: Text,
    pub units: u32,
    pub unit_fee: Cents,
    pub pointers: Text,
    pub charge: Cents,
    /// Drug lines: the 11-digit NDC, its unit qualifier (`ML`, `UN`) and
    /// the quantity given in that unit (`4`), as on the superbill.
    pub ndc: Text,
    pub ndc_unit: Text,
    pub ndc_quantity: Text,
}

/// One copy of each text that many ledger lines share, for a whole batch
/// (superbills are built on several threads).
#[derive(Debug, Default)]
pub struct Strings(Mutex<HashSet<Text>>);

impl Strings {
    pub fn get(&self, text: &str) -> Text {
        let mut set = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = set.get(text) {
            return t.clone();
        }
        let t: Text = Arc::from(text);
        set.insert(t.clone());
        t
    }
}

impl LedgerLine {
    pub fn of(sb: &Superbill, catalog: &Catalog, strings: &Strings) -> Vec<LedgerLine> {
        let number: Text = Arc::from(sb.number.as_str());
        let patient: Text = Arc::from(sb.patient.patient_id.as_str());
        // A session's lines are consecutive: its id is kept once.
        let mut session: Option<Text> = None;
        let mut out = Vec::with_capacity(sb.lines.len());
        for l in &sb.lines {
            let session_id = match &session {
                Some(s) if **s == *l.session_id => s.clone(),
                _ => {
                    let s: Text = Arc::from(&*l.session_id);
                    session = Some(s.clone());
                    s
                }
            };
            let drug = |f: fn(&crate::superbill::DrugInfo) -> &str| {
                strings.get(l.drug.as_ref().map(f).unwrap_or_default())
            };
            out.push(LedgerLine {
                superbill_number: number.clone(),
                patient_id: patient.clone(),
                session_id,
                date: l.date,
                provider_npi: strings.get(&l.provider_npi),
                provider_name: strings.get(
                    sb.providers
                        .iter()
                        .find(|p| p.npi == l.provider_npi)
                        .map_or("", |p| p.name.as_str()),
                ),
                place_of_service: strings.get(&place_text(&l.place_of_service, catalog)),
                code: strings.get(&l.code),
                modifiers: strings.get(&l.modifiers.join(";")),
                description: strings.get(&l.description),
                category: strings.get(
                    catalog
                        .procedure(&l.code)
                        .map_or("", |p| p.category.as_str()),
                ),
                units: l.units,
                unit_fee: l.unit_fee,
                pointers: strings.get(&l.pointers),
                charge: l.charge,
                ndc: drug(|d| &d.ndc11),
                ndc_unit: drug(|d| &d.unit_qualifier),
                ndc_quantity: drug(|d| &d.quantity),
            });
        }
        out
    }
}

/// `ledger.csv` from the lines of each superbill, in order.
pub fn ledger_csv<'a>(lines: impl IntoIterator<Item = &'a LedgerLine>) -> Vec<u8> {
    write_ledger(Vec::new(), lines).expect("writing to memory")
}

pub fn write_ledger<'a, W: Write>(
    w: W,
    lines: impl IntoIterator<Item = &'a LedgerLine>,
) -> std::io::Result<W> {
    let mut csv = Csv::to(w, &LEDGER_HEADER);
    ledger_rows(&mut csv, lines);
    csv.into_inner()
}

/// The rows of `lines`, under a header written before.
pub fn ledger_rows<'a, W: Write>(
    csv: &mut Csv<W>,
    lines: impl IntoIterator<Item = &'a LedgerLine>,
) {
    for l in lines {
        csv.row([
            &*l.superbill_number,
            &*l.patient_id,
            &*l.session_id,
            &l.date.to_string(),
            &*l.provider_npi,
            &*l.provider_name,
            &*l.place_of_service,
            &*l.code,
            &*l.modifiers,
            &*l.description,
            &*l.category,
            &l.units.to_string(),
            &l.unit_fee.plain(),
            &*l.pointers,
            &l.charge.plain(),
            &*l.ndc,
            &*l.ndc_unit,
            &*l.ndc_quantity,
        ]);
    }
}
