use passerelle_pdk::connector::{Command, Inbound, Value};

use super::{Settings, handle_inbound, read_csv};

fn settings(pairs: &[(&str, &str)]) -> Settings {
    let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Settings::parse(&pairs).unwrap()
}

fn chunk(body: &str, headers: &[(&str, &str)]) -> Inbound {
    Inbound {
        id: 7,
        channel: "f.csv".into(),
        headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        body: body.as_bytes().to_vec(),
        received_ms: 0,
    }
}

fn ms(iso: &str) -> i64 {
    iso.parse::<jiff::Timestamp>().unwrap().as_millisecond()
}

#[test]
fn long_layout_with_bom_decimal_comma_and_paris_times() {
    let s = settings(&[("decimal", ","), ("timezone", "Europe/Paris"), ("unit", "kWh")]);
    let body = "\u{feff}Module;Timestamp;Value\r\nm1;2024-03-31 01:30:00;12,5\r\nm1;2024-03-31 02:30:00;1\r\nm2;2024-03-31 03:00:00;\"7,25\"\r\n";
    let out = read_csv(&s, &chunk(body, &[])).unwrap();
    assert_eq!(out.readings.len(), 2);
    let (m1, r1) = &out.readings[0];
    assert_eq!((m1.as_str(), r1.len()), ("m1", 1));
    assert_eq!(r1[0].time_ms, Some(ms("2024-03-31T00:30:00Z")));
    assert!(matches!(r1[0].value, Value::Number(v) if v == 12.5));
    assert_eq!(r1[0].unit.as_deref(), Some("kWh"));
    let (_, r2) = &out.readings[1];
    assert_eq!(r2[0].time_ms, Some(ms("2024-03-31T01:00:00Z")));
    assert_eq!(out.bad.len(), 1);
    assert_eq!(out.bad[0].line, 3);
    assert!(out.bad[0].reason.contains("f.csv line 3") && out.bad[0].reason.contains("does not exist"));
    assert_eq!(out.bad[0].bytes, b"m1;2024-03-31 02:30:00;1\r\n");
}

#[test]
fn a_chunk_takes_its_header_and_line_numbers_from_the_transport() {
    let s = settings(&[]);
    let inbound = chunk(
        "a,2024-01-01T00:00:00Z,1,W\nb,nope,2,W\n",
        &[("header", "module,timestamp,value,unit"), ("first-line", "41")],
    );
    let out = read_csv(&s, &inbound).unwrap();
    assert_eq!(out.readings.len(), 1);
    assert_eq!(out.readings[0].1[0].unit.as_deref(), Some("W"));
    assert_eq!(out.bad[0].line, 42);
}

#[test]
fn wide_layout_one_column_per_module() {
    let s = settings(&[("layout", "wide"), ("timestamp_column", "Date"), ("name", "energy")]);
    let out =
        read_csv(&s, &chunk("Date;m1;m2\n2024-01-01 00:00:00;1;\n2024-01-01 00:10:00;2;x\n", &[])).unwrap();
    assert_eq!(out.readings.len(), 1);
    assert_eq!(out.readings[0].0, "m1");
    assert_eq!(out.readings[0].1.len(), 1);
    assert_eq!(out.readings[0].1[0].name, "energy");
    assert_eq!(out.bad.len(), 1, "a bad cell sends its whole line to the dead letter");
}

#[test]
fn a_missing_mapped_column_refuses_the_chunk() {
    let s = settings(&[]);
    let out = handle_inbound(&s, &chunk("Module;When;Value\nm;2024-01-01 00:00:00;1\n", &[]));
    assert!(matches!(out.as_slice(), [Command::Reject(r)] if r.reason.contains("Timestamp")), "{out:?}");
}

