//! The PostgreSQL sink's read path for the console: the latest reading of each series and one
//! series over a window, through the readings key (device, name, time).
//!
//! The latest values skip from series to series along the key (a recursive query, one index
//! probe per series, stopped by the limit) instead of reading every row as `DISTINCT ON` would.

use deadpool_postgres::Pool;
use futures::TryStreamExt;
use tokio_postgres::types::ToSql;

use super::postgres::PostgresError;
use crate::message::Value;
use crate::sink::{Downsampler, LatestReading, MAX_LATEST, Series, SeriesQuery};

/// The statements of the read path, for one schema.
#[derive(Debug)]
pub(super) struct ReadStatements {
    latest: String,
    series: String,
}

impl ReadStatements {
    pub(super) fn new(schema: &str) -> Self {
        let s = |sql: &str| sql.replace("{s}", schema);
        Self {
            latest: s("WITH RECURSIVE k (device, name) AS (
                    (SELECT device, name FROM {s}.readings ORDER BY device, name LIMIT 1)
                    UNION ALL
                    SELECT n.device, n.name FROM k, LATERAL (
                        SELECT r.device, r.name FROM {s}.readings r
                        WHERE (r.device, r.name) > (k.device, k.name)
                        ORDER BY r.device, r.name LIMIT 1) n
                )
                SELECT k.device, k.name, (extract(epoch FROM l.time) * 1000)::bigint, l.value_num,
                       l.value_text, l.value_bool, l.value_bytes, l.unit, l.tags->>'quantity'
                FROM (SELECT * FROM k LIMIT $1) k, LATERAL (
                    SELECT * FROM {s}.readings r WHERE r.device = k.device AND r.name = k.name
                    ORDER BY r.time DESC LIMIT 1) l
                ORDER BY k.device, k.name"),
            series: s("SELECT (extract(epoch FROM time) * 1000)::bigint, value_num, value_bool, unit
                FROM {s}.readings
                WHERE device = $1 AND name = $2
                  AND time BETWEEN to_timestamp($3::float8 / 1000) AND to_timestamp($4::float8 / 1000)
                ORDER BY time"),
        }
    }
}

/// The latest reading of each series, at most `limit`.
pub(super) async fn latest(
    pool: &Pool,
    statements: &ReadStatements,
    limit: usize,
) -> Result<Vec<LatestReading>, PostgresError> {
    let client = pool.get().await.map_err(PostgresError::Connect)?;
    let limit = i64::try_from(limit.min(MAX_LATEST)).unwrap_or(0);
    let rows = client.query(statements.latest.as_str(), &[&limit]).await?;
    rows.iter()
        .map(|row| {
            let value = if let Some(n) = row.try_get::<_, Option<f64>>(3)? {
                Value::Number(n)
            } else if let Some(t) = row.try_get::<_, Option<String>>(4)? {
                Value::Text(t)
            } else if let Some(b) = row.try_get::<_, Option<bool>>(5)? {
                Value::Boolean(b)
            } else {
                Value::Bytes(row.try_get::<_, Option<Vec<u8>>>(6)?.unwrap_or_default())
            };
            Ok(LatestReading {
                device: row.try_get(0)?,
                name: row.try_get(1)?,
                time_ms: row.try_get(2)?,
                value,
                unit: row.try_get(7)?,
                quantity: row.try_get(8)?,
            })
        })
        .collect()
}

/// One series over the query's window, down-sampled as it is read.
pub(super) async fn series(
    pool: &Pool,
    statements: &ReadStatements,
    query: &SeriesQuery,
) -> Result<Series, PostgresError> {
    let client = pool.get().await.map_err(PostgresError::Connect)?;
    let (from, to) = (query.from_ms as f64, query.to_ms as f64);
    let params: [&(dyn ToSql + Sync); 4] = [&query.device, &query.name, &from, &to];
    // Streamed: memory stays bounded by the points, whatever the window holds.
    let rows = client.query_raw(statements.series.as_str(), params).await?;
    let mut rows = std::pin::pin!(rows);
    let mut points = Downsampler::new(query.from_ms, query.to_ms, query.max_points);
    let mut unit = None;
    while let Some(row) = rows.try_next().await? {
        let number: Option<f64> = row.try_get(1)?;
        let boolean: Option<bool> = row.try_get(2)?;
        if let Some(u) = row.try_get::<_, Option<String>>(3)? {
            unit = Some(u);
        }
        // Text and bytes are not drawn.
        if let Some(v) = number.or(boolean.map(|b| if b { 1.0 } else { 0.0 })) {
            points.push(row.try_get(0)?, v);
        }
    }
    Ok(points.finish(query, unit))
}
