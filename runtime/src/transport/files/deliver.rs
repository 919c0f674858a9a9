use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use sha2::{Digest, Sha256};
use tokio::sync::{mpsc, watch};

use super::chunk::{Half, halve};
use super::{Chunk, Chunker, Entry, Ledger, LedgerError, Records};
use crate::actor::{Ingest, OnOverrun, Overran};
use crate::message::Disposition;
use crate::net::Backoff;
use crate::transport::TransportError;

/// Chunks read ahead of those in flight, at most.
const READ_AHEAD: usize = 2;
/// Chunks of one file submitted and not yet recorded in the ledger, at most: 32. The sink
/// commits the chunks waiting for it in one transaction, and a transaction of many readings
/// costs far less per reading than a small one (SQLite: a group of 8,000 readings of 1,000
/// series wrote a page per series to its log for a few rows each; 64,000 fill those pages).
const IN_FLIGHT: usize = 32;
/// Bytes of the chunks of one file in flight, at most (then one more chunk): 4 MiB, so that
/// chunks of long lines (a wide layout, many readings per line) keep memory bounded as before.
const IN_FLIGHT_BYTES: usize = 4 << 20;
/// Buffer of the file reader.
const READ_BUFFER: usize = 64 * 1024;
/// Records of the smallest part a chunk is split into after a plugin deadline: 1. A part of
/// more records whose call runs past its deadline is cut in halves (at record ends), each
/// handed over again; a part of this many is retried on a fresh instance with a longer
/// deadline, and dead-lettered (subject `file:line`) only if that overruns too.
const SPLIT_FLOOR_RECORDS: u64 = 1;

/// A file as listed, and where its bytes are on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileMeta {
    /// Its name, relative to the folder watched: the channel of its chunks.
    pub name: String,
    /// Its bytes on this machine (the file itself, or a downloaded copy).
    pub path: PathBuf,
    /// Size in bytes, as listed.
    pub size: u64,
    /// Modification time in milliseconds since the Unix epoch, as listed.
    pub mtime_ms: i64,
}

/// How files are cut into chunks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkSettings {
    /// Records per chunk, at most.
    pub records: usize,
    /// Bytes per chunk, about.
    pub bytes: usize,
    /// The first line is a header, repeated with every chunk (header `header`).
    pub header: bool,
    /// The quote character of quoted fields that may hold a line break (CSV `"`), if any.
    pub quote: Option<u8>,
    /// What a record is: a line, a JSON or an XML record.
    pub split: Records,
}

/// How the delivery of one file ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivered {
    /// Every chunk is committed (or was refused and dead-lettered); the ledger says so.
    Done(Entry),
    /// The file cannot be read to its end (a corrupt gzip stream); the ledger keeps the error
    /// and the file is not tried again.
    Failed(Entry),
    /// The transport is stopping; the ledger holds what was committed.
    Stopped,
}

/// SHA-256 of a file's bytes, lower-case hex. Blocking.
///
/// # Errors
/// The file cannot be read.
pub fn sha256_file(path: &std::path::Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; READ_BUFFER];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(buf.get(..n).unwrap_or_default());
    }
    Ok(passerelle_vectors::to_hex(&hasher.finalize()))
}

fn io_error(e: tokio::task::JoinError) -> TransportError {
    TransportError::Io(std::io::Error::other(e))
}

/// Records `entry` in the ledger, off the executor.
async fn record(ledger: &Arc<Mutex<Ledger>>, entry: Entry) -> Result<(), TransportError> {
    let ledger = Arc::clone(ledger);
    tokio::task::spawn_blocking(move || -> Result<(), LedgerError> {
        let mut l = ledger.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        l.record(entry)
    })
    .await
    .map_err(io_error)?
    .map_err(TransportError::from)
}

