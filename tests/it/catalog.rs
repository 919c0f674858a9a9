//! The decoder catalog, generated from the plugins themselves: a table of vendors, models and
//! vectors in README.md and the models of each vendor in plugins/README.md, each between
//! `<!-- catalog:begin -->` and `<!-- catalog:end -->`. A plugin whose models or vectors change
//! without the tables fails here; `PASSERELLE_BLESS=1` writes the tables instead.

use std::collections::BTreeMap;
use std::path::Path;

use passerelle::plugin::{DecoderPlugin, Engine, Limits};

use crate::harness::{plugin, root};

const BEGIN: &str = "<!-- catalog:begin -->";
const END: &str = "<!-- catalog:end -->";

/// One vendor decoder as it declares itself.
struct Entry {
    stem: String,
    label: String,
    models: Vec<String>,
    own_vectors: usize,
    vendor_vectors: usize,
}

fn entries() -> Vec<Entry> {
    let text = std::fs::read_to_string(root().join("vectors/ttn/vectors.jsonl")).unwrap();
    let mut vendor_vectors: BTreeMap<String, usize> = BTreeMap::new();
    for v in passerelle_vectors::parse_vendor_vectors(&text).unwrap() {
        let stem = v.vendor.strip_suffix("-iot").unwrap_or(&v.vendor).replace('-', "_");
        *vendor_vectors.entry(stem).or_default() += 1;
    }
    let mut stems: Vec<String> = std::fs::read_dir(root().join("plugins/decoders"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().replace('-', "_"))
        .collect();
    stems.sort();
    let engine = Engine::new(Some(&std::env::temp_dir().join("passerelle-it-compile-cache"))).unwrap();
    stems
        .into_iter()
        .map(|stem| {
            let compiled = engine.compile_file(plugin(&stem).as_ref()).unwrap();
            let decoder = DecoderPlugin::new(&engine, &compiled, Limits::default()).unwrap();
            let (vectors, failures) = decoder.check_vectors().unwrap();
            assert!(failures.is_empty(), "{stem}: {failures:#?}");
            let mut models = decoder.metadata().models.clone();
            models.sort();
            Entry {
                label: decoder.label().to_string(),
                models,
                own_vectors: vectors.len(),
                vendor_vectors: vendor_vectors.get(&stem).copied().unwrap_or(0),
                stem,
            }
        })
        .collect()
}

fn counts_table(entries: &[Entry]) -> String {
    let mut out = String::from(
        "| plugin | version | models | own vectors | vendor vectors (`vectors/ttn`) |\n|---|---|---:|---:|---:|\n",
    );
    for e in entries {
        let version = e.label.split_once('@').map_or("", |(_, v)| v);
        out.push_str(&format!(
            "| `{}.wasm` | {version} | {} | {} | {} |\n",
            e.stem,
            e.models.len(),
            e.own_vectors,
            e.vendor_vectors
        ));
    }
    let total = |f: fn(&Entry) -> usize| entries.iter().map(f).sum::<usize>();
    out.push_str(&format!(
        "| **{} plugins** | | **{}** | **{}** | **{}** |\n",
        entries.len(),
        total(|e| e.models.len()),
        total(|e| e.own_vectors),
        total(|e| e.vendor_vectors)
    ));
    out
}

fn models_list(entries: &[Entry]) -> String {
    entries
        .iter()
        .map(|e| format!("- **{}** ({}): {}\n", e.stem, e.models.len(), e.models.join(", ")))
        .collect()
}

/// Replaces what is between the markers of `file` with `generated`, or fails naming the drift.
fn check_block(file: &Path, generated: &str, bless: bool) -> Option<String> {
    let text = std::fs::read_to_string(file).unwrap();
    let start = text.find(BEGIN).unwrap_or_else(|| panic!("{}: no {BEGIN}", file.display())) + BEGIN.len();
    let end = text.find(END).unwrap_or_else(|| panic!("{}: no {END}", file.display()));
    let current = text.get(start..end).unwrap();
    let wanted = format!("\n{generated}");
    if current == wanted {
        return None;
    }
    if bless {
        std::fs::write(file, format!("{}{wanted}{}", &text[..start], &text[end..])).unwrap();
        return None;
    }
    Some(format!("{} is out of date; run with PASSERELLE_BLESS=1. Wanted:\n{wanted}", file.display()))
}

#[test]
fn the_catalog_tables_are_the_plugins_own() {
    let entries = entries();
    assert!(entries.len() >= 9, "{} decoders", entries.len());
    let bless = std::env::var_os("PASSERELLE_BLESS").is_some();
    let drift: Vec<String> = [
        check_block(&root().join("README.md"), &counts_table(&entries), bless),
        check_block(&root().join("plugins/README.md"), &models_list(&entries), bless),
    ]
    .into_iter()
    .flatten()
    .collect();
    assert!(drift.is_empty(), "{}", drift.join("\n\n"));
}
