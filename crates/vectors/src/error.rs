//! Why a vector file cannot be read, and where.

use std::fmt;

use crate::hex::HexError;

/// Where in a vector file a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    /// A 1-based line of a JSON-lines file.
    Line(usize),
    /// A 0-based example of a TTN codec file (`uplinkDecoder.examples[i]`).
    Example(usize),
    /// The document as a whole.
    Document,
}

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Line(n) => write!(f, "line {n}"),
            Self::Example(n) => write!(f, "example {n}"),
            Self::Document => f.write_str("document"),
        }
    }
}

/// A leaf of an expected output that no reading can have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{name}`: {what} is not a reading value")]
pub struct LeafError {
    /// The leaf's dotted name.
    pub name: String,
    /// What it is (`"null"`, `"a number out of range"`).
    pub what: &'static str,
}

/// Why a vector file cannot be read. Every case names where ([`At`]); the message is complete
/// in `Display` (the details are data of the case, not a `source`).
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// A line is not JSON.
    #[error("{at}: not JSON: {error}")]
    Json {
        /// Where.
        at: At,
        /// The parser's complaint.
        error: serde_json::Error,
    },
    /// A required field is absent, or a field has the wrong type or range.
    #[error("{at}: `{field}` must be {wanted}")]
    Field {
        /// Where.
        at: At,
        /// The field (dotted for nested fields: `input.bytes`).
        field: &'static str,
        /// What it must be.
        wanted: &'static str,
    },
    /// The payload is not hexadecimal.
    #[error("{at}: `{field}`: {problem}")]
    Hex {
        /// Where.
        at: At,
        /// The field holding the hex.
        field: &'static str,
        /// What is wrong with it.
        problem: HexError,
    },
    /// An expected value that no reading can have.
    #[error("{at}: {problem}")]
    Leaf {
        /// Where.
        at: At,
        /// Which leaf, and why.
        problem: LeafError,
    },
    /// A vendor output with neither `data` (an object) nor a non-empty `errors` list.
    #[error("{at}: `output` has neither `data` (an object) nor `errors`")]
    Output {
        /// Where.
        at: At,
    },
}

impl FormatError {
    /// Where the problem is.
    pub fn at(&self) -> At {
        match self {
            Self::Json { at, .. }
            | Self::Field { at, .. }
            | Self::Hex { at, .. }
            | Self::Leaf { at, .. }
            | Self::Output { at } => *at,
        }
    }
}
