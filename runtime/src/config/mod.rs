//! Configuration: parse (RON, `deny_unknown_fields`) -> validate (pure, every error with
//! line:column) -> build (in [`crate::Builder`]).
//!
//! There is no global configuration: a [`Config`] is a value passed to the builder, so two
//! runtimes in one process can differ.
//!
//! ```
//! let text = r#"(
//!     connectors: {},
//!     decoders: { "milesight": (plugin: "milesight.wasm") },
//!     routes: [ (devicetype: "em300-th", decoder: "milesight", sinks: ["local"]) ],
//!     sinks: { "local": sqlite(path: "passerelle.db") },
//!     dead_letter: "local",
//! )"#;
//! let config = passerelle::config::Config::parse(text, "example.ron").unwrap();
//! assert!(config.validate().is_ok());
//! ```

mod error;
mod model;
mod validate;

pub use error::{ConfigError, ConfigErrors};
pub use model::{
    AllWord, ConnectorConfig, DEFAULT_CONNECTOR_INSTANCES, DEFAULT_DECODER_INSTANCES, DecoderConfig,
    Devicetypes, RouteConfig,
};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::sink::SinkConfig;

/// The default `state_dir`, relative to the config file: `state`.
pub const DEFAULT_STATE_DIR: &str = "state";

/// A whole runtime configuration, as parsed from RON. The default is the empty config a
/// runtime starts from.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Connectors by name: a transport and the connector plugin that reads it.
    #[serde(default)]
    pub connectors: BTreeMap<String, ConnectorConfig>,
    /// Decoder plugins by name.
    #[serde(default)]
    pub decoders: BTreeMap<String, DecoderConfig>,
    /// Routes: devicetype -> decoder, model, sinks.
    #[serde(default)]
    pub routes: Vec<RouteConfig>,
    /// Sinks by name.
    #[serde(default)]
    pub sinks: BTreeMap<String, SinkConfig>,
    /// The sink that receives rejected frames.
    pub dead_letter: String,
    /// Directory of the connectors' saved state (what connector plugins `save`: cursors,
    /// consents), one `<connector>.json` file each; relative to the config file (default
    /// `state`). A file is created only once a plugin saves something.
    #[serde(default)]
    pub state_dir: Option<PathBuf>,
    /// Directory of wasmtime's on-disk compile cache (none: memory only).
    #[serde(default)]
    pub compile_cache: Option<PathBuf>,
    /// The operator endpoint (status, metrics, reload, rollback); none: off.
    #[cfg(feature = "admin")]
    #[serde(default)]
    pub admin: Option<crate::admin::AdminConfig>,
    /// The JetStream fabric, for `--role connector|worker` processes; none: in-process only.
    #[cfg(feature = "fabric")]
    #[serde(default)]
    pub fabric: Option<crate::fabric::FabricConfig>,
    /// Watch the decoder plugin files and swap in new versions as they are written (default true).
    #[serde(default = "yes")]
    pub watch_plugins: bool,
    #[serde(skip)]
    source: Source,
}

/// The text a config was parsed from, kept to locate errors.
#[derive(Debug, Clone, Default)]
pub(crate) struct Source {
    pub(crate) text: String,
    pub(crate) origin: String,
    pub(crate) base_dir: PathBuf,
    /// True when `origin` is the file the text was read from.
    pub(crate) file: bool,
}

