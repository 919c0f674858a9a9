//! TLS for client transports (rustls with the ring provider): one settings struct, [`TlsConfig`],
//! and the [`rustls::ClientConfig`] built from it.
//!
//! - **Trust**: the certificate authorities of `ca_file`, or the system's roots
//!   (rustls-native-certs) when it is not set.
//! - **Client certificate**: `client_cert_file` and `client_key_file`, together or not at all.
//! - **Server name**: `server_name` is the name the server's certificate is verified against
//!   when it differs from the address connected to (Hemis' local mode connects to
//!   `wss://{local_ip}:443`, the controller's certificate names a host). A certificate verifier
//!   wraps rustls' WebPKI verifier and checks the configured name whatever name the client
//!   library passes, so it works through any library that takes a `ClientConfig` (rumqttc gives
//!   its broker host). Clients that drive tokio-rustls themselves take the name to connect with
//!   from [`TlsConfig::server_name`], which also puts it in the SNI extension.
//!
//! Relative paths resolve against the folder of the config file. The files are read on a
//! blocking thread ([`TlsConfig::client_config`]); each configuration gets its own ring provider
//! (no process-wide default provider is installed) and rustls' safe default protocol versions
//! (TLS 1.2 and 1.3).
//!
//! ```text
//! tls: (ca_file: "certs/ca.pem", client_cert_file: "certs/client.pem",
//!       client_key_file: "certs/client.key", server_name: "hemis.local")
//! ```

use std::path::{Path, PathBuf};

use crate::component::resolve;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, InvalidDnsNameError, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, DistinguishedName, RootCertStore, SignatureScheme};
use serde::Deserialize;

/// TLS settings of a client connection. Every field is optional: `tls: ()` trusts the system's
/// roots, presents no client certificate and verifies the name connected to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM file of the certificate authorities that sign the server's certificate; none trusts
    /// the system's roots (default none). Relative to the config file's folder.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// PEM file of the client certificate (and its chain), for servers that require one;
    /// set together with `client_key_file` (default none). Relative to the config file's folder.
    #[serde(default)]
    pub client_cert_file: Option<PathBuf>,
    /// PEM file of the client certificate's private key (PKCS#8, PKCS#1 or SEC1); set together
    /// with `client_cert_file` (default none). Relative to the config file's folder.
    #[serde(default)]
    pub client_key_file: Option<PathBuf>,
    /// The DNS name (or IP address) the server's certificate must be valid for, when it differs
    /// from the host connected to; none verifies the host connected to (default none).
    #[serde(default)]
    pub server_name: Option<String>,
}

