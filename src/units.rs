//! Time and dose unit rules (primer section 4). Each function answers how
//! many units, or which code, a number of minutes or milligrams yields;
//! `Err` carries the plain reason the service is not billable as such.

/// IV infusion by drug running time: (96365 units, 96366 units).
/// 15 minutes or less is a push (96374), not an infusion. Past the first
/// hour, each additional hour is a 96366 unit and a remainder counts when it
/// is *more than* 30 minutes (the CPT wording).
pub fn infusion(minutes: u32) -> Result<(u32, u32), String> {
    if minutes <= 15 {
        return Err(format!(
            "{minutes} minutes is a push, not an infusion (infusions need 16 minutes or more): bill 96374 or correct the minutes"
        ));
    }
    if minutes <= 90 {
        return Ok((1, 0));
    }
    let extra = minutes - 60;
    let additional = extra / 60 + u32::from(extra % 60 > 30);
    Ok((1, additional))
}

/// Psychotherapy tiers by minutes: 16-37, 38-52, 53+. Returns the index of
/// the tier (0, 1, 2), to pick from a standalone list (90832/90834/90837)
/// or an add-on list (90833/90836/90838).
pub fn psychotherapy_tier(minutes: u32) -> Result<usize, String> {
    match minutes {
        0..=15 => Err(format!(
            "{minutes} minutes of psychotherapy is under the 16-minute minimum: not billable as psychotherapy"
        )),
        16..=37 => Ok(0),
        38..=52 => Ok(1),
        _ => Ok(2),
    }
}

/// The minutes range a psychotherapy tier covers, for messages.
pub fn psychotherapy_range(tier: usize) -> &'static str {
    ["16-37", "38-52", "53 or more"][tier.min(2)]
}

pub const PSYCHOTHERAPY_STANDALONE: [&str; 3] = ["90832", "90834", "90837"];
pub const PSYCHOTHERAPY_ADDON: [&str; 3] = ["90833", "90836", "90838"];

/// Which payer convention prolonged E/M time follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prolonged {
    /// 99417: one unit per full 15 minutes past the E/M's threshold
    /// (first unit at 75 for 99205, 55 for 99215).
    Commercial,
    /// G2212: first unit at 89 for 99205, 69 for 99215.
    Medicare,
}

/// Minutes at which the primary E/M's time is "used up"; None when the code
/// takes no prolonged time.
pub fn em_threshold(em_code: &str) -> Option<u32> {
    match em_code {
        "99205" => Some(60),
        "99215" => Some(40),
        _ => None,
    }
}

/// Prolonged-service units for total E/M `minutes` beside `em_code`.
pub fn prolonged(em_code: &str, minutes: u32, kind: Prolonged) -> Result<u32, String> {
    let base = em_threshold(em_code).ok_or_else(|| {
        format!("prolonged time is reported only beside 99205 or 99215, not {em_code}")
    })?;
    // 99417 starts after a full 15 minutes past the threshold; G2212 after
    // the threshold plus the 15 minutes of the next-lower level plus 14
    // (CMS: 89 for 99205, 69 for 99215).
    let first = match kind {
        Prolonged::Commercial => base + 15,
        Prolonged::Medicare => base + 29,
    };
    if minutes < first {
        return Ok(0);
    }
    Ok(1 + (minutes - first) / 15)
}

/// Spravato, Medicare style: G2082 up to 56 mg, G2083 over 56 mg.
pub fn esketamine_gcode(dose_mg: u32) -> Result<&'static str, String> {
    check_esketamine_dose(dose_mg)?;
    Ok(if dose_mg <= 56 { "G2082" } else { "G2083" })
}

/// One device is 28 mg; doses come in whole devices.
pub fn esketamine_devices(dose_mg: u32) -> Result<u32, String> {
    check_esketamine_dose(dose_mg)?;
    Ok(dose_mg / 28)
}

