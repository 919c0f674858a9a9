//! A small metrics registry, one per runtime (no global): counters and histograms with fixed
//! labels, handed out once as handles so the hot path only touches atomics, and rendered in the
//! Prometheus text format.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// Upper bounds of the latency histogram buckets, in microseconds.
pub const LATENCY_BUCKETS_US: [u64; 14] =
    [10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 100_000, 250_000, 1_000_000];

/// A monotonically increasing count.
#[derive(Debug, Clone, Default)]
pub struct Counter(Arc<AtomicU64>);

impl Counter {
    /// Adds `n`.
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }
    /// The current value.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A latency histogram with [`LATENCY_BUCKETS_US`] buckets.
#[derive(Debug, Default)]
pub struct Histogram {
    buckets: [AtomicU64; LATENCY_BUCKETS_US.len()],
    count: AtomicU64,
    sum_us: AtomicU64,
}

impl Histogram {
    /// Records one observation.
    pub fn observe(&self, d: Duration) {
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        let bucket = LATENCY_BUCKETS_US.iter().position(|b| us <= *b).and_then(|i| self.buckets.get(i));
        if let Some(b) = bucket {
            b.fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_us.fetch_add(us, Ordering::Relaxed);
    }

    /// Observations recorded.
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// Sum of the observations, in microseconds.
    pub fn sum_us(&self) -> u64 {
        self.sum_us.load(Ordering::Relaxed)
    }
}

#[derive(Debug, Clone)]
enum Series {
    Counter(Counter),
    Histogram(Arc<Histogram>),
}

#[derive(Debug, Default)]
struct Family {
    help: &'static str,
    series: BTreeMap<String, Series>,
}

/// The registry of one runtime.
#[derive(Debug, Clone, Default)]
pub struct Metrics {
    families: Arc<Mutex<BTreeMap<&'static str, Family>>>,
}

fn label_text(labels: &[(&str, &str)]) -> String {
    let inner: Vec<String> = labels
        .iter()
        .map(|(k, v)| {
            format!("{k}=\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n"))
        })
        .collect();
    inner.join(",")
}

/// The value of label `key` in a label text (`sink="a\"b",kind="sqlite"`, `sink` -> `a"b`).
fn label_value(labels: &str, key: &str) -> Option<String> {
    let mut rest = labels;
    while !rest.is_empty() {
        let (name, after) = rest.split_once("=\"")?;
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next()? {
                (at, '"') => break at,
                (_, '\\') => match chars.next()?.1 {
                    'n' => value.push('\n'),
                    other => value.push(other),
                },
                (_, c) => value.push(c),
            }
        };
        if name == key {
            return Some(value);
        }
        rest = after.get(end + 1..)?.strip_prefix(',').unwrap_or("");
    }
    None
}

impl Metrics {
    fn series(
        &self,
        name: &'static str,
        help: &'static str,
        labels: &[(&str, &str)],
        make: impl FnOnce() -> Series,
    ) -> Series {
        let mut families = self.families.lock().unwrap_or_else(PoisonError::into_inner);
        let family = families.entry(name).or_insert_with(|| Family { help, series: BTreeMap::new() });
        family.series.entry(label_text(labels)).or_insert_with(make).clone()
    }

    /// The counter `name{labels}`, created at zero on first use.
    pub fn counter(&self, name: &'static str, help: &'static str, labels: &[(&str, &str)]) -> Counter {
        match self.series(name, help, labels, || Series::Counter(Counter::default())) {
            Series::Counter(c) => c,
            Series::Histogram(_) => Counter::default(),
        }
    }

    /// The latency histogram `name{labels}`, created empty on first use.
    pub fn histogram(
        &self,
        name: &'static str,
        help: &'static str,
        labels: &[(&str, &str)],
    ) -> Arc<Histogram> {
        match self.series(name, help, labels, || Series::Histogram(Arc::default())) {
            Series::Histogram(h) => h,
            Series::Counter(_) => Arc::default(),
        }
    }

