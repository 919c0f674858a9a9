use std::string::String;
use std::vec::Vec;

use crate::decoder::{DecodeError, Expectation, Reading, Value};

/// Checks a decode result against a test vector's expectation, with the rules of the vendor
/// vector checker: the readings must hold exactly the expected names (nothing missing, nothing
/// extra, no name twice); numbers equal within 1e-6 relative (or 1e-9 absolute), text,
/// booleans and bytes equal; an `Error` expectation needs an `Err`. Units are not compared.
///
/// Returns a description of every difference found.
pub fn check(expect: &Expectation, got: &Result<Vec<Reading>, DecodeError>) -> Result<(), String> {
    let readings = match (expect, got) {
        (Expectation::Error, Err(_)) => return Ok(()),
        (Expectation::Error, Ok(r)) => {
            let names: Vec<&str> = r.iter().map(|r| r.name.as_str()).collect();
            return Err(format!("expected a decode error, got readings {names:?}"));
        }
        (Expectation::Readings(_), Err(e)) => {
            return Err(format!("expected readings, got error {e:?}"));
        }
        (Expectation::Readings(want), Ok(r)) => (want, r),
    };
    let (want, got) = readings;
    let mut problems = Vec::new();
    for w in want {
        match got.iter().find(|g| g.name == w.name) {
            None => problems.push(format!("missing {} (want {:?})", w.name, w.value)),
            Some(g) if !same(&w.value, &g.value) => {
                problems.push(format!("{}: want {:?}, got {:?}", w.name, w.value, g.value));
            }
            Some(_) => {}
        }
    }
    for (i, g) in got.iter().enumerate() {
        if !want.iter().any(|w| w.name == g.name) {
            problems.push(format!("extra {} = {:?}", g.name, g.value));
        }
        if got.iter().skip(i + 1).any(|o| o.name == g.name) {
            problems.push(format!("{} appears twice", g.name));
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(problems.join("; ")) }
}

/// Equality of two values as the vector checker sees it.
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let diff = (x - y).abs();
            x == y || diff <= 1e-9 || diff <= 1e-6 * x.abs().max(y.abs())
        }
        (Value::Text(x), Value::Text(y)) => x == y,
        (Value::Boolean(x), Value::Boolean(y)) => x == y,
        (Value::Bytes(x), Value::Bytes(y)) => x == y,
        _ => false,
    }
}