fn check_esketamine_dose(dose_mg: u32) -> Result<(), String> {
    if dose_mg == 0 || !dose_mg.is_multiple_of(28) || dose_mg > 84 {
        return Err(format!(
            "esketamine dose {dose_mg} mg is not 28, 56 or 84 mg (one device is 28 mg)"
        ));
    }
    Ok(())
}

/// E/M minimum minutes when billed by time (2024+ minimums).
pub fn em_minimum_minutes(code: &str) -> Option<u32> {
    Some(match code {
        "99202" => 15,
        "99203" => 30,
        "99204" => 45,
        "99205" => 60,
        "99212" => 10,
        "99213" => 20,
        "99214" => 30,
        "99215" => 40,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infusion_primer_vectors() {
        let vectors = [
            (16, (1, 0)),
            (40, (1, 0)),
            (60, (1, 0)),
            (90, (1, 0)),
            (91, (1, 1)),
            (150, (1, 1)),
            (151, (1, 2)),
            (211, (1, 3)),
            (271, (1, 4)),
        ];
        for (t, expected) in vectors {
            assert_eq!(infusion(t), Ok(expected), "T = {t}");
        }
    }

    #[test]
    fn infusion_of_15_minutes_or_less_is_a_push() {
        for t in [0, 1, 15] {
            assert!(infusion(t).unwrap_err().contains("push"), "T = {t}");
        }
    }

    #[test]
    fn psychotherapy_tiers() {
        assert!(psychotherapy_tier(15).is_err());
        assert_eq!(psychotherapy_tier(16), Ok(0));
        assert_eq!(psychotherapy_tier(37), Ok(0));
        assert_eq!(psychotherapy_tier(38), Ok(1));
        assert_eq!(psychotherapy_tier(52), Ok(1));
        assert_eq!(psychotherapy_tier(53), Ok(2));
        assert_eq!(psychotherapy_tier(90), Ok(2));
        assert_eq!(
            PSYCHOTHERAPY_STANDALONE[psychotherapy_tier(45).unwrap()],
            "90834"
        );
        assert_eq!(
            PSYCHOTHERAPY_ADDON[psychotherapy_tier(60).unwrap()],
            "90838"
        );
    }

    #[test]
    fn prolonged_primer_vectors_for_99215() {
        let vectors = [(54, 0, 0), (55, 1, 0), (69, 1, 1), (70, 2, 1), (85, 3, 2)];
        for (m, commercial, medicare) in vectors {
            assert_eq!(
                prolonged("99215", m, Prolonged::Commercial),
                Ok(commercial),
                "{m}"
            );
            assert_eq!(
                prolonged("99215", m, Prolonged::Medicare),
                Ok(medicare),
                "{m}"
            );
        }
    }

    #[test]
    fn prolonged_for_99205_starts_at_75_and_89() {
        assert_eq!(prolonged("99205", 74, Prolonged::Commercial), Ok(0));
        assert_eq!(prolonged("99205", 75, Prolonged::Commercial), Ok(1));
        assert_eq!(prolonged("99205", 88, Prolonged::Medicare), Ok(0));
        assert_eq!(prolonged("99205", 89, Prolonged::Medicare), Ok(1));
        assert!(prolonged("99214", 90, Prolonged::Commercial).is_err());
    }

    #[test]
    fn esketamine() {
        assert_eq!(esketamine_gcode(56), Ok("G2082"));
        assert_eq!(esketamine_gcode(28), Ok("G2082"));
        assert_eq!(esketamine_gcode(84), Ok("G2083"));
        assert_eq!(esketamine_devices(84), Ok(3));
        assert!(esketamine_gcode(60).is_err());
        assert!(esketamine_gcode(112).is_err());
    }

    #[test]
    fn em_minimums() {
        assert_eq!(em_minimum_minutes("99205"), Some(60));
        assert_eq!(em_minimum_minutes("99214"), Some(30));
        assert_eq!(em_minimum_minutes("90834"), None);
    }
}
