//! Loading a config's plugins without running anything (`passerelle check`).

use std::collections::HashMap;

use super::Error;
use super::wiring::{load_connector, load_decoder, route_problems};
use crate::config::Config;
use crate::plugin::Engine;

/// Loads every plugin `config` names as a start would, and starts nothing and writes nothing:
/// each file is read, compiled (in memory: a check run by another user, such as root beside a
/// service, must not leave files in the service's compile cache) and linked to its world (a decoder, a
/// script decoder with its codec, a connector); a decoder runs its own vectors (unless its
/// `check_vectors` is off) and a connector its `start` with its settings; then each route's
/// model is checked against what its decoder declares. Give it the [`Config::validated`] form.
/// Blocking: compiling takes a while.
///
/// Returns every failure, in config order (connectors, decoders, then the routes).
pub fn check_plugins(config: &Config) -> Vec<Error> {
    let engine = match Engine::new(None) {
        Ok(engine) => engine,
        Err(source) => return vec![Error::Plugin { name: "engine".into(), path: String::new(), source }],
    };
    let mut errors = Vec::new();
    for (name, c) in &config.connectors {
        if let Err(e) = load_connector(&engine, name, &config.resolve(&c.plugin), c) {
            errors.push(e);
        }
    }
    let mut declared = HashMap::new();
    for (name, d) in &config.decoders {
        let path = config.resolve(&d.plugin);
        let codec = d.codec.as_ref().map(|c| config.resolve(c));
        match load_decoder(&engine, &path, codec.as_deref(), d.limits, d.check_vectors, None) {
            Ok(Some(plugin)) => {
                declared.insert(name.as_str(), plugin.metadata().models.clone());
            }
            Ok(None) => {}
            Err(e) => errors.push(e.into_error(name, &path)),
        }
    }
    let models: HashMap<&str, &[String]> = declared.iter().map(|(n, m)| (*n, m.as_slice())).collect();
    let problems = route_problems(config, &models);
    if !problems.is_empty() {
        errors.push(Error::Routes(problems));
    }
    errors
}
