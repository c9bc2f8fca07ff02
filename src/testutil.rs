//! Small practice folders for unit tests of the stages that read one.

use std::fs;

pub const PRACTICE: &str = r#"
legal_name = "Test Clinic"
phone = "(303) 555-0100"
tax_id = "84-1234567"
npi = "1987654328"
taxonomy = "261QM0801X"
time_zone = "America/Denver"
[address]
line1 = "1 Main St"
city = "Denver"
state = "CO"
zip = "80202"
[[providers]]
id = "a"
name = "Ann Example"
credentials = "MD"
npi = "1234567893"
taxonomy = "2084P0800X"
license = "DR.1"
license_state = "CO"
signature = "signatures/a.png"
[[providers]]
id = "b"
name = "Bo Example"
credentials = "MD"
npi = "2123456784"
taxonomy = "207L00000X"
license = "DR.2"
license_state = "CO"
signature = "signatures/b.png"
"#;

pub const PATIENTS: &str =
    "patient_id,first_name,last_name,dob,sex,address,city,state,zip,payer,member_id\n\
P1,Zed,Quill,1980-01-02,F,2 Elm St,Denver,CO,80202,Aetna,W123\n\
P2,Ida,Rune,1990-03-04,M,3 Oak St,Denver,CO,80202,Cigna,C456\n";

/// A small signature image (RGBA PNG).
pub const SIGNATURE_PNG: &[u8] = include_bytes!("../samples/cedar-ridge/signatures/okafor.png");

/// A practice folder with `sessions` rows under the header
/// `session_id,patient_id,provider_id,date,service,procedures,diagnoses,minutes,dose_mg,place_of_service`
/// and `payments` rows under
/// `payment_id,patient_id,session_id,date,amount,method`.
pub fn practice_dir(practice: &str, sessions: &[&str], payments: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    fs::write(p.join("practice.toml"), practice).unwrap();
    // The providers' signatures (PRACTICE names them).
    fs::create_dir(p.join("signatures")).unwrap();
    for id in ["a", "b"] {
        fs::write(p.join(format!("signatures/{id}.png")), SIGNATURE_PNG).unwrap();
    }
    fs::write(p.join("patients.csv"), PATIENTS).unwrap();
    let mut s = String::from("session_id,patient_id,provider_id,date,service,procedures,diagnoses,minutes,dose_mg,place_of_service\n");
    for row in sessions {
        s.push_str(row);
        s.push('\n');
    }
    fs::write(p.join("sessions.csv"), s).unwrap();
    let mut pay = String::from("payment_id,patient_id,session_id,date,amount,method\n");
    for row in payments {
        pay.push_str(row);
        pay.push('\n');
    }
    fs::write(p.join("payments.csv"), pay).unwrap();
    dir
}
