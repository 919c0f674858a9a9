/// Declares the decoder plugin: `pub struct Plugin` implementing the `decoder` world's
/// [`Guest`](crate::decoder::Guest) trait, and its export in the wasm build (native builds, such
/// as tests, call `Plugin` through the trait).
///
/// ```ignore
/// passerelle_pdk::decoder_plugin! {
///     name: "acme",
///     models: MODELS.iter().map(|m| String::from(*m)).collect(),
///     decode: |frame| decode_payload(&frame.model, frame.port, &frame.payload),
///     vectors: test_vectors(),
/// }
/// ```
///
/// `describe` reports `name`, the crate's version and `models`; `decode-batch` decodes each
/// frame in turn with `decode` and packs the results with [`batch`](crate::batch).
#[macro_export]
macro_rules! decoder_plugin {
    (name: $name:expr, models: $models:expr, decode: |$frame:ident| $decode:expr, vectors: $vectors:expr $(,)?) => {
        /// The plugin, exported as the `decode` interface of the `decoder` world.
        pub struct Plugin;

        impl $crate::decoder::Guest for Plugin {
            fn describe() -> $crate::decoder::Metadata {
                $crate::decoder::Metadata {
                    name: ::std::string::String::from($name),
                    version: ::std::string::String::from(env!("CARGO_PKG_VERSION")),
                    models: $models,
                }
            }

            fn decode(
                $frame: $crate::decoder::Frame,
            ) -> ::std::result::Result<::std::vec::Vec<$crate::decoder::Reading>, $crate::decoder::DecodeError> {
                $decode
            }

            fn decode_batch(frames: ::std::vec::Vec<$crate::decoder::Frame>) -> $crate::decoder::Batch {
                $crate::batch(frames.into_iter().map(<Self as $crate::decoder::Guest>::decode))
            }

            fn vectors() -> ::std::vec::Vec<$crate::decoder::TestVector> {
                $vectors
            }
        }

        // The component exports exist only in the wasm build: their symbol names
        // (`passerelle:plugin/decode@0.4.0#decode`) cannot go into a native cdylib's linker
        // version script.
        #[cfg(target_arch = "wasm32")]
        $crate::decoder::export_decoder!(Plugin with_types_in $crate::decoder);
    };
}
