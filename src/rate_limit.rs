//! A token bucket on the caller's clock, as Go's `rate.Limiter` that the Pod Identity Agent uses:
//! `rate` tokens a second, at most `burst` held, full at the start.

/// Thousandths of a token, so whole-millisecond refills stay exact for any whole rate.
const MILLI: u64 = 1000;

/// A token bucket. `rate` 0 turns it off: every request goes ahead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenBucket {
    rate: u32,
    burst: u32,
    /// Thousandths of a token held.
    held: u64,
    /// When `held` was last brought up to date; `None` until the first call.
    at: Option<u64>,
}

impl TokenBucket {
    /// `rate` tokens a second, at most `burst` (at least 1) held; full at the start.
    pub fn new(rate: u32, burst: u32) -> Self {
        let burst = burst.max(1);
        TokenBucket { rate, burst, held: u64::from(burst) * MILLI, at: None }
    }

    /// Tokens a second.
    pub fn rate(&self) -> u32 {
        self.rate
    }

    /// Tokens held at most.
    pub fn burst(&self) -> u32 {
        self.burst
    }

    fn refill(&mut self, now: u64) {
        // A clock that steps back adds nothing, and the bucket waits for it to pass `at` again.
        let elapsed = self.at.map_or(0, |at| now.saturating_sub(at));
        let full = u64::from(self.burst) * MILLI;
        self.held = self.held.saturating_add(elapsed.saturating_mul(u64::from(self.rate))).min(full);
        self.at = Some(self.at.map_or(now, |at| at.max(now)));
    }

    /// Takes a token at `now`: whether the request may go ahead.
    pub fn take(&mut self, now: u64) -> bool {
        if self.rate == 0 {
            return true;
        }
        self.refill(now);
        let granted = self.held >= MILLI;
        if granted {
            self.held -= MILLI;
        }
        granted
    }

    /// When a token is there to take: the first millisecond one will be (0 when one is now).
    pub fn ready_at(&self) -> u64 {
        match self.at {
            Some(at) if self.rate != 0 && self.held < MILLI => at.saturating_add((MILLI - self.held).div_ceil(u64::from(self.rate))),
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
        let mut b = TokenBucket::new(1000, 500);
        assert_eq!((0..600).filter(|_| b.take(0)).count(), 500);
        assert!(!b.take(0));
        assert_eq!(b.ready_at(), 1);
        assert!(b.take(1));
        assert!(!b.take(1));
        // 3/s, burst 3: three, then one every 334 ms.
        let mut r = TokenBucket::new(3, 3);
        assert_eq!((0..5).filter(|_| r.take(10)).count(), 3);
        assert_eq!(r.ready_at(), 344);
        assert!(!r.take(343));
        assert!(r.take(344));
        // Back in time: nothing refilled, nothing panics.
        assert!(!r.take(0));
        assert!(TokenBucket::new(0, 0).take(u64::MAX));
    }
}
