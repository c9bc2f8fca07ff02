//! Rules over a day's lines (same patient, date and rendering provider):
//! add-ons and their primaries, exclusive pairs, modifier 25, place of
//! service and telehealth modifiers, all from `codes/pairing.toml` and
//! the modifier table. (Effective dates are checked once, where a line is
//! resolved.)

use crate::codes::Catalog;
use crate::findings::{At, Findings};
use crate::hash::HashMap;
use crate::input::{Inputs, Session, SESSIONS_FILE};
use crate::resolve::{Line, Resolved};
use std::collections::BTreeMap;

struct DayLine<'a> {
    session: &'a Session,
    pos: &'a str,
    line: &'a Line,
}

/// Each patient's first completed visit in the data: Spravato G-codes are
/// for established patients only.
pub fn first_visits(inputs: &Inputs) -> HashMap<&str, (chrono::NaiveDate, &str)> {
    let mut first: HashMap<&str, (chrono::NaiveDate, &str)> = HashMap::default();
    for s in inputs
        .sessions
        .iter()
        .filter(|s| s.status == crate::input::Status::Completed)
    {
        let e = first
            .entry(&s.patient_id)
            .or_insert((s.date, &s.session_id));
        if (s.date, s.session_id.as_str()) < *e {
            *e = (s.date, &s.session_id);
        }
    }
    first
}

/// Checks one patient's resolved sessions.
pub fn check_patient(
    cat: &Catalog,
    first: &HashMap<&str, (chrono::NaiveDate, &str)>,
    sessions: &[(&Session, Resolved)],
    f: &mut Findings,
) {
    let mut days: BTreeMap<(chrono::NaiveDate, &str), Vec<DayLine>> = BTreeMap::new();
    for (s, r) in sessions {
        for line in &r.lines {
            days.entry((s.date, s.provider_id.as_str()))
                .or_default()
                .push(DayLine {
                    session: s,
                    pos: &r.place_of_service,
                    line,
                });
        }
        lines_alone(s, r, cat, f);
        let is_first = first
            .get(s.patient_id.as_str())
            .is_some_and(|e| e.1 == s.session_id);
        if is_first {
            for rule in cat.pairing.established_only.values() {
                for l in r
                    .lines
                    .iter()
                    .filter(|l| rule.codes.iter().any(|c| cat.matches(&l.code, c)))
                {
                    f.warning(
                        &at(s),
                        "service",
                        "new-patient-esketamine",
                        format!("{} {}", l.code, rule.reason),
                    );
                }
            }
        }
    }
    for lines in days.values() {
        day(lines, cat, f);
    }
}

fn at(s: &Session) -> At<'_> {
    At::new(SESSIONS_FILE, s.line, &s.session_id)
}

/// Checks that need only the line and its session.
fn lines_alone(s: &Session, r: &Resolved, cat: &Catalog, f: &mut Findings) {
    let at = at(s);
    let telehealth = cat.is_telehealth_pos(&r.place_of_service);
    let tele_modifiers = cat.modifiers_with("telehealth");
    for l in &r.lines {
        if l.modifiers.len() > 4 {
            f.error(
                &at,
                "procedures",
                "too-many-modifiers",
                format!(
                    "{} carries {} modifiers; a claim line takes 4",
                    l.code,
                    l.modifiers.len()
                ),
            );
        }
        for m in &l.modifiers {
            if !cat.modifiers.contains_key(m) {
                f.warning(
                    &at,
                    "procedures",
                    "unknown-modifier",
                    format!(
                        "modifier {m} on {} is not in the modifier table: check it",
                        l.code
                    ),
                );
            }
        }
        let has_tele = l
            .modifiers
            .iter()
            .any(|m| tele_modifiers.contains(&m.as_str()));
        if telehealth && !has_tele && l.drug.is_none() {
            f.warning(&at, "procedures", "telehealth-modifier", format!(
                "{} is at place of service {} (telehealth) without modifier 95 or 93: most plans require it", l.code, r.place_of_service));
        } else if !telehealth && has_tele {
            f.warning(&at, "place_of_service", "telehealth-modifier", format!(
                "{} carries a telehealth modifier but place of service is {}: use 10 (patient at home) or 02", l.code, r.place_of_service));
        }
    }
}

