//! What a vector expects and what a decoder gives, as plain Rust values.

use std::fmt;

/// A reading's value: the four cases of the WIT `value` type.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A number (JSON numbers are read as `f64`).
    Number(f64),
    /// Text.
    Text(String),
    /// A boolean.
    Boolean(bool),
    /// Raw bytes (never read from JSON: a JSON string is [`Value::Text`]).
    Bytes(Vec<u8>),
}

impl fmt::Display for Value {
    /// Numbers as Rust prints an `f64` (`20`, `22.5`), text quoted, bytes in lower-case hex.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Number(n) => write!(f, "{n}"),
            Self::Text(s) => write!(f, "{s:?}"),
            Self::Boolean(b) => write!(f, "{b}"),
            Self::Bytes(b) => f.write_str(&crate::hex::to_hex(b)),
        }
    }
}

/// A named value: one reading a decoder gave, or one a vector expects.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// The reading's name (nested vendor outputs are flattened to dotted names, `a.b.0`).
    pub name: String,
    /// Its value.
    pub value: Value,
}

impl Reading {
    /// A reading named `name` with `value`.
    pub fn new(name: impl Into<String>, value: Value) -> Self {
        Self { name: name.into(), value }
    }
}

/// What decoding a vector's frame must give.
#[derive(Debug, Clone, PartialEq)]
pub enum Expectation {
    /// A decode error (the data is refused).
    Error,
    /// Exactly these readings, under [`crate::check`]'s rule.
    Readings(Vec<Reading>),
}

/// What decoding a frame gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Readings, in the order the decoder returned them.
    Readings(Vec<Reading>),
    /// A decode error: the decoder refused the data (the text says why).
    Refused(String),
    /// The decoder did not finish: a trap, its deadline, its memory or readings cap. This never
    /// meets an expectation, not even [`Expectation::Error`].
    Failed(String),
}
