use std::path::{Path, PathBuf};
use std::sync::mpsc;

use futures::future::BoxFuture;
use rusqlite::{Connection, params};
use tokio::sync::oneshot;

use super::SqliteConfig;
use super::read::{Reader, value_at};
use crate::message::{Reading, Rejected, Value, tags_json};
use crate::sink::{Batch, DeadLetterQuery, LatestReading, Series, SeriesQuery, Sink, SinkError};

/// Connection settings: pages of 1 KiB for a new database (an existing one keeps its own): a
/// commit writes every page it touched to the log, and readings of many series touch a page
/// per series, so smaller pages write less per reading (HTTP push of one frame per request,
/// `scripts/bench-push`, A/B in one run: 1.10x / 1.18x / 1.01x the frames/s of 4 KiB pages at
/// 1 / 8 / 32 connections; the MQTT drain of `scripts/bench-mqtt`, one run each: 44,954 msg/s
/// against 40,433);
/// write-ahead log; a 64 MiB page cache; the log checkpointed into the
/// database once it holds 16384 pages (64 MiB, rather than SQLite's 1000): a batch of readings
/// of many series dirties a page per series, so with the default nearly every commit paid a
/// checkpoint, and a page changed by many commits in a row is now copied once; the log file is
/// cut back to 64 MiB after a checkpoint (disk bounded).
///
/// Tables: `series` names each (device, reading name) once; `readings` keys on integer series
/// and time, so rows are small and inserts cheap (`tags`: a JSON object, NULL when the reading
/// has none); `reading_view` ([`VIEW`]) shows them flat for queries.
const SCHEMA: &str = "
PRAGMA page_size = 1024;
PRAGMA journal_mode = WAL;
PRAGMA cache_size = -65536;
PRAGMA temp_store = MEMORY;
PRAGMA wal_autocheckpoint = 16384;
PRAGMA journal_size_limit = 67108864;
CREATE TABLE IF NOT EXISTS series (
    id     INTEGER PRIMARY KEY,
    device TEXT NOT NULL,
    name   TEXT NOT NULL,
    unit   TEXT,
    UNIQUE (device, name)
);
CREATE TABLE IF NOT EXISTS readings (
    series      INTEGER NOT NULL REFERENCES series (id),
    time_ms     INTEGER NOT NULL,
    value_num   REAL,
    value_text  TEXT,
    value_bool  INTEGER,
    value_bytes BLOB,
    tags        TEXT,
    PRIMARY KEY (series, time_ms)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS dead_letter (
    id          INTEGER PRIMARY KEY,
    connector   TEXT    NOT NULL,
    device      TEXT    NOT NULL,
    devicetype  TEXT    NOT NULL,
    port        INTEGER NOT NULL,
    received_ms INTEGER NOT NULL,
    payload     BLOB    NOT NULL,
    stage       TEXT    NOT NULL,
    error       TEXT    NOT NULL,
    plugin      TEXT,
    UNIQUE (device, devicetype, port, received_ms, payload, stage)
);
";

/// The flat view, made again on every start (a database made before tags gets their column).
const VIEW: &str = "
DROP VIEW IF EXISTS reading_view;
CREATE VIEW reading_view AS
    SELECT s.device, s.name, r.time_ms, r.value_num, r.value_text, r.value_bool, r.value_bytes, s.unit, r.tags
    FROM readings r JOIN series s ON s.id = r.series;
";

/// Brings a database made by an older build to the current schema: `readings.tags` (added with
/// reading tags) is added when missing; the view is made again.
fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    let tx = conn.unchecked_transaction()?;
    let has_tags: bool =
        tx.query_row("SELECT count(*) FROM pragma_table_info('readings') WHERE name = 'tags'", [], |row| {
            row.get::<_, i64>(0).map(|n| n > 0)
        })?;
    if !has_tags {
        tx.execute_batch("ALTER TABLE readings ADD COLUMN tags TEXT;")?;
    }
    tx.execute_batch(VIEW)?;
    tx.commit()
}

