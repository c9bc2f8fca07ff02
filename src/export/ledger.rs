//! `ledger.csv`: one row per service line of every superbill issued.

use super::{place_text, Csv};
use crate::codes::Catalog;
use crate::money::Cents;
use crate::superbill::Superbill;
use chrono::NaiveDate;

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

/// One service line as the accountant sees it; also what the breakdowns
/// and the journal are computed from, so they agree with the ledger by
/// construction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerLine {
    pub superbill_number: String,
    pub patient_id: String,
    pub session_id: String,
    pub date: NaiveDate,
    pub provider_npi: String,
    /// "Maya Okafor, MD"
    pub provider_name: String,
    /// Already text-safe (see `place_text`).
    pub place_of_service: String,
    pub code: String,
    pub modifiers: String,
    /// The practice's own description (never AMA text).
    pub description: String,
    /// The procedure table's category, e.g. `infusion-initial`.
    pub category: String,
    pub units: u32,
    pub unit_fee: Cents,
    pub pointers: String,
    pub charge: Cents,
    /// Drug lines: the 11-digit NDC, its unit qualifier (`ML`, `UN`) and
    /// the quantity given in that unit (`4`), as on the superbill.
    pub ndc: String,
    pub ndc_unit: String,
    pub ndc_quantity: String,
}

impl LedgerLine {
    pub fn of(sb: &Superbill, catalog: &Catalog) -> Vec<LedgerLine> {
        sb.lines
            .iter()
            .map(|l| LedgerLine {
                superbill_number: sb.number.clone(),
                patient_id: sb.patient.patient_id.clone(),
                session_id: l.session_id.clone(),
                date: l.date,
                provider_npi: l.provider_npi.clone(),
                provider_name: sb
                    .providers
                    .iter()
                    .find(|p| p.npi == l.provider_npi)
                    .map(|p| p.name.clone())
                    .unwrap_or_default(),
                place_of_service: place_text(&l.place_of_service, catalog),
                code: l.code.clone(),
                modifiers: l.modifiers.join(";"),
                description: l.description.clone(),
                category: catalog
                    .procedure(&l.code)
                    .map(|p| p.category.clone())
                    .unwrap_or_default(),
                units: l.units,
                unit_fee: l.unit_fee,
                pointers: l.pointers.clone(),
                charge: l.charge,
                ndc: l.drug.as_ref().map(|d| d.ndc11.clone()).unwrap_or_default(),
                ndc_unit: l
                    .drug
                    .as_ref()
                    .map(|d| d.unit_qualifier.clone())
                    .unwrap_or_default(),
                ndc_quantity: l
                    .drug
                    .as_ref()
                    .map(|d| d.quantity.clone())
                    .unwrap_or_default(),
            })
            .collect()
    }
}

/// `ledger.csv` from the lines of each superbill, in order.
pub fn ledger_csv<'a>(lines: impl IntoIterator<Item = &'a LedgerLine>) -> Vec<u8> {
    let mut csv = Csv::new(&LEDGER_HEADER);
    for l in lines {
        csv.row([
            l.superbill_number.as_str(),
            l.patient_id.as_str(),
            l.session_id.as_str(),
            &l.date.to_string(),
            l.provider_npi.as_str(),
            l.provider_name.as_str(),
            l.place_of_service.as_str(),
            l.code.as_str(),
            l.modifiers.as_str(),
            l.description.as_str(),
            l.category.as_str(),
            &l.units.to_string(),
            &l.unit_fee.plain(),
            l.pointers.as_str(),
            &l.charge.plain(),
            l.ndc.as_str(),
            l.ndc_unit.as_str(),
            l.ndc_quantity.as_str(),
        ]);
    }
    csv.finish()
}
