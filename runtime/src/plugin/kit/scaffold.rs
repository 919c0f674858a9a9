use std::path::{Path, PathBuf};

const LIB: &str = include_str!("template/lib.rs.txt");
const VECTORS: &str = include_str!("template/vectors.jsonl.txt");
const TEST: &str = include_str!("template/test.rs.txt");
const BUILD: &str = include_str!("template/build.rs.txt");

/// Why a plugin crate cannot be scaffolded.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    /// The name is not a valid plugin name.
    #[error("plugin name {0:?}: use lower case letters, digits and '-', starting with a letter")]
    Name(String),
    /// The destination exists already.
    #[error("{0} already exists")]
    Exists(PathBuf),
    /// Writing a file failed.
    #[error("cannot write {path}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
}

/// The version of the plugin kit crates (`passerelle-pdk`, `passerelle-pdk-host` and
/// `passerelle-vectors`): the version of the WIT package `passerelle:plugin` they bind (a test
/// ties them together).
pub const KIT_VERSION: &str = crate::plugin::WIT_VERSION;

/// Where a scaffolded crate takes the plugin kit crates from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KitSource {
    /// A Passerelle checkout's `plugins/` folder, as path dependencies. A crate made inside its
    /// `decoders/` folder joins the plugins workspace.
    Path(PathBuf),
    /// A git repository holding Passerelle (cargo finds the kit crates in it): its default
    /// branch, or `rev` (a commit, or a named reference such as `refs/tags/v0.4.0`).
    Git {
        /// The repository URL (`https://...`, `ssh://...`, `file:///...`).
        url: String,
        /// The revision; none: the default branch.
        rev: Option<String>,
    },
    /// A registry (crates.io, or one named in the vendor's `.cargo/config.toml`), at exactly
    /// this version (default [`KIT_VERSION`]: the WIT the running host links).
    Registry {
        /// The version, such as `0.4.0`.
        version: String,
        /// The registry's name in `.cargo/config.toml`; none: crates.io.
        registry: Option<String>,
    },
}

impl KitSource {
    /// The crates.io release of the kit this host was built with.
    pub fn registry() -> Self {
        Self::Registry { version: KIT_VERSION.to_string(), registry: None }
    }

    /// The dependency spec of one kit crate (`pdk` or `pdk-host`), with its one feature, as
    /// TOML.
    fn dependency(&self, folder: &str, feature: Option<&str>) -> String {
        let source = match self {
            Self::Path(plugins) => format!("path = {:?}", plugins.join(folder).display().to_string()),
            Self::Git { url, rev: None } => format!("git = {url:?}"),
            Self::Git { url, rev: Some(rev) } => format!("git = {url:?}, rev = {rev:?}"),
            Self::Registry { version, registry: None } => format!("version = \"={version}\""),
            Self::Registry { version, registry: Some(r) } => {
                format!("version = \"={version}\", registry = {r:?}")
            }
        };
        match feature {
            Some(f) => format!("{{ {source}, features = [{f:?}] }}"),
            None => format!("{{ {source} }}"),
        }
    }
}

/// A scaffolded crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scaffold {
    /// The crate folder.
    pub dir: PathBuf,
    /// The cargo package name (`decoder-NAME`).
    pub package: String,
    /// The library name, which names the `.wasm` file (`NAME` with `_`).
    pub lib: String,
    /// True when the crate is a member of the Passerelle plugins workspace.
    pub member: bool,
}

/// Writes a decoder crate named `name` at `dest` that builds and passes its own vectors as is:
/// an example type-value format to replace, two vectors, native tests. `kit` says where the
/// plugin kit crates come from: a checkout's `plugins/` folder (inside its `decoders/` the
/// crate joins the plugins workspace), a git repository or a registry; anywhere but inside a
/// checkout the crate is a workspace of its own, so a vendor keeps it in its own repository.
///
/// # Errors
/// [`ScaffoldError`].
pub fn scaffold_decoder(name: &str, dest: &Path, kit: &KitSource) -> Result<Scaffold, ScaffoldError> {
    let valid = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid {
        return Err(ScaffoldError::Name(name.to_string()));
    }
    if dest.exists() {
        return Err(ScaffoldError::Exists(dest.to_path_buf()));
    }
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ScaffoldError::Io { path, source }
    };
    let kit = match kit {
        KitSource::Path(plugins) => KitSource::Path(plugins.canonicalize().map_err(io(plugins))?),
        other => other.clone(),
    };
    let lib = name.replace('-', "_");
    let member = match &kit {
        KitSource::Path(plugins) => {
            dest.parent().and_then(|p| p.canonicalize().ok()) == Some(plugins.join("decoders"))
        }
        _ => false,
    };
    let manifest = if member {
        format!(
            "[package]\nname = \"decoder-{name}\"\ndescription = \"Passerelle decoder plugin for {name} devices.\"\n\
             version.workspace = true\nedition.workspace = true\nlicense.workspace = true\npublish.workspace = true\n\n\
             [lib]\nname = \"{lib}\"\ncrate-type = [\"cdylib\", \"rlib\"]\n\n\
             [dependencies]\npasserelle-pdk.workspace = true\n\n\
             [dev-dependencies]\npasserelle-pdk-host = {{ workspace = true, features = [\"test\"] }}\n\n\
             [build-dependencies]\npasserelle-pdk-host = {{ workspace = true, features = [\"build\"] }}\n\n\
             [lints]\nworkspace = true\n"
        )
    } else {
        format!(
            "[package]\nname = \"decoder-{name}\"\ndescription = \"Passerelle decoder plugin for {name} devices.\"\n\
             version = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n\
             [lib]\nname = \"{lib}\"\ncrate-type = [\"cdylib\", \"rlib\"]\n\n\
             [dependencies]\npasserelle-pdk = {}\n\n\
             [dev-dependencies]\npasserelle-pdk-host = {}\n\n\
             [build-dependencies]\npasserelle-pdk-host = {}\n\n\
             # A workspace of its own, with the release profile plugins are built with.\n[workspace]\n\n\
             [profile.release]\nopt-level = 3\nlto = true\ncodegen-units = 1\npanic = \"abort\"\nstrip = true\n",
            kit.dependency("pdk", None),
            kit.dependency("pdk-host", Some("test")),
            kit.dependency("pdk-host", Some("build"))
        )
    };
    let fill = |t: &str| t.replace("{{NAME}}", name).replace("{{LIB}}", &lib);
    let files: [(&str, String); 5] = [
        ("Cargo.toml", manifest),
        ("build.rs", fill(BUILD)),
        ("src/lib.rs", fill(LIB)),
        ("vectors/vectors.jsonl", fill(VECTORS)),
        ("tests/vectors.rs", fill(TEST)),
    ];
    for (rel, text) in &files {
        let path = dest.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        std::fs::write(&path, text).map_err(io(&path))?;
    }
    Ok(Scaffold { dir: dest.to_path_buf(), package: format!("decoder-{name}"), lib, member })
}
