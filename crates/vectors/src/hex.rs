//! Hexadecimal payloads, as the vector files write them.

/// Why a text is not a hexadecimal payload.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HexError {
    /// An odd number of digits (whitespace not counted).
    #[error("odd number of hex digits ({digits})")]
    OddLength {
        /// How many digits there are.
        digits: usize,
    },
    /// A character that is neither a hexadecimal digit nor whitespace.
    #[error("not a hex digit at position {position}")]
    NotHex {
        /// Its 0-based character position in the text.
        position: usize,
    },
}

/// The bytes of a hexadecimal text: `"01a2"` and `"01 A2"` give `[0x01, 0xa2]`. Either case;
/// ASCII whitespace between digits is ignored.
///
/// # Errors
/// [`HexError`] for an odd number of digits or a character that is not a hex digit.
pub fn hex(text: &str) -> Result<Vec<u8>, HexError> {
    let mut digits = Vec::with_capacity(text.len());
    for (position, c) in text.chars().enumerate() {
        if c.is_ascii_whitespace() {
            continue;
        }
        let digit = c.to_digit(16).ok_or(HexError::NotHex { position })?;
        digits.push(u8::try_from(digit).map_err(|_| HexError::NotHex { position })?);
    }
    if !digits.len().is_multiple_of(2) {
        return Err(HexError::OddLength { digits: digits.len() });
    }
    Ok(digits.chunks_exact(2).map(|pair| pair.iter().fold(0u8, |acc, d| (acc << 4) | d)).collect())
}

/// Lower-case hex of `bytes`, no separator: `[0x01, 0xa2]` gives `"01a2"`.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        for nibble in [b >> 4, b & 0x0f] {
            out.push(char::from(DIGITS.get(usize::from(nibble)).copied().unwrap_or(b'0')));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_reads_either_case_and_skips_whitespace() {
        assert_eq!(hex("01aBff"), Ok(vec![0x01, 0xab, 0xff]));
        assert_eq!(hex("0175 32\n"), Ok(vec![0x01, 0x75, 0x32]));
        assert_eq!(hex(""), Ok(vec![]));
    }

    #[test]
    fn hex_refuses_odd_lengths_and_other_characters() {
        assert_eq!(hex("012"), Err(HexError::OddLength { digits: 3 }));
        assert_eq!(hex("0g"), Err(HexError::NotHex { position: 1 }));
        assert_eq!(hex("01753G"), Err(HexError::NotHex { position: 5 }));
    }

    #[test]
    fn to_hex_round_trips() {
        let bytes = [0x00, 0x0f, 0xa2, 0xff];
        assert_eq!(to_hex(&bytes), "000fa2ff");
        assert_eq!(hex(&to_hex(&bytes)), Ok(bytes.to_vec()));
    }
}
