//! Charges from the built-in code tables: a session is resolved by the
//! same code as a real batch (`resolve::session`), so per-session payments
//! match what its superbill will charge and the generator never keeps a
//! second copy of the unit rules.

use super::course::Sess;
use crate::codes::Catalog;
use crate::findings::Findings;
use crate::input::{records::proc_spec, Session, Status};
use crate::money::Cents;

/// The built-in catalog (`codes/`), without any practice's overrides.
pub(super) struct Fees(Catalog);

impl Fees {
    pub(super) fn builtin() -> Fees {
        Fees(Catalog::load(None).expect("the built-in code tables load"))
    }

    /// The fee of one unit of `code`, in cents.
    pub(super) fn fee(&self, code: &str) -> i64 {
        self.0.fee(code).unwrap_or(Cents::ZERO).0
    }

    /// What a session charges, in cents.
    pub(super) fn charge(&self, s: &Sess) -> i64 {
        let session = Session {
            line: 0,
            session_id: s.id.as_str().into(),
            patient_id: Default::default(),
            provider_id: s.provider.into(),
            date: s.date,
            diagnoses: Box::default(),
            service: Some(s.service).filter(|v| !v.is_empty()).map(Into::into),
            procedures: s
                .procedures
                .split(';')
                .filter(|p| !p.is_empty())
                .filter_map(|p| proc_spec(p).ok())
                .collect(),
            minutes: s.minutes,
            dose_mg: s.dose,
            place_of_service: Some(s.pos).filter(|p| !p.is_empty()).map(Into::into),
            status: Status::Completed,
            location: None,
        };
        let mut scratch = Findings::default();
        let r = crate::resolve::session(&session, "11", &self.0, &mut scratch);
        r.lines.iter().map(|l| l.charge().0).sum()
    }
}
