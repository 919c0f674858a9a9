//! SQLite sink: readings and dead letters in one file, written by a dedicated thread with
//! group commit (every batch waiting when a transaction starts joins it).

mod config;
mod read;
mod sqlite;

pub use config::{DEFAULT_MAX_GROUP, DEFAULT_QUEUE_BATCHES, SqliteConfig, Synchronous};
pub use sqlite::{DeadLetterRow, ReadingRow, SqliteSink, read_dead_letters, read_readings};
