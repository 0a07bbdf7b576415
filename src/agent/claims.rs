//! The agent's local token check, before any cached answer is replayed and before any call to
//! EKS Auth: the token is parsed without verifying its signature (only EKS Auth can), and its
//! `exp` and `nbf` are held to the clock, as the agent's `jwt.ParseUnverified` and validator do
//! (`internal/validation/request.go:57-70`). The 400 bodies begin as the agent's, word for word.

use crate::token::parse_token;

/// The agent's body for a request without a token.
pub const EMPTY: &str = "Service account token cannot be empty";
/// The agent's body for a token that is not a JWT starts so; our reason follows.
pub const UNPARSABLE: &str = "Service account token cannot be parsed: ";
/// The agent's body for a token whose `exp` or `nbf` fails starts so; the claim's reason follows.
pub const CLAIMS_FAILED: &str = "Service account token failed basic claim validations: ";
/// The reason for a token past its `exp`.
pub const EXPIRED: &str = "token is expired";
/// The reason for a token before its `nbf`.
pub const NOT_YET_VALID: &str = "token is not valid yet";

/// A token's validity window on the host clock, in epoch milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Validity {
    /// `nbf`: not valid before.
    pub not_before_ms: Option<u64>,
    /// `exp`: not valid from then on.
    pub expires_ms: Option<u64>,
}

/// Why a token is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No token.
    Empty,
    /// Not a JWT with JSON header and claims; the reason never quotes the token.
    Unparsable(String),
    /// `exp` has passed.
    Expired,
    /// `nbf` has not come yet.
    NotYetValid,
}

impl Refusal {
    /// The 400 body the agent writes, without Go's trailing newline.
    pub fn body(&self) -> String {
        match self {
            Refusal::Empty => EMPTY.to_string(),
            Refusal::Unparsable(reason) => [UNPARSABLE, reason].concat(),
            Refusal::Expired => [CLAIMS_FAILED, EXPIRED].concat(),
            Refusal::NotYetValid => [CLAIMS_FAILED, NOT_YET_VALID].concat(),
        }
    }
}

/// Epoch seconds (a JWT NumericDate, which may have a fraction) to epoch milliseconds; the cast
/// saturates, so a negative date is 0 and a vast one the end of time.
fn millis(seconds: f64) -> u64 {
    (seconds * 1000.0) as u64
}

/// Parses `token` and reads its window.
///
/// # Errors
/// [`Refusal::Empty`] or [`Refusal::Unparsable`].
pub fn validity(token: &str) -> Result<Validity, Refusal> {
    if token.is_empty() {
        return Err(Refusal::Empty);
    }
    let claims = parse_token(token).map_err(|e| Refusal::Unparsable(e.message().to_string()))?;
    Ok(Validity { not_before_ms: claims.not_before.map(millis), expires_ms: claims.expires_at.map(millis) })
}

impl Validity {
    /// Holds the window to `now`: `exp` first, as the agent's validator.
    ///
    /// # Errors
    /// [`Refusal::Expired`] from `exp` on, [`Refusal::NotYetValid`] before `nbf`.
    pub fn check(&self, now: u64) -> Result<(), Refusal> {
        if self.expires_ms.is_some_and(|exp| now >= exp) {
            return Err(Refusal::Expired);
        }
        if self.not_before_ms.is_some_and(|nbf| now < nbf) {
            return Err(Refusal::NotYetValid);
        }
        Ok(())
    }

    /// Whether the token has expired at `now`.
    pub fn expired(&self, now: u64) -> bool {
        self.expires_ms.is_some_and(|exp| now >= exp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // {"alg":"RS256"} . {"exp":3600,"nbf":60} . signature
    const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjM2MDAsIm5iZiI6NjB9.c2ln";

    #[test]
    fn window() {
        let v = validity(TOKEN).unwrap();
        assert_eq!(v, Validity { not_before_ms: Some(60_000), expires_ms: Some(3_600_000) });
        assert_eq!(v.check(59_999), Err(Refusal::NotYetValid));
        assert_eq!(v.check(60_000), Ok(()));
        assert_eq!(v.check(3_599_999), Ok(()));
        assert_eq!(v.check(3_600_000), Err(Refusal::Expired));
        assert_eq!(Refusal::Expired.body(), "Service account token failed basic claim validations: token is expired");
        assert_eq!(validity(""), Err(Refusal::Empty));
        let Err(garbage) = validity("Bearer x") else { panic!() };
        assert!(garbage.body().starts_with("Service account token cannot be parsed: must be a service-account token"), "{}", garbage.body());
        assert!(!garbage.body().contains("Bearer x"));
    }
}