/// Series ids by device, then reading name: looked up without allocating, twice per reading,
/// with foldhash (seeded per map, so names a source chooses cannot be made to collide at will;
/// SipHash took 4% of the writer's time).
type SeriesIds = foldhash::HashMap<String, foldhash::HashMap<String, i64>>;

struct Job {
    batch: Batch,
    reply: oneshot::Sender<Result<(), String>>,
}

/// The SQLite sink: a writer thread that owns the connection and commits waiting batches
/// together in one transaction.
#[derive(Debug)]
pub struct SqliteSink {
    name: String,
    path: PathBuf,
    tx: mpsc::SyncSender<Job>,
    capacity: usize,
    /// The console's read path: its own read-only connection.
    reader: Reader,
}

impl SqliteSink {
    /// Opens (or creates) the database and starts its writer thread.
    ///
    /// # Errors
    /// [`SinkError::Open`].
    pub fn open(name: &str, path: &Path, config: &SqliteConfig) -> Result<Self, SinkError> {
        let open_err = |e: Box<dyn std::error::Error + Send + Sync>| SinkError::Open {
            sink: name.to_string(),
            source: e,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| open_err(e.into()))?;
        }
        let conn = Connection::open(path).map_err(|e| open_err(e.into()))?;
        // Another process (a replay beside the daemon) may hold the write lock for a moment.
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(|e| open_err(e.into()))?;
        conn.execute_batch(SCHEMA).map_err(|e| open_err(e.into()))?;
        migrate(&conn).map_err(|e| open_err(e.into()))?;
        conn.pragma_update(None, "synchronous", config.synchronous.pragma())
            .map_err(|e| open_err(e.into()))?;
        // The writer takes every reading's series id from `series` in the transaction that
        // inserts the reading, so the reference holds by construction; checking it (the bundled
        // SQLite enforces foreign keys by default) cost one seek in `series` per reading.
        conn.pragma_update(None, "foreign_keys", "OFF").map_err(|e| open_err(e.into()))?;
        let capacity = config.queue_batches.max(1);
        let max_group = config.max_group;
        let (tx, rx) = mpsc::sync_channel::<Job>(capacity);
        let label = name.to_string();
        let path = PathBuf::from(path);
        let writer_path = path.clone();
        std::thread::Builder::new()
            .name(format!("sink-sqlite-{name}"))
            .spawn(move || writer(conn, rx, max_group.max(1), &label, &writer_path))
            .map_err(|e| open_err(e.into()))?;
        let reader = Reader::new(&path);
        Ok(Self { name: name.to_string(), path, tx, capacity, reader })
    }
}

