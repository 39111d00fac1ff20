//! Pacing: a mirror of the server's token bucket, so the outbox never sends
//! faster than the server accepts (a long queue after an outage goes out paced).

use crate::protocol::envelope::RateLimit;

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Pace {
    burst: f64,
    refill_ms: f64,
    tokens: f64,
    at: u64,
}

impl Pace {
    pub(super) fn new(limit: RateLimit, now: u64) -> Self {
        Pace {
            burst: f64::from(limit.burst.max(1)),
            refill_ms: f64::from(limit.refill_ms.max(1)),
            tokens: f64::from(limit.burst.max(1)),
            at: now,
        }
    }

    /// Takes a token if one is there.
    pub(super) fn take(&mut self, now: u64) -> bool {
        let refill = now.saturating_sub(self.at) as f64 / self.refill_ms;
        self.tokens = (self.tokens + refill).min(self.burst);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// The server said "too fast": the bucket is empty as of `now`.
    pub(super) fn empty(&mut self, now: u64) {
        self.tokens = 0.0;
        self.at = now;
    }

    /// Milliseconds until the next token.
    pub(super) fn wait_ms(&self) -> u32 {
        ((1.0 - self.tokens).max(0.0) * self.refill_ms).ceil() as u32 + 1
    }
}