impl Config {
    /// Parses RON text; `origin` names it in error messages (a file name).
    ///
    /// # Errors
    /// The syntax or type error, with its line and column.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ConfigErrors> {
        let options = ron::Options::default()
            .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
            .with_default_extension(ron::extensions::Extensions::UNWRAP_VARIANT_NEWTYPES);
        let mut config: Config = options.from_str(text).map_err(|e| {
            ConfigErrors::one(ConfigError {
                origin: origin.to_string(),
                line: e.span.start.line,
                column: e.span.start.col,
                message: e.code.to_string(),
            })
        })?;
        config.source = Source {
            text: text.to_string(),
            origin: origin.to_string(),
            base_dir: Path::new(origin).parent().map(Path::to_path_buf).unwrap_or_default(),
            file: false,
        };
        Ok(config)
    }

    /// Reads and parses a file.
    ///
    /// # Errors
    /// An unreadable file or a parse error, located.
    pub fn from_file(path: &Path) -> Result<Self, ConfigErrors> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigErrors::one(ConfigError {
                origin: origin.clone(),
                line: 0,
                column: 0,
                message: format!("cannot read: {e}"),
            })
        })?;
        let mut config = Self::parse(&text, &origin)?;
        config.source.file = true;
        Ok(config)
    }

    /// Checks every cross-reference and value, purely (no file or network access), and reports
    /// every error at once, each with line and column.
    ///
    /// # Errors
    /// All the errors found.
    pub fn validate(&self) -> Result<(), ConfigErrors> {
        let errors = validate::validate(self);
        if errors.is_empty() { Ok(()) } else { Err(ConfigErrors(errors)) }
    }

    /// Validates the config, splits each route with a list of `devicetypes` into one route per
    /// devicetype, then gives each route that names a `codec` its decoder: the
    /// engine the route names with that codec, added to `decoders` as `<engine>:<codec file
    /// name>` (see [`RouteConfig::codec`]). An engine that no route then names directly and that
    /// has no codec of its own is not loaded. The runtime builds and reloads from this form;
    /// applying it again changes nothing.
    ///
    /// # Errors
    /// All the errors [`Config::validate`] finds.
    pub fn validated(mut self) -> Result<Self, ConfigErrors> {
        self.validate()?;
        self.split_devicetype_lists();
        self.give_routes_their_codecs();
        Ok(self)
    }

    /// A route with a list of devicetypes becomes one route per devicetype.
    fn split_devicetype_lists(&mut self) {
        self.routes = std::mem::take(&mut self.routes)
            .into_iter()
            .flat_map(|route| match &route.devicetypes {
                Some(Devicetypes::List(list)) => list
                    .iter()
                    .map(|d| RouteConfig { devicetype: d.clone(), devicetypes: None, ..route.clone() })
                    .collect(),
                _ => vec![route],
            })
            .collect();
    }

    fn give_routes_their_codecs(&mut self) {
        let mut made: BTreeMap<(String, PathBuf), String> = BTreeMap::new();
        let mut engines = Vec::new();
        for route in &mut self.routes {
            let Some(codec) = route.codec.take() else { continue };
            let Some(engine) = self.decoders.get(&route.decoder).cloned() else { continue };
            let key = (route.decoder.clone(), codec.clone());
            let name = match made.get(&key) {
                Some(name) => name.clone(),
                None => {
                    let file = codec.file_name().unwrap_or(codec.as_os_str()).to_string_lossy();
                    let mut name = format!("{}:{file}", route.decoder);
                    let mut n = 2;
                    while self.decoders.contains_key(&name) {
                        name = format!("{}:{file}#{n}", route.decoder);
                        n += 1;
                    }
                    self.decoders.insert(name.clone(), DecoderConfig { codec: Some(codec), ..engine });
                    made.insert(key, name.clone());
                    name
                }
            };
            engines.push(std::mem::replace(&mut route.decoder, name));
        }
        for engine in engines {
            let named = self.routes.iter().any(|r| r.decoder == engine);
            if !named && self.decoders.get(&engine).is_some_and(|d| d.codec.is_none()) {
                self.decoders.remove(&engine);
            }
        }
    }

    /// Resolves a path of the config relative to the config file's directory, as an absolute path.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        crate::component::resolve(&self.source.base_dir, path)
    }

    /// The file connector `name` keeps its saved state in: `<state_dir>/<name>.json`.
    pub fn state_file(&self, name: &str) -> PathBuf {
        self.state_folder().join(format!("{name}.json"))
    }

    /// The state folder (`state_dir`, default [`DEFAULT_STATE_DIR`]), resolved.
    pub fn state_folder(&self) -> PathBuf {
        self.resolve(self.state_dir.as_deref().unwrap_or(Path::new(DEFAULT_STATE_DIR)))
    }

    /// Sets the directory relative paths resolve against (the config file's, by default).
    pub fn set_base_dir(&mut self, dir: impl Into<PathBuf>) {
        self.source.base_dir = dir.into();
    }

    /// The folder relative paths resolve against.
    pub fn base_dir(&self) -> &Path {
        &self.source.base_dir
    }

    /// Where the config came from (a file name), as error messages name it.
    pub fn origin(&self) -> String {
        self.source.origin.clone()
    }

    /// The file the config was read from, when it was read from one.
    pub fn origin_file(&self) -> Option<PathBuf> {
        self.source.file.then(|| PathBuf::from(&self.source.origin))
    }

    pub(crate) fn source(&self) -> &Source {
        &self.source
    }
}

const fn yes() -> bool {
    true
}