/// Hands one file to the connector chunk after chunk, resuming after the chunks the ledger
/// says are committed, and records each chunk in the ledger once its disposition is committed
/// or refused. A chunk that cannot be committed is submitted again after its `retry_after`
/// (at least the backoff's delay) until it is, or until shutdown. A chunk whose plugin call
/// runs past its deadline is split in halves at record ends, each handed over again, down to
/// one record, which alone is retried with a longer deadline and dead-lettered (`file:line`)
/// if it overruns that too.
///
/// # Errors
/// The file cannot be hashed or opened, or the ledger cannot be written.
pub async fn deliver_file(
    ingest: &Ingest,
    ledger: &Arc<Mutex<Ledger>>,
    file: &FileMeta,
    settings: ChunkSettings,
    shutdown: &mut watch::Receiver<bool>,
    backoff: &mut Backoff,
) -> Result<Delivered, TransportError> {
    let path = file.path.clone();
    let sha = tokio::task::spawn_blocking(move || sha256_file(&path))
        .await
        .map_err(io_error)?
        .map_err(TransportError::Io)?;
    let known = {
        let l = ledger.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        l.get(&file.name, file.size, file.mtime_ms).filter(|e| e.sha256 == sha).cloned()
    };
    let mut entry = known.unwrap_or_else(|| Entry::new(&file.name, file.size, file.mtime_ms, &sha));
    if entry.done {
        return Ok(Delivered::Done(entry));
    }
    let connector = ingest.connector().to_string();
    tracing::info!(
        connector,
        file = file.name,
        size = file.size,
        resume_at_chunk = entry.chunks,
        "File delivery starting."
    );
    let (tx, mut rx) = mpsc::channel(READ_AHEAD);
    let reader = {
        let (path, records, chunks) = (file.path.clone(), entry.records, entry.chunks);
        let gzip = file.name.ends_with(".gz");
        let settings = settings.clone();
        tokio::task::spawn_blocking(move || read_chunks(&path, gzip, &settings, records, chunks, &tx))
    };
    let mut base_headers = vec![
        ("file".to_string(), file.name.clone()),
        ("size".to_string(), file.size.to_string()),
        ("mtime".to_string(), file.mtime_ms.to_string()),
        ("sha256".to_string(), sha.clone()),
    ];
    if file.name.ends_with(".gz") {
        base_headers.push(("compression".to_string(), "gzip".to_string()));
    }
    if let Some(split) = settings.split.split_header() {
        base_headers.push(("split".to_string(), split.to_string()));
    }
    // Chunks in flight: each submitted on its own task, so the plugin reads chunk n + 1 while
    // the sink commits chunk n (and the sink merges the chunks waiting into one transaction:
    // the slower the commits, the larger the transactions); answered and recorded in the
    // ledger in file order.
    let hand = Arc::new(HandOver {
        ingest: ingest.clone(),
        name: file.name.clone(),
        quote: settings.quote,
        split: settings.split.clone(),
    });
    let mut flights: VecDeque<Flight> = VecDeque::with_capacity(IN_FLIGHT);
    // The ledger write of the chunks answered last: it runs (two fsyncs) while the next chunks
    // are read and handed over, and is awaited before the next write or any return, so the
    // ledger is written in order and never ahead of the commits.
    let mut writing = LedgerWrite::default();
    let mut read_error = None;
    let mut reading = true;
    let outcome = loop {
        while reading
            && flights.len() < IN_FLIGHT
            && flights.iter().map(|f| f.body.len()).sum::<usize>() < IN_FLIGHT_BYTES
        {
            match rx.recv().await {
                None => reading = false,
                Some(Err(e)) => {
                    read_error = Some(e);
                    reading = false;
                }
                Some(Ok((header, chunk))) => {
                    let mut headers = base_headers.clone();
                    headers.push(("chunk".to_string(), chunk.index.to_string()));
                    if let Some(h) = header {
                        headers.push(("header".to_string(), h));
                    }
                    flights.push_back(Flight::submit(&hand, chunk, headers));
                }
            }
        }
        let Some(first) = flights.pop_front() else { break read_error };
        let mut done = vec![first];
        // The chunks after it that are answered already go into the same ledger write.
        while flights.front().is_some_and(|f| f.task.is_finished()) {
            done.extend(flights.pop_front());
        }
        for flight in done {
            let Flight { index, records, first_line, headers, body, task } = flight;
            let mut handed = task.await.unwrap_or_else(|e| Handed::Later {
                reason: format!("chunk task failed: {e}"),
                retry_after: Duration::ZERO,
                left: VecDeque::from([Part::new(first_line, records, body.clone())]),
            });
            while let Handed::Later { reason, retry_after, left } = handed {
                let wait = backoff.next().max(retry_after);
                tracing::warn!(
                    connector,
                    file = file.name,
                    chunk = index,
                    reason,
                    retry_in_ms = wait.as_millis() as u64,
                    "File chunk not committed; submitting it again."
                );
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    () = stopped(shutdown) => {
                        // This chunk is not committed: the ledger cannot pass it, whatever
                        // becomes of the chunks after it (a restart hands them over again).
                        drain(flights, &mut entry.clone(), rx, reader).await;
                        writing.finish().await?;
                        record(ledger, entry.clone()).await?;
                        return Ok(Delivered::Stopped);
                    }
                }
                handed = hand.parts(&headers, index, left).await;
            }
            backoff.reset();
            entry.chunks = index + 1;
            entry.records += records;
        }
        writing.start(ledger, entry.clone()).await?;
        let stopping = *shutdown.borrow();
        if stopping {
            drain(flights, &mut entry, rx, reader).await;
            writing.finish().await?;
            record(ledger, entry.clone()).await?;
            return Ok(Delivered::Stopped);
        }
    };
    writing.finish().await?;
    let _ = reader.await;
    match outcome {
        None => {
            entry.done = true;
            record(ledger, entry.clone()).await?;
            tracing::info!(
                connector,
                file = file.name,
                chunks = entry.chunks,
                records = entry.records,
                "File delivered."
            );
            Ok(Delivered::Done(entry))
        }
        Some(e) => {
            tracing::error!(connector, file = file.name, error = %e, committed_chunks = entry.chunks, "File cannot be read to its end; it will not be tried again.");
            entry.error = Some(e.to_string());
            record(ledger, entry.clone()).await?;
            Ok(Delivered::Failed(entry))
        }
    }
}

