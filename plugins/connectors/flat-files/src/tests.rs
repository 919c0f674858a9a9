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
