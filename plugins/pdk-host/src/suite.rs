//! Native test helpers for Passerelle decoder plugins (feature `test`).
//!
//! A decoder crate's `tests/vectors.rs` runs its plugin natively, through the generated
//! [`Guest`] trait, under the one vector rule of `passerelle-vectors` ([`check`] converts the
//! WIT types and calls [`passerelle_vectors::check`]: names matched one for one, a repeated
//! name where one value is expected is a difference, numbers within 1e-6 relative, nothing
//! missing or extra, an expected error needs a decode error). Every helper is generic over the
//! plugin type and fails the calling test with a message listing every offending vector.
//! [`decoder_tests!`] writes the standard suite, one `#[test]` per helper:
//!
//! ```ignore
//! passerelle_pdk_host::decoder_tests!(
//!     adeunis::Plugin,
//!     vendor: "adeunis",
//!     unsupported_model: (1, &[0x01, 0x75, 0x10]),
//! );
//! ```
//!
//! The vendor vectors are the JSON lines of [`VENDOR_VECTORS`]: the repository's own copy of
//! the TTN device repository's codec examples (`vectors/ttn/vectors.jsonl`), as `check-vectors`
//! runs them.

use passerelle_pdk::decoder::{DecodeError, Expectation, Frame, Guest, Reading, Value};
pub use passerelle_vectors::{HexError, Mismatch, VendorVector, hex};

/// The vendor vectors file the repository carries (`vectors/ttn/vectors.jsonl` at its root).
pub const VENDOR_VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../vectors/ttn/vectors.jsonl");

/// A frame as the plugin's own vectors carry it: device `"vector"`, received at 0 ms.
pub fn canonical_frame(model: &str, port: u8, payload: Vec<u8>) -> Frame {
    Frame {
        device: String::from("vector"),
        model: model.to_string(),
        port,
        payload,
        received_ms: 0,
        firmware: None,
    }
}

/// A WIT value as `passerelle-vectors` sees it.
pub fn value(v: &Value) -> passerelle_vectors::Value {
    match v {
        Value::Number(x) => passerelle_vectors::Value::Number(*x),
        Value::Text(s) => passerelle_vectors::Value::Text(s.clone()),
        Value::Boolean(b) => passerelle_vectors::Value::Boolean(*b),
        Value::Bytes(b) => passerelle_vectors::Value::Bytes(b.clone()),
    }
}

/// A WIT expectation as `passerelle-vectors` sees it.
pub fn expectation(e: &Expectation) -> passerelle_vectors::Expectation {
    match e {
        Expectation::Error => passerelle_vectors::Expectation::Error,
        Expectation::Readings(r) => passerelle_vectors::Expectation::Readings(
            r.iter().map(|r| passerelle_vectors::Reading::new(r.name.clone(), value(&r.value))).collect(),
        ),
    }
}

/// A decode result as `passerelle-vectors` sees it: readings, or a refusal (a native call
/// cannot trap).
pub fn outcome(got: &Result<Vec<Reading>, DecodeError>) -> passerelle_vectors::Outcome {
    match got {
        Ok(r) => passerelle_vectors::Outcome::Readings(
            r.iter().map(|r| passerelle_vectors::Reading::new(r.name.clone(), value(&r.value))).collect(),
        ),
        Err(e) => passerelle_vectors::Outcome::Refused(format!("{e:?}")),
    }
}

/// Checks a native decode result against a vector's expectation with the one rule
/// ([`passerelle_vectors::check`]).
///
/// # Errors
/// A [`Mismatch`] listing every difference.
pub fn check(expect: &Expectation, got: &Result<Vec<Reading>, DecodeError>) -> Result<(), Mismatch> {
    passerelle_vectors::check(&expectation(expect), &outcome(got))
}

/// The `vendor` vectors of [`VENDOR_VECTORS`], asserting the file is there, well formed, and
/// has at least one vector of `vendor`.
#[allow(clippy::panic, reason = "a test helper fails the calling test by panicking")]
fn load_vendor_vectors(vendor: &str) -> Vec<VendorVector> {
    let text = match std::fs::read_to_string(VENDOR_VECTORS) {
        Ok(text) => text,
        Err(e) => panic!("{VENDOR_VECTORS}: {e} (the repository carries its vendor vectors)"),
    };
    let vectors = match passerelle_vectors::parse_vendor_vectors(&text) {
        Ok(vectors) => vectors,
        Err(e) => panic!("{VENDOR_VECTORS}: {e}"),
    };
    let mine: Vec<VendorVector> = vectors.into_iter().filter(|v| v.vendor == vendor).collect();
    assert!(!mine.is_empty(), "no {vendor} vectors in {VENDOR_VECTORS}");
    mine
}

