//! Rules over a day's lines (same patient, date and rendering provider):
//! add-ons and their primaries, exclusive pairs, modifier 25, place of
//! service, effective dates and telehealth modifiers.

use crate::codes::Catalog;
use crate::findings::{At, Findings};
use crate::input::{Inputs, Session, SESSIONS_FILE};
use crate::resolve::{Line, Resolved};
use std::collections::{BTreeMap, HashMap};

const TELEHEALTH_MODIFIERS: [&str; 3] = ["95", "93", "GT"];

struct DayLine<'a> {
    session: &'a Session,
    pos: &'a str,
    line: &'a Line,
}

/// Each patient's first completed visit in the data: Spravato G-codes are
/// for established patients only.
pub fn first_visits(inputs: &Inputs) -> HashMap<&str, (chrono::NaiveDate, &str)> {
    let mut first: HashMap<&str, (chrono::NaiveDate, &str)> = HashMap::new();
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
            for l in r
                .lines
                .iter()
                .filter(|l| cat.in_category(&l.code, "esketamine-visit"))
            {
                f.warning(&at(s), "service", "new-patient-esketamine", format!(
                    "{} is for established patients, but this is the patient's first visit on record: check for an earlier visit or bill the intake", l.code));
            }
        }
    }
    for lines in days.values() {
        day(lines, cat, f);
    }
}

fn at(s: &Session) -> At {
    At::new(SESSIONS_FILE, s.line, &s.session_id)
}

/// Checks that need only the line and its session.
fn lines_alone(s: &Session, r: &Resolved, cat: &Catalog, f: &mut Findings) {
    let at = at(s);
    let telehealth = cat.is_telehealth_pos(&r.place_of_service);
    for l in &r.lines {
        if let Some(p) = cat.procedure(&l.code) {
            if let Some(why) = p.not_valid_on(s.date) {
                let hint = p
                    .replaced_by()
                    .map(|r| format!(": bill {r} instead"))
                    .unwrap_or_default();
                f.error(
                    &at,
                    "procedures",
                    "code-not-effective",
                    format!("{why}{hint}"),
                );
            }
        }
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
            .any(|m| TELEHEALTH_MODIFIERS.contains(&m.as_str()));
        if telehealth && !has_tele && l.drug.is_none() {
            f.warning(&at, "procedures", "telehealth-modifier", format!(
                "{} is at place of service {} (telehealth) without modifier 95 or 93: most plans require it", l.code, r.place_of_service));
        } else if !telehealth && has_tele {
            f.warning(&at, "place_of_service", "telehealth-modifier", format!(
                "{} carries a telehealth modifier but place of service is {}: use 10 (patient at home) or 02", l.code, r.place_of_service));
        }
    }
}

/// Modifiers that mark a second line of the same code as a distinct
/// service (another site, encounter or practitioner).
const DISTINCT: [&str; 5] = ["59", "XE", "XS", "XP", "XU"];

fn day(lines: &[DayLine], cat: &Catalog, f: &mut Findings) {
    let any = |item: &str| lines.iter().any(|d| cat.matches(&d.line.code, item));
    for (i, d) in lines.iter().enumerate() {
        let twin = lines[..i].iter().find(|e| {
            e.line.code == d.line.code
                && e.line.drug.as_ref().map(|x| &x.ndc11) == d.line.drug.as_ref().map(|x| &x.ndc11)
        });
        let distinct = |l: &Line| l.modifiers.iter().any(|m| DISTINCT.contains(&m.as_str()));
        if let Some(e) = twin {
            if !distinct(d.line) && !distinct(e.line) {
                f.error(&at(d.session), "procedures", "duplicate-line", format!(
                    "{} is billed twice on {} by the same provider: bill it once with units (e.g. {}x2), or mark a distinct service with 59/XS/XU",
                    d.line.code, d.session.date, d.line.code));
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
        for rule in &cat.pairing.requires_modifier {
            if cat.matches(code, &rule.code)
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
        for rule in &cat.pairing.place_of_service {
            if cat.matches(code, &rule.code) && rule.not_at.iter().any(|p| p == d.pos) {
                f.error(
                    &at(d.session),
                    "place_of_service",
                    "pos-not-allowed",
                    rule.reason.clone(),
                );
            }
        }
    }
    for rule in &cat.pairing.exclusive {
        for a in lines
            .iter()
            .filter(|d| rule.a.iter().any(|i| cat.matches(&d.line.code, i)))
        {
            for b in lines
                .iter()
                .filter(|d| rule.b.iter().any(|i| cat.matches(&d.line.code, i)))
            {
                if std::ptr::eq(a.line, b.line) {
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