fn writer(mut conn: Connection, rx: mpsc::Receiver<Job>, max_group: usize, name: &str, path: &Path) {
    tracing::debug!(sink = name, path = %path.display(), "SQLite writer started.");
    let mut series = SeriesIds::default();
    while let Ok(first) = rx.recv() {
        let mut jobs = vec![first];
        while jobs.len() < max_group {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let mut created = SeriesIds::default();
        let result = commit(&mut conn, &jobs, &series, &mut created).map_err(|e| e.to_string());
        match &result {
            // Ids of series created in a transaction are valid only once it committed.
            Ok(()) => {
                for (device, names) in created {
                    series.entry(device).or_default().extend(names);
                }
            }
            Err(e) => tracing::error!(sink = name, error = %e, batches = jobs.len(), "SQLite commit failed."),
        }
        for job in jobs {
            let _ = job.reply.send(result.clone());
        }
    }
    tracing::debug!(sink = name, "SQLite writer stopped.");
}

/// Readings per `INSERT` statement, at most: a statement of that many rows is prepared once
/// and the rest of a group goes through the one-row statement.
const ROWS_PER_INSERT: usize = 64;
/// Columns of one row of `readings` as inserted.
const READING_COLUMNS: usize = 7;

/// Commits the batches of `jobs` in one transaction. The readings are inserted in the order of
/// their key (series, then time), a stable sort: a reading whose key came earlier in the group
/// still wins over a later one with the same key (`OR IGNORE`), as in arrival order, and a
/// group of many series fills the pages of each series in a row instead of going from page to
/// page for every time stamp (measured apart, 1,000 series: 1.6 times the rows/s of arrival
/// order in groups of 8,000 rows, 2.6 times in groups of 80,000), [`ROWS_PER_INSERT`] rows per
/// statement.
fn commit(
    conn: &mut Connection,
    jobs: &[Job],
    known: &SeriesIds,
    created: &mut SeriesIds,
) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    {
        let mut new_series = tx.prepare_cached(
            "INSERT INTO series (device, name, unit) VALUES (?1, ?2, ?3)
             ON CONFLICT (device, name) DO UPDATE SET unit = coalesce(series.unit, excluded.unit)
             RETURNING id",
        )?;
        let total = jobs.iter().map(|j| j.batch.readings.len()).sum();
        let mut rows: Vec<(i64, &Reading)> = Vec::with_capacity(total);
        for r in jobs.iter().flat_map(|job| &job.batch.readings) {
            let lookup = |ids: &SeriesIds| ids.get(&*r.device).and_then(|m| m.get(&*r.name)).copied();
            let id = match lookup(known).or_else(|| lookup(created)) {
                Some(id) => id,
                None => {
                    let id: i64 = new_series
                        .query_row(params![&*r.device, &*r.name, r.unit.as_deref()], |row| row.get(0))?;
                    created.entry(r.device.to_string()).or_default().insert(r.name.to_string(), id);
                    id
                }
            };
            rows.push((id, r));
        }
        rows.sort_by_key(|&(id, r)| (id, r.time_ms));
        put_readings(&tx, &rows)?;
        let mut forget = tx.prepare_cached("DELETE FROM dead_letter WHERE id = ?1")?;
        let mut dead = tx.prepare_cached(
            "INSERT OR IGNORE INTO dead_letter (connector, device, devicetype, port, received_ms, payload, stage, error, plugin)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        for job in jobs {
            for d in &job.batch.rejected {
                put_rejected(&mut dead, d)?;
            }
            for id in &job.batch.forget {
                forget.execute(params![id])?;
            }
        }
    }
    tx.commit()
}

/// Inserts `rows` (series id, reading) in their order, [`ROWS_PER_INSERT`] per statement. When
/// every reading is a plain number (a number without tags: a meter file, most decoders), the
/// statement binds only their three columns; otherwise every reading goes through the one that
/// binds all seven (not runs of each kind: in a group of many series with a few readings each,
/// kinds alternate and short runs would cost a statement per reading).
fn put_readings(tx: &rusqlite::Transaction<'_>, rows: &[(i64, &Reading)]) -> rusqlite::Result<()> {
    let mut tags = TagsCache::default();
    let kind = if rows.iter().all(|&(_, r)| Row::of(r) == Row::Number) { Row::Number } else { Row::Full };
    let mut many = rows.chunks_exact(ROWS_PER_INSERT);
    if many.len() > 0 {
        let mut stmt = tx.prepare_cached(&kind.sql(ROWS_PER_INSERT))?;
        for group in &mut many {
            for (i, (series, r)) in group.iter().enumerate() {
                kind.bind(&mut stmt, i, *series, r, &mut tags)?;
            }
            stmt.raw_execute()?;
        }
    }
    let rest = many.remainder();
    if !rest.is_empty() {
        let mut one = tx.prepare_cached(&kind.sql(1))?;
        for (series, r) in rest {
            kind.bind(&mut one, 0, *series, r, &mut tags)?;
            one.raw_execute()?;
        }
    }
    Ok(())
}

/// How a reading's row is inserted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Row {
    /// A number without tags: series, time and `value_num` bound, the other columns NULL.
    Number,
    /// Any other reading: every column bound.
    Full,
}

impl Row {
    fn of(r: &Reading) -> Self {
        if matches!(r.value, Value::Number(_)) && r.tags.is_empty() { Self::Number } else { Self::Full }
    }

    /// The `INSERT` of `rows` readings of this kind.
    fn sql(self, rows: usize) -> String {
        let (columns, row) = match self {
            Self::Number => ("series, time_ms, value_num", "(?, ?, ?)"),
            Self::Full => (
                "series, time_ms, value_num, value_text, value_bool, value_bytes, tags",
                "(?, ?, ?, ?, ?, ?, ?)",
            ),
        };
        let values = vec![row; rows.max(1)].join(", ");
        format!("INSERT OR IGNORE INTO readings ({columns}) VALUES {values}")
    }

