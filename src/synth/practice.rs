//! The fictional practice: `practice.toml` and its providers' ids.

pub(super) const PSYCHIATRIST: &str = "okafor";
pub(super) const ANESTHESIOLOGIST: &str = "lindqvist";
pub(super) const NURSE_PRACTITIONER: &str = "reyes";
/// The second office's location id (the first is the billing address).
pub(super) const SECOND_OFFICE: &str = "boulder";

pub(super) const PRACTICE_TOML: &str = r#"# Cedar Ridge Ketamine & Wellness: a fictional practice (synthetic data).
# NPIs, EIN and licenses are invented; the NPIs are check-digit valid
# fictional numbers from the billing primer.
legal_name = "Cedar Ridge Ketamine & Wellness, LLC"
phone = "(303) 555-0142"
tax_id = "84-1234567"
npi = "1987654328"
taxonomy = "261QM0801X"
time_zone = "America/Denver"
default_place_of_service = "11"
# Sessions that name no location are at the Denver office.
default_location = "denver"
# Each provider attests to the services they rendered, over their own
# signature (attestation = "each-provider", the default when providers have
# signatures; "billing-provider" prints one attestation by the practice
# over the practice-level `signature`).
attestation = "each-provider"

[address]
line1 = "2750 Larkspur Ridge Pkwy"
line2 = "Suite 310"
city = "Denver"
state = "CO"
zip = "80206"

# The offices where patients are treated: sessions.csv names one in its
# location column. Superbills show the service facility of a line rendered
# elsewhere than the billing address above.
[[locations]]
id = "denver"
name = "Cedar Ridge Ketamine & Wellness, Denver"
place_of_service = "11"

[locations.address]
line1 = "2750 Larkspur Ridge Pkwy"
line2 = "Suite 310"
city = "Denver"
state = "CO"
zip = "80206"

[[locations]]
id = "boulder"
name = "Cedar Ridge Ketamine & Wellness, Boulder"
npi = "1287654325"
place_of_service = "11"

[locations.address]
line1 = "1830 Folsom St"
line2 = "Suite 200"
city = "Boulder"
state = "CO"
zip = "80302"

[[providers]]
id = "okafor"
name = "Maya Okafor"
credentials = "MD"
npi = "1234567893"
taxonomy = "2084P0800X"
license = "DR.0067291"
license_state = "CO"
signature = "signatures/okafor.png"

[[providers]]
id = "lindqvist"
name = "Erik Lindqvist"
credentials = "MD"
npi = "2123456784"
taxonomy = "207L00000X"
license = "DR.0058814"
license_state = "CO"
signature = "signatures/lindqvist.png"

[[providers]]
id = "reyes"
name = "Claire Reyes"
credentials = "PMHNP-BC"
npi = "1555555550"
taxonomy = "363LP0808X"
license = "APN.0104527"
license_state = "CO"
signature = "signatures/reyes.png"

# Where journal.csv posts (names as in the chart of accounts) and the Xero
# codes of those accounts for journal-xero.csv.
[accounts]
receivable = "Patient Receivables"
revenue = "Patient Services"
received = "Undeposited Funds"
xero_tax_rate = "Tax Exempt"

[accounts.revenue_by_category]
drug = "Drug Sales"
esketamine-drug = "Drug Sales"

[accounts.xero_codes]
"Patient Receivables" = "1210"
"Patient Services" = "4000"
"Drug Sales" = "4010"
"Undeposited Funds" = "1200"
"#;

/// The providers' signature images (fictional scribbles), written beside
/// practice.toml as `signatures/<id>.png`.
pub(super) const SIGNATURES: [(&str, &[u8]); 3] = [
    (
        PSYCHIATRIST,
        include_bytes!("../../samples/cedar-ridge/signatures/okafor.png"),
    ),
    (
        ANESTHESIOLOGIST,
        include_bytes!("../../samples/cedar-ridge/signatures/lindqvist.png"),
    ),
    (
        NURSE_PRACTITIONER,
        include_bytes!("../../samples/cedar-ridge/signatures/reyes.png"),
    ),
];
