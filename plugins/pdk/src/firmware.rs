//! Firmware versions as routes name them, for formats that changed between firmwares.

use std::vec::Vec;

/// A firmware version (`1.1.4`, `v1.1.4`, `V1.2`): numbers separated by dots, compared number by
/// number, a missing number counting as 0 (`1.2` is `1.2.0`).
///
/// ```
/// use passerelle_pdk::Firmware;
///
/// let v = Firmware::parse("v1.1.4").unwrap();
/// assert!(v.at_least(&[1, 1, 4]));
/// assert!(!Firmware::parse("1.1").unwrap().at_least(&[1, 1, 4]));
/// assert!(Firmware::parse("1.2").unwrap().at_least(&[1, 1, 4]));
/// assert_eq!(Firmware::parse("beta"), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Firmware(Vec<u32>);

impl Firmware {
    /// Parses a version; `None` when it is not numbers separated by dots (after an optional
    /// leading `v` or `V`).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let text = text.strip_prefix(['v', 'V']).unwrap_or(text);
        let parts: Option<Vec<u32>> = text.split('.').map(|p| p.parse().ok()).collect();
        parts.filter(|p| !p.is_empty()).map(Self)
    }

    /// True when this version is `min` or later.
    pub fn at_least(&self, min: &[u32]) -> bool {
        let len = self.0.len().max(min.len());
        for i in 0..len {
            let (a, b) = (self.0.get(i).copied().unwrap_or(0), min.get(i).copied().unwrap_or(0));
            if a != b {
                return a > b;
            }
        }
        true
    }
}
