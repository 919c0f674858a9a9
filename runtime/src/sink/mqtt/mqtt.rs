use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use rumqttc::{AsyncClient, Event, MqttOptions, Outgoing, Packet, QoS};
use tokio::sync::{Mutex, Semaphore, mpsc};

use super::MqttSinkConfig;
use crate::message::Reading;
use crate::net::Backoff;
use crate::sink::{Batch, Sink, SinkError};

/// What the poller tells the writer.
#[derive(Debug)]
enum Delivery {
    /// A publish left with this packet id.
    Sent(u16),
    /// The broker acknowledged this packet id.
    Acked(u16),
}

/// The MQTT sink. One batch at a time: its publishes go out in order, and the write resolves
/// when the broker acknowledged each of them.
pub struct MqttSink {
    name: String,
    client: AsyncClient,
    template: String,
    timeout: Duration,
    tracker: Arc<Mutex<Tracker>>,
    /// Batches waiting for their turn, bounded: when none is left, a write fails as full.
    queue: Arc<Semaphore>,
    capacity: usize,
}

/// Capacity of the poller's reports to the writer (two per publish: sent, acknowledged); more
/// than the client's request queue and the broker's in-flight window can hold.
const REPORTS: usize = 4096;

/// Matches the poller's reports to batches. Publishes leave in the order they were queued; a
/// publish re-sent after a reconnect keeps its packet id.
#[derive(Debug)]
struct Tracker {
    rx: mpsc::Receiver<Delivery>,
    /// Publishes of timed-out batches not yet seen leaving.
    stale_unsent: usize,
    /// Packet ids of timed-out batches still waiting for their PUBACK.
    stale_waiting: HashSet<u16>,
}

/// The current batch's progress.
#[derive(Debug, Default)]
struct Progress {
    sent: usize,
    waiting: HashSet<u16>,
}

impl Tracker {
    /// Books one report: a re-send, a timed-out batch's, or the current batch's.
    fn book(&mut self, d: Delivery, p: &mut Progress) {
        match d {
            Delivery::Sent(pkid) if p.waiting.contains(&pkid) || self.stale_waiting.contains(&pkid) => {}
            Delivery::Sent(pkid) if self.stale_unsent > 0 => {
                self.stale_unsent -= 1;
                self.stale_waiting.insert(pkid);
            }
            Delivery::Sent(pkid) => {
                p.sent += 1;
                p.waiting.insert(pkid);
            }
            Delivery::Acked(pkid) => {
                if !p.waiting.remove(&pkid) {
                    self.stale_waiting.remove(&pkid);
                }
            }
        }
    }
}

impl std::fmt::Debug for MqttSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MqttSink").field("name", &self.name).field("template", &self.template).finish()
    }
}

/// The topic of a reading: the template with `{device}` and `{name}` replaced (a `/`, `+` or
/// `#` in them becomes `_`, so one reading is one topic level each).
pub fn topic(template: &str, reading: &Reading) -> String {
    let level = |s: &str| s.replace(['/', '+', '#'], "_");
    template.replace("{device}", &level(&reading.device)).replace("{name}", &level(&reading.name))
}

/// The JSON payload of a reading: [`crate::sink::reading_json`].
pub use crate::sink::reading_json as payload;

impl MqttSink {
    pub(super) fn start(
        name: &str,
        config: &MqttSinkConfig,
        password: Option<String>,
        runtime: &tokio::runtime::Handle,
    ) -> Self {
        let mut options = MqttOptions::new(config.client_id.clone(), config.host.clone(), config.port);
        options.set_keep_alive(Duration::from_secs(config.keep_alive_secs)).set_clean_session(false);
        if let Some(user) = &config.username {
            options.set_credentials(user.clone(), password.unwrap_or_default());
        }
        let (client, mut eventloop) = AsyncClient::new(options, 1024);
        let (tx, rx) = mpsc::channel(REPORTS);
        let sink = name.to_string();
        let client_id = config.client_id.clone();
        // The poller: keeps the event loop turning and reports sent and acknowledged publishes;
        // reconnects with the shared backoff (jitter seeded by the client id).
        runtime.spawn(async move {
            let mut backoff = Backoff::default().with_key(&client_id);
            loop {
                match eventloop.poll().await {
                    Ok(Event::Outgoing(Outgoing::Publish(pkid))) => {
                        backoff.reset();
                        if tx.send(Delivery::Sent(pkid)).await.is_err() {
                            return;
                        }
                    }
                    Ok(Event::Incoming(Packet::PubAck(ack))) => {
                        if tx.send(Delivery::Acked(ack.pkid)).await.is_err() {
                            return;
                        }
                    }
                    Ok(Event::Outgoing(Outgoing::Disconnect)) => return,
                    Ok(_) => {}
                    Err(rumqttc::ConnectionError::RequestsDone) => return,
                    Err(e) => {
                        let wait = backoff.next();
                        tracing::warn!(sink, error = %e, retry_in_ms = wait.as_millis() as u64, "MQTT sink connection lost; reconnecting.");
                        tokio::time::sleep(wait).await;
                    }
                }
            }
        });
        Self {
            name: name.to_string(),
            client,
            template: config.topic.clone(),
            timeout: Duration::from_millis(config.commit_timeout_ms),
            tracker: Arc::new(Mutex::new(Tracker { rx, stale_unsent: 0, stale_waiting: HashSet::new() })),
            queue: Arc::new(Semaphore::new(config.queue_batches.max(1))),
            capacity: config.queue_batches.max(1),
        }
    }
}

