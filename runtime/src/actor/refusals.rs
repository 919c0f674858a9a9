//! Units refused lately: a sender that retries the same refused unit gets the same answer, and
//! the dead letter keeps one copy of it, not one per retry. Bounded: the oldest is forgotten
//! first, so a copy can come back only after [`RecentRefusals::CAPACITY`] other refusals (or a
//! restart).

use std::collections::{HashSet, VecDeque};
use std::hash::{BuildHasher, RandomState};
use std::sync::Mutex;

/// Refusals remembered per connector.
#[derive(Debug, Default)]
pub(crate) struct RecentRefusals {
    hasher: RandomState,
    seen: Mutex<(VecDeque<u64>, HashSet<u64>)>,
}

impl RecentRefusals {
    /// How many refusals are remembered: 4096.
    pub(crate) const CAPACITY: usize = 4096;

    /// The key of a refused unit: its channel, bytes and reason.
    pub(crate) fn key(&self, channel: &str, body: &[u8], reason: &str) -> u64 {
        self.hasher.hash_one((channel, body, reason))
    }

    /// Records `key`; false when it was already recorded (the unit was refused lately).
    pub(crate) fn first(&self, key: u64) -> bool {
        let mut guard = self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (order, set) = &mut *guard;
        if !set.insert(key) {
            return false;
        }
        order.push_back(key);
        if order.len() > Self::CAPACITY
            && let Some(old) = order.pop_front()
        {
            set.remove(&old);
        }
        true
    }

    /// Forgets `key` (its dead letter was not committed: the next retry must write it).
    pub(crate) fn forget(&self, key: u64) {
        let mut guard = self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (order, set) = &mut *guard;
        if set.remove(&key) {
            order.retain(|k| *k != key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RecentRefusals;

    #[test]
    fn remembers_a_bounded_number_of_refusals() {
        let r = RecentRefusals::default();
        let k = r.key("/", b"{oops", "not JSON");
        assert_ne!(k, r.key("/", b"{oops", "other reason"));
        assert!(r.first(k));
        assert!(!r.first(k));
        r.forget(k);
        assert!(r.first(k));
        for i in 0..RecentRefusals::CAPACITY {
            assert!(r.first(r.key("/", &i.to_le_bytes(), "x")));
        }
        assert!(r.first(k), "the oldest is forgotten first");
    }
}