    /// Parameters of one row of this kind.
    const fn columns(self) -> usize {
        match self {
            Self::Number => 3,
            Self::Full => READING_COLUMNS,
        }
    }

    /// Binds `r` as row `row` (0-based) of a statement of this kind.
    fn bind(
        self,
        stmt: &mut rusqlite::CachedStatement<'_>,
        row: usize,
        series: i64,
        r: &Reading,
        tags: &mut TagsCache,
    ) -> rusqlite::Result<()> {
        let at = row * self.columns();
        stmt.raw_bind_parameter(at + 1, series)?;
        stmt.raw_bind_parameter(at + 2, r.time_ms)?;
        if self == Self::Number {
            return match &r.value {
                Value::Number(n) => stmt.raw_bind_parameter(at + 3, *n),
                // `Row::of` chose this kind: never reached; refused rather than stored wrong.
                _ => Err(rusqlite::Error::ToSqlConversionFailure("not a plain number".into())),
            };
        }
        let (num, text, boolean, bytes) = match &r.value {
            Value::Number(n) => (Some(*n), None, None, None),
            Value::Text(t) => (None, Some(t.as_str()), None, None),
            Value::Boolean(b) => (None, None, Some(*b), None),
            Value::Bytes(b) => (None, None, None, Some(b.as_slice())),
        };
        stmt.raw_bind_parameter(at + 3, num)?;
        stmt.raw_bind_parameter(at + 4, text)?;
        stmt.raw_bind_parameter(at + 5, boolean)?;
        stmt.raw_bind_parameter(at + 6, bytes)?;
        stmt.raw_bind_parameter(at + 7, tags.json(&r.tags))
    }
}

/// The JSON of the tags last encoded: readings emitted together share their tags (one `Arc`),
/// encoded once for all of them.
#[derive(Default)]
struct TagsCache {
    last: Option<(crate::message::Tags, String)>,
}

impl TagsCache {
    fn json(&mut self, tags: &crate::message::Tags) -> Option<&str> {
        if tags.is_empty() {
            return None;
        }
        let fresh = !matches!(&self.last, Some((t, _)) if std::sync::Arc::ptr_eq(t, tags));
        if fresh {
            self.last = Some((std::sync::Arc::clone(tags), tags_json(tags)));
        }
        self.last.as_ref().map(|(_, json)| json.as_str())
    }
}

fn put_rejected(stmt: &mut rusqlite::CachedStatement<'_>, d: &Rejected) -> rusqlite::Result<()> {
    let f = &d.frame;
    stmt.execute(params![
        &*f.connector,
        &*f.device,
        &*f.devicetype,
        f.port,
        f.received_ms,
        &f.payload[..],
        d.stage.as_str(),
        d.error,
        d.plugin
    ])?;
    Ok(())
}

impl SqliteSink {
    /// Runs a read on a blocking thread (never on the async executor).
    fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Reader) -> rusqlite::Result<T> + Send + 'static,
    ) -> BoxFuture<'static, Result<T, SinkError>> {
        let (reader, name) = (self.reader.clone(), self.name.clone());
        Box::pin(async move {
            tokio::task::spawn_blocking(move || f(&reader))
                .await
                .map_err(|e| SinkError::Closed(format!("{name}: {e}")))?
                .map_err(|e| SinkError::Read { sink: name, source: e.into() })
        })
    }
}

