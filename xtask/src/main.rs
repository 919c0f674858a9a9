//! Developer tasks for Passerelle, run as `cargo xtask <task>`.
//!
//! - `push-vectors`: posts the repository's vendor vectors as Energisme envelopes to a running
//!   Passerelle over HTTP and prints what each request got back.
//! - `load`: an HTTP push load generator (a separate process from the runtime), for benchmarks.
//! - `http-noop`: an axum server answering 200 to any POST, the HTTP ceiling `scripts/bench`
//!   compares the push path with.
//! - `mqtt-load`: an MQTT QoS 1 publisher (several connections, an in-flight window each) fast
//!   enough to saturate one Passerelle process, for `scripts/bench-mqtt`.
//! - `kill-soak`: HTTP and MQTT at once while the runtime is killed with SIGKILL and restarted;
//!   fails on any acknowledged reading lost or doubled.

// serde_json's `value["key"]` returns `Null` when missing; it never panics.
#![allow(clippy::indexing_slicing)]

mod http_noop;
mod kill_soak;
mod load;
mod mqtt_load;
mod push_vectors;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "xtask", about = "Passerelle developer tasks")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Posts vendor vectors as Energisme envelopes to a running Passerelle.
    PushVectors(push_vectors::Args),
    /// Generates HTTP push load against a running Passerelle and reports frames per second.
    Load(load::Args),
    /// Answers 200 to any POST (axum, nothing else): the HTTP ceiling for benchmarks.
    HttpNoop(http_noop::Args),
    /// Publishes Gooee messages at QoS 1 over several connections and reports PUBACKs per second.
    MqttLoad(mqtt_load::Args),
    /// Kills the runtime with SIGKILL under HTTP and MQTT load; checks nothing is lost or doubled.
    KillSoak(kill_soak::Args),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().task {
        Task::PushVectors(args) => push_vectors::run(args).await,
        Task::Load(args) => load::run(args).await,
        Task::KillSoak(args) => kill_soak::run(args).await,
        Task::HttpNoop(args) => http_noop::run(args).await,
        Task::MqttLoad(args) => mqtt_load::run(args).await,
    }
}
