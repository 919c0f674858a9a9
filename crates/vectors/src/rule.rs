//! The one comparison rule: does what a decoder gave meet what a vector expects?

use std::collections::BTreeMap;
use std::fmt;

use crate::value::{Expectation, Outcome, Reading, Value};

/// Numbers agree when they differ by at most this fraction of the larger magnitude (1e-6).
pub const RELATIVE_TOLERANCE: f64 = 1e-6;

/// Numbers agree when they differ by at most this much, whatever their size (1e-9): near zero,
/// a relative tolerance alone would demand exact equality.
pub const ABSOLUTE_TOLERANCE: f64 = 1e-9;

/// One way a decode result differs from its expectation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Difference {
    /// The expectation has this reading and the decoder did not give it.
    #[error("{name}: expected {want}, missing")]
    Missing {
        /// The reading's name.
        name: String,
        /// The expected value.
        want: Value,
    },
    /// The decoder gave a reading the expectation does not have.
    #[error("{name}: unexpected, got {got}")]
    Unexpected {
        /// The reading's name.
        name: String,
        /// The value given.
        got: Value,
    },
    /// The decoder gave a name a different number of times than the expectation has it: a
    /// repeated reading name where one value is expected, or the reverse.
    #[error("{name}: expected {} value(s) [{}], got {} [{}]", want.len(), list(want), got.len(), list(got))]
    Count {
        /// The reading's name.
        name: String,
        /// The expected values, in order.
        want: Vec<Value>,
        /// The values given, in order.
        got: Vec<Value>,
    },
    /// A reading with another value than expected.
    #[error("{name}{}: expected {want}, got {got}", occurrence.map(|i| format!(" (occurrence {})", i + 1)).unwrap_or_default())]
    Value {
        /// The reading's name.
        name: String,
        /// For a name that appears several times, which of them (0-based); `None` otherwise.
        occurrence: Option<usize>,
        /// The expected value.
        want: Value,
        /// The value given.
        got: Value,
    },
    /// Readings where a decode error was expected.
    #[error("expected a decode error, got {} reading(s) [{}]", names.len(), names.join(", "))]
    NotRefused {
        /// The names of the readings given.
        names: Vec<String>,
    },
    /// A decode error (a refusal) where readings were expected.
    #[error("expected readings, refused: {error}")]
    Refused {
        /// The decode error, in words.
        error: String,
    },
    /// The decoder did not finish (trap, deadline, memory or readings cap).
    #[error("expected {}, the decoder failed: {error}", if *error_expected { "a decode error" } else { "readings" })]
    Failed {
        /// True when the expectation was a decode error.
        error_expected: bool,
        /// What stopped it, in words.
        error: String,
    },
}

fn list(values: &[Value]) -> String {
    values.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

/// Every difference between a decode result and its expectation (never empty).
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// The differences, in the order of the expectation's names, then the unexpected names.
    pub differences: Vec<Difference>,
}

impl fmt::Display for Mismatch {
    /// The differences joined by `"; "`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.differences.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Mismatch {}

/// Whether two values agree: numbers within [`RELATIVE_TOLERANCE`] of the larger magnitude or
/// within [`ABSOLUTE_TOLERANCE`] (NaN agrees with nothing); text, booleans and bytes exactly
/// equal; values of different kinds never (the number `1` is not the text `"1"` nor `true`).
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let diff = (x - y).abs();
            x == y || diff <= ABSOLUTE_TOLERANCE || diff <= RELATIVE_TOLERANCE * x.abs().max(y.abs())
        }
        (Value::Text(x), Value::Text(y)) => x == y,
        (Value::Boolean(x), Value::Boolean(y)) => x == y,
        (Value::Bytes(x), Value::Bytes(y)) => x == y,
        _ => false,
    }
}

/// Checks what decoding gave against what a vector expects: the crate's one rule.
///
/// - [`Expectation::Error`] is met by [`Outcome::Refused`] only.
/// - [`Expectation::Readings`] is met by [`Outcome::Readings`] that [`compare_readings`] finds
///   no difference with.
/// - [`Outcome::Failed`] meets nothing.
///
/// # Errors
/// A [`Mismatch`] listing every difference.
pub fn check(expect: &Expectation, got: &Outcome) -> Result<(), Mismatch> {
    let differences = match (expect, got) {
        (Expectation::Error, Outcome::Refused(_)) => Vec::new(),
        (Expectation::Error, Outcome::Readings(r)) => {
            vec![Difference::NotRefused { names: r.iter().map(|r| r.name.clone()).collect() }]
        }
        (Expectation::Readings(_), Outcome::Refused(e)) => vec![Difference::Refused { error: e.clone() }],
        (_, Outcome::Failed(e)) => vec![Difference::Failed {
            error_expected: matches!(expect, Expectation::Error),
            error: e.clone(),
        }],
        (Expectation::Readings(want), Outcome::Readings(got)) => compare_readings(want, got),
    };
    if differences.is_empty() { Ok(()) } else { Err(Mismatch { differences }) }
}

