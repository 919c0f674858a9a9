//! The SQLite sink's read path for the console: the latest reading of each series, one series
//! over a window, dead-letter entries by filter, on read-only connections of its own (the
//! writer thread is never held up: the database is in WAL mode), called on a blocking thread.
//!
//! Both queries go through the keys: `series` by its unique (device, name) index, `readings`
//! by its primary key (series, time_ms); a unit test checks the query plans.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use crate::message::Value;
use crate::sink::{DeadLetter, DeadLetterQuery, Downsampler, LatestReading, MAX_LATEST, Series, SeriesQuery};

/// The latest reading of each series, by device and name: the series in index order, each
/// reading found by a primary-key search for the series' greatest time.
const LATEST: &str = "
SELECT s.device, s.name, s.unit, r.time_ms, r.value_num, r.value_text, r.value_bool, r.value_bytes, r.tags
FROM series s CROSS JOIN readings r
WHERE r.series = s.id
  AND r.time_ms = (SELECT max(m.time_ms) FROM readings m WHERE m.series = s.id)
ORDER BY s.device, s.name
LIMIT ?1";

/// One series' id and unit, by its unique index.
const SERIES: &str = "SELECT id, unit FROM series WHERE device = ?1 AND name = ?2";

/// A series' numeric readings in a window, oldest first: a primary-key range.
const WINDOW: &str = "
SELECT time_ms, value_num, value_bool FROM readings
WHERE series = ?1 AND time_ms BETWEEN ?2 AND ?3
ORDER BY time_ms";

/// Dead-letter entries that pass a filter, newest first: the rows walked by id (the primary
/// key) within the bounds, until the limit.
const DEAD_NEWEST: &str = "
SELECT id, connector, device, devicetype, port, received_ms, payload, stage, error, plugin
FROM dead_letter
WHERE (?1 IS NULL OR stage = ?1) AND (?2 IS NULL OR connector = ?2)
  AND (?3 IS NULL OR instr(coalesce(plugin, ''), ?3) > 0)
  AND (?4 IS NULL OR instr(lower(error), lower(?4)) > 0)
  AND (?5 IS NULL OR id IN (SELECT value FROM json_each(?5)))
  AND id > ?6 AND id < ?7
ORDER BY id DESC LIMIT ?8";

/// Read-only connections kept between reads (reads beyond these open one more each, closed
/// after).
const KEPT_CONNECTIONS: usize = 2;

/// Read-only connections, opened on first use and kept (at most [`KEPT_CONNECTIONS`]), so that
/// reads run side by side; one that met an error is dropped.
#[derive(Debug, Clone)]
pub(super) struct Reader {
    path: PathBuf,
    idle: Arc<Mutex<Vec<Connection>>>,
}

impl Reader {
    pub(super) fn new(path: &Path) -> Self {
        Self { path: path.to_path_buf(), idle: Arc::default() }
    }

