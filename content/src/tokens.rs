//! Random tokens and how they are stored: sessions, invitations, codes and
//! links are all kept only as hashes.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// 256 random bits, hex-encoded.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// What is stored in place of a token or code.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A code of `digits` decimal digits, uniformly random.
pub fn new_numeric_code(digits: u32) -> String {
    let modulus = 10u64.pow(digits);
    // Rejection sampling keeps every code equally likely.
    let limit = u64::MAX - (u64::MAX % modulus);
    loop {
        let n = rand::rngs::OsRng.next_u64();
        if n < limit {
            return format!("{:0width$}", n % modulus, width = digits as usize);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_stored_hashed() {
        let a = new_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, new_token());
        assert_ne!(hash_token(&a), a);
        assert_eq!(hash_token(&a), hash_token(&a));
    }

    #[test]
    fn numeric_codes_have_their_length() {
        for _ in 0..100 {
            let code = new_numeric_code(6);
            assert_eq!(code.len(), 6);
            assert!(code.bytes().all(|b| b.is_ascii_digit()));
        }
    }
}
