//! Charges from the built-in fee schedule.

use super::course::Sess;
use crate::money::Cents;
use crate::units;

/// The built-in fee schedule (`codes/fees.csv`), in cents.
pub(super) struct Fees(Vec<(String, i64)>);

impl Fees {
    pub(super) fn builtin() -> Fees {
        let text = include_str!("../../codes/fees.csv");
        let rows = text
            .lines()
            .skip(1)
            .filter_map(|l| {
                let (code, fee) = l.trim().split_once(',')?;
                Some((code.to_string(), Cents::parse(fee).ok()?.0))
            })
            .collect();
        Fees(rows)
    }

    pub(super) fn fee(&self, code: &str) -> i64 {
        self.0
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, f)| *f)
            .unwrap_or(0)
    }

    /// What a session charges, following `codes/services.toml`.
    pub(super) fn charge(&self, s: &Sess) -> i64 {
        let f = |c: &str| self.fee(c);
        let minutes = s.minutes.unwrap_or(0);
        let dose = s.dose.unwrap_or(0);
        let infusion = || {
            let (_, add) = units::infusion(minutes).unwrap_or((1, 0));
            f("96365") + i64::from(add) * f("96366") + f("J3490")
        };
        let therapy = |list: [&str; 3]| {
            units::psychotherapy_tier(minutes)
                .map(|t| f(list[t]))
                .unwrap_or(0)
        };
        let service = match s.service {
            "" => 0,
            "ketamine-iv" => infusion(),
            "ketamine-iv-visit" => f("99214") + infusion(),
            "ketamine-iv-antiemetic" => infusion() + f("96375") + 4 * f("J2405"),
            "ketamine-im" => f("96372") + f("J3490"),
            "spravato" => units::esketamine_gcode(dose).map(f).unwrap_or(0),
            "spravato-split" => {
                let pro =
                    units::prolonged("99215", minutes, units::Prolonged::Commercial).unwrap_or(0);
                i64::from(dose) * f("J0013") + f("99215") + i64::from(pro) * f("99417")
            }
            "intake-psychiatric" => f("90792"),
            "intake-visit" => f("99205"),
            "med-management" | "telehealth-med-management" => f("99214"),
            "psychotherapy" | "telehealth-psychotherapy" => {
                therapy(units::PSYCHOTHERAPY_STANDALONE)
            }
            "med-management-psychotherapy" => f("99214") + therapy(units::PSYCHOTHERAPY_ADDON),
            _ => 0,
        };
        let explicit: i64 = s
            .procedures
            .split(';')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (code, n) = match p.split_once('x') {
                    Some((c, n)) => (c, n.parse().unwrap_or(1)),
                    None => (p, 1),
                };
                let code = code.split('-').next().unwrap_or(code);
                n * f(code)
            })
            .sum();
        service + explicit
    }
}
