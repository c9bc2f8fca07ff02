//! Patients: names, addresses, payers and member ids.

use super::iso;
use super::plan::Plan;
use super::rng::Rng;
use chrono::{Datelike, NaiveDate};

const FIRST_F: &[&str] = &[
    "Amelia",
    "Harper",
    "Nora",
    "Claire",
    "Priya",
    "Lena",
    "Maren",
    "Tessa",
    "Imani",
    "Rosalind",
    "Hazel",
    "Josephine",
    "Lucía",
    "Ingrid",
    "Keiko",
    "Delphine",
    "Willa",
    "Sadie",
    "Noemi",
    "Bethany",
    "Marisol",
    "Avery",
    "Quinn",
    "Juniper",
    "Camille",
    "Esther",
    "Yara",
    "Talia",
    "Renée",
    "Zoë",
];
const FIRST_M: &[&str] = &[
    "Gideon", "Mateo", "Silas", "Theo", "Rowan", "Desmond", "Elliot", "Kofi", "Anders", "Tobias",
    "Julian", "Marcus", "Emeric", "Hollis", "Dev", "Caleb", "Ignatius", "Wendell", "Arlo",
    "Bastian", "Corbin", "Ezra", "Soren", "Nikhil", "Rafael", "José", "Łukasz",
];
const MIDDLE: &[&str] = &[
    "A.", "J.", "Marie", "Lee", "Rose", "James", "K.", "Elena", "T.", "Grace",
];
const LAST: &[&str] = &[
    "Ashworth",
    "Bellamy",
    "Castellanos",
    "Delacroix",
    "Eberhardt",
    "Fairbanks",
    "Galloway",
    "Hargrove",
    "Ibarra",
    "Jorgensen",
    "Kettering",
    "Lindgren",
    "Montague",
    "Northcott",
    "Okonkwo",
    "Pemberton",
    "Quintero",
    "Rasmussen",
    "Saltonstall",
    "Thackeray",
    "Underhill",
    "Vantongeren",
    "Whitcombe",
    "Yamaguchi",
    "Zellweger",
    "Abernathy",
    "Brightwater",
    "Crowfoot",
    "Dunleavy",
    "Espinoza",
    "Fitzwilliam",
    "Greenhalgh",
    "Holloway",
    "Iverson",
    "Kowalczyk",
    "Larkspur",
    "Marchetti",
    "Nakashima",
    "Oyelaran",
    "Prentiss",
    "Muñoz",
    "Nguyễn",
    "Dvořák",
];

const STREETS: &[&str] = &[
    "Larkspur Bend",
    "Quillmoor St",
    "Silverash Ct",
    "Bramblewood Dr",
    "Kestrel Hollow Rd",
    "Windrow Ln",
    "Pinyon Gate Way",
    "Foxtail Mesa Dr",
    "Juniper Crest Cir",
    "Ptarmigan Loop",
    "Columbine Ridge Ave",
    "Sagebrush Terrace",
    "Timberline Fork Rd",
    "Alpenglow Pl",
    "Cottonwood Spur St",
    "Marmot Meadow Ln",
    "Bristlecone Bluff Dr",
    "Wapiti Run",
];
const CITIES: &[(&str, &[&str])] = &[
    (
        "Denver",
        &[
            "80203", "80205", "80206", "80210", "80218", "80220", "80224",
        ],
    ),
    ("Aurora", &["80010", "80012", "80014"]),
    ("Lakewood", &["80226", "80228"]),
    ("Arvada", &["80002", "80004"]),
    ("Westminster", &["80031"]),
    ("Littleton", &["80120", "80123"]),
    ("Englewood", &["80110", "80113"]),
    ("Centennial", &["80112", "80122"]),
    ("Boulder", &["80302", "80304"]),
    ("Golden", &["80401"]),
    ("Parker", &["80134"]),
    ("Castle Rock", &["80104"]),
    ("Highlands Ranch", &["80126", "80129"]),
    ("Wheat Ridge", &["80033"]),
    ("Broomfield", &["80020"]),
];
const PAYERS: &[&str] = &[
    "Aetna",
    "Aetna",
    "Cigna",
    "Cigna",
    "UnitedHealthcare",
    "UnitedHealthcare",
    "Blue Cross Blue Shield",
    "Anthem",
    "Anthem",
];

/// Names that exercise the fonts: WinAnsi accents and ones that need an
/// embedded TrueType font.
fn forced_name(idx: usize) -> Option<(&'static str, &'static str, &'static str)> {
    Some(match idx {
        0 => ("Zoë", "F", "Hargrove"),
        1 => ("José", "M", "Muñoz"),
        2 => ("Renée", "F", "Castellanos"),
        3 => ("Linh", "F", "Nguyễn"),
        4 => ("Łukasz", "M", "Dvořák"),
        _ => return None,
    })
}

pub(super) struct Person {
    first: &'static str,
    middle: &'static str,
    last: &'static str,
    dob: NaiveDate,
    sex: &'static str,
    address: String,
    city: &'static str,
    zip: &'static str,
    phone: String,
    email: String,
    payer: &'static str,
    member_id: String,
    group: String,
    subscriber: String,
    relationship: &'static str,
}

