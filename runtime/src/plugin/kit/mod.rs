//! The plugin author's kit, as a library: load vector files (our JSON lines, or a TTN codec
//! YAML as published; both parsed by `passerelle-vectors`), run vectors under the one rule,
//! fuzz a decoder and measure it, scaffold a decoder crate. The `passerelle plugin` commands are
//! thin wrappers over these functions, and the test suite calls them too. Built with the `cli`
//! feature only: an embedding host does not compile it (nor its YAML parser).

mod bench;
mod fuzz;
mod scaffold;
mod vectors;

pub use bench::{BenchReport, bench};
pub use fuzz::{FuzzReport, fuzz};
pub use scaffold::{Scaffold, ScaffoldError, scaffold_decoder};
pub use vectors::{VectorFileError, VectorOutcome, load_vectors, run_vectors, test_vector};
