//! FTP and explicit FTPS transport: a folder of an FTP server polled for new files (suppaftp,
//! passive mode; TLS with rustls and ring from [`crate::net::tls`]), each downloaded to a local
//! spool and handed to the connector once, in chunks, then moved to the remote `done/` folder
//! (or only marked in the ledger). Listing by `MLSD` when the server offers it, else `LIST`
//! with `MDTM` for each file's time. See [`super::remote`] for the poll loop.
//!
//! FTPS servers must not require TLS session reuse on the data connection (vsftpd:
//! `require_ssl_reuse=NO`): rustls does not resume the control connection's session there.

mod config;
mod ftp;

pub use config::{DEFAULT_PORT, FtpConfig};
