//! The Gooee topic table (seed 002): which topics exist for which entity kind, and the
//! subscriptions the settings ask for.

use std::collections::BTreeSet;
use std::fmt::Write;

/// An entity kind, the first level of every topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `devices/(:id)/...`
    Devices,
    /// `areas/(:id)/...`
    Areas,
    /// `spaces/(:id)/...`
    Spaces,
    /// `buildings/(:id)/...`
    Buildings,
}

impl Kind {
    /// Every kind, with its topic prefix (also the setting naming the ids to follow).
    pub const ALL: [(Kind, &'static str); 4] = [
        (Kind::Devices, "devices"),
        (Kind::Areas, "areas"),
        (Kind::Spaces, "spaces"),
        (Kind::Buildings, "buildings"),
    ];

    fn parse(s: &str) -> Option<Kind> {
        Self::ALL.iter().find(|(_, p)| *p == s).map(|(k, _)| *k)
    }

    /// The topic prefix.
    pub fn prefix(self) -> &'static str {
        match self {
            Kind::Devices => "devices",
            Kind::Areas => "areas",
            Kind::Spaces => "spaces",
            Kind::Buildings => "buildings",
        }
    }

    /// The topics the table lists for one id of this kind (without meta names or action types).
    fn base_topics(self) -> &'static [&'static str] {
        match self {
            Kind::Devices => &["meta", "actions", "fault_alarms", "meta/rejected", "fault_alarms/rejected"],
            Kind::Areas => &HEAD_COUNTS,
            Kind::Spaces => &["actions", "meta/head_count", "meta/headcount_in", "meta/headcount_out"],
            Kind::Buildings => &[
                "actions",
                "fault_alarms",
                "fault_alarms/rejected",
                "meta/head_count",
                "meta/headcount_in",
                "meta/headcount_out",
            ],
        }
    }

    fn has_actions(self) -> bool {
        !matches!(self, Kind::Areas)
    }
}

const HEAD_COUNTS: [&str; 3] = ["meta/head_count", "meta/headcount_in", "meta/headcount_out"];

/// What a topic carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum What<'a> {
    /// All meta values (`devices/(:id)/meta`): an array of meta objects.
    Meta,
    /// One meta value (`.../meta/(:name)`): one meta object.
    MetaName(&'a str),
    /// Actions, of one type when the topic names it.
    Actions(Option<&'a str>),
    /// Fault alarms.
    FaultAlarms,
    /// A rejected publish; carries the topic it was published on, without `/rejected`.
    Rejected(&'a str),
}

/// A topic of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic<'a> {
    /// The entity kind.
    pub kind: Kind,
    /// The entity id.
    pub id: &'a str,
    /// What it carries.
    pub what: What<'a>,
}

/// A name usable as one topic level: not empty, no `/`, no wildcard, no NUL.
pub fn valid_level(s: &str) -> bool {
    !s.is_empty() && !s.contains(['/', '+', '#', '\0'])
}

/// Looks a topic up in the table; none when the table does not list it (wildcards included).
pub fn parse(topic: &str) -> Option<Topic<'_>> {
    let levels: Vec<&str> = topic.split('/').collect();
    if !levels.iter().all(|l| valid_level(l)) {
        return None;
    }
    let (kind, id, rest) = match levels.as_slice() {
        [k, id, rest @ ..] => (Kind::parse(k)?, *id, rest),
        _ => return None,
    };
    let rejected_prefix = || topic.strip_suffix("/rejected").unwrap_or(topic);
    let what = match (kind, rest) {
        (Kind::Devices, ["meta"]) => What::Meta,
        (Kind::Devices, ["meta", "rejected"]) => What::Rejected(rejected_prefix()),
        (Kind::Devices, ["meta", name]) => What::MetaName(name),
        (_, ["meta", name]) if HEAD_COUNTS.iter().any(|h| h.strip_prefix("meta/") == Some(name)) => {
            What::MetaName(name)
        }
        (k, ["actions"]) if k.has_actions() => What::Actions(None),
        (k, ["actions", t]) if k.has_actions() => What::Actions(Some(t)),
        (Kind::Devices | Kind::Buildings, ["fault_alarms"]) => What::FaultAlarms,
        (Kind::Devices | Kind::Buildings, ["fault_alarms", "rejected"]) => What::Rejected(rejected_prefix()),
        _ => return None,
    };
    Some(Topic { kind, id, what })
}

/// The settings a connector takes, each a comma-separated list.
pub const SETTINGS: [&str; 7] =
    ["devices", "areas", "spaces", "buildings", "meta_names", "action_types", "topics"];

/// Why a setting is refused: its name and the reason.
pub type BadSetting = (String, String);

