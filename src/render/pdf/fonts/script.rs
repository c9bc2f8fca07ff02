//! Which script a character belongs to, in words, and how to get a font
//! for it: messages about text no font can draw name the script, never
//! the character (one Han character can be a whole surname).

/// "a character of the Han (CJK) script".
pub fn describe(c: char) -> String {
    format!("a character of {}", script(c))
}

/// The fix for a character of `c`'s kind.
pub fn fix(c: char) -> &'static str {
    match c as u32 {
        0x2E80..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF | 0x20000..=0x3FFFF => {
            "install CJK fonts (Debian/Ubuntu: apt-get install fonts-noto-cjk) or name a font that has them in practice.toml `fallback_fonts`"
        }
        0xE000..=0xF8FF | 0xF0000..=0x10FFFF => {
            "private-use characters have no agreed meaning: retype the value in the export"
        }
        0x1F000..=0x1FAFF | 0x2600..=0x27BF => "remove the symbol or emoji from the export",
        _ => "install a font that covers it (e.g. Debian's fonts-noto-core) or name one in practice.toml `fallback_fonts`",
    }
}

/// The script (or block) of `c`, in words.
pub fn script(c: char) -> &'static str {
    match c as u32 {
        0x0000..=0x024F | 0x1E00..=0x1EFF => "the Latin script",
        0x0370..=0x03FF | 0x1F00..=0x1FFF => "the Greek script",
        0x0400..=0x052F => "the Cyrillic script",
        0x0530..=0x058F => "the Armenian script",
        0x0590..=0x05FF | 0xFB1D..=0xFB4F => "the Hebrew script",
        0x0600..=0x06FF | 0x0750..=0x077F | 0x08A0..=0x08FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => {
            "the Arabic script"
        }
        0x0700..=0x074F => "the Syriac script",
        0x0780..=0x07BF => "the Thaana script",
        0x0900..=0x0DFF => "an Indic script",
        0x0E00..=0x0E7F => "the Thai script",
        0x0E80..=0x0EFF => "the Lao script",
        0x0F00..=0x0FFF => "the Tibetan script",
        0x1000..=0x109F => "the Myanmar script",
        0x10A0..=0x10FF => "the Georgian script",
        0x1100..=0x11FF | 0x3130..=0x318F | 0xAC00..=0xD7AF => "the Korean (Hangul) script",
        0x1200..=0x139F => "the Ethiopic script",
        0x1780..=0x17FF => "the Khmer script",
        0x3040..=0x30FF => "the Japanese kana scripts",
        0x2E80..=0x2FFF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xF900..=0xFAFF
        | 0x20000..=0x3FFFF => "the Han (CJK) script",
        0x3000..=0x303F | 0xFF00..=0xFFEF => "CJK punctuation or full-width forms",
        0xE000..=0xF8FF | 0xF0000..=0x10FFFF => "a private-use area",
        0x1F000..=0x1FAFF | 0x2600..=0x27BF => "symbols or emoji",
        _ => "a script none of the fonts covers",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_are_named_without_the_character() {
        assert_eq!(script('王'), "the Han (CJK) script");
        assert_eq!(script('א'), "the Hebrew script");
        assert_eq!(script('ع'), "the Arabic script");
        assert_eq!(script('한'), "the Korean (Hangul) script");
        assert_eq!(script('\u{E000}'), "a private-use area");
        let d = describe('王');
        assert!(!d.contains('王') && !d.contains("738B"), "{d}");
        assert!(fix('王').contains("fonts-noto-cjk"));
    }
}
