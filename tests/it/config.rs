//! Configuration: every error at once, located; every example parses.

use passerelle::config::Config;

#[test]
fn a_config_with_several_mistakes_reports_all_of_them_with_line_and_column() {
    let text = r#"(
    connectors: {
        "push": (transport: http_push(listen: "nowhere", path: "x"), plugin: "connector.wasm"),
    },
    decoders: {
        "milesight": (plugin: "milesight.wasm", instances: 0),
    },
    routes: [
        (devicetype: "em300-th", decoder: "milesight", sinks: ["db"]),
        (devicetype: "am307", decoder: "milesite", sinks: ["nowhere"]),
    ],
    sinks: { "db": sqlite(path: "p.db") },
    dead_letter: "dlq",
)"#;
    let config = Config::parse(text, "several.ron").unwrap();
    let errors = config.validate().unwrap_err().0;
    let at: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.message.as_str())).collect();
    assert_eq!(errors.len(), 6, "{at:#?}");
    let has = |line: usize, needle: &str| at.iter().any(|(l, m)| *l == line && m.contains(needle));
    assert!(has(3, "listen \"nowhere\""), "{at:#?}");
    assert!(has(3, "path \"x\" must start with /"), "{at:#?}");
    assert!(has(6, "instances must be at least 1"), "{at:#?}");
    assert!(has(10, "decoder \"milesite\" is not defined"), "{at:#?}");
    assert!(has(10, "sink \"nowhere\" is not defined"), "{at:#?}");
    assert!(has(13, "dead_letter: sink \"dlq\""), "{at:#?}");
    assert!(errors.iter().all(|e| e.column > 0 && e.origin == "several.ron"));
    // Sorted in source order, and printed as file:line:column.
    assert!(errors.windows(2).all(|w| (w[0].line, w[0].column) <= (w[1].line, w[1].column)));
    assert!(errors[0].to_string().starts_with("several.ron:3:"), "{}", errors[0]);
}

#[test]
fn a_syntax_error_is_located() {
    let err = Config::parse("(\n  connectors: {},\n  decoderz: {},\n)", "typo.ron").unwrap_err();
    assert_eq!(err.0.len(), 1);
    assert_eq!((err.0[0].line, err.0[0].column > 0), (3, true), "{err}");
    assert!(err.0[0].message.contains("decoderz"), "{err}");
}

#[test]
fn every_example_config_parses_and_validates() {
    let dir = crate::harness::root().join("examples");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) == Some("ron") {
            let config = Config::from_file(&path).unwrap_or_else(|e| panic!("{e}"));
            config.validate().unwrap_or_else(|e| panic!("{e}"));
            seen += 1;
        }
    }
    assert!(seen >= 2, "examples/*.ron found: {seen}");
}

#[test]
fn a_sink_that_keeps_no_dead_letters_cannot_be_the_dead_letter() {
    let text = r#"(
    sinks: {
        "db": sqlite(path: "p.db"),
        "out": mqtt(host: "127.0.0.1", client_id: "out"),
    },
    dead_letter: "out",
)"#;
    let errors = Config::parse(text, "capabilities.ron").unwrap().validate().unwrap_err().0;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].line, 6);
    assert!(errors[0].message.contains("sink \"out\" (mqtt) keeps no dead letters"), "{}", errors[0]);
    // The same sinks with SQLite as the dead letter are fine.
    let fixed = text.replace(r#"dead_letter: "out""#, r#"dead_letter: "db""#);
    assert!(Config::parse(&fixed, "capabilities.ron").unwrap().validate().is_ok());
}

#[test]
fn connector_driver_settings_are_checked() {
    let text = r#"(
    connectors: {
        "poll": (transport: embedded(), plugin: "poller.wasm", request_timeout_ms: 0, max_requests: 0),
    },
    sinks: { "db": sqlite(path: "p.db") },
    dead_letter: "db",
)"#;
    let errors = Config::parse(text, "driver.ron").unwrap().validate().unwrap_err().0;
    let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("request_timeout_ms must be above 0")), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("max_requests must be above 0")), "{messages:?}");
    assert!(errors.iter().all(|e| e.line == 3));
}

