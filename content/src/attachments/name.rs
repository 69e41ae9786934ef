//! File names as shown and as sent back in `Content-Disposition`: no path,
//! no control or direction-changing characters, a sane length, and the
//! extension of what the file really is.

use super::Kind;

/// The longest name kept, in characters, before its extension.
const MAX_STEM_CHARS: usize = 80;

/// Characters that change how text around them is shown ("photo\u{202E}gpj.exe" shows as "photoexe.jpg")
/// or are invisible.
fn invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{061C}')
}

/// The name as chosen, without any path or unsafe character, trimmed: for
/// saying which file a message is about. May be empty.
pub(crate) fn clean(sent: &str) -> String {
    let base = sent.rsplit(['/', '\\']).next().unwrap_or("");
    let kept: String = base
        .chars()
        .filter(|c| !c.is_control() && !invisible(*c))
        .map(|c| match c {
            '"' | '*' | ':' | '<' | '>' | '?' | '|' => '_',
            c => c,
        })
        .collect();
    let trimmed = kept.trim_matches(|c: char| c.is_whitespace() || c == '.');
    let mut name: String = trimmed.chars().take(MAX_STEM_CHARS + 10).collect();
    name.truncate(name.trim_end().len());
    name
}

/// The name a stored file is given: the chosen name made safe, its
/// extension the one of its real kind, or "photo.jpg" / "photo.png" /
/// "document.pdf" when nothing usable was sent.
pub fn safe_file_name(sent: &str, kind: Kind) -> String {
    let cleaned = clean(sent);
    let stem = match cleaned.rsplit_once('.') {
        Some((stem, _)) => stem,
        None => cleaned.as_str(),
    };
    let stem: String = stem.chars().take(MAX_STEM_CHARS).collect();
    let stem = stem.trim_matches(|c: char| c.is_whitespace() || c == '.');
    let stem = if stem.is_empty() {
        if kind.is_photo() {
            "photo"
        } else {
            "document"
        }
    } else {
        stem
    };
    format!("{stem}.{}", kind.extension())
}

/// `Content-Disposition: attachment` for a stored file's name: always a
/// download, an ASCII name for old browsers and the UTF-8 name (RFC 6266).
pub fn content_disposition(file_name: &str) -> String {
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && !matches!(c, '"' | '\\' | '%' | ';') || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for byte in file_name.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_paths_and_tricks_and_get_their_real_extension() {
        assert_eq!(
            safe_file_name("C:\\Users\\me\\Nan.JPG", Kind::Jpeg),
            "Nan.jpg"
        );
        assert_eq!(safe_file_name("../../etc/passwd", Kind::Pdf), "passwd.pdf");
        assert_eq!(safe_file_name("holiday.png", Kind::Jpeg), "holiday.jpg");
        assert_eq!(
            safe_file_name("report\u{202E}fdp.exe", Kind::Pdf),
            "reportfdp.pdf"
        );
        assert_eq!(safe_file_name("a\r\nb\"c.pdf", Kind::Pdf), "ab_c.pdf");
        assert_eq!(safe_file_name("", Kind::Jpeg), "photo.jpg");
        assert_eq!(safe_file_name("...", Kind::Png), "photo.png");
        assert_eq!(safe_file_name(" / ", Kind::Pdf), "document.pdf");
        let long = "x".repeat(500) + ".pdf";
        assert_eq!(safe_file_name(&long, Kind::Pdf).chars().count(), 84);
        assert_eq!(
            safe_file_name("Zoë's letter.pdf", Kind::Pdf),
            "Zoë's letter.pdf"
        );
    }

    #[test]
    fn content_disposition_is_always_a_download_with_both_names() {
        assert_eq!(
            content_disposition("Zoë's letter.pdf"),
            "attachment; filename=\"Zo_'s letter.pdf\"; filename*=UTF-8''Zo%C3%AB%27s%20letter.pdf"
        );
        assert!(content_disposition("a\"b;c.pdf").starts_with("attachment; filename=\"a_b_c.pdf\""));
    }
}
