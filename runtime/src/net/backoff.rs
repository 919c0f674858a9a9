//! One reconnect policy for every client: exponential backoff from a minimum to a maximum delay,
//! with a small jitter so that clients started together do not reconnect in step.
//!
//! ```
//! use std::time::Duration;
//! use passerelle::net::Backoff;
//!
//! let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(1))
//!     .with_key("gooee-site-1");
//! let first = backoff.next();
//! assert!(first <= Duration::from_millis(100) && first >= Duration::from_millis(90));
//! let second = backoff.next();
//! assert!(second <= Duration::from_millis(200) && second >= Duration::from_millis(180));
//! backoff.reset(); // after a success
//! assert!(backoff.next() <= Duration::from_millis(100));
//! ```
//!
//! The jitter is deterministic per instance: a small generator seeded from a key (a client id, a
//! connector name) or a number, never a process-wide random source, so a test can predict every
//! delay and two clients with different keys still spread out.

use std::time::Duration;

/// Default first delay: 200 milliseconds.
pub const DEFAULT_MIN: Duration = Duration::from_millis(200);
/// Default longest delay: 30 seconds.
pub const DEFAULT_MAX: Duration = Duration::from_secs(30);

/// [`DEFAULT_MIN`] in milliseconds: the serde default of every `reconnect_min_ms` setting.
pub const fn default_min_ms() -> u64 {
    DEFAULT_MIN.as_millis() as u64
}

/// [`DEFAULT_MAX`] in milliseconds: the serde default of every `reconnect_max_ms` setting.
pub const fn default_max_ms() -> u64 {
    DEFAULT_MAX.as_millis() as u64
}
/// Default jitter: each delay is shortened by a pseudo-random amount of up to 10 percent of it.
pub const DEFAULT_JITTER_PERCENT: u8 = 10;
/// Shortest first delay accepted: 1 millisecond (a zero delay would never grow).
const FLOOR: Duration = Duration::from_millis(1);

/// An exponential backoff: [`Backoff::next`] returns the minimum delay, then twice that, and so
/// on up to the maximum, each shortened by a jitter of up to [`DEFAULT_JITTER_PERCENT`]
/// percent; [`Backoff::reset`] after a success starts again from the minimum.
///
/// Every delay `d` returned lies in `[b - b * jitter / 100, b]` where `b` is the un-jittered
/// delay of that step, so it never exceeds the maximum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    jitter_percent: u8,
    /// The un-jittered delay the next call returns.
    step: Duration,
    /// State of the jitter generator (SplitMix64).
    state: u64,
}

impl Default for Backoff {
    /// [`DEFAULT_MIN`] to [`DEFAULT_MAX`], [`DEFAULT_JITTER_PERCENT`], seed 0.
    fn default() -> Self {
        Self::new(DEFAULT_MIN, DEFAULT_MAX)
    }
}

impl Backoff {
    /// A backoff from `min` to `max` (a `min` below 1 ms counts as 1 ms, a `max` below `min` as
    /// `min`), with [`DEFAULT_JITTER_PERCENT`] jitter and seed 0.
    pub fn new(min: Duration, max: Duration) -> Self {
        let min = min.max(FLOOR);
        Self { min, max: max.max(min), jitter_percent: DEFAULT_JITTER_PERCENT, step: min, state: 0 }
    }

