//! Rebuilds the bindings when the WIT contract changes (`wit_bindgen::generate!` reads the
//! files at expansion time, which cargo does not track by itself). `wit` is a symbolic link to
//! the repository's `wit/` (the single source of truth), so the files travel with the crate
//! when it is packaged or taken from git.

fn main() {
    println!("cargo::rerun-if-changed=wit");
}
