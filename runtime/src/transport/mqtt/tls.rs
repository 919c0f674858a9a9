//! The rustls client configuration of the MQTT transport (ring provider, no process-wide state).

use std::io::BufReader;
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};

use super::config::MqttTlsConfig;
use crate::transport::TransportError;

fn fail(what: &str, path: &Path, e: impl std::fmt::Display) -> TransportError {
    TransportError::Config(format!("tls: {what} {}: {e}", path.display()))
}

fn certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TransportError> {
    let file = std::fs::File::open(path).map_err(|e| fail("cannot open", path, e))?;
    let certs = rustls_pemfile::certs(&mut BufReader::new(file))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| fail("cannot read certificates from", path, e))?;
    if certs.is_empty() {
        return Err(fail("no PEM certificate in", path, "empty"));
    }
    Ok(certs)
}

/// Reads the CA, client certificate and key files into a client configuration.
///
/// # Errors
/// [`TransportError::Config`] naming the file at fault.
pub(super) fn client_config(tls: &MqttTlsConfig) -> Result<Arc<ClientConfig>, TransportError> {
    let mut roots = RootCertStore::empty();
    match &tls.ca_file {
        Some(path) => {
            for cert in certs(path)? {
                roots.add(cert).map_err(|e| fail("unusable CA certificate in", path, e))?;
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            let (added, _) = roots.add_parsable_certificates(found.certs);
            if added == 0 {
                return Err(TransportError::Config(
                    "tls: no ca_file and no system root certificate found".into(),
                ));
            }
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TransportError::Config(format!("tls: {e}")))?
        .with_root_certificates(roots);
    let config = match (&tls.client_cert_file, &tls.client_key_file) {
        (Some(cert), Some(key)) => {
            let chain = certs(cert)?;
            let file = std::fs::File::open(key).map_err(|e| fail("cannot open", key, e))?;
            let key_der = rustls_pemfile::private_key(&mut BufReader::new(file))
                .map_err(|e| fail("cannot read the private key in", key, e))?
                .ok_or_else(|| fail("no PEM private key in", key, "none found"))?;
            builder.with_client_auth_cert(chain, key_der).map_err(|e| fail("unusable client key", key, e))?
        }
        _ => builder.with_no_client_auth(),
    };
    Ok(Arc::new(config))
}
