//! When to try again: exponential backoff with full jitter
//! (<https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/>).

/// Delays for successive reconnection attempts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backoff {
    base_ms: u32,
    cap_ms: u32,
    /// Shortest delay, so that even a jitter of 0 never spins.
    floor_ms: u32,
    attempt: u32,
}

impl Backoff {
    pub const fn new(base_ms: u32, cap_ms: u32, floor_ms: u32) -> Self {
        Backoff {
            base_ms,
            cap_ms,
            floor_ms,
            attempt: 0,
        }
    }

    /// The longest delay any attempt can get.
    pub const fn cap(&self) -> u32 {
        self.cap_ms
    }

    /// Attempts made since the last reset.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The longest delay the next attempt can get: `min(cap, base · 2^attempt)`.
    pub fn ceiling(&self) -> u32 {
        let grown = u64::from(self.base_ms) << self.attempt.min(31);
        grown.min(u64::from(self.cap_ms)) as u32
    }

    /// The delay before the next attempt, for `unit` uniform in `[0, 1)`:
    /// uniform in `[floor, ceiling]`.
    pub fn next_delay(&mut self, unit: f64) -> u32 {
        let ceiling = self.ceiling();
        self.attempt = self.attempt.saturating_add(1);
        let jittered = (unit.clamp(0.0, 1.0) * f64::from(ceiling)) as u32;
        jittered.clamp(self.floor_ms.min(ceiling), ceiling)
    }

    /// Back to the shortest delays (after a connection that stayed up).
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

/// A small deterministic generator for jitter (xorshift64*), so the room stays
/// pure: the edges seed it, tests fix the seed.
#[derive(Clone, Debug)]
pub struct Jitter(u64);

impl Jitter {
    pub fn new(seed: u64) -> Self {
        Jitter(seed | 1)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// The next of the sequence (xorshift64*), for ids that must differ.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceiling_doubles_up_to_the_cap() {
        let mut b = Backoff::new(500, 30_000, 100);
        let ceilings: Vec<u32> = (0..9)
            .map(|_| {
                let c = b.ceiling();
                b.next_delay(0.5);
                c
            })
            .collect();
        assert_eq!(
            ceilings,
            [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]
        );
        // Far past 2^31 it neither overflows nor exceeds the cap.
        for _ in 0..100 {
            assert!(b.next_delay(0.999) <= 30_000);
        }
    }

    #[test]
    fn full_jitter_spans_floor_to_ceiling() {
        let mut b = Backoff::new(500, 30_000, 100);
        for _ in 0..4 {
            b.next_delay(0.0);
        }
        assert_eq!(b.ceiling(), 8000);
        let mut low = b.clone();
        let mut high = b.clone();
        assert_eq!(low.next_delay(0.0), 100, "never below the floor");
        assert_eq!(high.next_delay(1.0), 8000, "never above the ceiling");
        let mut rng = Jitter::new(7);
        let delays: Vec<u32> = (0..1000)
            .map(|_| b.clone().next_delay(rng.unit()))
            .collect();
        assert!(delays.iter().all(|d| (100..=8000).contains(d)));
        // Spread over the whole range, not clustered.
        assert!(delays.iter().any(|&d| d < 1000) && delays.iter().any(|&d| d > 7000));
    }

    #[test]
    fn reset_starts_over() {
        let mut b = Backoff::new(500, 30_000, 100);
        for _ in 0..5 {
            b.next_delay(0.3);
        }
        assert_eq!(b.attempt(), 5);
        b.reset();
        assert_eq!((b.attempt(), b.ceiling()), (0, 500));
    }

    #[test]
    fn jitter_is_uniform_enough() {
        let mut rng = Jitter::new(42);
        let samples: Vec<f64> = (0..10_000).map(|_| rng.unit()).collect();
        assert!(samples.iter().all(|u| (0.0..1.0).contains(u)));
        let mean = samples.iter().sum::<f64>() / samples.len() as f64;
        assert!((mean - 0.5).abs() < 0.02, "mean {mean}");
    }
}
