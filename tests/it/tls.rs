//! The shared TLS settings (`passerelle::net::tls`) against a real TLS server on loopback
//! (tokio-rustls), its certificate made by openssl for `hemis.local` only: Hemis' local mode
//! connects to an address while the controller's certificate names a host.

use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use passerelle::net::tls::{TlsConfig, TlsError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{self, CertificateError, RootCertStore};
use tokio_rustls::{TlsAcceptor, TlsConnector};

use crate::harness::mosquitto::make_certificates_for;

/// The name in the server's certificate.
const NAME: &str = "hemis.local";

/// What the server saw of one connection: the client's certificates, or why the handshake or
/// the exchange failed.
type Accepted = io::Result<Vec<CertificateDer<'static>>>;

/// A TLS server on a loopback port: answers `hello` to `ping!`, reports each connection.
struct Server {
    addr: SocketAddr,
    accepted: mpsc::Receiver<Accepted>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn certs(path: &Path) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_file_iter(path).unwrap().collect::<Result<Vec<_>, _>>().unwrap()
}

/// Starts a server with the certificate and key of `dir`; with `client_auth`, it requires a
/// client certificate signed by `dir`'s CA.
async fn server(dir: &Path, client_auth: bool) -> Server {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = if client_auth {
        let mut roots = RootCertStore::empty();
        for ca in certs(&dir.join("ca.pem")) {
            roots.add(ca).unwrap();
        }
        builder.with_client_cert_verifier(
            WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider).build().unwrap(),
        )
    } else {
        builder.with_no_client_auth()
    };
    let key = PrivateKeyDer::from_pem_file(dir.join("server.key")).unwrap();
    let config = builder.with_single_cert(certs(&dir.join("server.pem")), key).unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, accepted) = mpsc::channel(8);
    let task = tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, tx) = (acceptor.clone(), tx.clone());
            tokio::spawn(async move {
                let result = async {
                    let mut tls = acceptor.accept(tcp).await?;
                    let mut ping = [0_u8; 5];
                    tls.read_exact(&mut ping).await?;
                    tls.write_all(b"hello").await?;
                    let _ = tls.shutdown().await;
                    Ok(tls.get_ref().1.peer_certificates().map(<[_]>::to_vec).unwrap_or_default())
                }
                .await;
                let _ = tx.send(result).await;
            });
        }
    });
    Server { addr, accepted, task }
}

/// Connects as a client library would, giving `name` to the connector, and exchanges a ping.
async fn ping(
    tls: &TlsConfig,
    base_dir: &Path,
    addr: SocketAddr,
    name: ServerName<'static>,
) -> io::Result<()> {
    let config = tls.client_config(base_dir).await.unwrap();
    let tcp = TcpStream::connect(addr).await?;
    let mut stream = TlsConnector::from(config).connect(name, tcp).await?;
    stream.write_all(b"ping!").await?;
    let mut answer = [0_u8; 5];
    stream.read_exact(&mut answer).await?;
    assert_eq!(&answer, b"hello");
    Ok(())
}

/// The rustls error inside an I/O error from tokio-rustls.
fn rustls_error(e: &io::Error) -> Option<&rustls::Error> {
    e.get_ref()?.downcast_ref::<rustls::Error>()
}

fn loopback() -> ServerName<'static> {
    ServerName::try_from("127.0.0.1").unwrap()
}

/// A CA, a server certificate for `hemis.local` and a client certificate in a temporary folder.
fn certificates() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    make_certificates_for(dir.path(), &format!("DNS:{NAME}"));
    dir
}

#[tokio::test]
async fn the_configured_server_name_is_verified_whatever_address_is_connected_to() {
    let dir = certificates();
    let mut server = server(dir.path(), false).await;
    // Relative to the config file's folder.
    let tls =
        TlsConfig { ca_file: Some("ca.pem".into()), server_name: Some(NAME.into()), ..TlsConfig::default() };
    // Through a library that passes the address it connects to (rumqttc passes its host).
    ping(&tls, dir.path(), server.addr, loopback()).await.unwrap();
    // Through the helper for clients that drive tokio-rustls: the name (and SNI) is the configured one.
    let name = tls.server_name("127.0.0.1").unwrap();
    assert_eq!(name, ServerName::try_from(NAME).unwrap());
    ping(&tls, dir.path(), server.addr, name).await.unwrap();
    for _ in 0..2 {
        let seen = server.accepted.recv().await.unwrap().unwrap();
        assert!(seen.is_empty(), "no client certificate was asked for");
    }
}

