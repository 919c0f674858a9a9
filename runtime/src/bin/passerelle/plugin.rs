//! `passerelle plugin ...`: the plugin author's kit.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use passerelle::plugin::bindings::Expectation;
use passerelle::plugin::kit::{bench, decoder_for, fuzz, load_vectors, run_vectors};
use passerelle::plugin::{ConnectorPlugin, DecoderPlugin, Engine, Limits, PluginError};

use crate::decode::cache_dir;

/// `passerelle plugin ...`
#[derive(Debug, clap::Subcommand)]
pub(crate) enum PluginCommand {
    /// Scaffolds a decoder crate that builds and passes its own test at once.
    New(crate::scaffold::Args),
    /// Runs the plugin's own vectors, or a vector file (a TTN codec YAML, or our JSON lines).
    /// With a script decoder (`js_codec.wasm`) and a TTN `*-codec.yaml`, the YAML's JavaScript
    /// file (`uplinkDecoder.fileName`) runs its examples.
    Test {
        /// The plugin (`.wasm`).
        plugin: PathBuf,
        /// A vector file: `*-codec.yaml` as published in the TTN device repository, or `*.jsonl`.
        vectors: Option<PathBuf>,
        /// The model id for a TTN codec file (default: from its file name).
        #[arg(long)]
        model: Option<String>,
    },
    /// Feeds random and mutated frames; reports traps, deadline and memory hits.
    Fuzz {
        /// The plugin (`.wasm`).
        plugin: PathBuf,
        /// Inputs to try.
        #[arg(long, default_value_t = 100_000)]
        iterations: u64,
        /// Seed of the input generator (the same seed gives the same inputs).
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Measures frames per second through the host, one per call and batched.
    Bench {
        /// The plugin (`.wasm`).
        plugin: PathBuf,
        /// Seconds per measurement.
        #[arg(long, default_value_t = 3)]
        seconds: u64,
    },
    /// Makes a running runtime load a decoder's plugin file again now (it also watches it).
    Reload {
        /// The decoder name in the config.
        name: String,
        /// The config the runtime runs.
        #[arg(long)]
        config: PathBuf,
    },
    /// Runs a candidate plugin file beside a decoder's live version in a running runtime: it
    /// decodes live traffic, compared and never stored; `passerelle status` shows the agreement.
    Shadow {
        /// The decoder name in the config.
        name: String,
        /// The candidate plugin (`.wasm`).
        plugin: PathBuf,
        /// The config the runtime runs.
        #[arg(long)]
        config: PathBuf,
    },
    /// Makes a decoder's shadow candidate live in a running runtime.
    Promote {
        /// The decoder name in the config.
        name: String,
        /// The config the runtime runs.
        #[arg(long)]
        config: PathBuf,
    },
    /// Makes a running runtime go back to a decoder's previous version.
    Rollback {
        /// The decoder name in the config.
        name: String,
        /// The config the runtime runs.
        #[arg(long)]
        config: PathBuf,
    },
    /// Shows the world and version, models, vectors, size, limits and imports of a plugin.
    Inspect {
        /// The plugin (`.wasm`).
        plugin: PathBuf,
    },
}

fn load(path: &Path) -> anyhow::Result<(Engine, DecoderPlugin)> {
    let engine = Engine::new(cache_dir().as_deref())?;
    let compiled = engine.compile_file(path)?;
    let plugin = DecoderPlugin::new(&engine, &compiled, Limits::default())
        .with_context(|| format!("loading {} as a decoder", path.display()))?;
    Ok((engine, plugin))
}

pub(crate) fn run(command: &PluginCommand) -> anyhow::Result<ExitCode> {
    match command {
        PluginCommand::New(args) => crate::scaffold::new(args),
        PluginCommand::Test { plugin, vectors, model } => test(plugin, vectors.as_deref(), model.as_deref()),
        PluginCommand::Fuzz { plugin, iterations, seed } => fuzz_cmd(plugin, *iterations, *seed),
        PluginCommand::Bench { plugin, seconds } => bench_cmd(plugin, *seconds),
        PluginCommand::Inspect { plugin } => inspect(plugin),
        PluginCommand::Shadow { name, plugin, config } => crate::status::shadow(config, name, plugin),
        PluginCommand::Promote { name, config } => crate::status::decoder_action(config, name, "promote"),
        PluginCommand::Reload { name, config } => crate::status::decoder_action(config, name, "reload"),
        PluginCommand::Rollback { name, config } => crate::status::decoder_action(config, name, "rollback"),
    }
}

fn test(path: &Path, file: Option<&Path>, model: Option<&str>) -> anyhow::Result<ExitCode> {
    let engine = Engine::new(cache_dir().as_deref())?;
    let plugin = decoder_for(&engine, path, file, Limits::default())
        .with_context(|| format!("loading {} as a decoder", path.display()))?;
    let vectors = match file {
        // A bare `.js` codec carries no examples: nothing to run.
        Some(f) if plugin.codec().is_some() && f.extension().is_some_and(|e| e == "js") => Vec::new(),
        Some(f) => load_vectors(f, model)?,
        None => plugin.check_vectors()?.0,
    };
    let source = file.map_or_else(|| "its own vectors".to_string(), |f| f.display().to_string());
    println!("{} against {source}", plugin.label());
    let outcomes = run_vectors(&plugin, &vectors)?;
    let mut failed = 0;
    for (o, v) in outcomes.iter().zip(&vectors) {
        let what = match v.expect {
            Expectation::Error => "error",
            Expectation::Readings(_) => "readings",
        };
        match &o.problem {
            None => println!("  ok    {} ({what})", o.description),
            Some(p) => {
                failed += 1;
                println!("  FAIL  {}\n        {}", o.description, p.replace("; ", "\n        "));
            }
        }
    }
    println!("{} passed, {failed} failed", outcomes.len() - failed);
    Ok(if failed == 0 && !outcomes.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn fuzz_cmd(path: &Path, iterations: u64, seed: u64) -> anyhow::Result<ExitCode> {
    let (_, plugin) = load(path)?;
    eprintln!("fuzzing {} with {iterations} inputs (seed {seed})", plugin.label());
    let report =
        fuzz(&plugin, iterations, seed, |r| eprint!("\r  {} inputs, {} failures", r.inputs, r.failures()))?;
    eprintln!();
    println!("inputs              {}", report.inputs);
    println!("decoded             {}", report.decoded);
    println!("decode errors       {}", report.decode_errors);
    for (kind, n) in &report.traps {
        println!("{:<19} {n}", format!("{kind}"));
    }
    println!("readings cap hits   {}", report.too_many_readings);
    println!("slowest call        {:.3} ms", report.slowest.as_secs_f64() * 1000.0);
    if let Some(first) = &report.first_trap {
        println!("first trap          {first}");
    }
    println!("host panics         0 (the host is still here)");
    Ok(if report.failures() == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn bench_cmd(path: &Path, seconds: u64) -> anyhow::Result<ExitCode> {
    let (_, plugin) = load(path)?;
    let r = bench(&plugin, Duration::from_secs(seconds.max(1)))?;
    println!("{} ({} distinct frames, {} s each way)", plugin.label(), r.frames, seconds.max(1));
    println!(
        "one frame per call   {:>12.0} frames/s   {:>8.3} µs/frame",
        r.one_per_call,
        1e6 / r.one_per_call
    );
    println!(
        "batched ({:>3}/call)  {:>12.0} frames/s   {:>8.3} µs/frame",
        r.batch,
        r.batched,
        1e6 / r.batched
    );
    Ok(ExitCode::SUCCESS)
}

fn inspect(path: &Path) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let engine = Engine::new(cache_dir().as_deref())?;
    let compiled = engine.compile(&bytes)?;
    println!("file       {}", path.display());
    println!("size       {} bytes", bytes.len());
    println!("sha256     {}", compiled.hash);
    let limits = Limits::default();
    match DecoderPlugin::new(&engine, &compiled, limits) {
        Ok(plugin) => {
            let m = plugin.metadata();
            println!("world      passerelle:plugin/decoder@{}", passerelle::plugin::WIT_VERSION);
            println!("plugin     {} {}", m.name, m.version);
            println!("models     {} ({})", m.models.len(), m.models.join(", "));
            match plugin.check_vectors() {
                Ok((v, failures)) => println!("vectors    {} ({} failing)", v.len(), failures.len()),
                Err(e) => println!("vectors    cannot list: {e}"),
            }
        }
        Err(PluginError::Invalid(_)) => {
            ConnectorPlugin::new(&engine, &compiled, limits, "inspect")
                .with_context(|| "neither a decoder nor a connector component")?;
            println!("world      passerelle:plugin/connector@{}", passerelle::plugin::WIT_VERSION);
        }
        Err(e) => return Err(e.into()),
    }
    println!(
        "limits     deadline {} ms, memory {} MiB, {} readings per frame, {} frames per batch (defaults; per plugin in the config)",
        limits.deadline_ms, limits.memory_mib, limits.max_readings, limits.max_batch
    );
    let ty = compiled.component.component_type();
    println!("imports    (only `log` is provided; anything else traps when called)");
    for (name, _) in ty.imports(engine.wasmtime()) {
        let granted = if name.starts_with("passerelle:plugin/") { "provided" } else { "traps" };
        println!("  {name:<50} {granted}");
    }
    println!("exports");
    for (name, _) in ty.exports(engine.wasmtime()) {
        println!("  {name}");
    }
    Ok(ExitCode::SUCCESS)
}