/// Asserts the plugin has vectors and every one of them passes ([`check`]).
pub fn assert_own_vectors_pass<P: Guest>() {
    let vectors = P::vectors();
    assert!(!vectors.is_empty(), "no vectors");
    let failures: Vec<String> = vectors
        .iter()
        .filter_map(|v| {
            let got = P::decode(v.frame.clone());
            check(&v.expect, &got).err().map(|e| format!("{} [{}]: {e}", v.description, v.frame.model))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} vectors fail:\n{}",
        failures.len(),
        vectors.len(),
        failures.join("\n")
    );
}

/// Asserts every model the plugin describes has at least one vector expecting readings.
pub fn assert_every_model_has_a_vector<P: Guest>() {
    let vectors = P::vectors();
    let missing: Vec<String> = P::describe()
        .models
        .into_iter()
        .filter(|m| {
            !vectors.iter().any(|v| &v.frame.model == m && matches!(v.expect, Expectation::Readings(_)))
        })
        .collect();
    assert!(missing.is_empty(), "models without a readings vector: {missing:?}");
}

/// Asserts every vector frame is canonical: device `"vector"`, received at 0 ms (so a decoder
/// that reads the time decodes every vector the same way on every host).
pub fn assert_vectors_are_canonical<P: Guest>() {
    for v in P::vectors() {
        assert_eq!(v.frame.device, "vector", "{}", v.description);
        assert_eq!(v.frame.received_ms, 0, "{}", v.description);
    }
}

/// Asserts a frame for the model `"no-such-model"` (on `port`, with `payload`) is an
/// `UnsupportedModel` error.
pub fn assert_unsupported_model_is_an_error<P: Guest>(port: u8, payload: &[u8]) {
    let got = P::decode(canonical_frame("no-such-model", port, payload.to_vec()));
    assert!(matches!(got, Err(DecodeError::UnsupportedModel(_))), "{got:?}");
}

/// Decodes every proper prefix of every vector frame: each must give readings or an error,
/// never a panic.
pub fn assert_truncated_frames_never_panic<P: Guest>() {
    for v in P::vectors() {
        for n in 0..v.frame.payload.len() {
            let mut frame = v.frame.clone();
            frame.payload.truncate(n);
            let _ = P::decode(frame);
        }
    }
}