#[test]
fn a_bad_record_is_dead_lettered_with_its_bytes_and_the_rest_accepted() {
    let s = settings(&[]);
    let out = handle_inbound(
        &s,
        &chunk("Module;Timestamp;Value\nm;2024-01-01 00:00:00;1\nm;2024-01-01 00:10:00;x\n", &[]),
    );
    let [Command::EmitReadings((7, m, rs)), Command::DeadLetter(d), Command::Accept(7)] = out.as_slice()
    else {
        panic!("{out:?}")
    };
    assert_eq!((m.as_str(), rs.len()), ("m", 1));
    assert_eq!(
        (d.id, d.subject.as_str(), d.bytes.as_slice()),
        (7, "f.csv:3", &b"m;2024-01-01 00:10:00;x\n"[..])
    );
    assert!(d.reason.contains("not a number"), "{}", d.reason);
}

#[test]
fn bad_settings_are_named() {
    for (k, v) in [("decimal", ";"), ("layout", "tall"), ("timezone", "Nowhere/City"), ("ambiguous", "guess")]
    {
        let pairs = vec![(k.to_string(), v.to_string())];
        let err = Settings::parse(&pairs).unwrap_err();
        assert!(
            matches!(err, passerelle_pdk::connector::ConnectorError::BadSetting((ref n, _)) if n == k),
            "{k}"
        );
    }
}

fn outcome_summary(out: &super::Outcome) -> Vec<(String, f64, Option<i64>, Option<String>)> {
    out.readings
        .iter()
        .flat_map(|(m, rs)| {
            rs.iter().map(move |r| {
                let v = match r.value {
                    Value::Number(n) => n,
                    _ => f64::NAN,
                };
                (m.clone(), v, r.time_ms, r.unit.clone())
            })
        })
        .collect()
}

