use std::fmt::Debug;

/// The clock a runtime gives its connectors' ticks: the only time a plugin sees. Tests inject
/// their own; [`SystemClock`] is the default.
pub trait Clock: Send + Sync + Debug + 'static {
    /// The current time in milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        crate::message::now_ms()
    }
}
