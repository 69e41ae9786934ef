//! Invitation codes: short enough to read out or type on a phone, made of
//! characters nobody confuses (no 0/O, 1/I/L, U), with a check character so a
//! typo is caught before anything is looked up.
//!
//! A code is 10 random characters from a 30-character alphabet (about 49
//! bits) and a check character computed with the Luhn mod N algorithm, which
//! catches every single wrong character and nearly every swap of two
//! neighbours.
//! It is shown as `XXXX-XXXX-XXX`; case, spaces and dashes don't matter.

use rand::Rng;

pub const ALPHABET: &[u8; 30] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";
const DATA_LEN: usize = 10;

fn value(c: u8) -> Option<usize> {
    ALPHABET.iter().position(|&a| a == c)
}

fn check_char(data: &[u8]) -> u8 {
    let n = ALPHABET.len();
    let mut sum = 0;
    let mut factor = 2;
    for &c in data.iter().rev() {
        // Callers pass only letters of the alphabet (new_code, or a code
        // normalised and checked against it first).
        let addend = factor * value(c).unwrap_or(0);
        sum += addend / n + addend % n;
        factor = if factor == 2 { 1 } else { 2 };
    }
    ALPHABET[(n - sum % n) % n]
}

/// A new code, normalised (no separators).
pub fn new_code() -> String {
    let mut rng = rand::rngs::OsRng;
    let data: Vec<u8> = (0..DATA_LEN)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())])
        .collect();
    let check = check_char(&data);
    let mut code: String = data.iter().map(|&b| b as char).collect();
    code.push(check as char);
    code
}

/// `XXXX-XXXX-XXX`, for letters and screens.
pub fn display(code: &str) -> String {
    let chars: Vec<char> = code.chars().collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("The code should have 11 letters and numbers. Check you have typed all of it.")]
    WrongLength,
    #[error("The code has a character that is never used in codes. Check each letter and number.")]
    BadCharacter,
    #[error("The code has a typing mistake in it. Check each letter and number.")]
    Typo,
}

/// Normalises what a person typed and checks the check character.
pub fn parse(typed: &str) -> Result<String, CodeError> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if code.chars().count() != DATA_LEN + 1 {
        return Err(CodeError::WrongLength);
    }
    if !code.bytes().all(|b| value(b).is_some()) {
        return Err(CodeError::BadCharacter);
    }
    let (data, check) = code.as_bytes().split_at(DATA_LEN);
    if check_char(data) != check[0] {
        return Err(CodeError::Typo);
    }
    Ok(code)
}

/// What is stored and sent to the portal in place of the code.
pub fn hash(code: &str) -> String {
    crate::tokens::hash_token(&format!("invitation:{code}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_codes_parse_in_any_reasonable_form() {
        for _ in 0..200 {
            let code = new_code();
            assert_eq!(parse(&code), Ok(code.clone()));
            assert_eq!(parse(&display(&code).to_lowercase()), Ok(code.clone()));
            assert_eq!(
                parse(&format!(" {} ", display(&code).replace('-', " "))),
                Ok(code.clone())
            );
        }
    }

    #[test]
    fn every_single_typo_and_nearly_every_neighbour_swap_is_caught() {
        let (mut swaps, mut caught) = (0, 0);
        for _ in 0..200 {
            let code = new_code();
            let bytes = code.as_bytes();
            for i in 0..bytes.len() {
                for &other in ALPHABET.iter().filter(|&&c| c != bytes[i]) {
                    let mut typo = bytes.to_vec();
                    typo[i] = other;
                    assert_eq!(
                        parse(std::str::from_utf8(&typo).unwrap()),
                        Err(CodeError::Typo)
                    );
                }
                if i + 1 < bytes.len() && bytes[i] != bytes[i + 1] {
                    let mut swapped = bytes.to_vec();
                    swapped.swap(i, i + 1);
                    swaps += 1;
                    if parse(std::str::from_utf8(&swapped).unwrap()) == Err(CodeError::Typo) {
                        caught += 1;
                    }
                }
            }
        }
        // Luhn mod N misses a swap only for a few pairs of characters.
        assert!(
            caught * 100 >= swaps * 95,
            "{caught} of {swaps} swaps caught"
        );
    }

    #[test]
    fn confusable_characters_and_wrong_lengths_are_explained() {
        assert_eq!(parse("O0I1L-U2345-6"), Err(CodeError::BadCharacter));
        assert_eq!(parse("ABC"), Err(CodeError::WrongLength));
        assert_eq!(display("ABCDEFGHJKM"), "ABCD-EFGH-JKM");
    }
}
