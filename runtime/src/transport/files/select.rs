use std::collections::HashMap;

/// Default names never read: temporary names of uploads in progress, and hidden files.
pub const DEFAULT_IGNORE: [&str; 4] = ["*.tmp", "*.part", "*.filepart", ".*"];

/// Whether `name` matches the glob `pattern`: `*` any run of characters, `?` one character,
/// anything else itself.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    // Iterative matching with one backtrack point for the last `*` seen.
    let (mut pi, mut ni) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ni));
                pi += 1;
            }
            Some(&c) if c == '?' || Some(&c) == n.get(ni) => {
                pi += 1;
                ni += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    pi = sp + 1;
                    ni = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..).is_some_and(|rest| rest.iter().all(|&c| c == '*'))
}

/// Which file names a file transport reads: those matching one `include` pattern and no
/// `ignore` pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    include: Vec<String>,
    ignore: Vec<String>,
}

impl Selector {
    /// A selector; an empty `include` reads every name.
    pub fn new(include: &[String], ignore: &[String]) -> Self {
        Self { include: include.to_vec(), ignore: ignore.to_vec() }
    }

    /// Whether `name` is read.
    pub fn wants(&self, name: &str) -> bool {
        (self.include.is_empty() || self.include.iter().any(|p| glob_match(p, name)))
            && !self.ignore.iter().any(|p| glob_match(p, name))
    }
}

/// Partial uploads are never read: a file is ready only once two polls in a row saw the same
/// size and modification time.
#[derive(Debug, Default)]
pub struct Stability {
    seen: HashMap<String, (u64, i64)>,
}

impl Stability {
    /// Takes one poll's listing (name, size, modification time) and returns the names whose
    /// size and time are the same as at the previous poll. Names gone are forgotten.
    pub fn observe(&mut self, listing: &[(String, u64, i64)]) -> Vec<String> {
        let mut ready = Vec::new();
        let mut now = HashMap::with_capacity(listing.len());
        for (name, size, mtime) in listing {
            if self.seen.get(name) == Some(&(*size, *mtime)) {
                ready.push(name.clone());
            }
            now.insert(name.clone(), (*size, *mtime));
        }
        self.seen = now;
        ready
    }
}

#[cfg(test)]
mod tests {
    use super::{DEFAULT_IGNORE, Selector, Stability, glob_match};

    #[test]
    fn globs() {
        assert!(glob_match("*.csv", "a.csv"));
        assert!(glob_match("*.csv*", "a.csv.gz"));
        assert!(glob_match("data_??.xml", "data_01.xml"));
        assert!(glob_match(".*", ".hidden"));
        assert!(!glob_match("*.csv", "a.csv.tmp"));
        assert!(!glob_match("a*b", "acbd"));
        assert!(glob_match("a*b*c", "aXbYbZc"));
    }

    #[test]
    fn temporary_names_are_ignored_by_default() {
        let ignore: Vec<String> = DEFAULT_IGNORE.iter().map(|s| s.to_string()).collect();
        let s = Selector::new(&[], &ignore);
        assert!(s.wants("readings.csv"));
        for name in ["readings.csv.tmp", "readings.csv.part", ".readings.csv"] {
            assert!(!s.wants(name), "{name}");
        }
        let only_csv = Selector::new(&["*.csv".into(), "*.csv.gz".into()], &ignore);
        assert!(only_csv.wants("x.csv.gz") && !only_csv.wants("x.json"));
    }

    #[test]
    fn a_file_is_ready_once_two_polls_agree() {
        let mut s = Stability::default();
        assert!(s.observe(&[("a".into(), 1, 1)]).is_empty());
        assert!(s.observe(&[("a".into(), 2, 2)]).is_empty(), "still growing");
        assert_eq!(s.observe(&[("a".into(), 2, 2)]), vec!["a".to_string()]);
    }
}
