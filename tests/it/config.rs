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
