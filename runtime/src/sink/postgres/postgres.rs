use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use deadpool_postgres::{Manager, ManagerConfig, Pool, PoolError, RecyclingMethod, Runtime};
use futures::future::BoxFuture;
use sha2::{Digest, Sha256};
use tokio::sync::{mpsc, oneshot};
use tokio_postgres::NoTls;

use super::PostgresConfig;
use super::read::{self, ReadStatements};
use crate::message::{DEFAULT_RETRY_AFTER, Value, tags_json};
use crate::net::Backoff;
use crate::sink::{Batch, DeadLetter, DeadLetterQuery, LatestReading, Series, SeriesQuery, Sink, SinkError};

/// The schema version this build creates or migrates to (rows of `MIGRATIONS`).
pub const SCHEMA_VERSION: i32 = 2;

/// The migrations, in order; `{s}` is the schema. Migration `i` takes the schema from version
/// `i` to `i + 1`. Never edit one that shipped: append.
const MIGRATIONS: [&str; 2] = [
    // 1: readings keyed on (device, name, time): idempotent upserts, the latest value of a series
    // by a backward scan of that key, and a key that contains `time` as a TimescaleDB hypertable wants.
    // Dead letters keyed on their content (the payload by its SHA-256, so the key stays small).
    "CREATE TABLE IF NOT EXISTS {s}.readings (
        device      text             NOT NULL,
        name        text             NOT NULL,
        time        timestamptz      NOT NULL,
        value_num   double precision,
        value_text  text,
        value_bool  boolean,
        value_bytes bytea,
        unit        text,
        PRIMARY KEY (device, name, time)
    );
    CREATE TABLE IF NOT EXISTS {s}.dead_letter (
        id             bigserial   PRIMARY KEY,
        connector      text        NOT NULL,
        device         text        NOT NULL,
        devicetype     text        NOT NULL,
        port           smallint    NOT NULL,
        received_ms    bigint      NOT NULL,
        payload        bytea       NOT NULL,
        payload_sha256 bytea       NOT NULL,
        stage          text        NOT NULL,
        error          text        NOT NULL,
        plugin         text,
        stored_at      timestamptz NOT NULL DEFAULT now(),
        UNIQUE (device, devicetype, port, received_ms, stage, payload_sha256)
    );",
    // 2: tags of a reading (key/value pairs), empty for readings stored before.
    "ALTER TABLE {s}.readings ADD COLUMN IF NOT EXISTS tags jsonb NOT NULL DEFAULT '{}';",
];

/// Dead-letter entries that pass a filter ([`DeadLetterQuery`]); `{s}` is the schema.
const FIND_DEAD: &str =
    "SELECT id, connector, device, devicetype, port, received_ms, payload, stage, error, plugin
    FROM {s}.dead_letter
    WHERE ($1::text IS NULL OR stage = $1) AND ($2::text IS NULL OR connector = $2)
      AND ($3::text IS NULL OR strpos(coalesce(plugin, ''), $3) > 0)
      AND ($4::text IS NULL OR strpos(lower(error), lower($4)) > 0)
      AND ($5::bigint[] IS NULL OR id = ANY($5))
      AND id > $6 AND id < $7
    ORDER BY id DESC LIMIT $8";

/// The statements of one schema.
#[derive(Debug)]
struct Statements {
    readings: String,
    dead: String,
    forget: String,
    read_dead: String,
    /// Dead-letter entries that pass a filter, newest first (`find_newest`) or oldest first:
    /// walked by the primary key within the id bounds, until the limit.
    find_newest: String,
    find_oldest: String,
}