/// Why TLS settings cannot be turned into a client configuration. Each case names the file at
/// fault and keeps its cause in [`std::error::Error::source`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// A file cannot be read (missing, unreadable).
    #[error("cannot read {}", path.display())]
    Read {
        /// The file, resolved.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// A file is not valid PEM.
    #[error("{} is not valid PEM", path.display())]
    Pem {
        /// The file, resolved.
        path: PathBuf,
        /// Cause.
        #[source]
        source: pem::Error,
    },
    /// A file that should hold certificates holds no PEM `CERTIFICATE` section.
    #[error("no PEM certificate in {}", path.display())]
    NoCertificate {
        /// The file, resolved.
        path: PathBuf,
    },
    /// The key file holds no PEM private key.
    #[error("no PEM private key in {}", path.display())]
    NoPrivateKey {
        /// The file, resolved.
        path: PathBuf,
    },
    /// A certificate of the CA file cannot be used as a trust anchor.
    #[error("unusable CA certificate in {}", path.display())]
    BadCaCertificate {
        /// The file, resolved.
        path: PathBuf,
        /// Cause.
        #[source]
        source: rustls::Error,
    },
    /// The client key cannot be used with the client certificate (unsupported key type, or a
    /// key that does not match the certificate).
    #[error("client key {} cannot be used with certificate {}", key.display(), cert.display())]
    BadClientKey {
        /// The certificate file, resolved.
        cert: PathBuf,
        /// The key file, resolved.
        key: PathBuf,
        /// Cause.
        #[source]
        source: rustls::Error,
    },
    /// A server's key cannot be used with its certificate (unsupported key type, or a key that
    /// does not match the certificate).
    #[error("key {} cannot be used with certificate {}", key.display(), cert.display())]
    BadKey {
        /// The certificate file, resolved.
        cert: PathBuf,
        /// The key file, resolved.
        key: PathBuf,
        /// Cause.
        #[source]
        source: rustls::Error,
    },
    /// Only one of `client_cert_file` and `client_key_file` is set.
    #[error("client_cert_file and client_key_file go together")]
    IncompleteClientAuth,
    /// No `ca_file`, and no usable root certificate in the system's store.
    #[error("no ca_file and no usable system root certificate")]
    NoSystemRoots {
        /// The first error met while loading the system's roots, if any.
        #[source]
        source: Option<rustls_native_certs::Error>,
    },
    /// `server_name` is neither a DNS name nor an IP address.
    #[error("server_name {name:?} is not a DNS name or an IP address")]
    InvalidServerName {
        /// The name.
        name: String,
        /// Cause.
        #[source]
        source: InvalidDnsNameError,
    },
    /// rustls refused the trust anchors (no usable root).
    #[error("cannot build the certificate verifier")]
    Verifier(#[source] rustls::client::VerifierBuilderError),
    /// rustls refused the provider and protocol versions.
    #[error("cannot set up TLS")]
    Rustls(#[source] rustls::Error),
    /// The blocking task that reads the files failed (panicked or was cancelled).
    #[error("the task reading the TLS files failed")]
    Task(#[source] tokio::task::JoinError),
}

impl TlsConfig {
    /// Pure checks (no file access); one message per problem, naming the field.
    pub fn validate(&self) -> Vec<String> {
        let mut out = Vec::new();
        let files = [
            ("ca_file", &self.ca_file),
            ("client_cert_file", &self.client_cert_file),
            ("client_key_file", &self.client_key_file),
        ];
        for (field, path) in files {
            if path.as_ref().is_some_and(|p| p.as_os_str().is_empty()) {
                out.push(format!("{field} is empty"));
            }
        }
        if self.client_cert_file.is_some() != self.client_key_file.is_some() {
            out.push("client_cert_file and client_key_file go together".into());
        }
        if let Some(name) = &self.server_name
            && parse_name(name).is_err()
        {
            out.push(format!("server_name {name:?} is not a DNS name or an IP address"));
        }
        out
    }

    /// The name to give a TLS connector (tokio-rustls) that connects to `host`: `server_name`
    /// when set, else `host` (brackets around an IPv6 address dropped). It is also the name
    /// sent in the SNI extension.
    ///
    /// # Errors
    /// [`TlsError::InvalidServerName`] when the name is neither a DNS name nor an IP address.
    pub fn server_name(&self, host: &str) -> Result<ServerName<'static>, TlsError> {
        let name = match &self.server_name {
            Some(name) => name.as_str(),
            None => host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host),
        };
        parse_name(name)
    }

    /// Reads the files on a blocking thread and builds the client configuration; relative paths
    /// resolve against `base_dir` (the config file's folder).
    ///
    /// # Errors
    /// A [`TlsError`] naming the file at fault; [`TlsError::Task`] if the blocking task fails.
    ///
    /// # Panics
    /// When polled outside a tokio runtime (the files are read with `spawn_blocking`).
    pub async fn client_config(&self, base_dir: &Path) -> Result<Arc<ClientConfig>, TlsError> {
        let (config, base_dir) = (self.clone(), base_dir.to_path_buf());
        tokio::task::spawn_blocking(move || config.client_config_blocking(&base_dir))
            .await
            .map_err(TlsError::Task)?
    }

    /// [`TlsConfig::client_config`] on the calling thread: it reads files (and the system's
    /// roots), so call it from a blocking context, never from an async task.
    ///
    /// # Errors
    /// A [`TlsError`] naming the file at fault.
    pub fn client_config_blocking(&self, base_dir: &Path) -> Result<Arc<ClientConfig>, TlsError> {
        let identity = match (&self.client_cert_file, &self.client_key_file) {
            (Some(cert), Some(key)) => Some((resolve(base_dir, cert), resolve(base_dir, key))),
            (None, None) => None,
            _ => return Err(TlsError::IncompleteClientAuth),
        };
        let name = self.server_name.as_deref().map(parse_name).transpose()?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let roots = Arc::new(match &self.ca_file {
            Some(file) => ca_roots(&resolve(base_dir, file))?,
            None => system_roots()?,
        });
        let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .map_err(TlsError::Rustls)?;
        let builder = match name {
            None => builder.with_root_certificates(roots),
            Some(name) => {
                let inner = WebPkiServerVerifier::builder_with_provider(roots, provider)
                    .build()
                    .map_err(TlsError::Verifier)?;
                builder
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(NamedServerVerifier { inner, name }))
            }
        };
        let config =
            match identity {
                Some((cert, key)) => {
                    let chain = certificates(&cert)?;
                    let key_der = private_key(&key)?;
                    builder
                        .with_client_auth_cert(chain, key_der)
                        .map_err(|source| TlsError::BadClientKey { cert, key, source })?
                }
                None => builder.with_no_client_auth(),
            };
        Ok(Arc::new(config))
    }
}