#[tokio::test]
async fn without_a_server_name_the_address_does_not_match_the_certificate() {
    let dir = certificates();
    let server = server(dir.path(), false).await;
    let tls = TlsConfig { ca_file: Some(dir.path().join("ca.pem")), ..TlsConfig::default() };
    let name = tls.server_name("127.0.0.1").unwrap();
    assert_eq!(name, loopback());
    let err = ping(&tls, dir.path(), server.addr, name).await.unwrap_err();
    assert!(
        matches!(
            rustls_error(&err),
            Some(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }
            ))
        ),
        "expected a certificate name error, got {err:?}"
    );
}

#[tokio::test]
async fn a_certificate_signed_by_another_ca_is_refused() {
    let dir = certificates();
    let other = certificates();
    let server = server(dir.path(), false).await;
    let tls =
        TlsConfig { ca_file: Some("ca.pem".into()), server_name: Some(NAME.into()), ..TlsConfig::default() };
    let err = ping(&tls, other.path(), server.addr, loopback()).await.unwrap_err();
    // Both test CAs are named `it-ca`: the chain finds the wrong one by name and its signature
    // fails (a CA of another name gives UnknownIssuer). Either way the chain is not trusted.
    assert!(
        matches!(
            rustls_error(&err),
            Some(rustls::Error::InvalidCertificate(
                CertificateError::BadSignature | CertificateError::UnknownIssuer
            ))
        ),
        "expected an untrusted chain, got {err:?}"
    );
}

#[tokio::test]
async fn the_client_certificate_is_presented_to_a_server_that_requires_one() {
    let dir = certificates();
    let mut server = server(dir.path(), true).await;
    let with_cert = TlsConfig {
        ca_file: Some("ca.pem".into()),
        client_cert_file: Some("client.pem".into()),
        client_key_file: Some("client.key".into()),
        server_name: Some(NAME.into()),
    };
    ping(&with_cert, dir.path(), server.addr, loopback()).await.unwrap();
    let seen = server.accepted.recv().await.unwrap().unwrap();
    assert_eq!(seen, certs(&dir.path().join("client.pem")), "the server saw the client's certificate");
    // Without one, the server refuses the handshake.
    let without = TlsConfig { client_cert_file: None, client_key_file: None, ..with_cert };
    let client = ping(&without, dir.path(), server.addr, loopback()).await;
    let refused = server.accepted.recv().await.unwrap().unwrap_err();
    assert!(
        matches!(rustls_error(&refused), Some(rustls::Error::NoCertificatesPresented)),
        "expected no certificate presented, got {refused:?}"
    );
    assert!(client.is_err(), "the client learns of the refusal");
}

#[tokio::test]
async fn unusable_files_are_named() {
    let dir = certificates();
    let other = certificates();
    // A key that is not the certificate's.
    let mismatched = TlsConfig {
        ca_file: Some("ca.pem".into()),
        client_cert_file: Some("client.pem".into()),
        client_key_file: Some(other.path().join("client.key")),
        server_name: None,
    };
    match mismatched.client_config(dir.path()).await {
        Err(TlsError::BadClientKey { cert, key, .. }) => {
            assert_eq!((cert, key), (dir.path().join("client.pem"), other.path().join("client.key")));
        }
        other => panic!("expected BadClientKey, got {other:?}"),
    }
    // A certificate where the key should be.
    let no_key = TlsConfig { client_key_file: Some("client.pem".into()), ..mismatched.clone() };
    match no_key.client_config(dir.path()).await {
        Err(TlsError::NoPrivateKey { path }) => assert_eq!(path, dir.path().join("client.pem")),
        other => panic!("expected NoPrivateKey, got {other:?}"),
    }
    // A key where the CA should be.
    let no_ca = TlsConfig { ca_file: Some("ca.key".into()), ..TlsConfig::default() };
    match no_ca.client_config(dir.path()).await {
        Err(TlsError::NoCertificate { path }) => assert_eq!(path, dir.path().join("ca.key")),
        other => panic!("expected NoCertificate, got {other:?}"),
    }
}