/// At most one ledger write in flight.
#[derive(Default)]
struct LedgerWrite(Option<tokio::task::JoinHandle<Result<(), TransportError>>>);

impl LedgerWrite {
    /// Waits for the write in flight, if any, then starts writing `entry`.
    async fn start(&mut self, ledger: &Arc<Mutex<Ledger>>, entry: Entry) -> Result<(), TransportError> {
        self.finish().await?;
        let ledger = Arc::clone(ledger);
        self.0 = Some(tokio::spawn(async move { record(&ledger, entry).await }));
        Ok(())
    }

    /// Waits for the write in flight, if any.
    async fn finish(&mut self) -> Result<(), TransportError> {
        match self.0.take() {
            Some(write) => write.await.map_err(io_error)?,
            None => Ok(()),
        }
    }
}

/// One chunk submitted and not yet recorded in the ledger.
struct Flight {
    index: u64,
    records: u64,
    first_line: u64,
    /// Its headers but `first-line` and `records` (those of each part handed over).
    headers: Arc<[(String, String)]>,
    body: Bytes,
    task: tokio::task::JoinHandle<Handed>,
}

impl Flight {
    /// Hands `chunk` over on a task of its own.
    fn submit(hand: &Arc<HandOver>, chunk: Chunk, headers: Vec<(String, String)>) -> Self {
        let body = Bytes::from(chunk.body);
        let headers: Arc<[(String, String)]> = Arc::from(headers);
        let task = {
            let (hand, headers) = (Arc::clone(hand), Arc::clone(&headers));
            let whole = VecDeque::from([Part::new(chunk.first_line, chunk.records, body.clone())]);
            let index = chunk.index;
            tokio::spawn(async move { hand.parts(&headers, index, whole).await })
        };
        Self { index: chunk.index, records: chunk.records, first_line: chunk.first_line, headers, body, task }
    }
}

/// What handing the chunks of a file over needs, shared by their tasks.
#[derive(Debug)]
struct HandOver {
    ingest: Ingest,
    /// The file's name: the channel.
    name: String,
    quote: Option<u8>,
    split: Records,
}

/// Records of a chunk still to hand over: the whole chunk, or a part of it once split.
#[derive(Debug, Clone)]
struct Part {
    first_line: u64,
    records: u64,
    body: Bytes,
    /// Not split further: a call past its deadline is retried, then dead-lettered.
    floor: bool,
}

impl Part {
    fn new(first_line: u64, records: u64, body: Bytes) -> Self {
        Self { first_line, records, body, floor: records <= SPLIT_FLOOR_RECORDS }
    }
}

/// How handing a chunk's records over went.
#[derive(Debug)]
enum Handed {
    /// Every record is committed (or dead-lettered).
    Done,
    /// A part cannot be committed now (a sink failed or is full, the connector is quarantined):
    /// the parts left, from it on, to hand over after `retry_after`.
    Later { reason: String, retry_after: Duration, left: VecDeque<Part> },
}