fn parse_name(name: &str) -> Result<ServerName<'static>, TlsError> {
    ServerName::try_from(name.to_string())
        .map_err(|source| TlsError::InvalidServerName { name: name.to_string(), source })
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read { path: path.to_path_buf(), source })
}

/// Every certificate of a PEM file (other sections are skipped); at least one.
pub(crate) fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let pem = read(path)?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|source| TlsError::Pem { path: path.to_path_buf(), source })?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate { path: path.to_path_buf() });
    }
    Ok(certs)
}

/// The first private key of a PEM file.
pub(crate) fn private_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let pem = read(path)?;
    PrivateKeyDer::from_pem_slice(&pem).map_err(|source| match source {
        pem::Error::NoItemsFound => TlsError::NoPrivateKey { path: path.to_path_buf() },
        source => TlsError::Pem { path: path.to_path_buf(), source },
    })
}

fn ca_roots(path: &Path) -> Result<RootCertStore, TlsError> {
    let mut roots = RootCertStore::empty();
    for cert in certificates(path)? {
        roots.add(cert).map_err(|source| TlsError::BadCaCertificate { path: path.to_path_buf(), source })?;
    }
    Ok(roots)
}

fn system_roots() -> Result<RootCertStore, TlsError> {
    let mut found = rustls_native_certs::load_native_certs();
    let mut roots = RootCertStore::empty();
    let (added, _ignored) = roots.add_parsable_certificates(found.certs);
    if added == 0 {
        let source = (!found.errors.is_empty()).then(|| found.errors.swap_remove(0));
        return Err(TlsError::NoSystemRoots { source });
    }
    if !found.errors.is_empty() {
        tracing::debug!(
            added,
            errors = found.errors.len(),
            "Some system root certificates could not be loaded."
        );
    }
    Ok(roots)
}

/// WebPKI verification against a fixed name, whatever name the client library passes.
#[derive(Debug)]
struct NamedServerVerifier {
    inner: Arc<WebPkiServerVerifier>,
    name: ServerName<'static>,
}