    /// Runs `f` on a connection of its own. Blocking.
    fn with<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> rusqlite::Result<T> {
        let kept = self.idle.lock().unwrap_or_else(PoisonError::into_inner).pop();
        let conn = match kept {
            Some(conn) => conn,
            None => {
                let conn = Connection::open_with_flags(&self.path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
                conn.busy_timeout(std::time::Duration::from_secs(5))?;
                conn
            }
        };
        let result = f(&conn);
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if result.is_ok() && idle.len() < KEPT_CONNECTIONS {
            idle.push(conn);
        }
        result
    }

    /// The latest reading of each series, at most `limit` ([`MAX_LATEST`] at most). Blocking.
    pub(super) fn latest(&self, limit: usize) -> rusqlite::Result<Vec<LatestReading>> {
        let limit = i64::try_from(limit.min(MAX_LATEST)).unwrap_or(0);
        self.with(|conn| {
            let mut stmt = conn.prepare_cached(LATEST)?;
            let rows = stmt.query_map(params![limit], |row| {
                let tags: Option<String> = row.get(8)?;
                Ok(LatestReading {
                    device: row.get(0)?,
                    name: row.get(1)?,
                    unit: row.get(2)?,
                    time_ms: row.get(3)?,
                    value: value_at(row, 4)?,
                    quantity: tags.as_deref().and_then(quantity_of),
                })
            })?;
            rows.collect()
        })
    }

    /// One series over the query's window, down-sampled to its points. Blocking.
    pub(super) fn series(&self, query: &SeriesQuery) -> rusqlite::Result<Series> {
        self.with(|conn| {
            let found: Option<(i64, Option<String>)> = conn
                .prepare_cached(SERIES)?
                .query_row(params![query.device, query.name], |row| Ok((row.get(0)?, row.get(1)?)))
                .optional()?;
            let mut points = Downsampler::new(query.from_ms, query.to_ms, query.max_points);
            let Some((id, unit)) = found else { return Ok(points.finish(query, None)) };
            let mut stmt = conn.prepare_cached(WINDOW)?;
            let mut rows = stmt.query(params![id, query.from_ms, query.to_ms])?;
            while let Some(row) = rows.next()? {
                let number: Option<f64> = row.get(1)?;
                let boolean: Option<bool> = row.get(2)?;
                // Text and bytes are not drawn.
                if let Some(v) = number.or(boolean.map(|b| if b { 1.0 } else { 0.0 })) {
                    points.push(row.get(0)?, v);
                }
            }
            Ok(points.finish(query, unit))
        })
    }
}

impl Reader {
    /// Dead-letter entries that pass `query`, in its order, at most its limit. Blocking.
    pub(super) fn dead_letters(&self, query: &DeadLetterQuery) -> rusqlite::Result<Vec<DeadLetter>> {
        let sql = if query.oldest_first {
            DEAD_NEWEST.replace("ORDER BY id DESC", "ORDER BY id ASC")
        } else {
            DEAD_NEWEST.to_string()
        };
        let ids = query.ids.as_ref().map(|ids| serde_json::Value::from(ids.clone()).to_string());
        let limit = i64::try_from(query.limit()).unwrap_or(0);
        let (after, before) = (query.after_id.unwrap_or(i64::MIN), query.before_id.unwrap_or(i64::MAX));
        self.with(|conn| {
            let mut stmt = conn.prepare_cached(&sql)?;
            let args =
                params![query.stage, query.connector, query.plugin, query.error, ids, after, before, limit];
            let rows = stmt.query_map(args, dead_letter)?;
            rows.collect()
        })
    }
}

/// The value stored in the four columns from `first` (number, text, boolean, bytes).
pub(super) fn value_at(row: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<Value> {
    Ok(if let Some(n) = row.get::<_, Option<f64>>(first)? {
        Value::Number(n)
    } else if let Some(t) = row.get::<_, Option<String>>(first + 1)? {
        Value::Text(t)
    } else if let Some(b) = row.get::<_, Option<bool>>(first + 2)? {
        Value::Boolean(b)
    } else {
        Value::Bytes(row.get::<_, Option<Vec<u8>>>(first + 3)?.unwrap_or_default())
    })
}

/// The `quantity` tag of a reading's tags (a JSON object); none when absent or unreadable.
fn quantity_of(tags: &str) -> Option<String> {
    let mut map: BTreeMap<String, serde_json::Value> = serde_json::from_str(tags).ok()?;
    match map.remove("quantity")? {
        serde_json::Value::String(q) => Some(q),
        _ => None,
    }
}

/// A dead-letter row selected as `id, connector, device, devicetype, port, received_ms,
/// payload, stage, error, plugin` (every dead-letter query of this sink).
pub(super) fn dead_letter(row: &rusqlite::Row<'_>) -> rusqlite::Result<DeadLetter> {
    Ok(DeadLetter {
        id: row.get(0)?,
        connector: row.get(1)?,
        device: row.get(2)?,
        devicetype: row.get(3)?,
        port: row.get(4)?,
        received_ms: row.get(5)?,
        payload: row.get(6)?,
        stage: row.get(7)?,
        error: row.get(8)?,
        plugin: row.get(9)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sink::sqlite::{SqliteConfig, SqliteSink};

    /// A database made by the sink, filled with `series` series of `per` readings each.
    fn filled(dir: &Path, series: i64, per: i64) -> (PathBuf, SqliteSink) {
        let path = dir.join("t.db");
        let config: SqliteConfig = ron::from_str("(path: \"t.db\")").unwrap();
        let sink = SqliteSink::open("db", &path, &config).unwrap();
        let conn = Connection::open(&path).unwrap();
        let tx = conn.unchecked_transaction().unwrap();
        for s in 1..=series {
            tx.execute(
                "INSERT INTO series (id, device, name, unit) VALUES (?1, ?2, 'power', 'W')",
                params![s, format!("d{s:03}")],
            )
            .unwrap();
            for t in 0..per {
                let tags = (t == per - 1).then_some("{\"quantity\":\"power\"}");
                tx.execute(
                    "INSERT INTO readings (series, time_ms, value_num, tags) VALUES (?1, ?2, ?3, ?4)",
                    params![s, t * 1000, (s * 1000 + t) as f64, tags],
                )
                .unwrap();
            }
        }
        tx.commit().unwrap();
        (path, sink)
    }

    #[test]
    fn the_latest_of_each_series_with_its_unit_and_quantity() {
        let dir = tempfile::tempdir().unwrap();
        let (path, _sink) = filled(dir.path(), 5, 50);
        let reader = Reader::new(&path);
        let latest = reader.latest(3).unwrap();
        assert_eq!(latest.len(), 3, "the limit holds: {latest:?}");
        assert_eq!((latest[0].device.as_str(), latest[0].time_ms), ("d001", 49_000));
        assert_eq!(latest[0].value, Value::Number(1049.0));
        assert_eq!((latest[0].unit.as_deref(), latest[0].quantity.as_deref()), (Some("W"), Some("power")));
        assert_eq!(reader.latest(100).unwrap().len(), 5);
    }

    #[test]
    fn a_series_over_a_window_is_down_sampled_to_its_points() {
        let dir = tempfile::tempdir().unwrap();
        let (path, _sink) = filled(dir.path(), 2, 1000);
        let reader = Reader::new(&path);
        let query = |from_ms, to_ms, max_points| SeriesQuery {
            device: "d002".into(),
            name: "power".into(),
            from_ms,
            to_ms,
            max_points,
        };
        let few = reader.series(&query(10_000, 19_000, 100)).unwrap();
        assert_eq!((few.stored, few.downsampled, few.points.len()), (10, false, 10), "{few:?}");
        assert_eq!((few.points[0].time_ms, few.points[0].value), (10_000, 2010.0));
        assert_eq!(few.unit.as_deref(), Some("W"));
        let many = reader.series(&query(0, 999_999, 10)).unwrap();
        assert_eq!((many.stored, many.downsampled, many.points.len()), (1000, true, 10), "{many:?}");
        assert_eq!((many.points[0].min, many.points[0].max, many.points[0].count), (2000.0, 2099.0, 100));
        let none = reader.series(&SeriesQuery { device: "nobody".into(), ..query(0, 1, 5) }).unwrap();
        assert_eq!((none.stored, none.points.len(), none.unit), (0, 0, None));
    }

    #[test]
    fn dead_letters_are_found_by_filter_and_bounds_a_page_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let (path, _sink) = filled(dir.path(), 1, 1);
        let conn = Connection::open(&path).unwrap();
        for i in 1..=20_i64 {
            let (stage, plugin) =
                if i % 2 == 0 { ("decode", Some("milesight@0.1.0")) } else { ("route", None) };
            conn.execute(
                "INSERT INTO dead_letter (connector, device, devicetype, port, received_ms, payload, stage, error, plugin)
                 VALUES ('energisme', ?1, 't', 1, ?2, x'00', ?3, ?4, ?5)",
                params![format!("d{i}"), i, stage, format!("Error number {i}"), plugin],
            )
            .unwrap();
        }
        let reader = Reader::new(&path);
        let ids =
            |q: DeadLetterQuery| reader.dead_letters(&q).unwrap().iter().map(|e| e.id).collect::<Vec<_>>();
        let q = |limit| DeadLetterQuery { limit, ..DeadLetterQuery::default() };
        assert_eq!(ids(q(3)), [20, 19, 18], "newest first");
        assert_eq!(ids(DeadLetterQuery { stage: Some("decode".into()), ..q(2) }), [20, 18]);
        assert_eq!(ids(DeadLetterQuery { plugin: Some("milesight@".into()), ..q(100) }).len(), 10);
        assert_eq!(
            ids(DeadLetterQuery { error: Some("NUMBER 1".into()), ..q(100) }),
            [19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 1]
        );
        assert_eq!(ids(DeadLetterQuery { connector: Some("other".into()), ..q(100) }), Vec::<i64>::new());
        assert_eq!(ids(DeadLetterQuery { ids: Some(vec![3, 5, 99]), oldest_first: true, ..q(100) }), [3, 5]);
        // Pages, oldest first, up to a bound: what a replay of every entry reads.
        let page =
            |after| ids(DeadLetterQuery { after_id: after, before_id: Some(16), oldest_first: true, ..q(6) });
        assert_eq!(page(None), [1, 2, 3, 4, 5, 6]);
        assert_eq!(page(Some(12)), [13, 14, 15]);
        assert_eq!(page(Some(15)), Vec::<i64>::new());
        // The same as the in-memory rule of the other sinks.
        let all = crate::sink::sqlite::read_dead_letters(&path).unwrap();
        for query in [
            DeadLetterQuery { stage: Some("route".into()), error: Some("error NUMBER".into()), ..q(4) },
            DeadLetterQuery { plugin: Some("0.1".into()), after_id: Some(4), oldest_first: true, ..q(100) },
        ] {
            assert_eq!(reader.dead_letters(&query).unwrap(), query.apply(all.clone()), "{query:?}");
        }
    }

    /// The query plans search the keys: no full scan of `readings` (the outer loop over
    /// `series` walks its unique index in order and stops at the limit).
    #[test]
    fn the_queries_search_the_indexes() {
        let dir = tempfile::tempdir().unwrap();
        let (path, _sink) = filled(dir.path(), 3, 10);
        let conn = Connection::open(&path).unwrap();
        for (sql, args) in [(LATEST, 1), (SERIES, 2), (WINDOW, 3), (DEAD_NEWEST, 8)] {
            let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let values: Vec<rusqlite::types::Value> =
                (0..args).map(rusqlite::types::Value::Integer).collect();
            let plan: Vec<String> = stmt
                .query_map(rusqlite::params_from_iter(values), |row| row.get::<_, String>(3))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            let text = plan.join(" | ");
            assert!(
                !text.contains("SCAN r") && !text.contains("SCAN m") && !text.contains("SCAN readings"),
                "{sql}: {text}"
            );
            assert!(!text.contains("TEMP B-TREE"), "no sort: {sql}: {text}");
            if sql == LATEST {
                assert!(text.contains("SCAN s USING") && text.contains("INDEX"), "{text}");
            }
        }
    }
}