fn day(lines: &[DayLine], cat: &Catalog, f: &mut Findings) {
    let any = |item: &str| lines.iter().any(|d| cat.matches(&d.line.code, item));
    // Modifiers that mark a second line of the same code as a distinct
    // service (another site, encounter or practitioner).
    let distinct_mods = cat.modifiers_with("distinct");
    let distinct = |l: &Line| {
        l.modifiers
            .iter()
            .any(|m| distinct_mods.contains(&m.as_str()))
    };
    for (i, d) in lines.iter().enumerate() {
        let twin = lines[..i].iter().find(|e| {
            e.line.code == d.line.code
                && e.line.drug.as_ref().map(|x| &x.ndc11) == d.line.drug.as_ref().map(|x| &x.ndc11)
        });
        if let Some(e) = twin {
            if !distinct(d.line) && !distinct(e.line) {
                let code = &d.line.code;
                let once = cat.procedure(code).and_then(|p| p.max_units) == Some(1);
                let fix = if once {
                    format!("{code} is billed at most once a day: remove the repeat, or mark a distinct service with 59/XS/XU")
                } else {
                    format!("bill it once with units (e.g. {code}x2), or mark a distinct service with 59/XS/XU")
                };
                f.error(
                    &at(d.session),
                    "procedures",
                    "duplicate-line",
                    format!(
                        "{code} is billed twice on {} by the same provider: {fix}",
                        d.session.date
                    ),
                );
            }
        }
    }
    for d in lines {
        let code = d.line.code.as_str();
        if let Some(addon) = cat.pairing.addon(code) {
            if !addon.primaries.iter().any(|p| any(p)) {
                f.error(&at(d.session), "procedures", "addon-without-primary", format!(
                    "{code} is an add-on code and needs one of {} billed the same day by the same provider: add the primary or remove {code}",
                    addon.primaries.iter().map(|p| p.trim_start_matches('@')).collect::<Vec<_>>().join(", ")));
            }
        }
        for rule in cat.pairing.requires_modifier.values() {
            if rule.codes.iter().any(|c| cat.matches(code, c))
                && rule.when_with.iter().any(|w| any(w))
                && !d.line.has_modifier(&rule.modifier)
            {
                f.error(
                    &at(d.session),
                    "procedures",
                    "missing-modifier",
                    format!(
                        "{code} needs modifier {}: {}",
                        rule.modifier.join(" or "),
                        rule.reason
                    ),
                );
            }
        }
        for rule in cat.pairing.place_of_service.values() {
            if rule.codes.iter().any(|c| cat.matches(code, c)) && rule.forbids(d.pos) {
                f.error(
                    &at(d.session),
                    "place_of_service",
                    "pos-not-allowed",
                    rule.reason.clone(),
                );
            }
        }
    }
    for rule in cat.pairing.exclusive.values() {
        let of = |list: &[String], d: &DayLine| list.iter().any(|i| cat.matches(&d.line.code, i));
        for (ia, a) in lines.iter().enumerate().filter(|(_, d)| of(&rule.a, d)) {
            for (ib, b) in lines
                .iter()
                .enumerate()
                .filter(|(_, d)| of(rule.other(), d))
            {
                // "Any two of a": each pair once; a repeated code is a
                // duplicate line, reported as such.
                if ia == ib || (rule.within() && (ib < ia || a.line.code == b.line.code)) {
                    continue;
                }
                let lifted = a.line.has_modifier(&rule.unless_modifier)
                    || b.line.has_modifier(&rule.unless_modifier);
                if !lifted {
                    f.error(
                        &at(b.session),
                        "procedures",
                        "exclusive-codes",
                        format!(
                            "{} and {} are not billed together on one day: {}",
                            a.line.code, b.line.code, rule.reason
                        ),
                    );
                }
            }
        }
    }
}
