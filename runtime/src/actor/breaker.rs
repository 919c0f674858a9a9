//! The circuit breaker of a plugin: a decoder or connector plugin that keeps failing (traps,
//! deadlines, the memory or readings cap: its own faults, not the device's bad frames) is
//! quarantined instead of burning its pool. Calls that ran into a limit count apart: a deadline
//! held a pool thread for the whole deadline, a memory or readings cap was reached only after
//! the plugin had allocated or built that much, so a few in a row quarantine the plugin where
//! cheap failures (a trap) take more. While a decoder is quarantined its frames go straight to
//! the dead letter (stage `plugin`, replayable once it is fixed); while a connector is, its
//! inbound units are answered "retry later" (HTTP 503 with `Retry-After`, MQTT not
//! acknowledged) without a call. When the quarantine ends, one call probes it: a success
//! closes the breaker, a failure quarantines it again for twice as long (up to `max_ms`). A
//! hot reload closes it (the new version gets a fresh start).
//!
//! A connector counts only deadlines, each inbound unit once, by its last call: a call past its
//! deadline that succeeds on its retry is a success, one that overruns its retry too is a
//! deadline (a trap costs little and dead-letters its unit: it counts neither way).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::events::BreakerMetrics;

/// Default plugin failures in a row that quarantine a plugin: 20.
pub const DEFAULT_QUARANTINE_AFTER: u32 = 20;
/// Default calls in a row that ran into a limit (deadline, memory or readings cap) that
/// quarantine a plugin: 3 (each held a thread for the whole deadline, or allocated up to the
/// cap).
pub const DEFAULT_QUARANTINE_AFTER_LIMITS: u32 = 3;
/// Default first quarantine: 30 s.
pub const DEFAULT_QUARANTINE_MS: u64 = 30_000;
/// Default longest quarantine: 10 min.
pub const DEFAULT_QUARANTINE_MAX_MS: u64 = 600_000;

const fn default_after() -> u32 {
    DEFAULT_QUARANTINE_AFTER
}
const fn default_after_limits() -> u32 {
    DEFAULT_QUARANTINE_AFTER_LIMITS
}
const fn default_first() -> u64 {
    DEFAULT_QUARANTINE_MS
}
const fn default_max() -> u64 {
    DEFAULT_QUARANTINE_MAX_MS
}

/// When a plugin is quarantined, and for how long (`quarantine: (...)` of a decoder or a
/// connector).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuarantineConfig {
    /// Plugin failures in a row that quarantine the plugin (default
    /// [`DEFAULT_QUARANTINE_AFTER`]; 0: failures alone never quarantine it, and with
    /// `after_limits: 0` too the breaker is off).
    #[serde(default = "default_after")]
    pub after_failures: u32,
    /// Calls in a row that ran into a limit (past their deadline, or into the memory or readings
    /// cap) that quarantine the plugin sooner (default [`DEFAULT_QUARANTINE_AFTER_LIMITS`]; 0
    /// leaves them to `after_failures`). They count as failures too. `after_deadlines`, its
    /// name before the caps counted, is read as the same field.
    #[serde(default = "default_after_limits", alias = "after_deadlines")]
    pub after_limits: u32,
    /// First quarantine in milliseconds (default [`DEFAULT_QUARANTINE_MS`]).
    #[serde(default = "default_first")]
    pub first_ms: u64,
    /// Longest quarantine in milliseconds (default [`DEFAULT_QUARANTINE_MAX_MS`]).
    #[serde(default = "default_max")]
    pub max_ms: u64,
}

impl Default for QuarantineConfig {
    fn default() -> Self {
        Self {
            after_failures: DEFAULT_QUARANTINE_AFTER,
            after_limits: DEFAULT_QUARANTINE_AFTER_LIMITS,
            first_ms: DEFAULT_QUARANTINE_MS,
            max_ms: DEFAULT_QUARANTINE_MAX_MS,
        }
    }
}

impl QuarantineConfig {
    /// Pure checks; one message per problem.
    pub fn validate(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.first_ms == 0 || self.max_ms < self.first_ms {
            out.push(format!(
                "quarantine: first_ms must be above 0 and max_ms at least first_ms (got {} and {})",
                self.first_ms, self.max_ms
            ));
        }
        out
    }
}

/// How one frame of a batch (or one inbound unit) went, as the breaker counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// Decoded (handled), or refused as bad data: the plugin works.
    None,
    /// A trap (a guest panic, `unreachable`, an out-of-bounds access): the plugin's own fault,
    /// and a cheap one.
    Plugin,
    /// The call ran into a limit (past its deadline, or into the memory or readings cap): the
    /// plugin's fault, and a costly one (a thread held that long, or memory taken up to the
    /// cap).
    Limit,
}

/// What the caller does with a plugin's units now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Admit {
    /// Call the plugin.
    Call,
    /// Quarantined: a decoder's frames are dead-lettered with `reason`, a connector's units
    /// answered "retry later" after `left`.
    Quarantined {
        /// Why, naming the plugin and the time left.
        reason: String,
        /// Quarantine left (the probe may be out: then zero).
        left: Duration,
    },
}

