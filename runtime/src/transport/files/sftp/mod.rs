//! SFTP transport: a folder of an SSH server polled for new files (russh + russh-sftp), each
//! downloaded to a local spool and handed to the connector once, in chunks, then moved to the
//! remote `done/` folder (or only marked in the ledger). The server's host key is pinned
//! (`known_hosts` or `host_key_fingerprint`), never accepted blindly; login by password or
//! private key from the secrets. See [`super::remote`] for the poll loop.

mod config;
mod sftp;

pub use config::{DEFAULT_PORT, SftpConfig};
