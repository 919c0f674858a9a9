use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::Secrets;

/// A secret a config names (in a `*_env` field) was neither supplied by the host nor set in
/// the environment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "secret {0} is not set (named by a `*_env` setting): set the environment variable or supply it with Builder::secret"
)]
pub struct MissingSecret(pub String);

/// What a component is built with: its name, the secrets, the folder relative paths resolve
/// against, and the tokio runtime its I/O runs on.
#[derive(Clone)]
pub struct BuildContext {
    name: Arc<str>,
    secrets: Secrets,
    base_dir: PathBuf,
    state_dir: Option<PathBuf>,
    runtime: tokio::runtime::Handle,
}

impl std::fmt::Debug for BuildContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BuildContext")
            .field("name", &self.name)
            .field("secrets", &self.secrets)
            .field("base_dir", &self.base_dir)
            .field("state_dir", &self.state_dir)
            .finish_non_exhaustive()
    }
}

impl BuildContext {
    /// A context for the component `name`.
    pub fn new(
        name: impl Into<Arc<str>>,
        secrets: Secrets,
        base_dir: impl Into<PathBuf>,
        runtime: tokio::runtime::Handle,
    ) -> Self {
        Self { name: name.into(), secrets, base_dir: base_dir.into(), state_dir: None, runtime }
    }

    /// Sets the runtime's state folder (the config's `state_dir`, resolved), where components
    /// keep what must survive a restart (a file transport's ledger and spool).
    #[must_use]
    pub fn with_state_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.state_dir = Some(dir.into());
        self
    }

    /// The runtime's state folder: the one set with [`BuildContext::with_state_dir`], else
    /// [`crate::config::DEFAULT_STATE_DIR`] in the base folder.
    pub fn state_dir(&self) -> PathBuf {
        match &self.state_dir {
            Some(dir) => dir.clone(),
            None => resolve(&self.base_dir, Path::new(crate::config::DEFAULT_STATE_DIR)),
        }
    }

    /// The component's name in the config.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value of the secret a `*_env` setting names.
    ///
    /// # Errors
    /// [`MissingSecret`] naming the variable.
    pub fn secret(&self, var: &str) -> Result<String, MissingSecret> {
        self.secrets.get(var).ok_or_else(|| MissingSecret(var.to_string()))
    }

    /// The value of an optional secret: none when the setting is none.
    ///
    /// # Errors
    /// [`MissingSecret`] when the setting names a variable that is not set.
    pub fn optional_secret(&self, var: Option<&str>) -> Result<Option<String>, MissingSecret> {
        var.map(|v| self.secret(v)).transpose()
    }

    /// A path of the config, resolved against the config file's folder, absolute.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        resolve(&self.base_dir, path)
    }

    /// The folder relative paths resolve against.
    pub fn base_dir(&self) -> &Path {
        &self.base_dir
    }

    /// The tokio runtime the component's I/O runs on.
    pub fn runtime(&self) -> &tokio::runtime::Handle {
        &self.runtime
    }
}

/// A path of a config resolved against the folder of the config file, absolute: the one rule
/// for every path a config names (plugins, databases, certificates).
pub fn resolve(base_dir: &Path, path: &Path) -> PathBuf {
    let joined = if path.is_absolute() { path.to_path_buf() } else { base_dir.join(path) };
    std::path::absolute(&joined).unwrap_or(joined)
}
