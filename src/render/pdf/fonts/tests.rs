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

/// `missing` skips the lookup of WinAnsi characters when the bundled
/// faces come first: that holds only while the bundled faces draw every
/// one of them, in both weights.
#[test]
fn the_bundled_faces_draw_every_win_ansi_character() {
    let fonts = FontSet::new(&Default::default()).unwrap();
    assert!(fonts.builtin.is_some(), "bundled faces first by default");
    let win_ansi: Vec<char> = (0..=0xFFFFu32)
        .filter_map(char::from_u32)
        .filter(|&c| is_win_ansi(c) && !c.is_control())
        .collect();
    assert!(win_ansi.len() >= 210, "{}", win_ansi.len());
    for w in [Weight::Regular, Weight::Bold] {
        let face = fonts.face(w);
        let undrawn: Vec<char> = win_ansi
            .iter()
            .copied()
            .filter(|&c| face.glyph(c).is_none() && !text::is_invisible(c))
            .collect();
        assert!(undrawn.is_empty(), "{w:?}: {undrawn:?}");
    }
    // The fast path answers as the lookup of every character would.
    let slow = |t: &str| {
        t.chars()
            .filter(|&c| !(c.is_control() || text::is_invisible(c)))
            .find(|&c| fonts.face_for(c, Weight::Regular).is_none())
    };
    for t in [
        "Smith, John",
        "Zoë Muñoz — O'Brien €",
        "Иванова, Анна",
        "Nguyễn \u{E000}",
        "\u{E000} ASCII after",
        "tab\there\u{7F}",
        "",
    ] {
        assert_eq!(fonts.missing(t), slow(t), "{t:?}");
    }
    assert_eq!(fonts.missing("Nguyễn \u{E000}"), Some('\u{E000}'));
}

/// A practice that names only `fallback_fonts` keeps Liberation Sans as
/// the document's face (the widths the layout measures Helvetica text
/// with, and the face `missing` assumes draws every WinAnsi character);
/// the fallbacks draw what it lacks, before the other bundled faces.
#[test]
fn fallback_fonts_alone_come_after_liberation_sans() {
    let arabic = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/fonts/NotoSansArabic-Regular.ttf");
    let fonts = FontSet::new(&FontChoice {
        fallback: vec![arabic],
        no_system_fonts: true,
        ..Default::default()
    })
    .unwrap();
    assert!(fonts.builtin.is_some());
    for w in [Weight::Regular, Weight::Bold] {
        assert!(
            matches!(fonts.face(w).origin, Origin::Bundled("Liberation Sans")),
            "{w:?}: {}",
            fonts.face(w).name
        );
    }
    let latin = fonts.face_for('ř', Weight::Regular).unwrap();
    assert!(matches!(latin.origin, Origin::Bundled("Liberation Sans")));
    // Liberation Sans has no Arabic: the practice's fallback draws it,
    // before the bundled Arabic face.
    let arabic = fonts.face_for('ع', Weight::Regular).unwrap();
    assert!(
        matches!(arabic.origin, Origin::Practice(_)),
        "{}",
        arabic.name
    );
    assert_eq!(fonts.missing("Dvořák عبد الله Zoë"), None);
}
