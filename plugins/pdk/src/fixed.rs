use std::borrow::Cow;
use std::format;

use crate::Reader;
use crate::decoder::DecodeError;

/// A payload read at fixed offsets, as vendor decoders written in JavaScript read
/// `bytes[i] << 8 | bytes[i + 1]`: every read names its absolute offset and goes through a
/// [`Reader`], so a field past the end is [`DecodeError::TooShort`], never a panic or an
/// out-of-bounds index.
///
/// What a missing byte gives is chosen when the value is made:
/// - [`FixedBytes::new`]: an error (`TooShort` with the offset of the field that does not fit,
///   as [`Reader::skip`] reports it when the field starts past the end, or with the end of the
///   field when it starts inside the payload);
/// - [`FixedBytes::zero_padded`]: the payload is extended with zero bytes up to a length, for
///   the vendor decoders that read a missing byte as `undefined`, which their bitwise
///   arithmetic turns into 0.
///
/// Multi-byte reads are big-endian (the `_be` methods), like [`Reader`]'s.
#[derive(Debug, Clone)]
pub struct FixedBytes<'a> {
    data: Cow<'a, [u8]>,
}

impl<'a> FixedBytes<'a> {
    /// The payload as received: a read past its end is an error.
    pub fn new(payload: &'a [u8]) -> Self {
        Self { data: Cow::Borrowed(payload) }
    }

    /// The payload extended with zero bytes up to `len` (unchanged when it has `len` bytes or
    /// more): a read below `len` never fails, a read past `len` (or past the payload when it is
    /// longer) is an error.
    pub fn zero_padded(payload: &'a [u8], len: usize) -> Self {
        if payload.len() >= len {
            return Self::new(payload);
        }
        let mut owned = payload.to_vec();
        owned.resize(len, 0);
        Self { data: Cow::Owned(owned) }
    }

    /// Number of bytes (padding included).
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// True for an empty payload.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The bytes (padding included).
    pub fn as_slice(&self) -> &[u8] {
        &self.data
    }

    /// `TooShort(n)` unless the payload has at least `n` bytes.
    pub fn require(&self, n: usize) -> Result<(), DecodeError> {
        Reader::new(&self.data).skip(n)
    }

    /// `TooShort(n)` for fewer than `n` bytes, `InvalidField` for more: for a report that the
    /// vendor decodes only when its length is exactly `n`.
    pub fn exactly(&self, n: usize) -> Result<(), DecodeError> {
        self.require(n)?;
        if self.len() > n {
            return Err(DecodeError::InvalidField(format!(
                "payload length {} (this report is {n} bytes)",
                self.len()
            )));
        }
        Ok(())
    }

    /// A reader positioned at `offset`.
    fn at(&self, offset: usize) -> Result<Reader<'_>, DecodeError> {
        let mut r = Reader::new(&self.data);
        r.skip(offset)?;
        Ok(r)
    }

    /// The bytes `start..end` (none when `end <= start`).
    pub fn slice(&self, start: usize, end: usize) -> Result<&[u8], DecodeError> {
        self.at(start)?.take(end.saturating_sub(start))
    }

    /// Unsigned byte at `offset`.
    pub fn u8(&self, offset: usize) -> Result<u8, DecodeError> {
        self.at(offset)?.u8()
    }

    /// Signed byte at `offset`.
    pub fn i8(&self, offset: usize) -> Result<i8, DecodeError> {
        self.at(offset)?.i8()
    }

    /// Unsigned 16 bits at `offset`, big-endian.
    pub fn u16_be(&self, offset: usize) -> Result<u16, DecodeError> {
        self.at(offset)?.u16_be()
    }

    /// Signed 16 bits at `offset`, big-endian.
    pub fn i16_be(&self, offset: usize) -> Result<i16, DecodeError> {
        self.at(offset)?.i16_be()
    }

    /// Unsigned 24 bits at `offset`, big-endian.
    pub fn u24_be(&self, offset: usize) -> Result<u32, DecodeError> {
        self.at(offset)?.u24_be()
    }

    /// Unsigned 32 bits at `offset`, big-endian.
    pub fn u32_be(&self, offset: usize) -> Result<u32, DecodeError> {
        self.at(offset)?.u32_be()
    }

    /// Signed 32 bits at `offset`, big-endian (what JavaScript's `b[i] << 24 | ...` gives).
    pub fn i32_be(&self, offset: usize) -> Result<i32, DecodeError> {
        self.at(offset)?.i32_be()
    }
}

#[cfg(test)]
mod tests {
    use super::FixedBytes;
    use crate::decoder::DecodeError;

    #[test]
    fn reads_at_offsets_big_endian() {
        let b = FixedBytes::new(&[0x01, 0x02, 0xff, 0xfe, 0x80]);
        assert!(matches!(b.u8(0), Ok(1)));
        assert!(matches!(b.i8(2), Ok(-1)));
        assert!(matches!(b.u16_be(0), Ok(0x0102)));
        assert!(matches!(b.i16_be(2), Ok(-2)));
        assert!(matches!(b.u24_be(1), Ok(0x02_fffe)));
        assert!(matches!(b.u32_be(1), Ok(0x02ff_fe80)));
        assert!(matches!(b.i32_be(1), Ok(0x02ff_fe80)));
        assert!(matches!(b.slice(1, 3), Ok([0x02, 0xff])));
        assert!(matches!(b.slice(3, 1), Ok([])));
    }

    #[test]
    fn past_the_end_is_too_short() {
        let b = FixedBytes::new(&[0x01, 0x02, 0x03]);
        // A field starting inside the payload reports its end; one starting past it, its start.
        assert!(matches!(b.u16_be(2), Err(DecodeError::TooShort(4))));
        assert!(matches!(b.u32_be(5), Err(DecodeError::TooShort(5))));
        assert!(matches!(b.slice(2, 6), Err(DecodeError::TooShort(6))));
        assert!(b.require(3).is_ok());
        assert!(matches!(b.require(4), Err(DecodeError::TooShort(4))));
        assert!(b.exactly(3).is_ok());
        assert!(matches!(b.exactly(2), Err(DecodeError::InvalidField(_))));
    }

    #[test]
    fn zero_padding_reads_missing_bytes_as_zero() {
        let b = FixedBytes::zero_padded(&[0x01], 4);
        assert_eq!(b.len(), 4);
        assert!(matches!(b.u32_be(0), Ok(0x0100_0000)));
        assert!(matches!(b.u8(4), Err(DecodeError::TooShort(5))));
        let long = FixedBytes::zero_padded(&[1, 2, 3], 2);
        assert_eq!(long.as_slice(), [1, 2, 3]);
    }
}
