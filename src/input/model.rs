//! The practice's records after parsing: typed, normalised, each carrying
//! the line it came from so any later finding can point back at it.

use super::label::Label;
use crate::money::Cents;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Ids and codes of sessions and payments: inline up to 24 bytes, so a
/// year of rows does not make a heap allocation per cell (see README,
/// "Batch memory").
pub use compact_str::CompactString;

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Address {
    pub line1: String,
    #[serde(default)]
    pub line2: Option<String>,
    pub city: String,
    pub state: String,
    pub zip: String,
}

impl Address {
    /// "City, ST 12345"
    pub fn city_line(&self) -> String {
        format!("{}, {} {}", self.city, self.state, self.zip)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    pub id: String,
    pub name: String,
    pub credentials: String,
    pub npi: String,
    pub taxonomy: String,
    pub license: String,
    pub license_state: String,
    /// This provider's signature (PNG, relative to the practice folder),
    /// printed over their attestation on superbills with their lines.
    #[serde(default)]
    pub signature: Option<PathBuf>,
}

impl Provider {
    /// "Maya Okafor, MD"
    pub fn display_name(&self) -> String {
        if self.credentials.is_empty() {
            self.name.clone()
        } else {
            format!("{}, {}", self.name, self.credentials)
        }
    }
}

fn yes() -> bool {
    true
}

/// `practice.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Practice {
    pub legal_name: String,
    pub address: Address,
    pub phone: String,
    /// Employer Identification Number, `XX-XXXXXXX`.
    pub tax_id: String,
    /// Organization (type 2) NPI; solo practitioners may have none.
    #[serde(default)]
    pub npi: Option<String>,
    pub taxonomy: String,
    /// IANA name, e.g. `America/Denver`.
    pub time_zone: String,
    #[serde(default = "default_pos")]
    pub default_place_of_service: String,
    /// How to read timestamps at exactly 00:00:00 UTC in sessions.csv and
    /// payments.csv: `date` (the calendar date written) or `convert` (to
    /// `time_zone`). Unset: read as dates, with a warning.
    #[serde(default)]
    pub utc_midnight: Option<super::parse::UtcMidnight>,
    /// Where services are rendered, when not the billing address (a
    /// practice with one office; several offices list `locations`).
    #[serde(default)]
    pub service_facility: Option<Facility>,
    /// The offices where services are rendered; sessions name theirs in
    /// the `location` column.
    #[serde(default)]
    pub locations: Vec<Location>,
    /// The location of sessions that name none.
    #[serde(default)]
    pub default_location: Option<String>,
    /// Paths are relative to the practice folder.
    #[serde(default)]
    pub logo: Option<PathBuf>,
    #[serde(default)]
    pub signature: Option<PathBuf>,
    /// Who attests on a superbill: each rendering provider over their own
    /// signature, or the billing provider for every line. Unset: see
    /// [`Practice::attestation_mode`].
    #[serde(default)]
    pub attestation: Option<Attestation>,
    /// A TrueType font to embed for names the built-in fonts cannot show.
    #[serde(default)]
    pub font: Option<PathBuf>,
    #[serde(default)]
    pub font_bold: Option<PathBuf>,
    /// Allows `logo`, `signature`, `font` and `font_bold` to name files
    /// outside the practice folder (off by default: a practice folder is
    /// then self-contained, and a typo cannot pull in an unrelated file).
    #[serde(default)]
    pub allow_outside_files: bool,
    /// Fonts tried, in order, for characters `font` lacks (before the
    /// bundled Liberation Sans, Noto Sans Hebrew and Noto Sans Arabic).
    #[serde(default)]
    pub fallback_fonts: Vec<PathBuf>,
    /// Whether this machine's fonts end the font chain (CJK and other
    /// scripts); `false` makes output depend on the practice folder and the
    /// program alone.
    #[serde(default = "yes")]
    pub system_fonts: bool,
    pub providers: Vec<Provider>,
    /// Account names for the accountant's journal (`journal.csv`).
    #[serde(default)]
    pub accounts: Accounts,
    /// Documents added to every superbill, and how the CMS-1500 prints.
    #[serde(default)]
    pub documents: DocumentSettings,
    /// `[portal]`: the patient portal's address and mail settings.
    #[serde(default)]
    pub portal: Option<crate::portal::config::PortalConfig>,
}

/// `attestation` in practice.toml: who certifies the services on a
/// superbill.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Attestation {
    /// Each rendering provider attests to the lines they rendered, over
    /// their own signature (a superbill with three providers carries three
    /// attestations).
    #[default]
    EachProvider,
    /// One attestation by the billing provider (the practice) for every
    /// line, over the practice's `signature`.
    BillingProvider,
}

