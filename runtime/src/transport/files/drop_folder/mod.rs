//! Drop folder transport: a local folder polled for new files, each handed to the connector
//! once, in chunks, then moved to `done/` (or only marked in the ledger). See
//! [`super`] for what the file transports share.

mod config;
mod drop_folder;

pub use config::{DEFAULT_DONE_DIR, DEFAULT_POLL_MS, DEFAULT_STATE_DIR, DropFolderConfig};
pub use drop_folder::DropFolder;
