//! Every decoder plugin passes its own vectors through the host (the check run before a plugin
//! goes live), and every vendor vector the repository carries (`vectors/ttn/vectors.jsonl`).

use std::collections::BTreeMap;

use passerelle::plugin::kit::{run_vectors, test_vector};
use passerelle::plugin::{DecoderPlugin, Engine, Limits};

use crate::harness::{plugin, root};

#[test]
fn every_decoder_passes_its_own_vectors_through_the_host() {
    let engine = Engine::new(None).unwrap();
    for (stem, at_least) in [("milesight", 8), ("elsys", 3)] {
        let compiled = engine.compile_file(plugin(stem).as_ref()).unwrap();
        let decoder = DecoderPlugin::new(&engine, &compiled, Limits::default()).unwrap();
        let (vectors, failures) = decoder.check_vectors().unwrap();
        assert!(vectors.len() >= at_least, "{stem}: {} vectors", vectors.len());
        assert!(failures.is_empty(), "{stem}: {failures:#?}");
        assert!(!decoder.metadata().models.is_empty());
    }
}

/// What `check-vectors` checks through `passerelle decode`, in-process and with the one rule:
/// every example of the repository's vendor file decodes, through the host, as the vendor's own
/// decoder does, with the decoder of its vendor (`milesight` for `milesight-iot`).
#[test]
fn every_vendor_vector_passes_through_the_host() {
    let path = root().join("vectors/ttn/vectors.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut by_vendor: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for v in passerelle_vectors::parse_vendor_vectors(&text).unwrap() {
        by_vendor.entry(v.vendor.clone()).or_default().push(test_vector(v.into_vector()));
    }
    let engine = Engine::new(None).unwrap();
    let (mut passed, mut failures) = (0, Vec::new());
    for (vendor, vectors) in &by_vendor {
        let stem = vendor.strip_suffix("-iot").unwrap_or(vendor).replace('-', "_");
        let compiled = engine.compile_file(plugin(&stem).as_ref()).unwrap();
        let decoder = DecoderPlugin::new(&engine, &compiled, Limits::default()).unwrap();
        for outcome in run_vectors(&decoder, vectors).unwrap() {
            match outcome.problem {
                None => passed += 1,
                Some(p) => failures.push(format!("{}: {p}", outcome.description)),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!((by_vendor.len(), passed), (14, 48), "vendors and examples in {}", path.display());
}

#[test]
fn the_compile_cache_is_filled_on_disk_and_reused() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::new(Some(dir.path())).unwrap();
    let first = engine.compile_file(plugin("elsys").as_ref()).unwrap();
    // wasmtime writes the cache entry from a worker thread: wait (bounded) for it.
    let mut files = 0;
    for _ in 0..100 {
        files = walk(dir.path());
        if files > 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(files > 0, "no cache entry written");
    // A new engine (a restarted process) compiles the same bytes from the disk cache.
    let engine = Engine::new(Some(dir.path())).unwrap();
    let second = engine.compile_file(plugin("elsys").as_ref()).unwrap();
    assert_eq!(first.hash, second.hash);
    let decoder = DecoderPlugin::new(&engine, &second, Limits::default()).unwrap();
    assert_eq!(decoder.metadata().name, "elsys");
}

fn walk(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| if e.path().is_dir() { walk(&e.path()) } else { 1 }).sum())
        .unwrap_or(0)
}
