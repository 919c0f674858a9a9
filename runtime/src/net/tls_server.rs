//! TLS for servers (the HTTP push listener): a certificate chain and its key from PEM files,
//! served by rustls with the ring provider, and taken again from the files when they change, so
//! a renewed certificate (ACME, an operator's `cp`) is served without a restart.
//!
//! [`ReloadingCert`] is rustls' certificate resolver: every handshake takes the pair in force.
//! [`ReloadingCert::refresh_blocking`] reads the files again when their modification times
//! moved; a pair that cannot be used (a key that does not match, a half-written file) is
//! reported and the previous pair stays in force. The server calls it every `reload_check_ms`.
//!
//! ```text
//! tls: (cert_file: "certs/push.pem", key_file: "certs/push.key")
//! ```

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::SystemTime;

use rustls::ServerConfig;
use rustls::crypto::CryptoProvider;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use serde::Deserialize;

use super::tls::{TlsError, certificates, private_key};
use crate::component::resolve;

/// Default interval between two looks at the certificate files: 5 s.
pub const DEFAULT_RELOAD_CHECK_MS: u64 = 5_000;

const fn default_reload_check() -> u64 {
    DEFAULT_RELOAD_CHECK_MS
}

/// TLS settings of a listener.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerTlsConfig {
    /// PEM file of the server's certificate, then its chain. Relative to the config file's folder.
    pub cert_file: PathBuf,
    /// PEM file of the certificate's private key (PKCS#8, PKCS#1 or SEC1).
    pub key_file: PathBuf,
    /// Milliseconds between two looks at the files' modification times (default
    /// [`DEFAULT_RELOAD_CHECK_MS`]); a changed pair is served from the next handshake on.
    #[serde(default = "default_reload_check")]
    pub reload_check_ms: u64,
}

impl ServerTlsConfig {
    /// Pure checks (no file access); one message per problem, naming the field.
    pub fn validate(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.cert_file.as_os_str().is_empty() {
            out.push("tls cert_file is empty".into());
        }
        if self.key_file.as_os_str().is_empty() {
            out.push("tls key_file is empty".into());
        }
        if self.reload_check_ms < 100 {
            out.push("tls reload_check_ms must be at least 100".into());
        }
        out
    }

    /// Reads the files and builds the rustls configuration (HTTP/1.1 by ALPN, TLS 1.2 and 1.3)
    /// and its resolver. Reads files: call it from a blocking context.
    ///
    /// # Errors
    /// A [`TlsError`] naming the file at fault.
    pub fn server_config_blocking(
        &self,
        base_dir: &Path,
    ) -> Result<(Arc<ServerConfig>, Arc<ReloadingCert>), TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let resolver = Arc::new(ReloadingCert::load(
            resolve(base_dir, &self.cert_file),
            resolve(base_dir, &self.key_file),
            Arc::clone(&provider),
        )?);
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(TlsError::Rustls)?
            .with_no_client_auth()
            .with_cert_resolver(Arc::clone(&resolver) as Arc<dyn ResolvesServerCert>);
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok((Arc::new(config), resolver))
    }
}

/// The certificate in force, and where it comes from.
#[derive(Debug)]
pub struct ReloadingCert {
    cert_file: PathBuf,
    key_file: PathBuf,
    provider: Arc<CryptoProvider>,
    current: RwLock<Arc<CertifiedKey>>,
    /// Modification times of the pair in force (or last refused).
    seen: Mutex<(Option<SystemTime>, Option<SystemTime>)>,
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

impl ReloadingCert {
    fn load(cert_file: PathBuf, key_file: PathBuf, provider: Arc<CryptoProvider>) -> Result<Self, TlsError> {
        let seen = (modified(&cert_file), modified(&key_file));
        let pair = read_pair(&cert_file, &key_file, &provider)?;
        Ok(Self {
            cert_file,
            key_file,
            provider,
            current: RwLock::new(Arc::new(pair)),
            seen: Mutex::new(seen),
        })
    }

    /// Takes the files again if either changed since the last look; `Ok(true)` when a new pair
    /// is now in force. Reads files: call it from a blocking context.
    ///
    /// # Errors
    /// The new pair cannot be used; the previous one stays in force, and the same files are not
    /// tried again until they change once more.
    pub fn refresh_blocking(&self) -> Result<bool, TlsError> {
        let now = (modified(&self.cert_file), modified(&self.key_file));
        {
            let mut seen = self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if *seen == now {
                return Ok(false);
            }
            *seen = now;
        }
        let pair = read_pair(&self.cert_file, &self.key_file, &self.provider)?;
        *self.current.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(pair);
        Ok(true)
    }

    /// The certificate file.
    pub fn cert_file(&self) -> &Path {
        &self.cert_file
    }
}

impl ResolvesServerCert for ReloadingCert {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(&self.current.read().unwrap_or_else(std::sync::PoisonError::into_inner)))
    }
}

fn read_pair(cert: &Path, key: &Path, provider: &CryptoProvider) -> Result<CertifiedKey, TlsError> {
    let chain = certificates(cert)?;
    let key_der = private_key(key)?;
    CertifiedKey::from_der(chain, key_der, provider).map_err(|source| TlsError::BadKey {
        cert: cert.to_path_buf(),
        key: key.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::ServerTlsConfig;

    #[test]
    fn validates_every_field() {
        let c: ServerTlsConfig =
            ron::from_str(r#"(cert_file: "", key_file: "", reload_check_ms: 5)"#).unwrap();
        assert_eq!(c.validate().len(), 3, "{:?}", c.validate());
        let c: ServerTlsConfig = ron::from_str(r#"(cert_file: "a.pem", key_file: "a.key")"#).unwrap();
        assert!(c.validate().is_empty());
        assert_eq!(c.reload_check_ms, super::DEFAULT_RELOAD_CHECK_MS);
    }

    #[test]
    fn missing_files_are_named() {
        let c: ServerTlsConfig = ron::from_str(r#"(cert_file: "nope.pem", key_file: "nope.key")"#).unwrap();
        let e = c.server_config_blocking(std::path::Path::new("/nonexistent")).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/nope.pem"), "{e}");
    }
}