/// Whose breaker it is: names the plugin in reasons and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// A decoder's: its frames are dead-lettered while quarantined.
    Decoder,
    /// A connector's: its inbound units are answered "retry later" while quarantined.
    Connector,
}

impl Role {
    const fn as_str(self) -> &'static str {
        match self {
            Self::Decoder => "decoder",
            Self::Connector => "connector",
        }
    }
}

#[derive(Debug)]
struct State {
    /// Plugin failures in a row.
    failures: u32,
    /// Limits hit in a row (a decoded frame resets it, other failures do not).
    limits: u32,
    /// Why the quarantine in force began.
    why: String,
    /// Quarantined until then.
    until: Option<Instant>,
    /// The quarantine in force or the next one.
    length: Duration,
    /// A probe batch is out.
    probing: bool,
    /// Quarantines since start (or the last reload).
    times: u64,
}

/// One plugin's breaker. A decoder's is shared by the route tables that hold its slot; a
/// connector's by the clones of its [`crate::actor::Ingest`].
#[derive(Debug)]
pub(crate) struct Breaker {
    role: Role,
    config: QuarantineConfig,
    metrics: BreakerMetrics,
    state: Mutex<State>,
}

impl Breaker {
    pub(crate) fn new(role: Role, config: QuarantineConfig, metrics: BreakerMetrics) -> Self {
        let state = Mutex::new(State {
            failures: 0,
            limits: 0,
            why: String::new(),
            until: None,
            length: Duration::from_millis(config.first_ms),
            probing: false,
            times: 0,
        });
        Self { role, config, metrics, state }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Before a batch: call the plugin, or dead-letter the frames. When a quarantine is over,
    /// one caller gets [`Admit::Call`] (the probe) and the others wait for its outcome.
    pub(crate) fn admit(&self, name: &str) -> Admit {
        let mut s = self.lock();
        let Some(until) = s.until else { return Admit::Call };
        let now = Instant::now();
        if now >= until && !s.probing {
            s.probing = true;
            return Admit::Call;
        }
        let left = until.saturating_duration_since(now);
        let seconds = left.as_millis().div_ceil(1000);
        let reason = format!("{} {name} quarantined: {}; next try in {seconds} s", self.role.as_str(), s.why);
        Admit::Quarantined { reason, left }
    }

    /// After a batch: how each frame went, in order.
    pub(crate) fn record(&self, name: &str, faults: impl IntoIterator<Item = Fault>) {
        let (after, after_limits) = (self.config.after_failures, self.config.after_limits);
        if after == 0 && after_limits == 0 {
            return;
        }
        let mut s = self.lock();
        let probe = std::mem::take(&mut s.probing);
        let mut decoded_one = false;
        for f in faults {
            match f {
                Fault::None => {
                    s.failures = 0;
                    s.limits = 0;
                    decoded_one = true;
                }
                Fault::Plugin => s.failures = s.failures.saturating_add(1),
                Fault::Limit => {
                    s.failures = s.failures.saturating_add(1);
                    s.limits = s.limits.saturating_add(1);
                }
            }
        }
        let tripped = if after_limits > 0 && s.limits >= after_limits {
            Some(format!(
                "its plugin ran into a limit (deadline, memory or readings cap) {} times in a row",
                s.limits
            ))
        } else if after > 0 && s.failures >= after {
            Some(format!("its plugin failed {} times in a row (trap, deadline or a cap)", s.failures))
        } else {
            None
        };
        let role = self.role.as_str();
        if decoded_one && s.until.is_some() {
            s.until = None;
            s.length = Duration::from_millis(self.config.first_ms);
            tracing::info!(role, name, "Plugin out of quarantine: it works again.");
        } else if probe && !decoded_one {
            s.length = (s.length * 2).min(Duration::from_millis(self.config.max_ms));
            s.until = Some(Instant::now() + s.length);
            tracing::warn!(
                role,
                name,
                quarantine_ms = s.length.as_millis() as u64,
                "Plugin still failing after its quarantine; quarantined again."
            );
        } else if let (None, Some(why)) = (s.until, tripped) {
            s.why = why;
            s.until = Some(Instant::now() + s.length);
            s.times += 1;
            self.metrics.quarantines.add(1);
            tracing::warn!(
                role,
                name,
                failures = s.failures,
                limits = s.limits,
                quarantine_ms = s.length.as_millis() as u64,
                "Plugin quarantined: its units are not handed to it until it is probed (a decoder's frames go to the dead letter, a connector's units are answered retry-later)."
            );
        }
    }

    /// The milliseconds of quarantine left (none when it works), and the quarantines so far.
    pub(crate) fn status(&self) -> (Option<u64>, u64) {
        let s = self.lock();
        let left = s.until.map(|u| u.saturating_duration_since(Instant::now()).as_millis() as u64);
        (left, s.times)
    }

    /// A new version: forgets failures and quarantine.
    pub(crate) fn reset(&self) {
        let mut s = self.lock();
        s.failures = 0;
        s.limits = 0;
        s.until = None;
        s.probing = false;
        s.length = Duration::from_millis(self.config.first_ms);
    }

    /// Counts units (a decoder's frames, a connector's inbound units) turned away by the
    /// quarantine.
    pub(crate) fn short_circuited(&self, units: usize) {
        self.metrics.short_circuited.add(units as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::{Admit, Breaker, Fault, QuarantineConfig, Role};
    use crate::events::{BreakerMetrics, Metrics};

    fn metrics() -> BreakerMetrics {
        BreakerMetrics::connector(&Metrics::default(), "c")
    }

    fn breaker(after: u32, first_ms: u64) -> Breaker {
        let config =
            QuarantineConfig { after_failures: after, after_limits: 0, first_ms, max_ms: first_ms * 3 };
        Breaker::new(Role::Decoder, config, metrics())
    }

    fn faults<const N: usize>(failed: [bool; N]) -> Vec<Fault> {
        failed.into_iter().map(|f| if f { Fault::Plugin } else { Fault::None }).collect()
    }

    /// `after_deadlines`, the field's name before the caps counted, still sets `after_limits`;
    /// giving both is refused (serde: a duplicate field), and the defaults fill the rest.
    #[test]
    fn the_old_name_after_deadlines_reads_as_after_limits() {
        let old: QuarantineConfig = ron::from_str("(after_deadlines: 7)").unwrap();
        let new: QuarantineConfig = ron::from_str("(after_limits: 7)").unwrap();
        assert_eq!(old, new);
        assert_eq!(old.after_limits, 7);
        assert_eq!(old.after_failures, QuarantineConfig::default().after_failures);
        assert!(ron::from_str::<QuarantineConfig>("(after_deadlines: 7, after_limits: 8)").is_err());
    }

    #[test]
    fn deadlines_in_a_row_quarantine_sooner_and_a_decoded_frame_resets_them() {
        let config =
            QuarantineConfig { after_failures: 20, after_limits: 3, first_ms: 60_000, max_ms: 60_000 };
        let b = Breaker::new(Role::Decoder, config, metrics());
        b.record("d", [Fault::Limit, Fault::Plugin, Fault::Limit, Fault::None, Fault::Limit]);
        assert_eq!(b.admit("d"), Admit::Call, "a decoded frame resets the deadlines");
        b.record("d", [Fault::Plugin, Fault::Limit]);
        assert_eq!(b.admit("d"), Admit::Call, "two deadlines in a row, four failures: not yet");
        b.record("d", [Fault::Limit]);
        assert!(
            matches!(b.admit("d"), Admit::Quarantined { reason, .. } if reason.contains("into a limit (deadline, memory or readings cap) 3 times")),
            "three deadlines in a row quarantine it long before 20 failures"
        );
        assert_eq!(b.status().1, 1);
    }

    #[test]
    fn failures_in_a_row_quarantine_and_a_decoded_frame_resets_the_count() {
        let b = breaker(3, 60_000);
        b.record("d", faults([true, true, false, true, true]));
        assert_eq!(b.admit("d"), Admit::Call, "a success in between resets the count");
        b.record("d", faults([true]));
        assert!(
            matches!(b.admit("d"), Admit::Quarantined { reason, .. } if reason.contains("failed 3 times"))
        );
        assert_eq!(b.status().1, 1);
        b.reset();
        assert_eq!(b.admit("d"), Admit::Call);
    }

    #[test]
    fn one_probe_after_the_quarantine_then_twice_as_long_up_to_the_max() {
        let b = breaker(1, 30);
        b.record("d", faults([true]));
        assert!(matches!(b.admit("d"), Admit::Quarantined { .. }));
        std::thread::sleep(std::time::Duration::from_millis(40));
        assert_eq!(b.admit("d"), Admit::Call, "the probe");
        assert!(matches!(b.admit("d"), Admit::Quarantined { .. }), "one probe at a time");
        b.record("d", faults([true, true]));
        let (left, times) = b.status();
        assert!(left.is_some_and(|l| l > 30), "doubled: {left:?}");
        assert_eq!(times, 1, "still the same quarantine");
        std::thread::sleep(std::time::Duration::from_millis(70));
        assert_eq!(b.admit("d"), Admit::Call);
        b.record("d", faults([true, false]));
        assert_eq!(b.status().0, None, "a decoded frame closes it");
        assert_eq!(b.admit("d"), Admit::Call);
    }

    #[test]
    fn zero_never_quarantines() {
        let b = breaker(0, 10);
        b.record("d", vec![Fault::Plugin; 1000]);
        assert_eq!(b.admit("d"), Admit::Call);
        let bad = QuarantineConfig { after_failures: 1, after_limits: 0, first_ms: 10, max_ms: 5 };
        assert!(!bad.validate().is_empty());
    }
}
