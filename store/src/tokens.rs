//! Access tokens: the per-subject read token (an HMAC of the subject id, which the site hands to its own
//! logged-in visitor, so nobody can fetch another customer's snapshot) and the write token of the API.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// Domain separation for read tokens (a future token kind gets another label).
const READ_TOKEN_LABEL: &[u8] = b"persona-edge read token v1\0";
/// Domain separation for the subject keys of erasure tombstones.
const TOMBSTONE_LABEL: &[u8] = b"persona-edge erased subject v1\0";

/// Issues and checks read tokens with the store's secret.
#[derive(Clone)]
pub struct ReadTokens {
    secret: [u8; 32],
}

impl std::fmt::Debug for ReadTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReadTokens(..)")
    }
}

impl ReadTokens {
    /// Tokens keyed by a 32-byte secret.
    pub fn new(secret: [u8; 32]) -> ReadTokens {
        ReadTokens { secret }
    }

    fn mac(&self, label: &[u8], subject: &str) -> HmacSha256 {
        // HMAC accepts keys of any length: this cannot fail.
        let mut mac = match HmacSha256::new_from_slice(&self.secret) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC takes keys of any length"),
        };
        mac.update(label);
        mac.update(subject.as_bytes());
        mac
    }

    /// The read token of `subject` (43 characters of base64url).
    pub fn token(&self, subject: &str) -> String {
        URL_SAFE_NO_PAD.encode(self.mac(READ_TOKEN_LABEL, subject).finalize().into_bytes())
    }

    /// The key an erased `subject` is remembered by (43 characters of base64url): a keyed hash under its
    /// own label, so it equals no read token and reveals nothing of the subject id without the secret.
    pub fn tombstone_key(&self, subject: &str) -> String {
        URL_SAFE_NO_PAD.encode(self.mac(TOMBSTONE_LABEL, subject).finalize().into_bytes())
    }

    /// The edge key-value key of `subject`'s published snapshot (`profile:<read token>`).
    pub fn kv_key(&self, subject: &str) -> String {
        format!("profile:{}", self.token(subject))
    }

    /// Whether `token` is the read token of `subject` (constant-time comparison).
    pub fn check(&self, subject: &str, token: &str) -> bool {
        match URL_SAFE_NO_PAD.decode(token) {
            Ok(bytes) => self
                .mac(READ_TOKEN_LABEL, subject)
                .verify_slice(&bytes)
                .is_ok(),
            Err(_) => false,
        }
    }
}

/// The bearer token that authorizes writes, compared in constant time.
#[derive(Clone)]
pub struct WriteToken {
    digest: [u8; 32],
}

impl std::fmt::Debug for WriteToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WriteToken(..)")
    }
}

impl WriteToken {
    /// The expected token.
    pub fn new(token: &str) -> WriteToken {
        WriteToken {
            digest: Sha256::digest(token.as_bytes()).into(),
        }
    }

    /// Whether `token` is the write token. Compares digests, so neither the length nor a prefix leaks.
    pub fn check(&self, token: &str) -> bool {
        let other: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        other
            .iter()
            .zip(self.digest.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }
}

/// A fresh random secret, for first start.
pub fn random_secret() -> Result<[u8; 32], getrandom::Error> {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret)?;
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_tokens_are_per_subject_and_per_secret() {
        let tokens = ReadTokens::new([1; 32]);
        let t = tokens.token("c_ana");
        assert_eq!(t.len(), 43);
        assert!(tokens.check("c_ana", &t));
        assert!(!tokens.check("c_ben", &t));
        assert!(!ReadTokens::new([2; 32]).check("c_ana", &t));
        assert!(!tokens.check("c_ana", "not base64 !"));
        assert!(!tokens.check("c_ana", &t[..42]));
    }

    #[test]
    fn write_token() {
        let w = WriteToken::new("s3cret-token");
        assert!(w.check("s3cret-token"));
        assert!(!w.check("s3cret-token "));
        assert!(!w.check(""));
    }
}
