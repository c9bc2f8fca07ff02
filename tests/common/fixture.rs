//! Hand-built, realistic superbills for renderer tests. Every person,
//! practice and identifier here is fictional (NPIs and EIN from the billing
//! primer's examples).
#![allow(dead_code)]

use chrono::NaiveDate;
use superbill::input::Address;
use superbill::money::Cents;
use superbill::superbill::{
    BillingEntity, Diagnosis, DrugInfo, PatientBlock, PaymentLine, ProviderBlock, ServiceLine,
    Superbill,
};

pub const ORG_NPI: &str = "1987654328";
pub const NPI_OKAFOR: &str = "1234567893";
pub const NPI_REYES: &str = "2123456784";
pub const EIN: &str = "84-1234567";

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn s(v: &str) -> String {
    v.to_string()
}

pub fn address(line1: &str, line2: Option<&str>, city: &str, state: &str, zip: &str) -> Address {
    Address {
        line1: s(line1),
        line2: line2.map(s),
        city: s(city),
        state: s(state),
        zip: s(zip),
    }
}

struct L {
    code: &'static str,
    pos: &'static str,
    mods: &'static [&'static str],
    ptr: &'static str,
    units: u32,
    fee: i64,
    npi: &'static str,
    desc: &'static str,
    drug: Option<(&'static str, &'static str, &'static str, &'static str)>,
}

const KETAMINE: (&str, &str, &str, &str) = (
    "00409205105",
    "ML",
    "1.2",
    "Ketamine HCl 50 mg/mL injection",
);
const SPRAVATO: (&str, &str, &str, &str) = (
    "50458002802",
    "UN",
    "3",
    "Spravato (esketamine) 28 mg nasal spray device",
);

/// One "visit pattern" per entry, cycled by `sample_with_lines`.
const PATTERN: &[L] = &[
    L { code: "99214", pos: "11", mods: &["25"], ptr: "AB", units: 1, fee: 25_000, npi: NPI_OKAFOR, desc: "Evaluation and management before infusion", drug: None },
    L { code: "96365", pos: "11", mods: &[], ptr: "A", units: 1, fee: 60_000, npi: NPI_OKAFOR, desc: "IV ketamine infusion, first hour", drug: None },
    L { code: "J3490", pos: "11", mods: &[], ptr: "A", units: 1, fee: 4_500, npi: NPI_OKAFOR, desc: "Ketamine, unclassified drug", drug: Some(KETAMINE) },
    L { code: "96365", pos: "11", mods: &[], ptr: "AD", units: 1, fee: 60_000, npi: NPI_OKAFOR, desc: "IV ketamine infusion, first hour", drug: None },
    L { code: "99215", pos: "11", mods: &[], ptr: "AC", units: 1, fee: 30_000, npi: NPI_REYES, desc: "Evaluation and monitoring for esketamine treatment session, including observation period and discharge assessment", drug: None },
    L { code: "J0013", pos: "11", mods: &[], ptr: "A", units: 84, fee: 1_000, npi: NPI_REYES, desc: "Esketamine nasal spray, per mg", drug: Some(SPRAVATO) },
    L { code: "99417", pos: "11", mods: &[], ptr: "A", units: 2, fee: 7_500, npi: NPI_REYES, desc: "Prolonged service, each additional 15 minutes", drug: None },
    L { code: "90837", pos: "10", mods: &["95"], ptr: "BC", units: 1, fee: 22_500, npi: NPI_REYES, desc: "Psychotherapy, 60 minutes (video telehealth)", drug: None },
];

fn line(i: usize, date: NaiveDate) -> ServiceLine {
    let p = &PATTERN[i % PATTERN.len()];
    ServiceLine {
        session_id: format!("S{:04}", i + 1),
        date,
        place_of_service: s(p.pos),
        code: s(p.code),
        modifiers: p.mods.iter().map(|m| s(m)).collect(),
        pointers: s(p.ptr),
        units: p.units,
        unit_fee: Cents(p.fee),
        charge: Cents(p.fee) * p.units,
        // Paid in full (the sample's payments cover the total).
        paid: Cents(p.fee) * p.units,
        provider_npi: s(p.npi),
        description: s(p.desc),
        drug: p.drug.map(|(ndc, q, qty, name)| DrugInfo {
            ndc11: s(ndc),
            unit_qualifier: s(q),
            quantity: s(qty),
            name: s(name),
        }),
        facility: None,
    }
}