impl Sink for SqliteSink {
    fn find_dead_letters(
        &self,
        query: DeadLetterQuery,
    ) -> BoxFuture<'static, Result<Vec<crate::sink::DeadLetter>, SinkError>> {
        self.read(move |r| r.dead_letters(&query))
    }

    fn reads_readings(&self) -> bool {
        true
    }

    fn latest(&self, limit: usize) -> BoxFuture<'static, Result<Vec<LatestReading>, SinkError>> {
        self.read(move |r| r.latest(limit))
    }

    fn series(&self, query: SeriesQuery) -> BoxFuture<'static, Result<Series, SinkError>> {
        self.read(move |r| r.series(&query))
    }

    fn dead_letters(&self) -> BoxFuture<'static, Result<Vec<crate::sink::DeadLetter>, SinkError>> {
        let (path, name) = (self.path.clone(), self.name.clone());
        Box::pin(async move {
            tokio::task::spawn_blocking(move || read_dead_letters(&path))
                .await
                .map_err(|e| SinkError::Closed(format!("{name}: {e}")))?
                .map_err(|e| SinkError::Write { sink: name, source: e.into() })
        })
    }

    fn write(&self, batch: Batch) -> BoxFuture<'static, Result<(), SinkError>> {
        let (reply, done) = oneshot::channel();
        let sent = self.tx.try_send(Job { batch, reply });
        let name = self.name.clone();
        let capacity = self.capacity;
        Box::pin(async move {
            match sent {
                Ok(()) => {}
                Err(mpsc::TrySendError::Full(_)) => {
                    let retry_after = crate::message::DEFAULT_RETRY_AFTER;
                    return Err(SinkError::Full { sink: name, capacity, retry_after });
                }
                Err(mpsc::TrySendError::Disconnected(_)) => return Err(SinkError::Closed(name)),
            }
            match done.await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(SinkError::Write { sink: name, source: e.into() }),
                Err(_) => Err(SinkError::Closed(name)),
            }
        })
    }
}

/// One stored reading, as read back.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReadingRow {
    /// Device id.
    pub device: String,
    /// Reading name.
    pub name: String,
    /// Time, ms since the epoch.
    pub time_ms: i64,
    /// The value.
    pub value: Value,
    /// Unit.
    pub unit: Option<String>,
    /// Tags (empty when the reading has none).
    pub tags: std::collections::BTreeMap<String, String>,
}

/// One dead-letter entry, as read back.
pub type DeadLetterRow = crate::sink::DeadLetter;

/// Reads every stored reading, ordered by device, time and name. Blocking.
///
/// # Errors
/// SQLite errors.
pub fn read_readings(path: &Path) -> rusqlite::Result<Vec<ReadingRow>> {
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut stmt = conn.prepare(
        "SELECT device, name, time_ms, value_num, value_text, value_bool, value_bytes, unit, tags
         FROM reading_view ORDER BY device, time_ms, name",
    )?;
    let rows = stmt.query_map([], |row| {
        let value = value_at(row, 3)?;
        Ok(ReadingRow {
            device: row.get(0)?,
            name: row.get(1)?,
            time_ms: row.get(2)?,
            value,
            unit: row.get(7)?,
            tags: match row.get::<_, Option<String>>(8)? {
                Some(json) => serde_json::from_str(&json).map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(8, rusqlite::types::Type::Text, Box::new(e))
                })?,
                None => std::collections::BTreeMap::new(),
            },
        })
    })?;
    rows.collect()
}

