use std::collections::HashMap;

/// Where `*_env` secrets are read: the process environment, unless the embedding host supplied
/// the value itself (from its own vault) with [`Secrets::insert`].
#[derive(Clone, Default)]
pub struct Secrets {
    supplied: HashMap<String, String>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secrets").field("supplied", &self.supplied.keys().collect::<Vec<_>>()).finish()
    }
}

impl Secrets {
    /// Supplies the value of the variable `name`, overriding the environment.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.supplied.insert(name.into(), value.into());
    }

    /// The value of `name`: supplied, else from the environment.
    pub fn get(&self, name: &str) -> Option<String> {
        self.supplied.get(name).cloned().or_else(|| std::env::var(name).ok())
    }
}
