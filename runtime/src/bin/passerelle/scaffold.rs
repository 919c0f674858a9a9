//! `passerelle plugin new NAME`: a decoder crate that builds and passes its own test at once.

use std::path::PathBuf;
use std::process::ExitCode;

use passerelle::plugin::kit::{KIT_VERSION, KitSource, scaffold_decoder};

/// Arguments of `passerelle plugin new`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Plugin name: lower case letters, digits and `-` (`acme-sensors`).
    name: String,
    /// Where to create the crate (default: `plugins/decoders/NAME` of the Passerelle checkout
    /// found from the current directory; with --kit-git or --kit-version, `./NAME`).
    #[arg(long)]
    path: Option<PathBuf>,
    /// The Passerelle `plugins/` folder holding `pdk` and `pdk-host`, taken as path
    /// dependencies (default: found upward from the current directory; outside a checkout the
    /// kit comes from crates.io at the version this binary links).
    #[arg(long, conflicts_with_all = ["kit_git", "kit_version"])]
    plugins: Option<PathBuf>,
    /// Take the plugin kit from this git repository (a Passerelle repository or fork).
    #[arg(long, value_name = "URL")]
    kit_git: Option<String>,
    /// With --kit-git: the revision (a commit, or a reference such as `refs/tags/v0.4.0`).
    #[arg(long, value_name = "REV", requires = "kit_git")]
    kit_rev: Option<String>,
    /// Take the plugin kit from a registry at this version (default: the one this binary
    /// links, `passerelle --version` shows the host).
    #[arg(long, value_name = "VERSION", conflicts_with = "kit_git")]
    kit_version: Option<String>,
    /// With --kit-version: the registry's name in `.cargo/config.toml` (default: crates.io).
    #[arg(long, value_name = "NAME", requires = "kit_version")]
    kit_registry: Option<String>,
}

/// Where the kit comes from, by the flags, then by the checkout the command runs in.
fn kit_source(args: &Args) -> anyhow::Result<KitSource> {
    if let Some(url) = &args.kit_git {
        return Ok(KitSource::Git { url: url.clone(), rev: args.kit_rev.clone() });
    }
    if let Some(version) = &args.kit_version {
        return Ok(KitSource::Registry { version: version.clone(), registry: args.kit_registry.clone() });
    }
    if let Some(plugins) = args.plugins.clone().or_else(find_plugins) {
        return Ok(KitSource::Path(plugins));
    }
    anyhow::ensure!(
        args.path.is_some(),
        "no Passerelle plugins/ folder above the current directory: pass --path DIR for a crate of its own (the kit from crates.io, {KIT_VERSION}), or --plugins, --kit-git, --kit-version"
    );
    Ok(KitSource::registry())
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
    let kit = kit_source(args)?;
    let dest = match (&args.path, &kit) {
        (Some(path), _) => path.clone(),
        (None, KitSource::Path(plugins)) => plugins.join("decoders").join(&args.name),
        (None, _) => PathBuf::from(&args.name),
    };
    let s = scaffold_decoder(&args.name, &dest, &kit)?;
    let shown = s.dir.display();
    let (cd, select, wasm_dir) = match &kit {
        KitSource::Path(plugins) if s.member => {
            (format!("cd {} && ", plugins.display()), format!("-p {}", s.package), plugins.join("target"))
        }
        _ => (String::new(), format!("--manifest-path {shown}/Cargo.toml"), s.dir.join("target")),
    };
    let from = match &kit {
        KitSource::Path(plugins) => format!("the checkout at {}", plugins.display()),
        KitSource::Git { url, rev } => {
            format!("{url}{}", rev.as_ref().map(|r| format!(" at {r}")).unwrap_or_default())
        }
        KitSource::Registry { version, registry } => {
            format!("{} {version}", registry.as_deref().unwrap_or("crates.io"))
        }
    };
    println!("created {shown} (plugin kit from {from})");
    println!("  src/lib.rs             the format: fill in decode_payload (see FILL IN)");
    println!("  vectors/vectors.jsonl  the plugin's own vectors: add the vendor's examples");
    println!("next:");
    println!("  {cd}cargo test {select}");
    println!("  {cd}cargo build --release --target wasm32-wasip2 {select}");
    println!("  passerelle plugin test {}/wasm32-wasip2/release/{}.wasm", wasm_dir.display(), s.lib);
    Ok(ExitCode::SUCCESS)
}