#[test]
fn devicetypes_are_checked_and_a_list_becomes_one_route_each() {
    let text = r#"(
    decoders: { "m": (plugin: "m.wasm"), "e": (plugin: "e.wasm") },
    routes: [
        (devicetypes: ["em300-th", "am307"], decoder: "m", sinks: ["db"]),
        (devicetypes: all, decoder: "e", sinks: ["db"], ordered: true),
    ],
    sinks: { "db": sqlite(path: "p.db") },
    dead_letter: "db",
)"#;
    let config = Config::parse(text, "lists.ron").unwrap().validated().unwrap();
    let routes: Vec<_> = config
        .routes
        .iter()
        .map(|r| (r.devicetype.as_str(), r.decoder.as_str(), r.devicetypes.is_some()))
        .collect();
    assert_eq!(routes, [("em300-th", "m", false), ("am307", "m", false), ("", "e", true)]);

    let text = r#"(
    decoders: { "m": (plugin: "m.wasm") },
    routes: [
        (devicetypes: ["em300-th", "em300-th"], decoder: "m", sinks: ["db"]),
        (devicetype: "am307", devicetypes: all, decoder: "m", sinks: ["db"]),
        (decoder: "m", sinks: ["db"]),
        (devicetypes: all, model: "x", decoder: "m", sinks: ["db"]),
        (devicetypes: [], decoder: "m", sinks: ["db"]),
        (devicetypes: all, decoder: "m", sinks: ["db"]),
        (devicetypes: all, decoder: "m", sinks: ["db"]),
    ],
    sinks: { "db": sqlite(path: "p.db") },
    dead_letter: "db",
)"#;
    let errors = Config::parse(text, "wrong.ron").unwrap().validate().unwrap_err().0;
    let at: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.message.as_str())).collect();
    assert_eq!(errors.len(), 6, "{at:#?}");
    let has = |line: usize, needle: &str| at.iter().any(|(l, m)| *l == line && m.contains(needle));
    assert!(has(4, "devicetype \"em300-th\" is listed twice"), "{at:#?}");
    assert!(has(5, "`devicetype` and `devicetypes` together"), "{at:#?}");
    assert!(has(6, "route 3: no devicetype"), "{at:#?}");
    assert!(has(7, "`model` with `devicetypes`"), "{at:#?}");
    assert!(has(8, "`devicetypes` is an empty list"), "{at:#?}");
    assert!(has(10, "already has `devicetypes: all` in route 6"), "{at:#?}");

    let typo =
        Config::parse(&text.replace("devicetypes: all, decoder", "devicetypes: alll, decoder"), "typo.ron");
    let typo = typo.unwrap_err().to_string();
    assert!(typo.contains("`all` or a list of devicetypes"), "{typo}");
}

#[test]
fn check_plugins_names_a_missing_file_a_wrong_world_and_an_unknown_model() {
    use crate::harness::plugin;
    let dir = tempfile::tempdir().unwrap();
    let cache = std::env::temp_dir().join("passerelle-it-compile-cache");
    let text = format!(
        r#"(
    connectors: {{ "push": (transport: http_push(listen: "127.0.0.1:0"), plugin: "{milesight}") }},
    decoders: {{
        "gone": (plugin: "missing.wasm"),
        "connector": (plugin: "{push}"),
        "milesight": (plugin: "{milesight}"),
        "elsys": (plugin: "{elsys}"),
    }},
    routes: [
        (devicetype: "ers", decoder: "milesight", sinks: ["db"]),
        (devicetypes: all, decoder: "elsys", sinks: ["db"]),
    ],
    sinks: {{ "db": sqlite(path: "p.db") }},
    dead_letter: "db",
    compile_cache: "{cache}",
)"#,
        milesight = plugin("milesight"),
        push = plugin("energisme_push"),
        elsys = plugin("elsys"),
        cache = cache.display(),
    );
    let config = Config::parse(&text, &dir.path().join("c.ron").display().to_string()).unwrap();
    let errors = passerelle::check_plugins(&config.validated().unwrap());
    let chain = |e: &passerelle::Error| {
        let mut text = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            text.push_str(&format!(": {s}"));
            source = s.source();
        }
        text
    };
    let texts: Vec<String> = errors.iter().map(chain).collect();
    assert_eq!(texts.len(), 4, "{texts:#?}");
    assert!(texts[0].starts_with("plugin push") && texts[0].contains("milesight.wasm"), "{texts:#?}");
    assert!(
        texts[1].starts_with("plugin connector") && texts[1].contains("energisme_push.wasm"),
        "{texts:#?}"
    );
    assert!(texts[2].starts_with("plugin gone") && texts[2].contains("missing.wasm"), "{texts:#?}");
    assert!(texts[3].contains(r#"route "ers": decoder milesight does not handle model "ers""#), "{texts:#?}");
}