    /// Seeds the jitter: two instances with the same seed return the same delays.
    #[must_use]
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.state = seed;
        self
    }

    /// Seeds the jitter from a key (a client id, a connector name), so that clients with
    /// different keys spread their reconnects, reproducibly.
    #[must_use]
    pub fn with_key(self, key: &str) -> Self {
        self.with_seed(fnv1a(key.as_bytes()))
    }

    /// Sets the jitter in percent of each delay (default [`DEFAULT_JITTER_PERCENT`]; at most 100,
    /// 0 turns it off).
    #[must_use]
    pub fn with_jitter_percent(mut self, percent: u8) -> Self {
        self.jitter_percent = percent.min(100);
        self
    }

    /// The first delay.
    pub fn min(&self) -> Duration {
        self.min
    }

    /// The longest delay.
    pub fn max(&self) -> Duration {
        self.max
    }

    /// The delay to wait before the next attempt; each call doubles the next one, up to the
    /// maximum. An endless policy: the caller decides when to give up.
    #[allow(clippy::should_implement_trait, reason = "an endless policy, not an iterator: no None to unwrap")]
    pub fn next(&mut self) -> Duration {
        let step = self.step;
        self.step = step.saturating_mul(2).min(self.max);
        let spread = step.as_nanos() * u128::from(self.jitter_percent) / 100;
        if spread == 0 {
            return step;
        }
        let cut = u128::from(self.random()) % (spread + 1);
        let nanos = step.as_nanos().saturating_sub(cut);
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }

    /// Starts again from the minimum delay, after a success (a connection established, a
    /// message committed). The jitter sequence goes on.
    pub fn reset(&mut self) {
        self.step = self.min;
    }

    /// SplitMix64: small, fast, and fine from any seed (0 included).
    fn random(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// FNV-1a, 64 bits: a stable hash of the key (the standard hasher may change between releases).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xCBF2_9CE4_8422_2325, |hash, b| (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01B3))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{Backoff, DEFAULT_JITTER_PERCENT, DEFAULT_MAX, DEFAULT_MIN};

    const MS: fn(u64) -> Duration = Duration::from_millis;

    #[test]
    fn grows_exponentially_from_the_minimum() {
        let mut b = Backoff::new(MS(100), MS(10_000)).with_jitter_percent(0);
        let delays: Vec<Duration> = (0..5).map(|_| b.next()).collect();
        assert_eq!(delays, [MS(100), MS(200), MS(400), MS(800), MS(1600)]);
    }

    #[test]
    fn stops_growing_at_the_maximum() {
        let mut b = Backoff::new(MS(100), MS(500)).with_jitter_percent(0);
        let delays: Vec<Duration> = (0..6).map(|_| b.next()).collect();
        assert_eq!(delays, [MS(100), MS(200), MS(400), MS(500), MS(500), MS(500)]);
        // Far past the cap, no overflow.
        let mut b = Backoff::new(MS(1), Duration::MAX).with_jitter_percent(0);
        let last = (0..200).map(|_| b.next()).last();
        assert_eq!(last, Some(Duration::MAX));
    }

    #[test]
    fn reset_starts_again_from_the_minimum() {
        let mut b = Backoff::new(MS(50), MS(1000)).with_jitter_percent(0);
        for _ in 0..4 {
            b.next();
        }
        assert_eq!(b.next(), MS(800));
        b.reset();
        assert_eq!((b.next(), b.next()), (MS(50), MS(100)));
    }

    #[test]
    fn jitter_stays_within_its_bounds_and_varies() {
        for seed in 0..200 {
            let mut b = Backoff::new(MS(100), MS(1000)).with_seed(seed);
            let mut step = MS(100);
            for _ in 0..8 {
                let d = b.next();
                let low = step - step * u32::from(DEFAULT_JITTER_PERCENT) / 100;
                assert!(d <= step && d >= low, "seed {seed}: {d:?} outside [{low:?}, {step:?}]");
                step = (step * 2).min(MS(1000));
            }
        }
        // The jitter does something: the first delays of different seeds are not all equal.
        let firsts: std::collections::BTreeSet<Duration> =
            (0..20).map(|seed| Backoff::new(MS(100), MS(1000)).with_seed(seed).next()).collect();
        assert!(firsts.len() > 10, "{firsts:?}");
    }

    #[test]
    fn jitter_is_deterministic_per_key() {
        let run = |key: &str| {
            let mut b = Backoff::new(MS(100), MS(1000)).with_key(key);
            (0..6).map(|_| b.next()).collect::<Vec<_>>()
        };
        assert_eq!(run("site-1"), run("site-1"));
        assert_ne!(run("site-1"), run("site-2"));
    }

    #[test]
    fn odd_bounds_are_made_usable() {
        let mut b = Backoff::new(Duration::ZERO, Duration::ZERO).with_jitter_percent(0);
        assert_eq!((b.min(), b.max()), (MS(1), MS(1)));
        assert_eq!(b.next(), MS(1));
        let d = Backoff::default();
        assert_eq!((d.min(), d.max()), (DEFAULT_MIN, DEFAULT_MAX));
        let full = Backoff::new(MS(100), MS(100)).with_jitter_percent(255);
        assert_eq!(full.jitter_percent, 100);
    }
}