    /// The values of counter `name` summed by the value of its label `label` (`connector`,
    /// `decoder`, `stage`, `sink`); empty when no such counter exists.
    pub fn counter_values(&self, name: &str, label: &str) -> std::collections::BTreeMap<String, u64> {
        let families = self.families.lock().unwrap_or_else(PoisonError::into_inner);
        let mut out = std::collections::BTreeMap::new();
        let Some(family) = families.get(name) else { return out };
        for (labels, series) in &family.series {
            if let (Series::Counter(c), Some(value)) = (series, label_value(labels, label)) {
                *out.entry(value).or_insert(0) += c.get();
            }
        }
        out
    }

    /// Every series in the Prometheus text exposition format.
    pub fn render(&self) -> String {
        let families = self.families.lock().unwrap_or_else(PoisonError::into_inner);
        let mut out = String::new();
        for (name, family) in families.iter() {
            let kind = match family.series.values().next() {
                Some(Series::Histogram(_)) => "histogram",
                _ => "counter",
            };
            let _ = writeln!(out, "# HELP {name} {}", family.help);
            let _ = writeln!(out, "# TYPE {name} {kind}");
            for (labels, series) in &family.series {
                match series {
                    Series::Counter(c) => {
                        let _ = writeln!(out, "{name}{{{labels}}} {}", c.get());
                    }
                    Series::Histogram(h) => {
                        let sep = if labels.is_empty() { "" } else { "," };
                        let mut cumulative = 0;
                        for (bound, b) in LATENCY_BUCKETS_US.iter().zip(&h.buckets) {
                            cumulative += b.load(Ordering::Relaxed);
                            let le = *bound as f64 / 1e6;
                            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{le}\"}} {cumulative}");
                        }
                        let count = h.count.load(Ordering::Relaxed);
                        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {count}");
                        let sum = h.sum_us.load(Ordering::Relaxed) as f64 / 1e6;
                        let _ = writeln!(out, "{name}_sum{{{labels}}} {sum}");
                        let _ = writeln!(out, "{name}_count{{{labels}}} {count}");
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_histograms() {
        let m = Metrics::default();
        let c = m.counter("passerelle_frames_total", "Frames.", &[("connector", "a\"b")]);
        c.add(3);
        m.counter("passerelle_frames_total", "Frames.", &[("connector", "a\"b")]).add(1);
        let h = m.histogram("passerelle_call_seconds", "Calls.", &[("decoder", "m")]);
        h.observe(Duration::from_micros(40));
        h.observe(Duration::from_millis(2));
        let text = m.render();
        assert!(text.contains("passerelle_frames_total{connector=\"a\\\"b\"} 4"), "{text}");
        assert!(text.contains("# TYPE passerelle_call_seconds histogram"), "{text}");
        assert!(text.contains("passerelle_call_seconds_bucket{decoder=\"m\",le=\"0.00005\"} 1"), "{text}");
        assert!(text.contains("passerelle_call_seconds_bucket{decoder=\"m\",le=\"+Inf\"} 2"), "{text}");
        assert!(text.contains("passerelle_call_seconds_count{decoder=\"m\"} 2"), "{text}");
        let values = m.counter_values("passerelle_frames_total", "connector");
        assert_eq!(values.get("a\"b"), Some(&4), "{values:?}");
        assert!(m.counter_values("passerelle_call_seconds", "decoder").is_empty());
        let l = |sink, kind| [("sink", sink), ("kind", kind)];
        m.counter("passerelle_sink_commits_total", "Commits.", &l("db,\"x\"", "sqlite")).add(2);
        m.counter("passerelle_sink_commits_total", "Commits.", &l("q", "mqtt")).add(5);
        let by_sink = m.counter_values("passerelle_sink_commits_total", "sink");
        assert_eq!(
            by_sink.into_iter().collect::<Vec<_>>(),
            [("db,\"x\"".to_string(), 2), ("q".to_string(), 5)]
        );
        let by_kind = m.counter_values("passerelle_sink_commits_total", "kind");
        assert_eq!(by_kind.get("mqtt"), Some(&5), "{by_kind:?}");
        assert!(m.counter_values("passerelle_sink_commits_total", "nope").is_empty());
    }
}