impl ServerCertVerifier for NamedServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.inner.verify_server_cert(end_entity, intermediates, &self.name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }

    fn root_hint_subjects(&self) -> Option<&[DistinguishedName]> {
        self.inner.root_hint_subjects()
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use rustls::pki_types::ServerName;

    use super::{TlsConfig, TlsError};

    fn files(ca: &str, cert: Option<&str>, key: Option<&str>) -> TlsConfig {
        TlsConfig {
            ca_file: Some(ca.into()),
            client_cert_file: cert.map(PathBuf::from),
            client_key_file: key.map(PathBuf::from),
            server_name: None,
        }
    }

    #[test]
    fn validate_accepts_complete_settings() {
        assert!(TlsConfig::default().validate().is_empty());
        let mut c = files("ca.pem", Some("client.pem"), Some("client.key"));
        c.server_name = Some("hemis.local".into());
        assert!(c.validate().is_empty(), "{:?}", c.validate());
        c.server_name = Some("192.168.1.20".into());
        assert!(c.validate().is_empty(), "an IP address is a valid name: {:?}", c.validate());
    }

    #[test]
    fn validate_names_each_problem() {
        let c = TlsConfig {
            ca_file: Some(PathBuf::new()),
            client_cert_file: Some("client.pem".into()),
            client_key_file: None,
            server_name: Some("not a name!".into()),
        };
        let problems = c.validate();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems.iter().any(|p| p == "ca_file is empty"), "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("go together")), "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("\"not a name!\"")), "{problems:?}");
        let key_only = files("ca.pem", None, Some("client.key"));
        assert_eq!(key_only.validate(), ["client_cert_file and client_key_file go together"]);
        let empty_name = TlsConfig { server_name: Some(String::new()), ..TlsConfig::default() };
        assert_eq!(empty_name.validate().len(), 1);
    }

    #[test]
    fn parses_the_existing_ron_shape_and_the_server_name() {
        let c: TlsConfig = ron::from_str(
            r#"(ca_file: Some("ca.pem"), client_cert_file: Some("c.pem"), client_key_file: Some("c.key"))"#,
        )
        .unwrap();
        assert_eq!(c.ca_file.as_deref(), Some(Path::new("ca.pem")));
        assert_eq!(c.server_name, None);
        let c: TlsConfig = ron::from_str(r#"(server_name: Some("hemis.local"))"#).unwrap();
        assert_eq!(c.server_name.as_deref(), Some("hemis.local"));
        assert_eq!(ron::from_str::<TlsConfig>("()").unwrap(), TlsConfig::default());
        assert!(ron::from_str::<TlsConfig>(r#"(cafile: Some("x"))"#).is_err(), "unknown fields refused");
    }

    #[test]
    fn the_server_name_is_the_configured_one_or_the_host() {
        let plain = TlsConfig::default();
        assert_eq!(
            plain.server_name("broker.example").unwrap(),
            ServerName::try_from("broker.example").unwrap()
        );
        assert_eq!(plain.server_name("[::1]").unwrap(), ServerName::try_from("::1").unwrap());
        let named = TlsConfig { server_name: Some("hemis.local".into()), ..TlsConfig::default() };
        assert_eq!(named.server_name("192.168.1.20").unwrap(), ServerName::try_from("hemis.local").unwrap());
        assert!(matches!(plain.server_name("bad host!"), Err(TlsError::InvalidServerName { .. })));
    }

    #[tokio::test]
    async fn relative_files_resolve_against_the_base_folder_and_are_named_in_errors() {
        let dir = tempfile::tempdir().unwrap();
        let err = files("missing.pem", None, None).client_config(dir.path()).await.unwrap_err();
        match &err {
            TlsError::Read { path, source } => {
                assert_eq!(path, &dir.path().join("missing.pem"));
                assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
            }
            other => panic!("expected Read, got {other:?}"),
        }
        assert!(std::error::Error::source(&err).is_some(), "cause kept");
        std::fs::write(dir.path().join("empty.pem"), "no PEM here\n").unwrap();
        let err = files("empty.pem", None, None).client_config(dir.path()).await.unwrap_err();
        assert!(
            matches!(&err, TlsError::NoCertificate { path } if path == &dir.path().join("empty.pem")),
            "{err:?}"
        );
        std::fs::write(dir.path().join("broken.pem"), "-----BEGIN CERTIFICATE-----\n%%%%\n").unwrap();
        let err = files("broken.pem", None, None).client_config(dir.path()).await.unwrap_err();
        assert!(matches!(&err, TlsError::Pem { .. }), "{err:?}");
    }

    #[tokio::test]
    async fn half_a_client_identity_and_a_bad_name_are_refused_before_any_file_is_read() {
        let base = Path::new("/nonexistent");
        let c = TlsConfig { client_cert_file: Some("c.pem".into()), ..TlsConfig::default() };
        assert!(matches!(c.client_config(base).await, Err(TlsError::IncompleteClientAuth)));
        let c = TlsConfig { server_name: Some("bad name!".into()), ..files("ca.pem", None, None) };
        assert!(matches!(c.client_config(base).await, Err(TlsError::InvalidServerName { .. })));
    }
}
