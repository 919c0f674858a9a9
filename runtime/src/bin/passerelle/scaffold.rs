//! `passerelle plugin new NAME`: a decoder crate that builds and passes its own test at once.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use passerelle::plugin::kit::scaffold_decoder;

/// Arguments of `passerelle plugin new`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Plugin name: lower case letters, digits and `-` (`acme-sensors`).
    name: String,
    /// Where to create the crate (default: `plugins/decoders/NAME` of the Passerelle checkout
    /// found from the current directory).
    #[arg(long)]
    path: Option<PathBuf>,
    /// The Passerelle `plugins/` folder holding `pdk` and `pdk-build` (default: found upward
    /// from the current directory).
    #[arg(long)]
    plugins: Option<PathBuf>,
}

fn find_plugins() -> Option<PathBuf> {
    let mut dir = std::env::current_dir().ok()?;
    loop {
        let candidate = dir.join("plugins");
        if candidate.join("pdk/Cargo.toml").is_file() {
            return Some(candidate);
        }
        if !dir.pop() {
            return None;
        }
    }
}

pub(crate) fn new(args: &Args) -> anyhow::Result<ExitCode> {
    let plugins = match &args.plugins {
        Some(p) => p.clone(),
        None => find_plugins()
            .context("no Passerelle plugins/ folder above the current directory: pass --plugins")?,
    };
    let dest = args.path.clone().unwrap_or_else(|| plugins.join("decoders").join(&args.name));
    let s = scaffold_decoder(&args.name, &dest, &plugins)?;
    let shown = s.dir.display();
    let (cd, select, wasm_dir) = if s.member {
        (format!("cd {} && ", plugins.display()), format!("-p {}", s.package), plugins.join("target"))
    } else {
        (String::new(), format!("--manifest-path {shown}/Cargo.toml"), s.dir.join("target"))
    };
    println!("created {shown}");
    println!("  src/lib.rs             the format: fill in decode_payload (see FILL IN)");
    println!("  vectors/vectors.jsonl  the plugin's own vectors: add the vendor's examples");
    println!("next:");
    println!("  {cd}cargo test {select}");
    println!("  {cd}cargo build --release --target wasm32-wasip2 {select}");
    println!("  passerelle plugin test {}/wasm32-wasip2/release/{}.wasm", wasm_dir.display(), s.lib);
    Ok(ExitCode::SUCCESS)
}
