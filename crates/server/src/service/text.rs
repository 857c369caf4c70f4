//! Text hygiene for names people see: no bidi tricks, no invisible characters.

/// Characters that change how surrounding text is ordered or are invisible, and so let a name
/// pretend to be something else (`invoice\u{202E}gnp.exe` shows as `invoiceexe.png`).
fn is_deceptive(c: char) -> bool {
    matches!(c,
        '\u{00AD}'                  // soft hyphen
        | '\u{034F}'                // combining grapheme joiner
        | '\u{061C}'                // Arabic letter mark
        | '\u{115F}' | '\u{1160}'   // Hangul fillers
        | '\u{17B4}' | '\u{17B5}'   // Khmer inherent vowels
        | '\u{180E}'                // Mongolian vowel separator
        | '\u{200B}'..='\u{200C}'   // zero-width space, non-joiner
        | '\u{200E}'..='\u{200F}'   // LRM, RLM
        | '\u{202A}'..='\u{202E}'   // bidi embeddings and overrides
        | '\u{2060}'..='\u{206F}'   // word joiner, invisible operators, bidi isolates, deprecated format
        | '\u{3164}' | '\u{FFA0}'   // Hangul fillers
        | '\u{FEFF}'                // zero-width no-break space
        | '\u{FFF9}'..='\u{FFFB}'   // interlinear annotation
    ) || c.is_control()
}

/// Invisible on its own: whitespace, the deceptive characters, joiners and variation selectors.
fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || is_deceptive(c)
        || matches!(c, '\u{200D}' | '\u{FE00}'..='\u{FE0F}' | '\u{E0000}'..='\u{E007F}' | '\u{E0100}'..='\u{E01EF}')
}

/// A name as people will see it: deceptive characters removed, whitespace runs collapsed, trimmed.
pub fn clean_name(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars().filter(|&c| !is_deceptive(c) || c == '\t' || c == '\n') {
        let c = if c.is_whitespace() { ' ' } else { c };
        if !(c == ' ' && (out.is_empty() || out.ends_with(' '))) {
            out.push(c);
        }
    }
    out.trim_end().to_string()
}

/// Whether a message would show nothing at all.
pub fn is_blank(text: &str) -> bool {
    text.chars().all(is_invisible)
}

/// A window of time as error messages word it: "2 minutes", "24 hours", "90 seconds".
pub fn span(secs: i64) -> String {
    match secs {
        s if s >= 3600 && s % 3600 == 0 => format!("{} hours", s / 3600),
        s if s >= 60 && s % 60 == 0 => format!("{} minutes", s / 60),
        s => format!("{s} seconds"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_in_the_largest_whole_unit() {
        assert_eq!(span(120), "2 minutes");
        assert_eq!(span(86400), "24 hours");
        assert_eq!(span(90), "90 seconds");
    }

    #[test]
    fn names_lose_bidi_overrides_and_invisible_characters() {
        assert_eq!(clean_name("invoice\u{202E}gnp.exe"), "invoicegnp.exe");
        assert_eq!(clean_name("\u{200B}al\u{200B}ice\u{2066}"), "alice");
        assert_eq!(clean_name("  Ann \t  Lee \u{FEFF} "), "Ann Lee");
        assert_eq!(clean_name("李雷 😀"), "李雷 😀");
        // Emoji sequences keep their joiner.
        assert_eq!(clean_name("👩\u{200D}💻 Dev"), "👩\u{200D}💻 Dev");
    }

    #[test]
    fn blank_means_nothing_visible() {
        assert!(is_blank(""));
        assert!(is_blank(" \n\t"));
        assert!(is_blank("\u{200B}\u{200D}\u{FEFF}\u{2060}"));
        assert!(is_blank("\u{3164}\u{FE0F}"));
        assert!(!is_blank("\u{200B}a"));
        assert!(!is_blank("😀"));
    }
}