/// The realistic sample: 2 providers, 4 diagnoses, 8 lines (with a J3490
/// ketamine line carrying NDC 00409205105 ML 1.2 and a J0013 line), two
/// payments, balance zero.
pub fn sample() -> Superbill {
    sample_with_lines(8)
}

/// The sample with `n` service lines (visit patterns repeat, dates advance
/// within September 2026); payments always cover the total.
pub fn sample_with_lines(n: usize) -> Superbill {
    let lines: Vec<ServiceLine> = (0..n)
        .map(|i| {
            // Lines 0-3 on Sep 2, 4-6 on Sep 9, 7 on Sep 16; then weekly again.
            let visit = match i % PATTERN.len() {
                0..=3 => 0,
                4..=6 => 1,
                _ => 2,
            } + 3 * (i / PATTERN.len());
            line(i, d(2026, 9, 2 + (7 * visit as u32) % 28))
        })
        .collect();
    let total: Cents = lines.iter().map(|l| l.charge).sum();
    let first = Cents(total.0 / 2);
    let payments = vec![
        PaymentLine {
            payment_id: s("PAY-1001"),
            date: d(2026, 9, 2),
            method: s("Visa"),
            reference: Some(s("ch_3QX81742")),
            amount: first,
        },
        PaymentLine {
            payment_id: s("PAY-1002"),
            date: d(2026, 9, 23),
            method: s("HSA card"),
            reference: None,
            amount: total - first,
        },
    ];
    Superbill {
        number: s("SB-202609-P0001"),
        statement_date: d(2026, 10, 2),
        period_from: d(2026, 9, 1),
        period_to: d(2026, 9, 30),
        practice: BillingEntity {
            legal_name: s("Clearwater Ketamine Wellness, PLLC"),
            address_lines: vec![
                s("1200 Harbor View Drive, Suite 310"),
                s("Portland, OR 97209"),
            ],
            address: address(
                "1200 Harbor View Drive",
                Some("Suite 310"),
                "Portland",
                "OR",
                "97209",
            ),
            phone: s("(503) 555-0142"),
            tax_id: s(EIN),
            npi: Some(s(ORG_NPI)),
            taxonomy: s("261QM0801X"),
        },
        facility: None,
        patient: PatientBlock {
            patient_id: s("P0001"),
            name: s("Rivera, Elena M"),
            last_name: s("Rivera"),
            first_name: s("Elena"),
            middle_name: Some(s("M")),
            dob: d(1986, 3, 22),
            sex: s("F"),
            address_lines: vec![s("48 Alder Street, Apt 2B"), s("Portland, OR 97214")],
            address: address("48 Alder Street, Apt 2B", None, "Portland", "OR", "97214"),
            phone: Some(s("(503) 555-0187")),
            payer: s("Aetna Open Access PPO"),
            member_id: s("W123456789"),
            group_number: Some(s("GRP-004512")),
            subscriber: Some((s("Rivera, Marco J"), s("Spouse"))),
            subscriber_dob: Some(d(1984, 11, 5)),
            payer_type: None,
        },
        providers: vec![
            ProviderBlock {
                id: s("PR1"),
                name: s("Maya Okafor, MD"),
                npi: s(NPI_OKAFOR),
                license: s("MD-88231"),
                license_state: s("OR"),
                taxonomy: s("2084P0800X"),
            },
            ProviderBlock {
                id: s("PR2"),
                name: s("Daniel Reyes, PMHNP"),
                npi: s(NPI_REYES),
                license: s("NP-10477"),
                license_state: s("OR"),
                taxonomy: s("363LP0808X"),
            },
        ],
        diagnoses: vec![
            Diagnosis {
                letter: 'A',
                code: s("F33.2"),
                description: s(
                    "Major depressive disorder, recurrent severe without psychotic features",
                ),
            },
            Diagnosis {
                letter: 'B',
                code: s("F43.12"),
                description: s("Post-traumatic stress disorder, chronic"),
            },
            Diagnosis {
                letter: 'C',
                code: s("F41.1"),
                description: s("Generalized anxiety disorder"),
            },
            Diagnosis {
                letter: 'D',
                code: s("G89.4"),
                description: s("Chronic pain syndrome"),
            },
        ],
        lines,
        payments,
        total_charged: total,
        total_paid: total,
        balance: Cents::ZERO,
        shows_cpt: true,
        issue: Default::default(),
    }
}