/// The differences between expected and given readings (empty when they agree).
///
/// Readings are matched by name. For each name, the values given under it, in order, must be
/// the values expected under it, in order, one for one ([`same`]): so nothing is missing,
/// nothing is extra, and **a name given more times than the expectation has it is a
/// difference** ([`Difference::Count`]), even when every copy holds the expected value. No
/// copy is silently preferred (neither the first nor the last). The order of different names
/// does not matter; units and times are not compared.
pub fn compare_readings(want: &[Reading], got: &[Reading]) -> Vec<Difference> {
    // name -> (expected values, given values), names kept in order of first appearance.
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut names: Vec<(&str, Vec<&Value>, Vec<&Value>)> = Vec::new();
    for (side, readings) in [(0, want), (1, got)] {
        for r in readings {
            let at = *index.entry(r.name.as_str()).or_insert_with(|| {
                names.push((r.name.as_str(), Vec::new(), Vec::new()));
                names.len() - 1
            });
            if let Some((_, w, g)) = names.get_mut(at) {
                if side == 0 { w.push(&r.value) } else { g.push(&r.value) }
            }
        }
    }
    let mut out = Vec::new();
    for (name, w, g) in names {
        let owned = |values: &[&Value]| values.iter().map(|v| (*v).clone()).collect::<Vec<_>>();
        match (w.len(), g.len()) {
            (_, 0) => out
                .extend(w.iter().map(|v| Difference::Missing { name: name.to_string(), want: (*v).clone() })),
            (0, _) => out.extend(
                g.iter().map(|v| Difference::Unexpected { name: name.to_string(), got: (*v).clone() }),
            ),
            (n, m) if n != m => {
                out.push(Difference::Count { name: name.to_string(), want: owned(&w), got: owned(&g) })
            }
            (n, _) => out.extend(w.iter().zip(&g).enumerate().filter(|(_, (a, b))| !same(a, b)).map(
                |(i, (a, b))| Difference::Value {
                    name: name.to_string(),
                    occurrence: (n > 1).then_some(i),
                    want: (*a).clone(),
                    got: (*b).clone(),
                },
            )),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(name: &str, x: f64) -> Reading {
        Reading::new(name, Value::Number(x))
    }

    #[test]
    fn numbers_agree_within_a_millionth_or_a_billionth() {
        assert!(same(&Value::Number(1004.7), &Value::Number(1_004.700_000_1)));
        assert!(!same(&Value::Number(1004.7), &Value::Number(1004.8)));
        assert!(same(&Value::Number(0.0), &Value::Number(0.0)));
        assert!(same(&Value::Number(0.0), &Value::Number(5e-10)), "absolute tolerance near zero");
        assert!(!same(&Value::Number(0.0), &Value::Number(2e-9)));
        assert!(!same(&Value::Number(f64::NAN), &Value::Number(f64::NAN)));
    }

    #[test]
    fn other_values_agree_only_when_equal_and_of_the_same_kind() {
        assert!(same(&Value::Text("no".into()), &Value::Text("no".into())));
        assert!(!same(&Value::Text("yes".into()), &Value::Text("no".into())));
        assert!(same(&Value::Boolean(true), &Value::Boolean(true)));
        assert!(!same(&Value::Boolean(true), &Value::Number(1.0)));
        assert!(!same(&Value::Text("1".into()), &Value::Number(1.0)));
        assert!(same(&Value::Bytes(vec![1, 2]), &Value::Bytes(vec![1, 2])));
        assert!(!same(&Value::Bytes(vec![1, 2]), &Value::Bytes(vec![1])));
    }

    #[test]
    fn exact_readings_in_any_order_agree() {
        let want = [n("a", 1.0), n("b", 2.0)];
        let got = [n("b", 2.000_000_000_1), n("a", 1.0)];
        assert_eq!(compare_readings(&want, &got), []);
        assert_eq!(check(&Expectation::Readings(want.to_vec()), &Outcome::Readings(got.to_vec())), Ok(()));
    }

    #[test]
    fn missing_unexpected_and_wrong_values_are_each_named() {
        let want = [n("temperature", 20.0), n("humidity", 30.0)];
        let got = [n("temperature", 21.0), n("battery", 50.0)];
        let d = compare_readings(&want, &got);
        assert_eq!(
            d,
            [
                Difference::Value {
                    name: "temperature".into(),
                    occurrence: None,
                    want: Value::Number(20.0),
                    got: Value::Number(21.0)
                },
                Difference::Missing { name: "humidity".into(), want: Value::Number(30.0) },
                Difference::Unexpected { name: "battery".into(), got: Value::Number(50.0) },
            ]
        );
        let text = Mismatch { differences: d }.to_string();
        assert_eq!(
            text,
            "temperature: expected 20, got 21; humidity: expected 30, missing; battery: unexpected, got 50"
        );
    }

    #[test]
    fn a_repeated_name_where_one_value_is_expected_is_a_difference() {
        let want = [n("temperature", 20.0)];
        // Even when one copy (first or last) holds the expected value.
        for got in [
            [n("temperature", 20.0), n("temperature", 21.0)],
            [n("temperature", 21.0), n("temperature", 20.0)],
        ] {
            let d = compare_readings(&want, &got);
            assert!(
                matches!(&d[..], [Difference::Count { name, want, got }]
                    if name == "temperature" && want.len() == 1 && got.len() == 2),
                "{d:?}"
            );
        }
        // And when both copies hold it.
        let d = compare_readings(&want, &[n("temperature", 20.0), n("temperature", 20.0)]);
        assert!(matches!(&d[..], [Difference::Count { .. }]), "{d:?}");
        // The reverse: the expectation repeats a name the decoder gives once.
        let d = compare_readings(&[n("x", 1.0), n("x", 2.0)], &[n("x", 1.0)]);
        assert!(matches!(&d[..], [Difference::Count { .. }]), "{d:?}");
    }

    #[test]
    fn a_name_repeated_on_both_sides_is_compared_in_order() {
        let want = [n("t", 1.0), n("u", 9.0), n("t", 2.0)];
        assert_eq!(compare_readings(&want, &[n("t", 1.0), n("t", 2.0), n("u", 9.0)]), []);
        let d = compare_readings(&want, &[n("t", 2.0), n("t", 1.0), n("u", 9.0)]);
        assert!(
            matches!(
                &d[..],
                [
                    Difference::Value { occurrence: Some(0), .. },
                    Difference::Value { occurrence: Some(1), .. }
                ]
            ),
            "{d:?}"
        );
        assert_eq!(
            Mismatch { differences: d }.to_string(),
            "t (occurrence 1): expected 1, got 2; t (occurrence 2): expected 2, got 1"
        );
    }

    #[test]
    fn an_expected_error_is_met_by_a_refusal_only() {
        assert_eq!(check(&Expectation::Error, &Outcome::Refused("too short".into())), Ok(()));
        let e = check(&Expectation::Error, &Outcome::Readings(vec![n("a", 1.0)]));
        assert!(
            matches!(e, Err(Mismatch { ref differences }) if differences == &[Difference::NotRefused { names: vec!["a".into()] }]),
            "{e:?}"
        );
        assert!(check(&Expectation::Error, &Outcome::Readings(vec![])).is_err());
        let e = check(&Expectation::Error, &Outcome::Failed("deadline".into()));
        assert!(
            matches!(e, Err(Mismatch { ref differences }) if matches!(differences[..], [Difference::Failed { error_expected: true, .. }])),
            "{e:?}"
        );
    }

    #[test]
    fn expected_readings_are_not_met_by_an_error_or_a_failure() {
        let want = Expectation::Readings(vec![n("a", 1.0)]);
        let e = check(&want, &Outcome::Refused("bad".into()));
        assert!(
            matches!(e, Err(Mismatch { ref differences }) if matches!(differences[..], [Difference::Refused { .. }])),
            "{e:?}"
        );
        let e = check(&want, &Outcome::Failed("trap".into()));
        assert!(
            matches!(e, Err(Mismatch { ref differences }) if matches!(differences[..], [Difference::Failed { error_expected: false, .. }])),
            "{e:?}"
        );
        // No readings expected and none given agree.
        assert_eq!(check(&Expectation::Readings(vec![]), &Outcome::Readings(vec![])), Ok(()));
    }
}