fn list(v: &str) -> impl Iterator<Item = &str> {
    v.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// The topics to subscribe to for these settings, in a stable order without duplicates:
/// every table topic of each listed id, the meta names (`devices/(:id)/meta/(:name)`) and
/// action types (`.../actions/(:type)`) asked for, and any explicit `topics`, each of which
/// must be in the table.
///
/// # Errors
/// The first setting at fault: unknown, an id or name that cannot be a topic level, a topic
/// outside the table, or nothing to follow at all.
pub fn subscriptions(settings: &[(String, String)]) -> Result<Vec<String>, BadSetting> {
    let get = |name: &str| settings.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("");
    for (k, _) in settings {
        if !SETTINGS.contains(&k.as_str()) {
            return Err((k.clone(), format!("unknown setting; expected one of {}", SETTINGS.join(", "))));
        }
    }
    let check = |setting: &str| -> Result<Vec<&str>, BadSetting> {
        let items: Vec<&str> = list(get(setting)).collect();
        match items.iter().find(|i| !valid_level(i)) {
            Some(bad) => {
                Err((setting.to_string(), format!("{bad:?} cannot be one topic level (no /, + or #)")))
            }
            None => Ok(items),
        }
    };
    let meta_names = check("meta_names")?;
    let action_types = check("action_types")?;
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut push = |t: String| {
        if seen.insert(t.clone()) {
            out.push(t);
        }
    };
    for (kind, setting) in Kind::ALL {
        for id in check(setting)? {
            for t in kind.base_topics() {
                push(format!("{}/{id}/{t}", kind.prefix()));
            }
            if kind == Kind::Devices {
                for n in &meta_names {
                    push(format!("devices/{id}/meta/{n}"));
                }
            }
            if kind.has_actions() {
                for a in &action_types {
                    let mut t = String::new();
                    let _ = write!(t, "{}/{id}/actions/{a}", kind.prefix());
                    push(t);
                }
            }
        }
    }
    for t in list(get("topics")) {
        if parse(t).is_none() {
            return Err(("topics".into(), format!("{t:?} is not a topic of the Gooee topic table")));
        }
        push(t.to_string());
    }
    if out.is_empty() {
        return Err((
            "devices".into(),
            "nothing to follow: list ids in devices, areas, spaces or buildings".into(),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::{Kind, Topic, What, parse, subscriptions};

    fn s(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn table() {
        assert_eq!(parse("devices/d1/meta"), Some(Topic { kind: Kind::Devices, id: "d1", what: What::Meta }));
        assert_eq!(parse("devices/d1/meta/temperature").map(|t| t.what), Some(What::MetaName("temperature")));
        assert_eq!(
            parse("devices/d1/meta/rejected").map(|t| t.what),
            Some(What::Rejected("devices/d1/meta"))
        );
        assert_eq!(
            parse("buildings/b/fault_alarms/rejected").map(|t| t.what),
            Some(What::Rejected("buildings/b/fault_alarms"))
        );
        assert_eq!(parse("spaces/s/actions/off").map(|t| t.what), Some(What::Actions(Some("off"))));
        assert_eq!(parse("areas/a/meta/head_count").map(|t| t.what), Some(What::MetaName("head_count")));
        for outside in [
            "areas/a/actions",
            "areas/a/meta",
            "areas/a/meta/temperature",
            "spaces/s/fault_alarms",
            "spaces/s/meta/rejected",
            "devices/+/meta",
            "devices/d/#",
            "devices//meta",
            "rooms/r/meta",
            "devices/d",
            "devices/d/meta/x/y",
        ] {
            assert_eq!(parse(outside), None, "{outside}");
        }
    }

    #[test]
    fn subscriptions_follow_the_table() {
        let got = subscriptions(&s(&[("devices", "d1"), ("areas", "a1"), ("action_types", "dim")])).unwrap();
        assert_eq!(
            got,
            [
                "devices/d1/meta",
                "devices/d1/actions",
                "devices/d1/fault_alarms",
                "devices/d1/meta/rejected",
                "devices/d1/fault_alarms/rejected",
                "devices/d1/actions/dim",
                "areas/a1/meta/head_count",
                "areas/a1/meta/headcount_in",
                "areas/a1/meta/headcount_out",
            ]
        );
        for t in &got {
            assert!(parse(t).is_some(), "{t}");
        }
        let b = subscriptions(&s(&[("buildings", "b1, b2"), ("spaces", "s1")])).unwrap();
        assert_eq!(b.len(), 6 * 2 + 4);
    }

    #[test]
    fn bad_settings_are_named() {
        let err = |p: &[(&str, &str)]| subscriptions(&s(p)).unwrap_err().0;
        assert_eq!(err(&[("topics", "areas/a/actions")]), "topics");
        assert_eq!(err(&[("devices", "a/b")]), "devices");
        assert_eq!(err(&[("devices", "+")]), "devices");
        assert_eq!(err(&[("device", "d1")]), "device");
        assert_eq!(err(&[]), "devices");
        assert_eq!(subscriptions(&s(&[("topics", "devices/d1/meta")])).unwrap(), ["devices/d1/meta"]);
    }
}