impl Attestation {
    pub fn as_str(self) -> &'static str {
        match self {
            Attestation::EachProvider => "each-provider",
            Attestation::BillingProvider => "billing-provider",
        }
    }
}

/// `[documents]` in practice.toml.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DocumentSettings {
    /// Added to every batch, as `--with` does: `cms1500` (the claim form
    /// beside each superbill), `guide` (the patient's filing guide as the
    /// first page of each superbill).
    pub with: Vec<Extra>,
    pub cms1500: Cms1500Settings,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Extra {
    Cms1500,
    Guide,
}

/// `[documents.cms1500]`: data only for pre-printed red forms, and the
/// printer's offsets (points, or `2mm`, `0.1in`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Cms1500Settings {
    pub data_only: bool,
    pub offset_x: Option<crate::cms1500::Length>,
    pub offset_y: Option<crate::cms1500::Length>,
}

/// `[accounts]` in practice.toml: where the journal posts. Names must match
/// the chart of accounts exactly (QuickBooks Online imports by name); Xero
/// imports by account code, given in `xero_codes`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct Accounts {
    /// What patients owe for services rendered (debited at the date of
    /// service, credited when they pay). An asset account of its own, not
    /// QuickBooks' Accounts Receivable type, which wants a customer on
    /// every line.
    pub receivable: String,
    /// Income from services.
    pub revenue: String,
    /// Where payments land before the bank deposit.
    pub received: String,
    /// Revenue per procedure category (e.g. `infusion-initial`), else `revenue`.
    pub revenue_by_category: std::collections::BTreeMap<String, String>,
    /// Received account per payment method as written in payments.csv
    /// (e.g. `cash`), else `received`.
    pub received_by_method: std::collections::BTreeMap<String, String>,
    /// Xero account code of each account name above.
    pub xero_codes: std::collections::BTreeMap<String, String>,
    /// Xero's tax rate name for every line (mandatory there).
    pub xero_tax_rate: String,
}

impl Default for Accounts {
    fn default() -> Accounts {
        Accounts {
            receivable: "Patient Receivables".into(),
            revenue: "Patient Services".into(),
            received: "Undeposited Funds".into(),
            revenue_by_category: Default::default(),
            received_by_method: Default::default(),
            xero_codes: Default::default(),
            xero_tax_rate: "Tax Exempt".into(),
        }
    }
}

impl Accounts {
    pub fn revenue_for(&self, category: &str) -> &str {
        self.revenue_by_category
            .get(category)
            .map_or(self.revenue.as_str(), String::as_str)
    }

    /// Methods match case-insensitively: exports write `Card` and `card`.
    pub fn received_for(&self, method: &str) -> &str {
        self.received_by_method
            .iter()
            .find(|(m, _)| m.eq_ignore_ascii_case(method.trim()))
            .map_or(self.received.as_str(), |(_, a)| a.as_str())
    }
}

fn default_pos() -> String {
    "11".to_string()
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Facility {
    pub name: String,
    pub address: Address,
}

/// An office of the practice (`[[locations]]` in practice.toml).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Location {
    pub id: String,
    pub name: String,
    pub address: Address,
    /// The facility's own (type 2) NPI, when it has one.
    #[serde(default)]
    pub npi: Option<String>,
    /// Place of service of sessions there (else the practice's default).
    #[serde(default)]
    pub place_of_service: Option<String>,
}

/// Where one session's services were rendered, as a claim reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Site<'a> {
    pub name: &'a str,
    pub address: &'a Address,
    pub npi: Option<&'a str>,
}

impl Practice {
    /// Who attests: as `attestation` says; unset, each provider, except in
    /// a practice of several providers where no provider has a signature
    /// of their own but the practice has one (that signature is then the
    /// billing provider's: it is never printed over one provider's name).
    pub fn attestation_mode(&self) -> Attestation {
        self.attestation.unwrap_or_else(|| {
            let own = self.providers.iter().any(|p| p.signature.is_some());
            if !own && self.signature.is_some() && self.providers.len() > 1 {
                Attestation::BillingProvider
            } else {
                Attestation::EachProvider
            }
        })
    }

    /// The signature printed over provider `id`'s attestation: their own,
    /// else the practice's `signature` when the practice has this one
    /// provider only (whose signature it then is).
    pub fn signature_of(&self, id: &str) -> Option<&std::path::Path> {
        let prov = self.providers.iter().find(|p| p.id == id)?;
        prov.signature.as_deref().or(if self.providers.len() == 1 {
            self.signature.as_deref()
        } else {
            None
        })
    }

    pub fn location(&self, id: &str) -> Option<&Location> {
        self.locations.iter().find(|l| l.id == id)
    }

