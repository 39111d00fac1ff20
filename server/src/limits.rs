//! Per-connection rate limiting.

use std::time::Instant;

/// A token bucket: `burst` tokens, refilled at `per_sec`; each message takes one.
pub struct TokenBucket {
    per_sec: f64,
    burst: f64,
    tokens: f64,
    at: Option<Instant>,
}

impl TokenBucket {
    pub fn new(per_sec: f64, burst: u32) -> Self {
        TokenBucket {
            per_sec,
            burst: f64::from(burst.max(1)),
            tokens: f64::from(burst.max(1)),
            at: None,
        }
    }

    /// Takes a token at `now`, if there is one.
    pub fn take(&mut self, now: Instant) -> bool {
        if let Some(at) = self.at {
            let refill = now.saturating_duration_since(at).as_secs_f64() * self.per_sec;
            self.tokens = (self.tokens + refill).min(self.burst);
        }
        self.at = Some(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn burst_then_refill() {
        let t0 = Instant::now();
        let mut b = TokenBucket::new(2.0, 3);
        assert!((0..3).all(|_| b.take(t0)));
        assert!(!b.take(t0), "the burst is spent");
        assert!(
            !b.take(t0 + Duration::from_millis(400)),
            "0.8 tokens are not one"
        );
        assert!(b.take(t0 + Duration::from_millis(600)));
        // Never more than the burst, however long the pause.
        let later = t0 + Duration::from_secs(3600);
        assert!((0..3).all(|_| b.take(later)));
        assert!(!b.take(later));
    }
}
