//! An MQTT broker with a WebSocket listener, for the MQTT-over-WebSocket test: rumqttd, run in
//! this process on a free loopback port. Debian's Mosquitto 2.0.11 is built without
//! libwebsockets (a `protocol websockets` listener fails to start), so it cannot serve this case.

use std::time::{Duration, Instant};

/// A rumqttd broker listening for MQTT 3.1.1 over WebSocket (and over TCP, to publish from).
pub struct WsBroker {
    /// Certificates of the TLS variant (`ca.pem` signs the server's), kept alive with the broker.
    pub certs: Option<tempfile::TempDir>,
    /// The WebSocket port (path `/mqtt`).
    pub ws_port: u16,
    /// The plain TCP port.
    pub tcp_port: u16,
}

impl WsBroker {
    /// Starts the broker on a thread of its own and waits until both listeners accept.
    pub fn start() -> Self {
        Self::start_with(false)
    }

    /// The same, with the WebSocket listener behind TLS (`wss://`), its certificate signed by a
    /// test CA in [`WsBroker::certs`].
    pub fn start_tls() -> Self {
        Self::start_with(true)
    }

    fn start_with(tls: bool) -> Self {
        let [ws_port, tcp_port] = super::free_ports::<2>();
        let certs = tls.then(|| {
            let dir = tempfile::tempdir().unwrap();
            super::mosquitto::make_certificates(dir.path());
            dir
        });
        let ws_tls = certs.as_ref().map(|d| {
            serde_json::json!({
                "capath": null,
                "certpath": d.path().join("server.pem").display().to_string(),
                "keypath": d.path().join("server.key").display().to_string(),
            })
        });
        let connections = serde_json::json!({
            "connection_timeout_ms": 60000, "max_payload_size": 1048576, "max_inflight_count": 100,
            "dynamic_filters": true,
        });
        let config = serde_json::json!({
            "id": 0,
            "router": {
                "id": 0, "max_connections": 100, "max_outgoing_packet_count": 200,
                "max_segment_size": 10485760, "max_segment_count": 10,
            },
            "v4": { "1": { "name": "v4-1", "listen": format!("127.0.0.1:{tcp_port}"),
                          "next_connection_delay_ms": 1, "connections": connections } },
            "ws": { "1": { "name": "ws-1", "listen": format!("127.0.0.1:{ws_port}"), "tls": ws_tls,
                          "next_connection_delay_ms": 1, "connections": connections } },
        });
        let config: rumqttd::Config = serde_json::from_value(config).unwrap();
        std::thread::Builder::new()
            .name("it-rumqttd".into())
            .spawn(move || {
                let mut broker = rumqttd::Broker::new(config);
                let _ = broker.start();
            })
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        for port in [ws_port, tcp_port] {
            while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
                assert!(Instant::now() < deadline, "rumqttd never listened on {port}");
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        Self { certs, ws_port, tcp_port }
    }
}
