//! A Hemis STOMP endpoint simulator (seed 000) over plain WebSocket on loopback, for what a
//! broker cannot be made to do: go silent after `CONNECTED` (an open socket, no bytes, although
//! heart-beats were promised), or refuse a subscription with an `ERROR` frame. It records the
//! HTTP request of every WebSocket handshake (to check the `Host` header of local mode) and
//! every frame the client sends.

use std::sync::{Arc, Mutex};

use futures::{SinkExt, StreamExt};
use passerelle::transport::stomp::{Command, Decoded, Decoder, Frame, encode};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};

/// What the simulator does after `CONNECTED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// Promises heart-beats every `ms` both ways, then never sends a byte.
    Silent {
        /// The promised interval.
        ms: u64,
    },
    /// Answers every SUBSCRIBE with an ERROR frame (`message:Unknown destination`) and closes.
    RefuseSubscriptions,
}

/// A running simulator.
pub struct HemisSim {
    /// Its loopback port (`ws://127.0.0.1:<port>/`).
    pub port: u16,
    /// The raw `Host` headers of each handshake, in order (one entry per header line, so a
    /// request with two Host headers shows two).
    pub hosts: Arc<Mutex<Vec<Vec<String>>>>,
    /// The commands of every frame clients sent.
    pub frames: Arc<Mutex<Vec<Frame>>>,
}

impl HemisSim {
    /// Starts it on a free port, in the current tokio runtime.
    pub async fn start(behaviour: Behaviour) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let hosts = Arc::new(Mutex::new(Vec::new()));
        let frames = Arc::new(Mutex::new(Vec::new()));
        let (h, f) = (Arc::clone(&hosts), Arc::clone(&frames));
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (h, f) = (Arc::clone(&h), Arc::clone(&f));
                tokio::spawn(async move {
                    // The callback's error type is tungstenite's own (a whole HTTP response).
                    #[allow(clippy::result_large_err)]
                    let record = |req: &Request, mut resp: Response| {
                        let seen: Vec<String> = req
                            .headers()
                            .get_all("host")
                            .iter()
                            .map(|v| v.to_str().unwrap_or_default().to_string())
                            .collect();
                        h.lock().unwrap().push(seen);
                        resp.headers_mut().insert("sec-websocket-protocol", "v12.stomp".parse().unwrap());
                        Ok(resp)
                    };
                    let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(tcp, record).await else { return };
                    let mut decoder = Decoder::new();
                    while let Some(Ok(message)) = ws.next().await {
                        decoder.push(&message.into_data());
                        while let Ok(Some(Decoded::Frame(frame))) = decoder.next() {
                            f.lock().unwrap().push(frame.clone());
                            let reply = match (frame.command, behaviour) {
                                (Command::Connect | Command::Stomp, Behaviour::Silent { ms }) => {
                                    Frame::new(Command::Connected)
                                        .with_header("version", "1.2")
                                        .with_header("heart-beat", format!("{ms},{ms}"))
                                }
                                (Command::Connect | Command::Stomp, _) => Frame::new(Command::Connected)
                                    .with_header("version", "1.2")
                                    .with_header("heart-beat", "0,0"),
                                (Command::Subscribe, Behaviour::RefuseSubscriptions) => {
                                    let error = Frame::new(Command::Error)
                                        .with_header("message", "Unknown destination")
                                        .with_body(format!(
                                            "no such topic: {}",
                                            frame.header("destination").unwrap_or_default()
                                        ));
                                    let _ = ws.send(Message::binary(encode(&error))).await;
                                    let _ = ws.close(None).await;
                                    return;
                                }
                                _ => continue,
                            };
                            if ws.send(Message::binary(encode(&reply))).await.is_err() {
                                return;
                            }
                        }
                    }
                });
            }
        });
        Self { port, hosts, frames }
    }

    /// WebSocket handshakes seen so far.
    pub fn connections(&self) -> usize {
        self.hosts.lock().unwrap().len()
    }
}
