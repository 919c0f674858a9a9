//! Rebuilds the bindings when the WIT contract changes (`wit_bindgen::generate!` reads the
//! files at expansion time, which cargo does not track by itself).

fn main() {
    println!("cargo::rerun-if-changed=../../wit");
}
