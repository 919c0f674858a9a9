//! Developer tasks for Passerelle, run as `cargo xtask <task>`.
//!
//! - `push-vectors`: posts the repository's vendor vectors as Energisme envelopes to a running
//!   Passerelle over HTTP and prints what each request got back.
//! - `load`: an HTTP push load generator (a separate process from the runtime), for benchmarks.
//! - `kill-soak`: HTTP and MQTT at once while the runtime is killed with SIGKILL and restarted;
//!   fails on any acknowledged reading lost or doubled.

// serde_json's `value["key"]` returns `Null` when missing; it never panics.
#![allow(clippy::indexing_slicing)]

mod kill_soak;
mod load;
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
    /// Kills the runtime with SIGKILL under HTTP and MQTT load; checks nothing is lost or doubled.
    KillSoak(kill_soak::Args),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().task {
        Task::PushVectors(args) => push_vectors::run(args).await,
        Task::Load(args) => load::run(args).await,
        Task::KillSoak(args) => kill_soak::run(args).await,
    }
}
