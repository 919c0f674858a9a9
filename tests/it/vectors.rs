//! Every decoder plugin passes its own vectors through the host (the check run before a plugin
//! goes live), and carries the shared vendor vectors.

use passerelle::plugin::{DecoderPlugin, Engine, Limits};

use crate::harness::plugin;

#[test]
fn every_decoder_passes_its_own_vectors_through_the_host() {
    let engine = Engine::new(None).unwrap();
    for (stem, at_least) in [("milesight", 8), ("elsys", 3)] {
        let compiled = engine.compile_file(plugin(stem).as_ref()).unwrap();
        let decoder = DecoderPlugin::new(&engine, &compiled, Limits::default()).unwrap();
        let (vectors, failures) = decoder.check_vectors().unwrap();
        assert!(
            vectors.len() >= at_least,
            "{stem}: {} vectors",
            vectors.len()
        );
        assert!(failures.is_empty(), "{stem}: {failures:#?}");
        assert!(!decoder.metadata().models.is_empty());
    }
}
