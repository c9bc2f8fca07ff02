//! The superbill as pure data: everything a renderer prints, already
//! resolved, formatted-free and totalled. Renderers (PDF, CSV) read this and
//! never look back at the inputs, so billing rules are testable without PDFs
//! and the renderer without CSVs.

use crate::input::Address;
use crate::money::Cents;
use chrono::NaiveDate;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Superbill {
    /// Stable for a patient and period, e.g. `SB-202609-P0001`. Also the
    /// file name and the PDF document ID seed, so it only holds `[A-Z0-9-]`
    /// and characters of validated ids.
    pub number: String,
    pub statement_date: NaiveDate,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub practice: BillingEntity,
    /// Service facility, when every line was rendered at the same place
    /// and that is not the billing address (lines at several places carry
    /// theirs, `ServiceLine::facility`, and this is None).
    pub facility: Option<Party>,
    pub patient: PatientBlock,
    /// Every rendering provider that appears on a line, in first-use order.
    pub providers: Vec<ProviderBlock>,
    /// A-L, primary first.
    pub diagnoses: Vec<Diagnosis>,
    /// In date-of-service order.
    pub lines: Vec<ServiceLine>,
    /// Payments applied to this superbill's sessions.
    pub payments: Vec<PaymentLine>,
    pub total_charged: Cents,
    pub total_paid: Cents,
    /// charged - paid; never negative (credit is reported separately).
    pub balance: Cents,
    /// Whether any line carries a CPT (AMA) code: the AMA notice is then
    /// printed.
    pub shows_cpt: bool,
    /// Which issue of this superbill this is: its revision, and what a
    /// partial superbill leaves out.
    pub issue: Issue,
}

/// How a superbill is issued. A revision above 1 is a corrected superbill:
/// an earlier run issued this number with different content. A partial
/// superbill (`batch --partial`) leaves out rows that have errors and says
/// so on every page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    pub revision: u32,
    /// Empty for a complete superbill.
    pub left_out: Vec<LeftOut>,
}

impl Default for Issue {
    fn default() -> Issue {
        Issue {
            revision: 1,
            left_out: Vec::new(),
        }
    }
}

impl Issue {
    pub fn is_partial(&self) -> bool {
        !self.left_out.is_empty()
    }

    pub fn is_corrected(&self) -> bool {
        self.revision > 1
    }
}

/// A row a partial superbill leaves out, by id (never by its text).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum LeftOut {
    /// A session, with its date of service when it could be read.
    Session {
        id: String,
        date: Option<NaiveDate>,
    },
    Payment {
        id: String,
    },
    /// A row whose id could not be read.
    Row {
        file: String,
        line: u64,
    },
}

impl LeftOut {
    /// As printed: `Session S000123, date of service 09/14/2026`.
    pub fn describe(&self) -> String {
        match self {
            LeftOut::Session { id, date: Some(d) } => {
                format!("Session {id}, date of service {}", d.format("%m/%d/%Y"))
            }
            LeftOut::Session { id, date: None } => {
                format!("Session {id}, date of service unreadable")
            }
            LeftOut::Payment { id } => format!("Payment {id}"),
            LeftOut::Row { file, line } => format!("{file} line {line}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Party {
    pub name: String,
    pub address_lines: Vec<String>,
    /// The same address in parts, for forms with a box per part (CMS-1500).
    pub address: Address,
    /// The facility's own NPI, when it has one (CMS-1500 box 32a).
    pub npi: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BillingEntity {
    pub legal_name: String,
    pub address_lines: Vec<String>,
    /// The same address in parts, for forms with a box per part (CMS-1500).
    pub address: Address,
    pub phone: String,
    pub tax_id: String,
    pub npi: Option<String>,
    pub taxonomy: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PatientBlock {
    pub patient_id: String,
    /// "Last, First Middle", exactly as on the insurance card.
    pub name: String,
    /// The name's parts, for forms that order them their own way.
    pub last_name: String,
    pub first_name: String,
    pub middle_name: Option<String>,
    pub dob: NaiveDate,
    pub sex: String,
    pub address_lines: Vec<String>,
    /// The same address in parts, for forms with a box per part (CMS-1500).
    pub address: Address,
    pub phone: Option<String>,
    pub payer: String,
    pub member_id: String,
    pub group_number: Option<String>,
    /// (name, relationship) when the patient is not the subscriber.
    pub subscriber: Option<(String, String)>,
    /// The subscriber's date of birth, when the patient is not the
    /// subscriber and it is known.
    pub subscriber_dob: Option<NaiveDate>,
    /// A public program the payer belongs to (`medicare`, `medicaid`: a
    /// type of `codes/payers.toml`); None for a commercial plan. The note
    /// to the patient follows it.
    pub payer_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProviderBlock {
    pub id: String,
    /// "Maya Okafor, MD"
    pub name: String,
    pub npi: String,
    pub license: String,
    pub license_state: String,
    pub taxonomy: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnosis {
    /// 'A'..='L'
    pub letter: char,
    /// Dotted form, e.g. `F33.2`.
    pub code: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceLine {
    pub session_id: String,
    pub date: NaiveDate,
    /// Two digits, e.g. `11`.
    pub place_of_service: String,
    pub code: String,
    /// Up to four.
    pub modifiers: Vec<String>,
    /// Diagnosis letters, at most four, primary first, e.g. `AB`.
    pub pointers: String,
    pub units: u32,
    pub unit_fee: Cents,
    /// unit_fee * units.
    pub charge: Cents,
    /// What was paid toward this line: the session's payments spread over
    /// its lines in order, each up to its charge (see `paid`). The lines'
    /// sum is the superbill's `total_paid`.
    pub paid: Cents,
    pub provider_npi: String,
    /// The practice's own plain description (never AMA text).
    pub description: String,
    pub drug: Option<DrugInfo>,
    /// Where the service was rendered, when not the billing address.
    pub facility: Option<Party>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DrugInfo {
    /// 11 digits, 5-4-2 without dashes.
    pub ndc11: String,
    /// `ML`, `UN`, `GR`, `F2` or `ME` (NUCC unit qualifiers).
    pub unit_qualifier: String,
    /// Decimal quantity as printed, e.g. `1.2` or `2`.
    pub quantity: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaymentLine {
    pub payment_id: String,
    pub date: NaiveDate,
    pub method: String,
    pub reference: Option<String>,
    /// What of this payment was applied to this superbill (a package
    /// prepayment may be split across several superbills).
    pub amount: Cents,
}

impl Superbill {
    /// Modifiers joined the way claim forms print them: `25 95`.
    pub fn modifiers_text(line: &ServiceLine) -> String {
        line.modifiers.join(" ")
    }

    /// Whether the lines were rendered at different places (some maybe at
    /// the billing address): each line then shows its service facility.
    pub fn facility_per_line(&self) -> bool {
        self.facility.is_none() && self.lines.iter().any(|l| l.facility.is_some())
    }

    /// Whether more than one rendering provider appears, in which case each
    /// line shows its provider's NPI.
    pub fn several_providers(&self) -> bool {
        self.providers.len() > 1
    }
}
