//! Finding dead-letter entries without reading them all: a filter, an order and a bound, so
//! that the console's listing and a replay of every entry read one bounded page at a time.

use crate::sink::DeadLetter;

/// The most entries one query returns.
pub const MAX_DEAD_LETTER_PAGE: usize = 1000;

/// Which stored dead-letter entries to return; every field set must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeadLetterQuery {
    /// The stage that failed, exactly.
    pub stage: Option<String>,
    /// The connector, exactly.
    pub connector: Option<String>,
    /// Part of the plugin's `name@version`.
    pub plugin: Option<String>,
    /// Part of the error text, in any case (SQLite folds ASCII letters only).
    pub error: Option<String>,
    /// Only these ids.
    pub ids: Option<Vec<i64>>,
    /// Only ids above this one.
    pub after_id: Option<i64>,
    /// Only ids below this one.
    pub before_id: Option<i64>,
    /// Oldest first (by id), rather than newest first.
    pub oldest_first: bool,
    /// At most this many (itself at most [`MAX_DEAD_LETTER_PAGE`]).
    pub limit: usize,
}

impl DeadLetterQuery {
    /// The number of entries to return.
    pub fn limit(&self) -> usize {
        self.limit.min(MAX_DEAD_LETTER_PAGE)
    }

    /// Whether `e` passes the filter, the ids and the bounds (not the order or the limit).
    pub fn matches(&self, e: &DeadLetter) -> bool {
        let exact = |want: &Option<String>, got: &str| want.as_deref().is_none_or(|w| w == got);
        let error = self.error.as_deref().map(str::to_lowercase);
        exact(&self.stage, &e.stage)
            && exact(&self.connector, &e.connector)
            && self.plugin.as_deref().is_none_or(|p| e.plugin.as_deref().unwrap_or("").contains(p))
            && error.is_none_or(|w| e.error.to_lowercase().contains(&w))
            && self.ids.as_ref().is_none_or(|ids| ids.contains(&e.id))
            && self.after_id.is_none_or(|a| e.id > a)
            && self.before_id.is_none_or(|b| e.id < b)
    }

    /// The query applied to every entry read at once (oldest first): what a sink without a
    /// query of its own answers.
    pub fn apply(&self, mut all: Vec<DeadLetter>) -> Vec<DeadLetter> {
        if !self.oldest_first {
            all.reverse();
        }
        all.into_iter().filter(|e| self.matches(e)).take(self.limit()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: i64, stage: &str, error: &str) -> DeadLetter {
        DeadLetter {
            id,
            connector: "c".into(),
            device: "d".into(),
            devicetype: "t".into(),
            port: 1,
            received_ms: 0,
            payload: vec![],
            stage: stage.into(),
            error: error.into(),
            plugin: Some("p@1".into()),
        }
    }

    #[test]
    fn filters_orders_bounds_and_limits() {
        let all: Vec<DeadLetter> =
            (1..=10).map(|i| entry(i, if i % 2 == 0 { "decode" } else { "route" }, "Bad")).collect();
        let ids = |v: Vec<DeadLetter>| v.iter().map(|e| e.id).collect::<Vec<_>>();
        let q = DeadLetterQuery { stage: Some("decode".into()), limit: 2, ..DeadLetterQuery::default() };
        assert_eq!(ids(q.apply(all.clone())), [10, 8], "newest first");
        let q = DeadLetterQuery {
            after_id: Some(3),
            before_id: Some(7),
            oldest_first: true,
            limit: 10,
            ..DeadLetterQuery::default()
        };
        assert_eq!(ids(q.apply(all.clone())), [4, 5, 6]);
        let q = DeadLetterQuery {
            ids: Some(vec![2, 9, 42]),
            error: Some("bAD".into()),
            limit: 10,
            ..DeadLetterQuery::default()
        };
        assert_eq!(ids(q.apply(all.clone())), [9, 2]);
        let q = DeadLetterQuery { plugin: Some("q@".into()), limit: 10, ..DeadLetterQuery::default() };
        assert!(q.apply(all.clone()).is_empty());
        let q = DeadLetterQuery { limit: usize::MAX, ..DeadLetterQuery::default() };
        assert_eq!(q.limit(), MAX_DEAD_LETTER_PAGE);
    }
}
