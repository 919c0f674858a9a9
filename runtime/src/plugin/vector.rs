//! The host's types as `passerelle-vectors` sees them, so that one rule compares everywhere: a
//! decoder's own vectors before it goes live, vector files in the kit, and shadow runs.

use passerelle_vectors as vectors;

use super::PluginError;
use super::bindings::{Expectation, Value, WitReading};
use crate::message::Reading;

/// A WIT value, case for case.
pub(crate) fn value(v: &Value) -> vectors::Value {
    match v {
        Value::Number(x) => vectors::Value::Number(*x),
        Value::Text(s) => vectors::Value::Text(s.clone()),
        Value::Boolean(b) => vectors::Value::Boolean(*b),
        Value::Bytes(b) => vectors::Value::Bytes(b.clone()),
    }
}

/// A plugin vector's expectation.
pub(crate) fn expectation(e: &Expectation) -> vectors::Expectation {
    match e {
        Expectation::Error => vectors::Expectation::Error,
        Expectation::Readings(r) => vectors::Expectation::Readings(
            r.iter().map(|r| vectors::Reading::new(r.name.to_string(), value(&r.value))).collect(),
        ),
    }
}

/// A decode result: a data error ([`PluginError::is_data_error`]) is a refusal; anything else
/// (a trap, a deadline, a cap, a host error) is a failure, which meets no expectation.
pub(crate) fn outcome(got: &Result<Vec<WitReading>, PluginError>) -> vectors::Outcome {
    match got {
        Ok(r) => vectors::Outcome::Readings(
            r.iter().map(|r| vectors::Reading::new(r.name.to_string(), value(&r.value))).collect(),
        ),
        Err(e) if e.is_data_error() => vectors::Outcome::Refused(e.to_string()),
        Err(e) => vectors::Outcome::Failed(e.to_string()),
    }
}

/// Readings as they travel between actors (name and value; the unit and time are not compared).
pub(crate) fn readings(r: &[Reading]) -> Vec<vectors::Reading> {
    r.iter().map(|r| vectors::Reading::new(r.name.to_string(), value(&r.value))).collect()
}

/// A vector parsed by `passerelle-vectors` as the WIT test vector the host runs (device
/// `"vector"`, received at 0 ms, like a plugin's own vectors).
pub(crate) fn test_vector(v: vectors::Vector) -> crate::plugin::bindings::TestVector {
    use crate::plugin::bindings::{ExpectedReading, TestVector, WitFrame};
    let value = |v: vectors::Value| match v {
        vectors::Value::Number(x) => Value::Number(x),
        vectors::Value::Text(s) => Value::Text(s),
        vectors::Value::Boolean(b) => Value::Boolean(b),
        vectors::Value::Bytes(b) => Value::Bytes(b),
    };
    let expect = match v.expect {
        vectors::Expectation::Error => Expectation::Error,
        vectors::Expectation::Readings(r) => Expectation::Readings(
            r.into_iter().map(|r| ExpectedReading { name: r.name, value: value(r.value) }).collect(),
        ),
    };
    TestVector {
        description: v.description,
        frame: WitFrame {
            device: "vector".into(),
            model: v.model,
            port: v.port,
            payload: v.payload,
            received_ms: 0,
            firmware: v.firmware,
        },
        expect,
    }
}