/// Reads every dead-letter entry, oldest first. Blocking.
///
/// # Errors
/// SQLite errors.
pub fn read_dead_letters(path: &Path) -> rusqlite::Result<Vec<DeadLetterRow>> {
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut stmt = conn.prepare(
        "SELECT id, connector, device, devicetype, port, received_ms, payload, stage, error, plugin
         FROM dead_letter ORDER BY id",
    )?;
    let rows = stmt.query_map([], super::read::dead_letter)?;
    rows.collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn reading(device: &str, name: &str, time_ms: i64, value: Value, tags: &[(&str, &str)]) -> Reading {
        let tags: Vec<(String, String)> = tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Reading {
            device: Arc::from(device),
            name: Arc::from(name),
            value,
            unit: None,
            time_ms,
            tags: Arc::from(tags),
        }
    }

    /// A group of plain numbers and a group of mixed kinds go through their own statements, 64
    /// rows or one at a time, and the first reading of a key still wins whatever its kind.
    #[tokio::test]
    async fn plain_numbers_and_other_readings_keep_their_values_and_the_first_of_a_key_wins() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let config: SqliteConfig = ron::from_str("(path: \"t.db\")").unwrap();
        let sink = SqliteSink::open("db", &path, &config).unwrap();
        // 130 plain numbers of one series (the three-column statement): two statements of 64
        // rows and two single rows.
        let numbers = (0..130).map(|t| reading("d1", "power", t, Value::Number(t as f64), &[])).collect();
        sink.write(Batch { readings: numbers, rejected: Vec::new(), forget: Vec::new() }).await.unwrap();
        // Then a group of mixed kinds (the seven-column statement). The same keys again, as
        // text, a tagged number and a boolean: all ignored.
        let readings = vec![
            reading("d1", "power", 5, Value::Text("late".into()), &[]),
            reading("d1", "power", 6, Value::Number(-1.0), &[("quantity", "power")]),
            reading("d1", "power", 7, Value::Boolean(true), &[]),
            // Another series: text first, then a plain number of the same key (ignored), then
            // a tagged number and a plain one after it.
            reading("d2", "state", 1, Value::Text("on".into()), &[]),
            reading("d2", "state", 1, Value::Number(1.0), &[]),
            reading("d2", "state", 2, Value::Number(2.0), &[("quantity", "power")]),
            reading("d2", "state", 3, Value::Number(3.0), &[]),
        ];
        let batch = Batch { readings, rejected: Vec::new(), forget: Vec::new() };
        sink.write(batch).await.unwrap();

        let conn = Connection::open(&path).unwrap();
        let count: i64 = conn.query_row("SELECT count(*) FROM reading_view", [], |r| r.get(0)).unwrap();
        assert_eq!(count, 133);
        let row = |device: &str, t: i64| {
            conn.query_row(
                "SELECT value_num, value_text, value_bool, tags FROM reading_view
                 WHERE device = ?1 AND time_ms = ?2",
                params![device, t],
                |r| {
                    Ok((
                        r.get::<_, Option<f64>>(0)?,
                        r.get::<_, Option<String>>(1)?,
                        r.get::<_, Option<bool>>(2)?,
                        r.get::<_, Option<String>>(3)?,
                    ))
                },
            )
            .unwrap()
        };
        for t in [0, 5, 6, 7, 63, 64, 127, 128, 129] {
            assert_eq!(row("d1", t), (Some(t as f64), None, None, None), "d1 at {t}");
        }
        assert_eq!(row("d2", 1), (None, Some("on".into()), None, None));
        assert_eq!(row("d2", 2), (Some(2.0), None, None, Some(r#"{"quantity":"power"}"#.into())));
        assert_eq!(row("d2", 3), (Some(3.0), None, None, None));
    }

    fn page_size(path: &Path) -> i64 {
        let conn = Connection::open(path).unwrap();
        conn.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap()
    }

    /// A new database is made of 1 KiB pages; a database made before (4 KiB pages, SQLite's
    /// default) keeps its pages and its readings, and takes new ones.
    #[tokio::test]
    async fn a_new_database_has_small_pages_and_an_older_one_keeps_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let config: SqliteConfig = ron::from_str("(path: \"t.db\")").unwrap();
        let new = dir.path().join("new.db");
        drop(SqliteSink::open("db", &new, &config).unwrap());
        assert_eq!(page_size(&new), 1024);

        let old = dir.path().join("old.db");
        {
            let conn = Connection::open(&old).unwrap();
            conn.execute_batch(&SCHEMA.replace("PRAGMA page_size = 1024;", "")).unwrap();
            conn.execute("INSERT INTO series (id, device, name) VALUES (1, 'd1', 'power')", []).unwrap();
            conn.execute("INSERT INTO readings (series, time_ms, value_num) VALUES (1, 1, 1.5)", []).unwrap();
        }
        assert_eq!(page_size(&old), 4096);
        let sink = SqliteSink::open("db", &old, &config).unwrap();
        let batch = Batch {
            readings: vec![reading("d1", "power", 2, Value::Number(2.5), &[])],
            rejected: Vec::new(),
            forget: Vec::new(),
        };
        sink.write(batch).await.unwrap();
        assert_eq!(page_size(&old), 4096);
        let conn = Connection::open(&old).unwrap();
        let sum: f64 = conn
            .query_row("SELECT sum(value_num) FROM reading_view WHERE device = 'd1'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(sum, 4.0);
    }
}