impl HandOver {
    /// Hands `left` over part after part, in order. A part whose call runs past the plugin's
    /// deadline is cut in halves at record ends, each handed over in its place, down to
    /// [`SPLIT_FLOOR_RECORDS`]: a healthy call overrunning on a starved machine costs a split,
    /// not the chunk's records.
    async fn parts(&self, headers: &[(String, String)], chunk: u64, mut left: VecDeque<Part>) -> Handed {
        while let Some(mut part) = left.pop_front() {
            let mut h = headers.to_vec();
            h.push(("first-line".to_string(), part.first_line.to_string()));
            h.push(("records".to_string(), part.records.to_string()));
            let on_overrun = if part.floor {
                OnOverrun::RetryThenDeadLetter { subject: format!("{}:{}", self.name, part.first_line) }
            } else {
                OnOverrun::HandBack
            };
            match self.ingest.submit_with(self.name.clone(), h, part.body.clone(), on_overrun).await {
                Ok(Disposition::RetryLater { reason, retry_after }) => {
                    left.push_front(part);
                    return Handed::Later { reason, retry_after, left };
                }
                Ok(Disposition::Committed { .. } | Disposition::Refused { .. }) => {}
                Err(Overran { reason }) => {
                    let (body, first_line, records) = (part.body.clone(), part.first_line, part.records);
                    let (quote, split) = (self.quote, self.split.clone());
                    let halves =
                        tokio::task::spawn_blocking(move || halve(&body, first_line, records, quote, &split))
                            .await
                            .ok()
                            .flatten();
                    let Some([a, b]) = halves else {
                        part.floor = true;
                        left.push_front(part);
                        continue;
                    };
                    tracing::info!(
                        connector = self.ingest.connector(),
                        file = self.name,
                        chunk,
                        first_line,
                        records,
                        split = format!("{}+{}", a.records, b.records),
                        reason,
                        "File chunk past its plugin deadline; cut in halves, each handed over again."
                    );
                    let part = |h: Half| Part::new(h.first_line, h.records, Bytes::from(h.body));
                    left.push_front(part(b));
                    left.push_front(part(a));
                }
            }
        }
        Handed::Done
    }
}

/// The transport is stopping: stops the reader, lets the chunks in flight finish (a few, each
/// bounded by the sink's commit) and advances `entry` over those committed in file order, so
/// that the ledger says exactly what was committed and a restart hands no chunk over twice.
/// Chunks after one that was not committed are not counted: they are handed over again after
/// a restart (stored once: the sinks are idempotent).
async fn drain<T>(
    flights: VecDeque<Flight>,
    entry: &mut Entry,
    rx: mpsc::Receiver<T>,
    reader: tokio::task::JoinHandle<()>,
) {
    drop(rx);
    let mut in_order = true;
    for flight in flights {
        let acknowledged = flight.task.await.is_ok_and(|h| matches!(h, Handed::Done));
        in_order &= acknowledged;
        if in_order {
            entry.chunks = flight.index + 1;
            entry.records += flight.records;
        }
    }
    let _ = reader.await;
}

/// Resolves once the transport must stop (or the sender is gone).
async fn stopped(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

type ChunkRead = std::io::Result<(Option<String>, Chunk)>;

/// The reader thread: chunks of the file, after those already committed, into `tx`.
fn read_chunks(
    path: &std::path::Path,
    gzip: bool,
    settings: &ChunkSettings,
    records: u64,
    chunks: u64,
    tx: &mpsc::Sender<ChunkRead>,
) {
    let open = || -> std::io::Result<Box<dyn BufRead>> {
        let file = std::fs::File::open(path)?;
        Ok(if gzip {
            let raw = BufReader::with_capacity(READ_BUFFER, file);
            Box::new(BufReader::with_capacity(READ_BUFFER, flate2::bufread::MultiGzDecoder::new(raw)))
        } else {
            Box::new(BufReader::with_capacity(READ_BUFFER, file))
        })
    };
    let reader = match open() {
        Ok(r) => r,
        Err(e) => {
            let _ = tx.blocking_send(Err(e));
            return;
        }
    };
    let mut chunker = Chunker::new(reader, settings.records, settings.bytes, settings.header, settings.quote)
        .records(&settings.split);
    if let Err(e) = chunker.skip(records, chunks) {
        let _ = tx.blocking_send(Err(e));
        return;
    }
    loop {
        let next = match chunker.next_chunk() {
            Ok(Some(chunk)) => Ok((chunker.header().map(str::to_string), chunk)),
            Ok(None) => return,
            Err(e) => Err(e),
        };
        let failed = next.is_err();
        // The receiver is gone when the transport stops: nothing more to read.
        if tx.blocking_send(next).is_err() || failed {
            return;
        }
    }
}
