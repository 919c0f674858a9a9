//! Hot reload: time from writing a plugin file to the new version being live, for a version
//! never seen (compiled by Cranelift) and for one seen before (compile cache hit), under no load.
//! Figures are printed, never asserted: `cargo bench -p passerelle --bench reload`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

use std::path::Path;
use std::time::{Duration, Instant};

use passerelle::Builder;
use passerelle::config::Config;

fn variant(bytes: &[u8], n: u8) -> Vec<u8> {
    let name = b"bench";
    let mut out = bytes.to_vec();
    out.extend_from_slice(&[0, u8::try_from(1 + name.len() + 1).unwrap(), u8::try_from(name.len()).unwrap()]);
    out.extend_from_slice(name);
    out.push(n);
    out
}

fn install(path: &Path, bytes: &[u8]) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let source = root.join("plugins/dist/milesight.wasm");
    let good = std::fs::read(&source)
        .unwrap_or_else(|e| panic!("{}: {e}: run scripts/build-plugins", source.display()));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("milesight.wasm");
    std::fs::write(&file, &good).unwrap();
    let text = format!(
        r#"(decoders: {{ "m": (plugin: "{}") }},
            routes: [ (devicetype: "em300-th", decoder: "m", sinks: ["db"]) ],
            sinks: {{ "db": sqlite(path: "{}") }}, dead_letter: "db")"#,
        file.display(),
        dir.path().join("bench.db").display()
    );
    let handle = Builder::new(Config::parse(&text, "bench.ron").unwrap()).start().await.unwrap();
    let swap = |bytes: Vec<u8>| {
        let handle = &handle;
        let file = &file;
        async move {
            let before = handle.decoders()[0].hash.clone();
            let started = Instant::now();
            install(file, &bytes);
            while handle.decoders()[0].hash == before {
                tokio::time::sleep(Duration::from_micros(200)).await;
                assert!(started.elapsed() < Duration::from_secs(30), "no swap");
            }
            started.elapsed()
        }
    };
    let rounds = 10u8;
    let mut fresh = Vec::new();
    for i in 0..rounds {
        fresh.push(swap(variant(&good, i)).await);
    }
    // Every variant below was compiled above: the swap hits the compile cache.
    let mut cached = Vec::new();
    for i in 0..rounds {
        cached.push(swap(variant(&good, (i + 1) % rounds)).await);
    }
    let vectors = handle.decoders()[0].plugin.clone();
    println!("hot reload of {vectors} (93 own vectors run before each swap), {rounds} swaps each:");
    println!("  new version (Cranelift compile)  median {:>8.1} ms", median(fresh).as_secs_f64() * 1e3);
    println!("  seen version (compile cache)     median {:>8.1} ms", median(cached).as_secs_f64() * 1e3);
    handle.shutdown().await.unwrap();
}