#[test]
fn json_records_at_a_path_with_field_paths_and_a_bad_record() {
    let s = settings(&[
        ("format", "json"),
        ("records", "data.measures"),
        ("module_field", "point.id"),
        ("timestamp_field", "t"),
        ("value_field", "v"),
        ("timezone", "Europe/Paris"),
    ]);
    let body = r#"{"site": "x", "data": {"measures": [
  {"point": {"id": "m1"}, "t": "2024-01-15 10:00:00", "v": 1.5, "Unit": "kWh"},
  {"point": {"id": "m2"}, "t": 1705312800, "v": "2"},
  {"point": {"id": "m1"}, "t": "2024-01-15 10:10:00", "v": "n/a"},
  {"point": {"id": "m1"}, "t": "2024-01-15 10:20:00", "v": 3,}
]}}"#;
    let out = super::read_records(&s, &chunk(body, &[("file", "a.json")]));
    assert_eq!(
        outcome_summary(&out),
        vec![
            ("m1".to_string(), 1.5, Some(ms("2024-01-15T09:00:00Z")), Some("kWh".to_string())),
            ("m2".to_string(), 2.0, Some(1_705_312_800_000), None),
        ]
    );
    let bad: Vec<(&str, &str)> =
        out.bad.iter().map(|b| (b.subject.as_str(), std::str::from_utf8(&b.bytes).unwrap())).collect();
    assert_eq!(
        bad,
        vec![
            ("a.json:4", r#"{"point": {"id": "m1"}, "t": "2024-01-15 10:10:00", "v": "n/a"}"#),
            ("a.json:5", r#"{"point": {"id": "m1"}, "t": "2024-01-15 10:20:00", "v": 3,}"#),
        ]
    );
    assert!(out.bad[0].reason.contains("\"n/a\" is not a number"), "{:?}", out.bad[0]);
    assert!(out.bad[1].reason.contains("not JSON"), "{:?}", out.bad[1]);
}

#[test]
fn ndjson_and_a_chunk_the_host_cut_keep_their_file_lines() {
    let s = settings(&[("format", "json"), ("records", "ignored.when.the.host.cut")]);
    // The host cut these records out of `data.measures` (header `split: json`); the body keeps
    // the line ends between them, and `first-line` is the first record's line.
    let body = "{\"Module\": \"m1\", \"Timestamp\": \"2024-01-01T00:00:00Z\", \"Value\": 1}\n\n{\"Module\": \"m1\"} {\"Module\": \"m2\", \"Timestamp\": \"2024-01-01T00:00:00Z\", \"Value\": 2}";
    let out =
        super::read_records(&s, &chunk(body, &[("file", "b.json"), ("first-line", "40"), ("split", "json")]));
    assert_eq!(out.readings.len(), 2);
    assert_eq!(out.bad.len(), 1);
    assert_eq!(out.bad[0].subject, "b.json:42");
    assert!(out.bad[0].reason.contains("timestamp field \"Timestamp\" is missing"), "{:?}", out.bad[0]);
    let ndjson = settings(&[("format", "json"), ("timestamp_unit", "ms")]);
    let body = "{\"Module\": \"a\", \"Timestamp\": 1000, \"Value\": 1}\n{\"Module\": \"b\", \"Timestamp\": 2000, \"Value\": 2}\n";
    let out = super::read_records(&ndjson, &chunk(body, &[("first-line", "7")]));
    assert_eq!(
        outcome_summary(&out),
        vec![("a".to_string(), 1.0, Some(1000), None), ("b".to_string(), 2.0, Some(2000), None)]
    );
}

#[test]
fn xml_records_with_child_elements_attributes_and_a_bad_record() {
    let s = settings(&[
        ("format", "xml"),
        ("record", "mesure"),
        ("module_field", "@module"),
        ("timestamp_field", "horodatage"),
        ("value_field", "valeur.brute"),
        ("unit_field", "unite"),
        ("decimal", ","),
    ]);
    let body = "<?xml version=\"1.0\"?>\n<e:export xmlns:e=\"urn:energisme\">\n\
        <e:mesure module=\"compteur-1\" unite=\"kWh\"><horodatage>2024-01-01T00:00:00Z</horodatage><valeur><brute>1,5</brute></valeur></e:mesure>\n\
        <mesure module=\"compteur-&amp;2\"><horodatage>2024-01-01T00:10:00Z</horodatage><valeur><brute><![CDATA[2]]></brute></valeur><unite>Wh</unite></mesure>\n\
        <mesure module=\"compteur-3\"><horodatage>2024-01-01T00:10:00Z</horodatage><valeur><brute>2</valeur></mesure>\n\
        <mesure module=\"compteur-4\"><horodatage>hier</horodatage><valeur><brute>4</brute></valeur></mesure>\n\
        </e:export>\n";
    let out = super::read_records(&s, &chunk(body, &[("file", "c.xml")]));
    assert_eq!(
        outcome_summary(&out),
        vec![
            ("compteur-1".to_string(), 1.5, Some(ms("2024-01-01T00:00:00Z")), Some("kWh".to_string())),
            ("compteur-&2".to_string(), 2.0, Some(ms("2024-01-01T00:10:00Z")), Some("Wh".to_string())),
        ]
    );
    let bad: Vec<&str> = out.bad.iter().map(|b| b.subject.as_str()).collect();
    assert_eq!(bad, ["c.xml:5", "c.xml:6"]);
    assert!(out.bad[0].reason.contains("not well-formed"), "{:?}", out.bad[0]);
    assert!(out.bad[0].bytes.starts_with(b"<mesure module=\"compteur-3\">"));
}

#[test]
fn json_and_xml_chunks_are_accepted_with_their_dead_letters() {
    let s = settings(&[("format", "xml")]);
    let body =
        "<record Module=\"m\" Timestamp=\"2024-01-01T00:00:00Z\" Value=\"1\"/>\n<record Module=\"m\"/>";
    let commands = handle_inbound(&s, &chunk(body, &[("split", "xml")]));
    let kinds: Vec<String> = commands.iter().map(|c| format!("{c:?}").chars().take(12).collect()).collect();
    assert_eq!(commands.len(), 3, "{kinds:?}");
    assert!(matches!(&commands[0], Command::EmitReadings((7, m, rs)) if m == "m" && rs.len() == 1));
    assert!(matches!(&commands[1], Command::DeadLetter(d) if d.subject == "f.csv:2"));
    assert!(matches!(commands[2], Command::Accept(7)));
    let refused = Settings::parse(&[("format".to_string(), "yaml".to_string())]);
    assert!(refused.is_err());
}
