use super::*;

#[test]
fn win_ansi_check() {
    assert!("Zoë Muñoz — O'Brien & Sons €".chars().all(is_win_ansi));
    assert!(!"Nguyễn".chars().all(is_win_ansi));
    assert!(!"Dvořák".chars().all(is_win_ansi));
    assert!(!"Łukasz".chars().all(is_win_ansi));
}

#[derive(serde::Serialize)]
struct Doc {
    name: String,
    lines: Vec<String>,
}

#[test]
fn mode_for_decides_as_choose_mode_over_the_named_fields() {
    let fonts = FontSet::new(&FontChoice {
        no_system_fonts: true,
        ..Default::default()
    })
    .unwrap();
    let extra = vec![("footer".to_string(), "Page 1 — Zoë".to_string())];
    for name in [
        "Muñoz, José",
        "Иванова, Анна",
        "כהן, שרה",
        "Nguyễn \u{E000}",
    ] {
        let doc = Doc {
            name: name.into(),
            lines: vec!["99215".into(), "Ketamine infusion".into()],
        };
        let mut fields = crate::render::pdf::glyphs::fields(&doc);
        fields.extend(extra.iter().cloned());
        let named: Vec<(String, &str)> = fields
            .iter()
            .map(|(n, t)| (n.clone(), t.as_str()))
            .collect();
        assert_eq!(
            mode_for(&fonts, &doc, &extra),
            choose_mode(&fonts, &named),
            "{name}"
        );
    }
    let refused = Doc {
        name: "Nguyễn \u{E000}".into(),
        lines: vec![],
    };
    let err = mode_for(&fonts, &refused, &[]).unwrap_err();
    assert!(
        err.contains("field 'name'") && !err.contains("Nguy"),
        "{err}"
    );
    let cyrillic = Doc {
        name: "Иванова".into(),
        lines: vec![],
    };
    assert_eq!(mode_for(&fonts, &cyrillic, &[]), Ok(FontMode::Embedded));
}
