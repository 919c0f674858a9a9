//! The plugin author's kit on every decoder plugin: own vectors, the vendors' published codec
//! files, fuzzing (at least 10^5 inputs in all), and a scaffolded crate that builds and passes.

use std::path::{Path, PathBuf};

use passerelle::plugin::kit::{KIT_VERSION, KitSource, fuzz, load_vectors, run_vectors, scaffold_decoder};
use passerelle::plugin::{DecoderPlugin, Engine, Limits};

use crate::harness::root;

/// Every vendor decoder plugin built into plugins/dist (test plugins, connectors and the
/// `js_codec` script engine, which decodes only with a codec: `js_codec.rs`, excluded).
fn decoders() -> Vec<(String, PathBuf)> {
    let dist = root().join("plugins/dist");
    // Connector plugins (plugins/connectors/<name>) build to <name with _>.wasm.
    let connectors: Vec<String> = std::fs::read_dir(root().join("plugins/connectors"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().replace('-', "_"))
        .collect();
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(&dist)
        .unwrap_or_else(|e| panic!("{}: {e}: run scripts/build-plugins", dist.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
        .filter_map(|p| Some((p.file_stem()?.to_str()?.to_string(), p.clone())))
        .filter(|(stem, _)| {
            !stem.starts_with("hostile")
                && !stem.starts_with("testing_")
                && stem != "bad_vectors"
                && stem != "js_codec"
                && !connectors.contains(stem)
        })
        .collect();
    out.sort();
    assert!(out.len() >= 2, "decoders in plugins/dist: {out:?}");
    out
}

fn load(engine: &Engine, path: &Path) -> DecoderPlugin {
    let compiled = engine.compile_file(path).unwrap();
    DecoderPlugin::new(engine, &compiled, Limits::default()).unwrap()
}

/// The codec files (as published, kept beside their decoder in
/// `plugins/decoders/<stem>/vectors/`) of the vendor examples the repository carries in
/// `vectors/ttn/vectors.jsonl`: `vendor__device-codec.yaml` for each of its devices. Other codec
/// files in those folders are references for the decoder's author, not all-passing vectors.
fn codec_files(stem: &str) -> Vec<PathBuf> {
    let text = std::fs::read_to_string(root().join("vectors/ttn/vectors.jsonl")).unwrap();
    let mut files: Vec<PathBuf> = passerelle_vectors::parse_vendor_vectors(&text)
        .unwrap()
        .into_iter()
        .filter(|v| v.vendor == stem || v.vendor.starts_with(&format!("{stem}-")))
        .map(|v| {
            root()
                .join("plugins/decoders")
                .join(stem)
                .join(format!("vectors/{}__{}-codec.yaml", v.vendor, v.model))
        })
        .collect();
    files.sort();
    files.dedup();
    files
}

#[test]
fn every_decoder_passes_the_vendor_codec_files_as_published() {
    let engine = Engine::new(None).unwrap();
    let (mut files_checked, mut checked) = (0, 0);
    for (stem, path) in decoders() {
        let plugin = load(&engine, &path);
        let files = codec_files(&stem);
        assert!(!files.is_empty(), "{stem}: no vendor example in vectors/ttn/vectors.jsonl");
        for file in files {
            let vectors = load_vectors(&file, None).unwrap();
            let outcomes = run_vectors(&plugin, &vectors).unwrap();
            let failures: Vec<_> =
                outcomes.iter().filter_map(|o| o.problem.as_ref().map(|p| (&o.description, p))).collect();
            assert!(failures.is_empty(), "{}: {failures:#?}", file.display());
            files_checked += 1;
            checked += outcomes.len();
        }
    }
    // 29 codec files with the 48 examples of vectors/ttn/vectors.jsonl (59 examples in all: the
    // Micropelt and Tektelic files hold more than the vendor file carries).
    assert_eq!((files_checked, checked), (29, 59), "codec files and vendor examples checked");
}

#[test]
fn every_decoder_survives_fuzzing() {
    let engine = Engine::new(None).unwrap();
    let plugins = decoders();
    // At least 10^5 inputs in all, spread over the plugins.
    let each = 100_000u64.div_ceil(plugins.len() as u64).max(12_000);
    let mut total = 0;
    // The deadline is wall-clock: on a loaded 2-core machine running the whole suite a normal
    // call can stall past the 100 ms default. A loop still hits this one on every input.
    let limits = Limits { deadline_ms: 2_000, ..Limits::default() };
    for (stem, path) in &plugins {
        let compiled = engine.compile_file(path).unwrap();
        let plugin = DecoderPlugin::new(&engine, &compiled, limits).unwrap();
        let report = fuzz(&plugin, each, 7, |_| {}).unwrap();
        assert_eq!(report.inputs, each);
        assert_eq!(report.failures(), 0, "{stem}: {report:#?}");
        assert!(report.decoded > 0 && report.decode_errors > 0, "{stem}: inputs too narrow: {report:?}");
        total += report.inputs;
    }
    assert!(total >= 100_000, "{total} inputs");
}

#[test]
fn fuzzing_finds_a_looping_plugin_and_the_host_goes_on() {
    let engine = Engine::new(None).unwrap();
    let compiled = engine.compile_file(crate::harness::plugin("hostile_loop").as_ref()).unwrap();
    // Normal calls take microseconds: 50 ms of wall clock stays clear of them on a loaded machine.
    let limits = Limits { deadline_ms: 50, ..Limits::default() };
    let plugin = DecoderPlugin::new(&engine, &compiled, limits).unwrap();
    let report = fuzz(&plugin, 2_000, 3, |_| {}).unwrap();
    assert!(report.traps.get("deadline").copied().unwrap_or(0) > 0, "{report:?}");
    assert!(report.first_trap.as_deref().unwrap_or("").contains("payload ff"), "{report:?}");
    assert!(report.decoded > 0);
}

/// Builds a scaffolded crate for wasm32 and returns its component. The target directory is kept
/// between runs (cargo's per-test scratch space), so the second run is quick.
fn build_scaffold(crate_dir: &Path, lib: &str) -> PathBuf {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("scaffold");
    let status = std::process::Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--release", "--target", "wasm32-wasip2", "--manifest-path"])
        .arg(crate_dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target)
        .current_dir(root())
        .status()
        .unwrap();
    assert!(status.success(), "the scaffolded crate {} does not build", crate_dir.display());
    target.join(format!("wasm32-wasip2/release/{lib}.wasm"))
}

#[test]
fn a_scaffolded_decoder_builds_and_passes_its_own_vectors() {
    let dir = tempfile::tempdir().unwrap();
    let crate_dir = dir.path().join("acme-sensors");
    let kit = KitSource::Path(root().join("plugins"));
    let s = scaffold_decoder("acme-sensors", &crate_dir, &kit).unwrap();
    assert!(!s.member);
    assert!(scaffold_decoder("Bad Name", &dir.path().join("x"), &kit).is_err());
    let wasm = build_scaffold(&crate_dir, "acme_sensors");
    // Its native tests too (passerelle-pdk-host: the one vector rule), as plugins/README promises.
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("scaffold");
    let tests = std::process::Command::new(env!("CARGO"))
        .args(["test", "--quiet", "--manifest-path"])
        .arg(crate_dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target)
        .current_dir(root())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&tests.stdout);
    assert!(tests.status.success(), "the scaffolded crate's own tests fail:\n{said}");
    assert!(said.contains("3 passed"), "{said}");
    let engine = Engine::new(None).unwrap();
    let plugin = load(&engine, &wasm);
    assert_eq!(plugin.metadata().name, "acme-sensors");
    let (vectors, failures) = plugin.check_vectors().unwrap();
    assert_eq!((vectors.len(), failures.len()), (2, 0), "{failures:?}");
}

/// The guide's last step (plugins/README.md): the new plugin routed in a running config.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scaffolded_decoder_goes_live_on_a_route() {
    let dir = tempfile::tempdir().unwrap();
    let crate_dir = dir.path().join("acme-live");
    scaffold_decoder("acme-live", &crate_dir, &KitSource::Path(root().join("plugins"))).unwrap();
    let crate_dir2 = crate_dir.clone();
    let wasm = tokio::task::spawn_blocking(move || build_scaffold(&crate_dir2, "acme_live")).await.unwrap();
    let text = crate::harness::config(
        &format!(r#""acme": (plugin: "{}")"#, wasm.display()),
        r#"(devicetype: "ACME-LIVE", decoder: "acme", model: "acme-live", sinks: ["db"])"#,
    );
    let rt = crate::harness::start_in(&text, dir.path()).await;
    let body = crate::harness::envelope("a-1", "ACME-LIVE", "0100e10252", 1, "2026-11-22T10:00:00Z");
    let (status, body) = crate::harness::post(&rt.url, &body).await;
    assert_eq!((status, body["stored"].as_u64()), (200, Some(1)), "{body}");
    let rows = rt.readings();
    assert!(rows.iter().any(|r| r.name == "temperature" && r.unit.as_deref() == Some("Cel")), "{rows:?}");
    rt.handle.shutdown().await.unwrap();
}

/// The `version = "..."` line of a manifest's `[package]`.
fn package_version(manifest: &Path) -> String {
    let text = std::fs::read_to_string(manifest).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("version = "))
        .unwrap_or_else(|| panic!("{}", manifest.display()));
    line.trim_start_matches("version = ").trim_matches('"').to_string()
}

#[test]
fn the_kit_crates_are_publishable_at_the_version_of_the_wit_they_bind() {
    let wit = std::fs::read_to_string(root().join("wit/decoder.wit")).unwrap();
    let wit_version = wit
        .lines()
        .find_map(|l| l.strip_prefix("package passerelle:plugin@"))
        .map(|v| v.trim_end_matches(';').to_string())
        .unwrap();
    assert_eq!(KIT_VERSION, wit_version, "KIT_VERSION follows wit/decoder.wit");
    for manifest in ["plugins/pdk", "plugins/pdk-host", "crates/vectors"] {
        let path = root().join(manifest).join("Cargo.toml");
        assert_eq!(package_version(&path), wit_version, "{}", path.display());
        let text = std::fs::read_to_string(&path).unwrap();
        for field in ["description = ", "license", "repository", "publish = true"] {
            assert!(text.contains(field), "{}: no {field}", path.display());
        }
    }
    // The WIT travels with the guest kit (`plugins/pdk/wit` links to `wit/`): a packaged or
    // git-fetched pdk binds the same contract.
    let listed = std::process::Command::new(env!("CARGO"))
        .args(["package", "--list", "--allow-dirty", "--offline", "-p", "passerelle-pdk", "--manifest-path"])
        .arg(root().join("plugins/Cargo.toml"))
        .output()
        .unwrap();
    let files = String::from_utf8_lossy(&listed.stdout);
    assert!(listed.status.success(), "{}", String::from_utf8_lossy(&listed.stderr));
    for file in ["wit/decoder.wit", "wit/connector.wit", "wit/types.wit", "src/lib.rs"] {
        assert!(files.lines().any(|l| l == file), "{file} not packaged: {files}");
    }
    // A path dependency is published by version: each kit dependency carries one.
    let workspace = std::fs::read_to_string(root().join("plugins/Cargo.toml")).unwrap();
    for dep in ["passerelle-pdk = ", "passerelle-pdk-host = ", "passerelle-vectors = "] {
        let line = workspace.lines().find(|l| l.starts_with(dep)).unwrap();
        assert!(line.contains(&format!("version = \"{wit_version}\"")), "{line}");
    }
}

#[test]
fn a_decoder_made_outside_a_checkout_takes_the_kit_by_version_or_from_git() {
    let dir = tempfile::tempdir().unwrap();
    // By version, from a registry: what `plugin new --path` writes outside a checkout.
    let by_version = dir.path().join("acme-registry");
    scaffold_decoder("acme-registry", &by_version, &KitSource::registry()).unwrap();
    let manifest = std::fs::read_to_string(by_version.join("Cargo.toml")).unwrap();
    let pinned = format!("passerelle-pdk = {{ version = \"={KIT_VERSION}\" }}");
    assert!(manifest.contains(&pinned), "{manifest}");
    assert!(!manifest.contains("path ="), "{manifest}");

    // From git: a clone of this repository stands for the vendor's remote; the crate builds
    // and passes its own tests with nothing of the checkout but what git gives it.
    let repo = dir.path().join("passerelle.git");
    let cloned = std::process::Command::new("git")
        .args(["clone", "--quiet", "--bare"])
        .arg(root())
        .arg(&repo)
        .status()
        .expect("git (Debian package git)");
    assert!(cloned.success(), "git clone of {}", root().display());
    let by_git = dir.path().join("acme-git");
    let url = format!("file://{}", repo.display());
    scaffold_decoder("acme-git", &by_git, &KitSource::Git { url: url.clone(), rev: None }).unwrap();
    let manifest = std::fs::read_to_string(by_git.join("Cargo.toml")).unwrap();
    // One host-side kit crate, taken once per side with the feature that side needs.
    for feature in ["build", "test"] {
        let line = format!("passerelle-pdk-host = {{ git = {url:?}, features = [{feature:?}] }}");
        assert!(manifest.contains(&line), "{line} in {manifest}");
    }
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("scaffold");
    let tests = std::process::Command::new(env!("CARGO"))
        .args(["test", "--quiet", "--manifest-path"])
        .arg(by_git.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let said =
        format!("{}{}", String::from_utf8_lossy(&tests.stdout), String::from_utf8_lossy(&tests.stderr));
    assert!(tests.status.success(), "the crate with the kit from git fails its tests:\n{said}");
    assert!(said.contains("3 passed"), "{said}");
}
