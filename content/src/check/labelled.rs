//! Identifiers after a label: "National Insurance number:", "NI number",
//! "NINO", "NHS no.", "tel", "mobile", "email". The value after the label is
//! flagged even when it fails the checks the unlabelled detectors make (a
//! missing NI suffix letter, a prefix never issued, a failed NHS check
//! digit, too few digits for a phone, an email address without a domain):
//! a mistyped identifier still identifies someone.
//!
//! One `regex` pass per label kind, linear in the text.

use std::sync::OnceLock;

use regex::Regex;

use super::patterns::Candidate;
use super::FindingKind;

struct Labels {
    /// Any label alone: one pass says which labels the text has (most
    /// texts have none or one), and only their patterns are run.
    any: Regex,
    ni: Regex,
    nhs: Regex,
    phone: Regex,
    email: Regex,
}

/// What may stand between a label and its value: "NHS no.: ", "tel - ".
const BETWEEN: &str = r"[ \t]*(?:[:#=\-–][ \t]*)?(?:is[ \t]+)?";

// Fixed patterns, compiled by every test of the check: one that failed to
// compile is a programming error the first test run shows, not a condition
// to handle at run time.
#[allow(clippy::expect_used)]
fn labels() -> &'static Labels {
    static L: OnceLock<Labels> = OnceLock::new();
    L.get_or_init(|| {
        let number = r"(?:[ \t]+(?:number|no\.?|num))";
        let ni = Regex::new(&format!(
            r"(?i)(?-u:\b)(?:national[ \t]+insurance{number}?|ni{number}|nino)(?-u:\b)\.?{BETWEEN}(?P<v>[a-z]{{2}}[ \t]?\d{{2}}[ \t]?\d{{2}}[ \t]?\d{{2}}(?:[ \t]?[a-z])?)(?-u:\b)"
        ))
        .expect("labelled NI regex");
        let nhs = Regex::new(&format!(
            r"(?i)(?-u:\b)nhs{number}?(?-u:\b)\.?{BETWEEN}(?P<v>\d{{3}}[ \t\-]?\d{{3}}[ \t\-]?\d{{4}})(?-u:\b)"
        ))
        .expect("labelled NHS regex");
        let phone = Regex::new(&format!(
            r"(?i)(?-u:\b)(?:tel(?:ephone)?|phone|mobile|mob|landline|contact[ \t]+number)(?-u:\b)\.?{number}?\.?{BETWEEN}(?P<v>\+?\(?\d[\d \-.()]{{5,}}\d)"
        ))
        .expect("labelled phone regex");
        let email = Regex::new(&format!(
            r"(?i)(?-u:\b)e-?mail(?:[ \t]+address)?(?-u:\b){BETWEEN}(?P<v>[^\s@<>()\[\],;:]+@[^\s@<>()\[\],;:]+)"
        ))
        .expect("labelled email regex");
        let any = Regex::new(
            r"(?i)(?-u:\b)(?:national[ \t]+insurance|ni|nino|nhs|tel|telephone|phone|mobile|mob|landline|contact[ \t]+number|e-?mail)(?-u:\b)",
        )
        .expect("label regex");
        Labels {
            any,
            ni,
            nhs,
            phone,
            email,
        }
    })
}

/// Adds a candidate for every labelled value in `text`. `digits` and `at`
/// say whether the text has an ASCII digit and an "@" at all.
pub fn find_all(text: &str, digits: bool, at: bool, out: &mut Vec<Candidate>) {
    let l = labels();
    let mut push = |re: &Regex, kind: FindingKind, ok: &dyn Fn(&str) -> bool| {
        for c in re.captures_iter(text) {
            let Some(v) = c.name("v") else { continue };
            let value = v.as_str().trim_end_matches(['.', ' ', '-', '(']);
            if ok(value) {
                out.push(Candidate {
                    kind,
                    start: v.start(),
                    end: v.start() + value.len(),
                });
            }
        }
    };
    if !digits && !at {
        return;
    }
    // Which labels there are, by their first letters (every pattern below
    // starts with one of these labels followed by a word boundary).
    let (mut ni, mut nhs, mut phone, mut email) = (false, false, false, false);
    for m in l.any.find_iter(text) {
        match m.as_str().as_bytes() {
            [b'n' | b'N', b'h' | b'H', ..] => nhs = true,
            [b'n' | b'N', ..] => ni = true,
            [b'e' | b'E', ..] => email = true,
            _ => phone = true,
        }
    }
    if digits && ni {
        push(&l.ni, FindingKind::NiNumber, &|_| true);
    }
    if digits && nhs {
        push(&l.nhs, FindingKind::NhsNumber, &|_| true);
    }
    if digits && phone {
        push(&l.phone, FindingKind::Phone, &|v| {
            (8..=14).contains(&v.bytes().filter(u8::is_ascii_digit).count())
        });
    }
    if at && email {
        push(&l.email, FindingKind::Email, &|v| !v.ends_with('@'));
    }
}
