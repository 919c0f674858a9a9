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
/// an example type-value format to replace, two vectors, native tests. `plugins` is the
/// Passerelle `plugins/` folder (holding `pdk`, `pdk-build` and `pdk-test`). Inside
/// `plugins/decoders` the crate joins the plugins workspace; anywhere else it is a workspace of
/// its own.
///
/// # Errors
/// [`ScaffoldError`].
pub fn scaffold_decoder(name: &str, dest: &Path, plugins: &Path) -> Result<Scaffold, ScaffoldError> {
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
    let plugins = plugins.canonicalize().map_err(io(plugins))?;
    let lib = name.replace('-', "_");
    let member = dest.parent().and_then(|p| p.canonicalize().ok()) == Some(plugins.join("decoders"));
    let manifest = if member {
        format!(
            "[package]\nname = \"decoder-{name}\"\ndescription = \"Passerelle decoder plugin for {name} devices.\"\n\
             version.workspace = true\nedition.workspace = true\nlicense.workspace = true\npublish.workspace = true\n\n\
             [lib]\nname = \"{lib}\"\ncrate-type = [\"cdylib\", \"rlib\"]\n\n\
             [dependencies]\npasserelle-pdk.workspace = true\n\n\
             [dev-dependencies]\npasserelle-pdk-test.workspace = true\n\n\
             [build-dependencies]\npasserelle-pdk-build = {{ path = \"../../pdk-build\" }}\n\n[lints]\nworkspace = true\n"
        )
    } else {
        format!(
            "[package]\nname = \"decoder-{name}\"\ndescription = \"Passerelle decoder plugin for {name} devices.\"\n\
             version = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n\
             [lib]\nname = \"{lib}\"\ncrate-type = [\"cdylib\", \"rlib\"]\n\n\
             [dependencies]\npasserelle-pdk = {{ path = {:?} }}\n\n\
             [dev-dependencies]\npasserelle-pdk-test = {{ path = {:?} }}\n\n\
             [build-dependencies]\npasserelle-pdk-build = {{ path = {:?} }}\n\n\
             # A workspace of its own, with the release profile plugins are built with.\n[workspace]\n\n\
             [profile.release]\nopt-level = 3\nlto = true\ncodegen-units = 1\npanic = \"abort\"\nstrip = true\n",
            plugins.join("pdk").display().to_string(),
            plugins.join("pdk-test").display().to_string(),
            plugins.join("pdk-build").display().to_string()
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
