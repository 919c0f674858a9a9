//! STARTTLS with the transport's own rustls configuration: tokio-xmpp's connector takes its
//! roots from fixed stores only, so this one does the same steps (open the stream, ask for
//! `<starttls/>`, wait for `<proceed/>`, handshake, open the stream again) with the
//! [`rustls::ClientConfig`] built by [`crate::net::tls`].

use std::borrow::Cow;
use std::sync::Arc;

use futures::{SinkExt, StreamExt};
use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use tokio::io::BufStream;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_xmpp::connect::{DnsConfig, ServerConnector};
use tokio_xmpp::error::ProtocolError;
use tokio_xmpp::jid::Jid;
use tokio_xmpp::parsers::starttls;
use tokio_xmpp::xmlstream::{
    PendingFeaturesRecv, ReadError, StreamHeader, Timeouts, XmppStreamElement, initiate_stream,
};

/// Connects over TCP (to a configured address, or the JID domain's SRV record) and upgrades
/// with STARTTLS, verifying the server's certificate with the given configuration against
/// `server_name` (the JID's domain unless the TLS settings name another).
#[derive(Debug, Clone)]
pub struct StartTls {
    dns: DnsConfig,
    tls: Arc<ClientConfig>,
    server_name: ServerName<'static>,
}

impl StartTls {
    /// A connector for the domain of `jid`, or for `server` (`host:port`) when set.
    pub fn new(
        jid: &Jid,
        server: Option<&str>,
        tls: Arc<ClientConfig>,
        server_name: ServerName<'static>,
    ) -> Self {
        let dns = match server {
            Some(addr) => DnsConfig::addr(addr),
            None => DnsConfig::srv_default_client(jid.domain().as_str()),
        };
        Self { dns, tls, server_name }
    }
}

impl ServerConnector for StartTls {
    type Stream = BufStream<TlsStream<TcpStream>>;

    async fn connect(
        &self,
        jid: &Jid,
        ns: &'static str,
        timeouts: Timeouts,
    ) -> Result<(PendingFeaturesRecv<Self::Stream>, sasl::common::ChannelBinding), tokio_xmpp::Error> {
        let header = || StreamHeader { to: Some(Cow::Owned(jid.domain().to_string())), from: None, id: None };
        let tcp = BufStream::new(self.dns.resolve().await?);
        let (features, mut plain) =
            initiate_stream(tcp, ns, header(), timeouts).await?.recv_features().await?;
        if !features.can_starttls() {
            return Err(tokio_xmpp::Error::Protocol(ProtocolError::NoTls));
        }
        plain.send(&XmppStreamElement::Starttls(starttls::Nonza::Request(starttls::Request))).await?;
        loop {
            match plain.next().await {
                Some(Ok(XmppStreamElement::Starttls(starttls::Nonza::Proceed(_)))) => break,
                Some(Ok(_) | Err(ReadError::SoftTimeout)) => {}
                Some(Err(ReadError::HardError(e))) => return Err(e.into()),
                Some(Err(ReadError::ParseError(e))) => {
                    return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, e).into());
                }
                None | Some(Err(ReadError::StreamFooterReceived)) => {
                    return Err(tokio_xmpp::Error::Disconnected);
                }
            }
        }
        let tcp: TcpStream = plain.into_inner().into_inner();
        let tls = TlsConnector::from(Arc::clone(&self.tls)).connect(self.server_name.clone(), tcp).await?;
        let binding = channel_binding(&tls)?;
        let secure = initiate_stream(BufStream::new(tls), ns, header(), timeouts).await?;
        Ok((secure, binding))
    }
}

/// The `tls-exporter` channel binding (RFC 9266) of a TLS 1.3 session; none for TLS 1.2.
fn channel_binding(tls: &TlsStream<TcpStream>) -> Result<sasl::common::ChannelBinding, std::io::Error> {
    let (_, session) = tls.get_ref();
    if session.protocol_version() != Some(rustls::ProtocolVersion::TLSv1_3) {
        return Ok(sasl::common::ChannelBinding::None);
    }
    let material = session
        .export_keying_material(vec![0_u8; 32], b"EXPORTER-Channel-Binding", None)
        .map_err(std::io::Error::other)?;
    Ok(sasl::common::ChannelBinding::TlsExporter(material))
}
