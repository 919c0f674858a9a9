//! A config change as a pure diff: old config, new config -> [`Plan`]. No file, plugin or
//! socket is touched here; `apply.rs` carries the plan out. Start-up is the diff from an empty
//! config.

use std::collections::BTreeMap;

use crate::config::Config;

/// What happens to the components of one kind, by name (in config order).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Changes {
    /// In the new config only: started.
    pub(crate) added: Vec<String>,
    /// In both, with different settings: started anew, the old one stopped.
    pub(crate) changed: Vec<String>,
    /// In the old config only: stopped.
    pub(crate) removed: Vec<String>,
    /// In both, the same: left running, untouched.
    pub(crate) kept: Vec<String>,
}

impl Changes {
    /// The components to start: added, then changed.
    pub(crate) fn starting(&self) -> impl Iterator<Item = &String> {
        self.added.iter().chain(&self.changed)
    }

    /// The components to stop: removed, then changed.
    pub(crate) fn stopping(&self) -> impl Iterator<Item = &String> {
        self.removed.iter().chain(&self.changed)
    }
}

/// Everything a config change does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Plan {
    pub(crate) decoders: Changes,
    pub(crate) sinks: Changes,
    pub(crate) connectors: Changes,
}

fn changes<T: PartialEq>(old: &BTreeMap<String, T>, new: &BTreeMap<String, T>, same_folder: bool) -> Changes {
    let mut c = Changes::default();
    for (name, v) in new {
        match old.get(name) {
            None => c.added.push(name.clone()),
            // Relative paths (plugins, databases, certificates) mean other files in another folder.
            Some(o) if o == v && same_folder => c.kept.push(name.clone()),
            Some(_) => c.changed.push(name.clone()),
        }
    }
    c.removed = old.keys().filter(|n| !new.contains_key(*n)).cloned().collect();
    c
}

/// The plan that takes a runtime running `old` to `new`. Pure.
pub(crate) fn diff(old: &Config, new: &Config) -> Plan {
    let same_folder = old.base_dir() == new.base_dir();
    Plan {
        decoders: changes(&old.decoders, &new.decoders, same_folder),
        sinks: changes(&old.sinks, &new.sinks, same_folder),
        connectors: changes(&old.connectors, &new.connectors, same_folder),
    }
}

#[cfg(test)]
mod tests {
    use super::{Changes, diff};
    use crate::config::Config;

    fn config(decoders: &str, sinks: &str, connectors: &str) -> Config {
        let text = format!(
            "(connectors: {{ {connectors} }}, decoders: {{ {decoders} }}, sinks: {{ {sinks} }}, dead_letter: \"db\")"
        );
        Config::parse(&text, "/etc/passerelle/config.ron").unwrap()
    }

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn start_up_is_the_diff_from_an_empty_config() {
        let new = config(r#""m": (plugin: "m.wasm")"#, r#""db": sqlite(path: "a.db")"#, "");
        let plan = diff(&Config::default(), &new);
        assert_eq!(plan.decoders, Changes { added: names(&["m"]), ..Changes::default() });
        assert_eq!(plan.sinks.added, names(&["db"]));
        assert!(plan.connectors.added.is_empty());
    }

    #[test]
    fn each_component_is_added_changed_removed_or_kept() {
        let old = config(
            r#""a": (plugin: "a.wasm"), "b": (plugin: "b.wasm"), "c": (plugin: "c.wasm")"#,
            r#""db": sqlite(path: "a.db")"#,
            r#""push": (transport: http_push(listen: "127.0.0.1:0"), plugin: "p.wasm")"#,
        );
        let new = config(
            r#""a": (plugin: "a.wasm"), "b": (plugin: "b.wasm", instances: 4), "d": (plugin: "d.wasm")"#,
            r#""db": sqlite(path: "a.db"), "out": sqlite(path: "b.db")"#,
            r#""push": (transport: http_push(listen: "127.0.0.1:0"), plugin: "p.wasm", tick_ms: 50)"#,
        );
        let plan = diff(&old, &new);
        assert_eq!(
            plan.decoders,
            Changes {
                added: names(&["d"]),
                changed: names(&["b"]),
                removed: names(&["c"]),
                kept: names(&["a"]),
            }
        );
        assert_eq!(
            plan.sinks,
            Changes { added: names(&["out"]), kept: names(&["db"]), ..Changes::default() }
        );
        assert_eq!(plan.connectors.changed, names(&["push"]));
        assert_eq!(plan.decoders.starting().collect::<Vec<_>>(), ["d", "b"]);
        assert_eq!(plan.decoders.stopping().collect::<Vec<_>>(), ["c", "b"]);
    }

    #[test]
    fn the_same_config_in_another_folder_changes_everything() {
        let text = r#"(decoders: { "a": (plugin: "a.wasm") }, sinks: { "db": sqlite(path: "a.db") }, dead_letter: "db")"#;
        let old = Config::parse(text, "/one/config.ron").unwrap();
        let new = Config::parse(text, "/two/config.ron").unwrap();
        let plan = diff(&old, &new);
        assert_eq!(plan.decoders.changed, names(&["a"]));
        assert_eq!(plan.sinks.changed, names(&["db"]));
        assert!(diff(&old, &old).decoders.changed.is_empty());
    }
}
