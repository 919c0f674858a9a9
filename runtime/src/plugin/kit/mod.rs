//! The plugin author's kit, as a library: load vector files (our JSON lines, or a TTN codec
//! YAML as published; both parsed by `passerelle-vectors`), run vectors under the one rule,
//! fuzz a decoder and measure it, scaffold a decoder crate. The `passerelle plugin` commands are
//! thin wrappers over these functions, and the test suite calls them too. Built with the `cli`
//! feature only: an embedding host does not compile it. A script decoder (`js_codec.wasm`) is
//! tested with its codec package: [`decoder_for`] pairs the engine with the codec of a TTN
//! `*-codec.yaml`, whose examples [`load_vectors`] reads.

mod bench;
mod fuzz;
mod scaffold;
mod vectors;

pub use bench::{BenchReport, bench};
pub use fuzz::{FuzzReport, fuzz};
pub use scaffold::{KIT_VERSION, KitSource, Scaffold, ScaffoldError, scaffold_decoder};
pub use vectors::{VectorFileError, VectorOutcome, decoder_for, load_vectors, run_vectors, test_vector};