impl Sink for MqttSink {
    fn write(&self, batch: Batch) -> BoxFuture<'static, Result<(), SinkError>> {
        let (name, client, template, timeout) =
            (self.name.clone(), self.client.clone(), self.template.clone(), self.timeout);
        let tracker = Arc::clone(&self.tracker);
        let turn = Arc::clone(&self.queue).try_acquire_owned();
        let capacity = self.capacity;
        Box::pin(async move {
            let Ok(_turn) = turn else {
                let retry_after = crate::message::DEFAULT_RETRY_AFTER;
                return Err(SinkError::Full { sink: name, capacity, retry_after });
            };
            let fail = |msg: String| SinkError::Write { sink: name.clone(), source: msg.into() };
            if !batch.rejected.is_empty() {
                return Err(fail(
                    "the MQTT sink keeps no dead letters: name another sink as dead_letter".into(),
                ));
            }
            if batch.readings.is_empty() {
                return Ok(());
            }
            // One batch at a time: the lock is held until its publishes are acknowledged.
            let mut t = tracker.lock().await;
            let mut p = Progress::default();
            while let Ok(d) = t.rx.try_recv() {
                t.book(d, &mut p);
            }
            let count = batch.readings.len();
            for r in &batch.readings {
                client
                    .publish(topic(&template, r), QoS::AtLeastOnce, false, payload(r))
                    .await
                    .map_err(|e| fail(format!("cannot queue a publish: {e}")))?;
            }
            let done = tokio::time::timeout(timeout, async {
                while p.sent < count || !p.waiting.is_empty() {
                    match t.rx.recv().await {
                        Some(d) => t.book(d, &mut p),
                        None => return false,
                    }
                }
                true
            })
            .await;
            match done {
                Ok(true) => Ok(()),
                Ok(false) => Err(SinkError::Closed(name.clone())),
                Err(_) => {
                    // Its publishes may still leave and be acknowledged: keep them apart from
                    // the next batch's.
                    let unsent = count.saturating_sub(p.sent);
                    t.stale_unsent += unsent;
                    let unacked = p.waiting.len();
                    t.stale_waiting.extend(p.waiting.drain());
                    Err(fail(format!(
                        "of {count} publishes, {unsent} unsent and {unacked} unacknowledged after {} ms",
                        timeout.as_millis()
                    )))
                }
            }
        })
    }

    fn shutdown(&self) -> BoxFuture<'static, Result<(), SinkError>> {
        let client = self.client.clone();
        Box::pin(async move {
            let _ = client.disconnect().await;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::{Delivery, Progress, Tracker, payload, topic};
    use crate::message::{Reading, Value};

    #[test]
    fn a_timed_out_batch_does_not_count_for_the_next() {
        let (_tx, rx) = tokio::sync::mpsc::channel(4);
        // The previous batch timed out with one publish unsent and packet 1 unacknowledged.
        let mut t = Tracker { rx, stale_unsent: 1, stale_waiting: [1].into() };
        let mut p = Progress::default();
        for d in
            [Delivery::Sent(1), Delivery::Sent(2), Delivery::Sent(3), Delivery::Acked(1), Delivery::Acked(2)]
        {
            t.book(d, &mut p);
        }
        // Packet 1 was a re-send, packet 2 the stale unsent one: only 3 is this batch's.
        assert_eq!((p.sent, p.waiting.len()), (1, 1));
        assert!(p.waiting.contains(&3));
        assert!(t.stale_waiting.is_empty() && t.stale_unsent == 0);
        t.book(Delivery::Acked(3), &mut p);
        assert!(p.waiting.is_empty());
    }

    #[test]
    fn topic_and_payload() {
        let r = Reading {
            device: Arc::from("dev/1"),
            name: "temperature".into(),
            value: Value::Number(21.5),
            unit: Some("Cel".into()),
            time_ms: 7,
            tags: Default::default(),
        };
        assert_eq!(topic("out/{device}/{name}", &r), "out/dev_1/temperature");
        let json: serde_json::Value = serde_json::from_slice(&payload(&r)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"device": "dev/1", "name": "temperature", "value": 21.5, "unit": "Cel", "time_ms": 7})
        );
        // Tags, when there are some, come as an object in the order given.
        let tagged = Reading {
            tags: Arc::from(vec![
                ("quantity".to_string(), "power".to_string()),
                ("aggregate".into(), "average".into()),
            ]),
            ..r
        };
        let json: serde_json::Value = serde_json::from_slice(&payload(&tagged)).unwrap();
        assert_eq!(json.get("tags"), Some(&serde_json::json!({"quantity": "power", "aggregate": "average"})));
    }
}
