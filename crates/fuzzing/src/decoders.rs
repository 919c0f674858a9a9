//! Every decoder plugin through the plugin host.

use std::sync::Arc;

use passerelle::message::{Bytes, Frame};
use passerelle::plugin::{Codec, DecoderInstance, DecoderPlugin, Engine, PluginError};

use crate::{Harness, root};

/// Every vendor decoder plugin of `plugins/dist` (connectors and test plugins left out), in
/// name order; a script decoder (`js_codec`) once per `.js` codec of `tests/fixtures/codecs`. Input: a model id, a NUL, a port byte, then the payload (the plugin that declares
/// the model decodes it; an unknown model picks a plugin and one of its models from the bytes of
/// the name). A decode error is the expected answer to bad data; a trap (deadline,
/// memory cap, trap), more readings than the cap or a host error is a finding.
#[derive(Debug)]
pub struct Decoders {
    plugins: Vec<(DecoderInstance, Vec<String>)>,
}

/// The decoder plugins' file stems in `plugins/dist`, sorted.
pub(crate) fn decoder_stems() -> Vec<String> {
    let connectors: Vec<String> = std::fs::read_dir(root().join("plugins/connectors"))
        .expect("plugins/connectors")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().replace('-', "_"))
        .collect();
    let dist = root().join("plugins/dist");
    let mut stems: Vec<String> = std::fs::read_dir(&dist)
        .unwrap_or_else(|e| panic!("{}: {e}: run scripts/build-plugins", dist.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
        .filter_map(|p| Some(p.file_stem()?.to_str()?.to_string()))
        .filter(|s| {
            !s.starts_with("hostile")
                && !s.starts_with("testing_")
                && s != "bad_vectors"
                && !connectors.contains(s)
        })
        .collect();
    stems.sort();
    stems
}

/// The `.js` codecs of `tests/fixtures/codecs`, in name order: what the script decoder runs.
fn script_codecs() -> Vec<Codec> {
    let dir = root().join("tests/fixtures/codecs");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "js"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no .js codec in {}", dir.display());
    paths.iter().map(|p| Codec::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))).collect()
}

impl Harness for Decoders {
    const NAME: &'static str = "decoders";

    fn new() -> Self {
        let cache = std::env::temp_dir().join("passerelle-fuzz-compile-cache");
        let engine = Engine::new(Some(&cache)).unwrap_or_else(|e| panic!("engine: {e}"));
        let plugins: Vec<_> = decoder_stems()
            .into_iter()
            .flat_map(|stem| {
                let path = root().join("plugins/dist").join(format!("{stem}.wasm"));
                let compiled =
                    engine.compile_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                let plugins = if stem == "js_codec" {
                    script_codecs()
                        .into_iter()
                        .map(|codec| {
                            let name = codec.file_name.clone();
                            DecoderPlugin::with_codec(&engine, &compiled, codec, crate::harness_limits())
                                .unwrap_or_else(|e| panic!("{stem} with {name}: {e}"))
                        })
                        .collect()
                } else {
                    vec![
                        DecoderPlugin::new(&engine, &compiled, crate::harness_limits())
                            .unwrap_or_else(|e| panic!("{stem}: {e}")),
                    ]
                };
                plugins.into_iter().map(|plugin| {
                    let mut models = plugin.metadata().models.clone();
                    if models.is_empty() {
                        models.push("unknown".into());
                    }
                    (plugin.instance(), models)
                })
            })
            .collect();
        assert!(plugins.len() >= 2, "decoders in plugins/dist: {}", plugins.len());
        Self { plugins }
    }

    fn run(&mut self, data: &[u8]) {
        let (name, rest) = match data.iter().position(|&b| b == 0) {
            Some(at) => (&data[..at], &data[at + 1..]),
            None => (&data[..0], data),
        };
        let [port, payload @ ..] = rest else { return };
        let name = String::from_utf8_lossy(name);
        let found = self.plugins.iter().position(|(_, models)| models.iter().any(|m| *m == name));
        let sum = name.bytes().fold(0usize, |a, b| a.wrapping_mul(31).wrapping_add(usize::from(b)));
        let at = found.unwrap_or(sum % self.plugins.len());
        let (instance, models) = &mut self.plugins[at];
        let model = models.iter().find(|m| **m == name).unwrap_or(&models[sum % models.len()]).clone();
        let frame = Frame {
            device: Arc::from("fuzz"),
            devicetype: Arc::from(model.as_str()),
            port: *port,
            payload: Bytes::copy_from_slice(payload),
            received_ms: 0,
            connector: Arc::from("fuzz"),
            firmware: None,
        };
        match instance.decode(&frame, &model) {
            Ok(_) | Err(PluginError::Decode(_)) => {}
            Err(e) => panic!("{} on {model} port {port}: {e}", instance.plugin().label()),
        }
    }
}