    /// The location a session names, or the practice's default one.
    /// `None` when the session names no location and there is no default
    /// (or the id is unknown: validation reports it).
    pub fn location_of(&self, session_location: Option<&str>) -> Option<&Location> {
        session_location
            .or(self.default_location.as_deref())
            .and_then(|id| self.location(id))
    }

    /// The place of service a session at `location` starts from (a
    /// service or the session's own column may override it).
    pub fn place_of_service_at<'a>(&'a self, location: Option<&'a Location>) -> &'a str {
        location
            .and_then(|l| l.place_of_service.as_deref())
            .unwrap_or(&self.default_place_of_service)
    }

    /// The place of service `session` starts from: its location's, else
    /// the practice's default.
    pub fn default_pos_for(&self, session: &Session) -> &str {
        self.place_of_service_at(self.location_of(session.location.as_deref()))
    }

    /// Where a session at `location` was rendered when that is not the
    /// billing address: claims report a service facility only then.
    pub fn site_at<'a>(&'a self, location: Option<&'a Location>) -> Option<Site<'a>> {
        let site = match location {
            Some(l) => Site {
                name: &l.name,
                address: &l.address,
                npi: l.npi.as_deref(),
            },
            None => {
                let f = self.service_facility.as_ref()?;
                Site {
                    name: &f.name,
                    address: &f.address,
                    npi: None,
                }
            }
        };
        (site.address != &self.address).then_some(site)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patient {
    pub line: u64,
    pub patient_id: String,
    pub first_name: String,
    pub middle_name: Option<String>,
    pub last_name: String,
    pub dob: NaiveDate,
    pub sex: String,
    pub address: Address,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub payer: String,
    pub member_id: String,
    pub group_number: Option<String>,
    pub subscriber_name: Option<String>,
    pub subscriber_relationship: Option<String>,
    /// The subscriber's date of birth, when the patient is not the
    /// subscriber (insurers match the policy holder by name and DOB).
    pub subscriber_dob: Option<NaiveDate>,
    /// `medicare`, `medicaid` (a type of `codes/payers.toml`) or
    /// `commercial`; when empty the type is recognised from `payer`.
    pub payer_type: Option<String>,
}

impl Patient {
    /// Legal name in "Last, First Middle" order, as insurers file it.
    pub fn full_name(&self) -> String {
        match &self.middle_name {
            Some(m) => format!("{}, {} {}", self.last_name, self.first_name, m),
            None => format!("{}, {}", self.last_name, self.first_name),
        }
    }

    /// The patient is not the subscriber when a subscriber is named with a
    /// relationship other than self.
    pub fn subscriber(&self) -> Option<(&str, &str)> {
        let name = self.subscriber_name.as_deref()?;
        let rel = self.subscriber_relationship.as_deref().unwrap_or("");
        if rel.eq_ignore_ascii_case("self") {
            return None;
        }
        Some((name, rel))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Completed,
    Cancelled,
    NoShow,
}

/// One explicit procedure: `CODE[-MOD[-MOD...]][xUNITS]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcSpec {
    pub code: CompactString,
    pub modifiers: Vec<CompactString>,
    pub units: Option<u32>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub line: u64,
    pub session_id: CompactString,
    pub patient_id: CompactString,
    /// Shared with the other rows of the same text (see [`Label`]), as
    /// are the service, place of service and location.
    pub provider_id: Label,
    pub date: NaiveDate,
    /// ICD-10-CM codes without dots, upper case, in priority order.
    /// Boxed: exactly as long as the list (a `Vec` kept room for four).
    pub diagnoses: Box<[CompactString]>,
    pub service: Option<Label>,
    pub procedures: Vec<ProcSpec>,
    pub minutes: Option<u32>,
    pub dose_mg: Option<u32>,
    pub place_of_service: Option<Label>,
    pub status: Status,
    /// Where the service was rendered: a location id of practice.toml
    /// (empty: the practice's default location).
    pub location: Option<Label>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Payment {
    pub line: u64,
    pub payment_id: CompactString,
    pub patient_id: CompactString,
    pub session_id: Option<CompactString>,
    pub date: NaiveDate,
    /// Negative for a refund.
    pub amount: Cents,
    /// Shared with the other rows of the same text (see [`Label`]).
    pub method: Label,
    pub reference: Option<CompactString>,
}

/// File names as they appear in findings.
pub const PRACTICE_FILE: &str = "practice.toml";
pub const PATIENTS_FILE: &str = "patients.csv";
pub const SESSIONS_FILE: &str = "sessions.csv";
pub const PAYMENTS_FILE: &str = "payments.csv";