impl Statements {
    fn new(schema: &str) -> Self {
        // Tags go as JSON text (`{}` when none), unnested beside the others and cast to jsonb.
        let s = |sql: &str| sql.replace("{s}", schema);
        Self {
            readings: s("INSERT INTO {s}.readings (device, name, time, value_num, value_text, value_bool, value_bytes, unit, tags)
                 SELECT d, n, t, vn, vt, vb, vy, u, tg::jsonb
                 FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::float8[], $5::text[], $6::bool[], $7::bytea[], $8::text[], $9::text[])
                     AS r (d, n, t, vn, vt, vb, vy, u, tg)
                 ON CONFLICT (device, name, time) DO NOTHING"),
            dead: s("INSERT INTO {s}.dead_letter (connector, device, devicetype, port, received_ms, payload, payload_sha256, stage, error, plugin)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING"),
            forget: s("DELETE FROM {s}.dead_letter WHERE id = ANY($1)"),
            read_dead: s("SELECT id, connector, device, devicetype, port, received_ms, payload, stage, error, plugin
                 FROM {s}.dead_letter ORDER BY id"),
            find_newest: s(FIND_DEAD),
            find_oldest: s(FIND_DEAD).replace("ORDER BY id DESC", "ORDER BY id ASC"),
        }
    }
}

/// Errors of the PostgreSQL sink, below [`SinkError`].
#[derive(Debug, thiserror::Error)]
pub enum PostgresError {
    /// The connection string does not parse.
    #[error("the connection string does not parse")]
    Url(#[source] tokio_postgres::Error),
    /// The pool cannot be made.
    #[error("cannot make the connection pool")]
    Pool(#[source] deadpool_postgres::BuildError),
    /// No connection could be had.
    #[error("cannot get a connection")]
    Connect(#[source] PoolError),
    /// A statement failed.
    #[error("PostgreSQL refused a statement")]
    Statement(#[from] tokio_postgres::Error),
    /// The schema is newer than this build knows.
    #[error("schema {schema} is at version {found}, newer than this Passerelle's {SCHEMA_VERSION}")]
    Newer {
        /// The schema.
        schema: String,
        /// Its version.
        found: i32,
    },
    /// A reading's time is outside what `timestamptz` holds.
    #[error("reading {device}/{name} has a time of {time_ms} ms, outside what PostgreSQL stores")]
    Time {
        /// Device.
        device: String,
        /// Reading name.
        name: String,
        /// The time.
        time_ms: i64,
    },
    /// Waited longer than the commit timeout.
    #[error("no commit within {0:?} (PostgreSQL unreachable?)")]
    Timeout(Duration),
}

impl PostgresError {
    /// True when trying again may succeed: the connection was lost or refused, the server is
    /// shutting down or out of resources, or the transaction lost a serialization race.
    fn transient(&self) -> bool {
        fn pg(e: &tokio_postgres::Error) -> bool {
            match e.as_db_error() {
                None => {
                    e.is_closed() || std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>())
                }
                Some(db) => matches!(db.code().code().get(..2), Some("08" | "40" | "53" | "57" | "58")),
            }
        }
        match self {
            Self::Connect(PoolError::Backend(e)) | Self::Statement(e) => pg(e),
            Self::Connect(_) => true,
            _ => false,
        }
    }
}

struct Job {
    batch: Batch,
    reply: oneshot::Sender<Result<(), String>>,
}

/// The PostgreSQL sink: a writer task that commits waiting batches together in one transaction.
#[derive(Debug)]
pub struct PostgresSink {
    name: String,
    pool: Pool,
    statements: std::sync::Arc<Statements>,
    tx: mpsc::Sender<Job>,
    capacity: usize,
    runtime: tokio::runtime::Handle,
    /// The console's read path.
    reads: std::sync::Arc<ReadStatements>,
}

impl PostgresSink {
    /// Connects, creates or migrates the schema, and starts the writer task on `runtime`.
    ///
    /// # Errors
    /// [`SinkError::Open`] with a [`PostgresError`].
    pub async fn open(
        name: &str,
        url: &str,
        config: &PostgresConfig,
        runtime: &tokio::runtime::Handle,
    ) -> Result<Self, SinkError> {
        let open_err = |e: PostgresError| SinkError::Open { sink: name.to_string(), source: e.into() };
        let pg: tokio_postgres::Config = url.parse().map_err(|e| open_err(PostgresError::Url(e)))?;
        let manager =
            Manager::from_config(pg, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(manager)
            .max_size(config.pool_size)
            .runtime(Runtime::Tokio1)
            .build()
            .map_err(|e| open_err(PostgresError::Pool(e)))?;
        // The pool's connections run as tasks of the runtime that makes them: the sink's.
        let (p, schema) = (pool.clone(), config.schema.clone());
        runtime
            .spawn(async move { migrate(&p, &schema).await })
            .await
            .map_err(|e| SinkError::Open { sink: name.to_string(), source: e.into() })?
            .map_err(open_err)?;
        let statements = std::sync::Arc::new(Statements::new(&config.schema));
        let capacity = config.queue_batches.max(1);
        let (tx, rx) = mpsc::channel(capacity);
        let writer = Writer {
            name: name.to_string(),
            pool: pool.clone(),
            statements: std::sync::Arc::clone(&statements),
            max_group: config.max_group.max(1),
            timeout: Duration::from_millis(config.commit_timeout_ms),
        };
        runtime.spawn(writer.run(rx));
        tracing::debug!(sink = name, schema = config.schema, "PostgreSQL sink open.");
        let reads = std::sync::Arc::new(ReadStatements::new(&config.schema));
        Ok(Self { name: name.to_string(), pool, statements, tx, capacity, runtime: runtime.clone(), reads })
    }
}

impl PostgresSink {
    /// Runs a read on the sink's runtime (where its pool's connections live).
    fn read<T: Send + 'static>(
        &self,
        work: impl std::future::Future<Output = Result<T, PostgresError>> + Send + 'static,
    ) -> BoxFuture<'static, Result<T, SinkError>> {
        let (read, name) = (self.runtime.spawn(work), self.name.clone());
        Box::pin(async move {
            read.await
                .map_err(|e| SinkError::Closed(format!("{name}: {e}")))?
                .map_err(|e| SinkError::Read { sink: name, source: e.into() })
        })
    }
}

/// Creates the schema or migrates it to [`SCHEMA_VERSION`], in one transaction holding an
/// advisory lock, so that processes starting together migrate once.
async fn migrate(pool: &Pool, schema: &str) -> Result<(), PostgresError> {
    let mut client = pool.get().await.map_err(PostgresError::Connect)?;
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock(hashtext($1))", &[&format!("passerelle.{schema}")]).await?;
    tx.batch_execute(&format!(
        "CREATE SCHEMA IF NOT EXISTS {schema};
         CREATE TABLE IF NOT EXISTS {schema}.schema_version (version integer NOT NULL);"
    ))
    .await?;
    let version = format!("SELECT max(version) FROM {schema}.schema_version");
    let row = tx.query_one(version.as_str(), &[]).await?;
    let found: i32 = row.try_get::<_, Option<i32>>(0)?.unwrap_or(0);
    if found > SCHEMA_VERSION {
        return Err(PostgresError::Newer { schema: schema.to_string(), found });
    }
    let from = usize::try_from(found).unwrap_or(0);
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(from) {
        tracing::info!(schema, version = i + 1, "Migrating the PostgreSQL schema.");
        tx.batch_execute(&sql.replace("{s}", schema)).await?;
    }
    if found < SCHEMA_VERSION {
        let (delete, insert) = (
            format!("DELETE FROM {schema}.schema_version"),
            format!("INSERT INTO {schema}.schema_version (version) VALUES ($1)"),
        );
        tx.execute(delete.as_str(), &[]).await?;
        tx.execute(insert.as_str(), &[&SCHEMA_VERSION]).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The writer task's state.
struct Writer {
    name: String,
    pool: Pool,
    statements: std::sync::Arc<Statements>,
    max_group: usize,
    timeout: Duration,
}

impl Writer {
    async fn run(self, mut rx: mpsc::Receiver<Job>) {
        let mut backoff = Backoff::default().with_key(&self.name);
        while let Some(first) = rx.recv().await {
            let mut jobs = vec![first];
            while jobs.len() < self.max_group {
                match rx.try_recv() {
                    Ok(job) => jobs.push(job),
                    Err(_) => break,
                }
            }
            let batches: Vec<&Batch> = jobs.iter().map(|j| &j.batch).collect();
            let result = self.commit_retrying(&batches, &mut backoff).await;
            match result {
                Err(e) if jobs.len() > 1 && !matches!(e, PostgresError::Timeout(_)) => {
                    // One bad batch must not fail the others: commit each alone.
                    tracing::warn!(sink = self.name, error = %e, batches = jobs.len(), "PostgreSQL group commit failed; committing its batches one by one.");
                    for job in jobs {
                        let r = self.commit_retrying(&[&job.batch], &mut backoff).await;
                        let _ = job.reply.send(r.map_err(|e| self.report(&e)));
                    }
                }
                r => {
                    let r = r.map_err(|e| self.report(&e));
                    for job in jobs {
                        let _ = job.reply.send(r.clone());
                    }
                }
            }
        }
        tracing::debug!(sink = self.name, "PostgreSQL writer stopped.");
    }

    /// The error in words, its causes included; logged.
    fn report(&self, e: &PostgresError) -> String {
        let mut text = e.to_string();
        let mut cause = std::error::Error::source(e);
        while let Some(c) = cause {
            text.push_str(": ");
            text.push_str(&c.to_string());
            cause = c.source();
        }
        tracing::error!(sink = self.name, error = text, "PostgreSQL commit failed.");
        text
    }

    /// Commits, retrying transient failures with the backoff until the commit timeout.
    async fn commit_retrying(&self, batches: &[&Batch], backoff: &mut Backoff) -> Result<(), PostgresError> {
        let deadline = Instant::now() + self.timeout;
        loop {
            match self.commit(batches).await {
                Ok(()) => {
                    backoff.reset();
                    return Ok(());
                }
                Err(e) if e.transient() => {
                    let wait = backoff.next();
                    if Instant::now() + wait > deadline {
                        return Err(PostgresError::Timeout(self.timeout));
                    }
                    tracing::warn!(sink = self.name, error = %e, retry_in_ms = wait.as_millis() as u64, "PostgreSQL unreachable; the commit waits.");
                    tokio::time::sleep(wait).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn commit(&self, batches: &[&Batch]) -> Result<(), PostgresError> {
        let n: usize = batches.iter().map(|b| b.readings.len()).sum();
        let (mut devices, mut names, mut times) =
            (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
        let mut tags: Vec<String> = Vec::with_capacity(n);
        let (mut nums, mut texts, mut bools, mut bytes, mut units) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for r in batches.iter().flat_map(|b| &b.readings) {
            let time = system_time(r.time_ms).ok_or_else(|| PostgresError::Time {
                device: r.device.to_string(),
                name: r.name.to_string(),
                time_ms: r.time_ms,
            })?;
            devices.push(&*r.device);
            names.push(&*r.name);
            times.push(time);
            let (num, text, boolean, raw) = match &r.value {
                Value::Number(x) => (Some(*x), None, None, None),
                Value::Text(t) => (None, Some(t.as_str()), None, None),
                Value::Boolean(b) => (None, None, Some(*b), None),
                Value::Bytes(b) => (None, None, None, Some(b.as_slice())),
            };
            nums.push(num);
            texts.push(text);
            bools.push(boolean);
            bytes.push(raw);
            units.push(r.unit.as_deref());
            tags.push(tags_json(&r.tags));
        }
        let mut client = self.pool.get().await.map_err(PostgresError::Connect)?;
        let tx = client.transaction().await?;
        if n > 0 {
            let put = tx.prepare_cached(self.statements.readings.as_str()).await?;
            tx.execute(&put, &[&devices, &names, &times, &nums, &texts, &bools, &bytes, &units, &tags])
                .await?;
        }
        let dead = batches.iter().flat_map(|b| &b.rejected);
        if batches.iter().any(|b| !b.rejected.is_empty()) {
            let put = tx.prepare_cached(self.statements.dead.as_str()).await?;
            for d in dead {
                let f = &d.frame;
                let digest = Sha256::digest(&f.payload).to_vec();
                let port = i16::from(f.port);
                tx.execute(
                    &put,
                    &[
                        &&*f.connector,
                        &&*f.device,
                        &&*f.devicetype,
                        &port,
                        &f.received_ms,
                        &&f.payload[..],
                        &digest,
                        &d.stage.as_str(),
                        &d.error,
                        &d.plugin,
                    ],
                )
                .await?;
            }
        }
        let forget: Vec<i64> = batches.iter().flat_map(|b| b.forget.iter().copied()).collect();
        if !forget.is_empty() {
            tx.execute(self.statements.forget.as_str(), &[&forget]).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Milliseconds since the epoch as a `SystemTime`, if representable.
fn system_time(ms: i64) -> Option<SystemTime> {
    let d = Duration::from_millis(ms.unsigned_abs());
    if ms >= 0 { UNIX_EPOCH.checked_add(d) } else { UNIX_EPOCH.checked_sub(d) }
}

impl Sink for PostgresSink {
    fn write(&self, batch: Batch) -> BoxFuture<'static, Result<(), SinkError>> {
        let (reply, done) = oneshot::channel();
        let sent = self.tx.try_send(Job { batch, reply });
        let (name, capacity) = (self.name.clone(), self.capacity);
        Box::pin(async move {
            match sent {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(_)) => {
                    return Err(SinkError::Full { sink: name, capacity, retry_after: DEFAULT_RETRY_AFTER });
                }
                Err(mpsc::error::TrySendError::Closed(_)) => return Err(SinkError::Closed(name)),
            }
            match done.await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(SinkError::Write { sink: name, source: e.into() }),
                Err(_) => Err(SinkError::Closed(name)),
            }
        })
    }

    fn dead_letters(&self) -> BoxFuture<'static, Result<Vec<DeadLetter>, SinkError>> {
        let (pool, statements, name) =
            (self.pool.clone(), std::sync::Arc::clone(&self.statements), self.name.clone());
        let read = self.runtime.spawn(async move {
            let client = pool.get().await.map_err(PostgresError::Connect)?;
            let rows = client.query(statements.read_dead.as_str(), &[]).await?;
            rows.iter().map(dead_letter).collect::<Result<Vec<_>, PostgresError>>()
        });
        Box::pin(async move {
            read.await
                .map_err(|e| SinkError::Closed(format!("{name}: {e}")))?
                .map_err(|e| SinkError::Write { sink: name, source: e.into() })
        })
    }

    fn reads_readings(&self) -> bool {
        true
    }

    fn latest(&self, limit: usize) -> BoxFuture<'static, Result<Vec<LatestReading>, SinkError>> {
        let (pool, reads) = (self.pool.clone(), std::sync::Arc::clone(&self.reads));
        self.read(async move { read::latest(&pool, &reads, limit).await })
    }

    fn series(&self, query: SeriesQuery) -> BoxFuture<'static, Result<Series, SinkError>> {
        let (pool, reads) = (self.pool.clone(), std::sync::Arc::clone(&self.reads));
        self.read(async move { read::series(&pool, &reads, &query).await })
    }

    fn find_dead_letters(
        &self,
        query: DeadLetterQuery,
    ) -> BoxFuture<'static, Result<Vec<DeadLetter>, SinkError>> {
        let (pool, statements, name) =
            (self.pool.clone(), std::sync::Arc::clone(&self.statements), self.name.clone());
        let read = self.runtime.spawn(async move {
            let client = pool.get().await.map_err(PostgresError::Connect)?;
            let sql = if query.oldest_first { &statements.find_oldest } else { &statements.find_newest };
            let (after, before) = (query.after_id.unwrap_or(i64::MIN), query.before_id.unwrap_or(i64::MAX));
            let limit = i64::try_from(query.limit()).unwrap_or(0);
            let rows = client
                .query(
                    sql.as_str(),
                    &[
                        &query.stage,
                        &query.connector,
                        &query.plugin,
                        &query.error,
                        &query.ids,
                        &after,
                        &before,
                        &limit,
                    ],
                )
                .await?;
            rows.iter().map(dead_letter).collect::<Result<Vec<_>, PostgresError>>()
        });
        Box::pin(async move {
            read.await
                .map_err(|e| SinkError::Closed(format!("{name}: {e}")))?
                .map_err(|e| SinkError::Read { sink: name, source: e.into() })
        })
    }
}

/// A dead-letter row as an entry.
fn dead_letter(row: &tokio_postgres::Row) -> Result<DeadLetter, PostgresError> {
    Ok(DeadLetter {
        id: row.try_get(0)?,
        connector: row.try_get(1)?,
        device: row.try_get(2)?,
        devicetype: row.try_get(3)?,
        port: u8::try_from(row.try_get::<_, i16>(4)?).unwrap_or(0),
        received_ms: row.try_get(5)?,
        payload: row.try_get(6)?,
        stage: row.try_get(7)?,
        error: row.try_get(8)?,
        plugin: row.try_get(9)?,
    })
}