/// Asserts every vendor vector of `vendor` decodes as its vendor decoder does, through
/// `P::decode` with the vector's fPort on a [`canonical_frame`] (as `check-vectors` runs them).
pub fn assert_vendor_vectors_pass<P: Guest>(vendor: &str) {
    let failures: Vec<String> = load_vendor_vectors(vendor)
        .iter()
        .filter_map(|v| {
            let got = P::decode(canonical_frame(&v.model, v.port, v.payload.clone()));
            passerelle_vectors::check(&v.expect, &outcome(&got)).err().map(|e| format!("{}: {e}", v.name()))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Asserts every vendor vector of `vendor` is also one of the plugin's own vectors (same model,
/// fPort and payload, and the same expectation), so the plugin's `vectors()` carries them to
/// every host.
pub fn assert_vendor_vectors_included<P: Guest>(vendor: &str) {
    let own = P::vectors();
    let missing: Vec<String> = load_vendor_vectors(vendor)
        .iter()
        .filter(|s| {
            !own.iter().any(|o| {
                o.frame.model == s.model
                    && o.frame.port == s.port
                    && o.frame.payload == s.payload
                    && same_expectation(&expectation(&o.expect), &s.expect)
            })
        })
        .map(|s| format!("{} is not in vectors.jsonl with the vendor's expectation", s.name()))
        .collect();
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

/// Two expectations agree: both errors, or readings that meet each other under the rule.
fn same_expectation(a: &passerelle_vectors::Expectation, b: &passerelle_vectors::Expectation) -> bool {
    use passerelle_vectors::Expectation as E;
    match (a, b) {
        (E::Error, E::Error) => true,
        (E::Readings(x), E::Readings(y)) => passerelle_vectors::compare_readings(x, y).is_empty(),
        _ => false,
    }
}

/// Writes the standard tests of a decoder plugin, one `#[test]` function per helper:
///
/// | test | helper |
/// |---|---|
/// | `own_vectors_pass` | [`assert_own_vectors_pass`] |
/// | `every_model_has_a_vector` | [`assert_every_model_has_a_vector`] |
/// | `vector_frames_are_canonical` | [`assert_vectors_are_canonical`] |
/// | `unsupported_model_is_an_error` | [`assert_unsupported_model_is_an_error`] with the given fPort and payload |
/// | `truncated_frames_never_panic` | [`assert_truncated_frames_never_panic`] |
/// | `vendor_vectors_pass` | [`assert_vendor_vectors_pass`] for `vendor` |
/// | `vendor_vectors_are_included` | [`assert_vendor_vectors_included`] for `vendor` |
///
/// `vendor` is the vendor file's `vendor` field (`"milesight-iot"`). Use it once, at the top
/// level of an integration test file; the crate's own tests go beside it.
#[macro_export]
macro_rules! decoder_tests {
    ($plugin:ty, vendor: $vendor:expr, unsupported_model: ($port:expr, $payload:expr) $(,)?) => {
        #[test]
        fn own_vectors_pass() {
            $crate::assert_own_vectors_pass::<$plugin>();
        }

        #[test]
        fn every_model_has_a_vector() {
            $crate::assert_every_model_has_a_vector::<$plugin>();
        }

        #[test]
        fn vector_frames_are_canonical() {
            $crate::assert_vectors_are_canonical::<$plugin>();
        }

        #[test]
        fn unsupported_model_is_an_error() {
            $crate::assert_unsupported_model_is_an_error::<$plugin>($port, $payload);
        }

        #[test]
        fn truncated_frames_never_panic() {
            $crate::assert_truncated_frames_never_panic::<$plugin>();
        }

        #[test]
        fn vendor_vectors_pass() {
            $crate::assert_vendor_vectors_pass::<$plugin>($vendor);
        }

        #[test]
        fn vendor_vectors_are_included() {
            $crate::assert_vendor_vectors_included::<$plugin>($vendor);
        }
    };
}

#[cfg(test)]
mod tests {
    use passerelle_pdk::decoder::ExpectedReading;
    use passerelle_vectors::Difference;

    use super::*;

    fn reading(name: &str, x: f64) -> Reading {
        Reading { name: name.into(), value: Value::Number(x), unit: None, time_ms: None }
    }

    fn expect(name: &str, x: f64) -> Expectation {
        Expectation::Readings(vec![ExpectedReading { name: name.into(), value: Value::Number(x) }])
    }

    #[test]
    fn wit_values_convert_case_for_case() {
        assert_eq!(value(&Value::Number(1.5)), passerelle_vectors::Value::Number(1.5));
        assert_eq!(value(&Value::Text("no".into())), passerelle_vectors::Value::Text("no".into()));
        assert_eq!(value(&Value::Boolean(false)), passerelle_vectors::Value::Boolean(false));
        assert_eq!(value(&Value::Bytes(vec![1, 2])), passerelle_vectors::Value::Bytes(vec![1, 2]));
    }

    #[test]
    fn check_applies_the_one_rule_to_wit_types() {
        assert!(check(&expect("t", 20.0), &Ok(vec![reading("t", 20.000_000_01)])).is_ok());
        assert!(check(&expect("t", 20.0), &Ok(vec![reading("t", 21.0)])).is_err());
        assert!(check(&Expectation::Error, &Err(DecodeError::TooShort(3))).is_ok());
        assert!(check(&Expectation::Error, &Ok(vec![])).is_err());
        assert!(check(&expect("t", 20.0), &Err(DecodeError::TooShort(3))).is_err());
        // A repeated name where the vector expects one value is a difference.
        let twice = check(&expect("t", 20.0), &Ok(vec![reading("t", 20.0), reading("t", 20.0)]));
        assert!(
            matches!(&twice, Err(m) if matches!(m.differences[..], [Difference::Count { .. }])),
            "{twice:?}"
        );
    }

    #[test]
    fn the_repository_carries_the_vendor_vectors() {
        let text = std::fs::read_to_string(VENDOR_VECTORS);
        assert!(text.is_ok(), "{VENDOR_VECTORS}: {text:?}");
        let vectors = passerelle_vectors::parse_vendor_vectors(&text.unwrap_or_default());
        assert!(vectors.as_ref().is_ok_and(|v| v.len() >= 42), "{vectors:?}");
        let milesight = load_vendor_vectors("milesight-iot");
        assert!(milesight.iter().all(|v| v.vendor == "milesight-iot") && milesight.len() >= 8);
    }
}
