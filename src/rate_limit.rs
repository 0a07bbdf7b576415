//! A token bucket on the caller's clock, as Go's `rate.Limiter` that the Pod Identity Agent uses:
//! `rate` tokens a second, at most `burst` held, full at the start.

/// Millionths of a token: a rate in thousandths of a token a second refills whole millionths
/// each millisecond, so refills stay exact for any rate to three decimals (Go's limit is a float).
const MICRO: u64 = 1_000_000;

/// A token bucket. `rate` 0 turns it off: every request goes ahead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenBucket {
    /// Thousandths of a token a second: millionths a millisecond.
    rate_milli: u64,
    burst: u32,
    /// Millionths of a token held.
    held: u64,
    /// When `held` was last brought up to date; `None` until the first call.
    at: Option<u64>,
}

impl TokenBucket {
    /// `rate` tokens a second (to three decimals; a rate above 0 is at least 0.001; not a
    /// finite number of 0 or more is 0), at most `burst` (at least 1) held; full at the start.
    pub fn new(rate: f64, burst: u32) -> Self {
        let burst = burst.max(1);
        let rate_milli = if rate.is_finite() && rate > 0.0 { ((rate * 1000.0).round() as u64).max(1) } else { 0 };
        TokenBucket { rate_milli, burst, held: u64::from(burst) * MICRO, at: None }
    }

    /// Tokens a second.
    pub fn rate(&self) -> f64 {
        self.rate_milli as f64 / 1000.0
    }

    /// Tokens held at most.
    pub fn burst(&self) -> u32 {
        self.burst
    }

    fn refill(&mut self, now: u64) {
        // A clock that steps back adds nothing, and the bucket waits for it to pass `at` again.
        let elapsed = self.at.map_or(0, |at| now.saturating_sub(at));
        let full = u64::from(self.burst) * MICRO;
        self.held = self.held.saturating_add(elapsed.saturating_mul(self.rate_milli)).min(full);
        self.at = Some(self.at.map_or(now, |at| at.max(now)));
    }

    /// Takes a token at `now`: whether the request may go ahead.
    pub fn take(&mut self, now: u64) -> bool {
        if self.rate_milli == 0 {
            return true;
        }
        self.refill(now);
        let granted = self.held >= MICRO;
        if granted {
            self.held -= MICRO;
        }
        granted
    }

    /// When a token is there to take: the first millisecond one will be (0 when one is now).
    pub fn ready_at(&self) -> u64 {
        match self.at {
            Some(at) if self.rate_milli != 0 && self.held < MICRO => at.saturating_add((MICRO - self.held).div_ceil(self.rate_milli)),
            _ => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TokenBucket;

    #[test]
    fn agent_limits() {
        // 1000/s, burst 500: 500 at once, then one a millisecond.
        let mut b = TokenBucket::new(1000.0, 500);
        assert_eq!((0..600).filter(|_| b.take(0)).count(), 500);
        assert!(!b.take(0));
        assert_eq!(b.ready_at(), 1);
        assert!(b.take(1));
        assert!(!b.take(1));
        // 3/s, burst 3: three, then one every 334 ms.
        let mut r = TokenBucket::new(3.0, 3);
        assert_eq!((0..5).filter(|_| r.take(10)).count(), 3);
        assert_eq!(r.ready_at(), 344);
        assert!(!r.take(343));
        assert!(r.take(344));
        // Back in time: nothing refilled, nothing panics.
        assert!(!r.take(0));
        assert!(TokenBucket::new(0.0, 0).take(u64::MAX));
        assert!(TokenBucket::new(f64::NAN, 0).take(0));
        // A thousandth a second, burst 1: one, then the next after 1000 s.
        let mut slow = TokenBucket::new(0.001, 1);
        assert!(slow.take(0));
        assert!(!slow.take(999_999));
        assert!(slow.take(1_000_000));
    }
}