impl Person {
    pub(super) fn new(idx: usize, plan: &Plan, start: NaiveDate, rng: &mut Rng) -> Person {
        let (first, sex, last) = forced_name(idx).unwrap_or_else(|| {
            let female = rng.chance(55);
            let first = if female {
                *rng.pick(FIRST_F)
            } else {
                *rng.pick(FIRST_M)
            };
            (first, if female { "F" } else { "M" }, *rng.pick(LAST))
        });
        let middle = if rng.chance(40) {
            *rng.pick(MIDDLE)
        } else {
            ""
        };
        let age = if plan.medicare {
            rng.range(65, 81)
        } else {
            rng.range(19, 63)
        };
        let birth_year = start.year() - age as i32;
        let dob = NaiveDate::from_ymd_opt(birth_year, rng.range(1, 12), rng.range(1, 28))
            .unwrap_or(start);
        let address = {
            let n = rng.range(100, 9899);
            let street = *rng.pick(STREETS);
            if rng.chance(20) {
                format!("{n} {street} Apt {}", rng.range(1, 40))
            } else {
                format!("{n} {street}")
            }
        };
        let &(city, zips) = rng.pick(CITIES);
        let zip = *rng.pick(zips);
        let area = *rng.pick(&["303", "720"]);
        let phone = format!("({area}) 555-01{:02}", rng.range(0, 99));
        let email = format!(
            "{}.{}{}@example.com",
            ascii_fold(first),
            ascii_fold(last),
            rng.range(1, 99)
        );
        let payer = if plan.medicare {
            "Medicare"
        } else {
            *rng.pick(PAYERS)
        };
        let member_id = member_id(payer, rng);
        let group = match payer {
            "Medicare" => String::new(),
            _ if rng.chance(35) => String::new(),
            "Aetna" => format!("0{}", rng.digits(6)),
            "Cigna" => rng.digits(7),
            "UnitedHealthcare" => format!("{}", rng.range(700000, 999999)),
            _ => format!("CO{}", rng.digits(5)),
        };
        // A few are covered through a spouse or, under 26, a parent.
        let (subscriber, relationship) = if payer != "Medicare" && age < 26 && rng.chance(60) {
            let parent = if rng.chance(50) {
                *rng.pick(FIRST_F)
            } else {
                *rng.pick(FIRST_M)
            };
            (format!("{parent} {last}"), "child")
        } else if payer != "Medicare" && rng.chance(12) {
            let spouse = if sex == "F" {
                *rng.pick(FIRST_M)
            } else {
                *rng.pick(FIRST_F)
            };
            (format!("{spouse} {last}"), "spouse")
        } else {
            (String::new(), "")
        };
        Person {
            first,
            middle,
            last,
            dob,
            sex,
            address,
            city,
            zip,
            phone,
            email,
            payer,
            member_id,
            group,
            subscriber,
            relationship,
        }
    }

    /// The subscriber's date of birth, derived from the patient's (no
    /// draw from the generator, so the rest of a sample stays as it was):
    /// a spouse within a few years, a parent 25-33 years older.
    fn subscriber_dob(&self) -> String {
        let shift = match self.relationship {
            "child" => -25 - (self.dob.day() % 9) as i32,
            "spouse" => (self.dob.day() % 7) as i32 - 3,
            _ => return String::new(),
        };
        let month = (self.dob.month() * 5) % 12 + 1;
        let day = (self.dob.day() * 3) % 28 + 1;
        NaiveDate::from_ymd_opt(self.dob.year() + shift, month, day)
            .map(iso)
            .unwrap_or_default()
    }

    pub(super) fn row(&self, pid: &str) -> [String; 18] {
        [
            pid.to_string(),
            self.first.to_string(),
            self.middle.to_string(),
            self.last.to_string(),
            iso(self.dob),
            self.sex.to_string(),
            self.address.clone(),
            self.city.to_string(),
            "CO".to_string(),
            self.zip.to_string(),
            self.phone.clone(),
            self.email.clone(),
            self.payer.to_string(),
            self.member_id.clone(),
            self.group.clone(),
            self.subscriber.clone(),
            self.relationship.to_string(),
            self.subscriber_dob(),
        ]
    }
}

/// Member IDs in each payer's usual shape.
fn member_id(payer: &str, rng: &mut Rng) -> String {
    match payer {
        "Aetna" => format!("W{}", rng.digits(9)),
        "Cigna" => format!("U{}01", rng.digits(8)),
        "UnitedHealthcare" => rng.digits(9),
        "Blue Cross Blue Shield" => format!("XOF{}", rng.digits(9)),
        "Anthem" => format!("HMQ{}", rng.digits(9)),
        _ => mbi(rng),
    }
}

/// A Medicare Beneficiary Identifier in the CMS shape: C A AN N A AN N A A N N
/// (C 1-9; letters exclude S, L, O, I, B, Z).
fn mbi(rng: &mut Rng) -> String {
    const L: &[u8] = b"ACDEFGHJKMNPQRTUVWXY";
    const D: &[u8] = b"0123456789";
    const AN: &[u8] = b"0123456789ACDEFGHJKMNPQRTUVWXY";
    let shape: [&[u8]; 11] = [b"123456789", L, AN, D, L, AN, D, L, L, D, D];
    shape.iter().map(|set| *rng.pick(set) as char).collect()
}

fn ascii_fold(name: &str) -> String {
    name.chars()
        .filter_map(|c| {
            let c = match c {
                'ë' | 'é' | 'ễ' => 'e',
                'ñ' => 'n',
                'ř' => 'r',
                'á' => 'a',
                'í' => 'i',
                'Ł' | 'ł' => 'l',
                c => c,
            };
            c.is_ascii_alphabetic().then(|| c.to_ascii_lowercase())
        })
        .collect()
}
