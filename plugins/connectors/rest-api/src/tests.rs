#![allow(clippy::unwrap_used, clippy::panic)]

use passerelle_pdk::connector::{Answer, Command, Entry, Event, Response, Value};

use crate::handle;
use crate::poll::{Poller, rfc3339};

fn start(extra: &[(&str, &str)]) -> Option<Poller> {
    let mut settings = vec![
        ("base_url".to_string(), "http://api.test/v1".to_string()),
        ("header.X-Api-Key".to_string(), "{secret:KEY}".to_string()),
        ("query.app".to_string(), "{secret:APP}".to_string()),
        ("poll_ms".to_string(), "60000".to_string()),
    ];
    settings.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let mut p = None;
    assert!(handle(&mut p, Event::Start(settings)).unwrap().is_empty());
    p
}

fn answer(
    p: &mut Option<Poller>,
    id: u64,
    status: u16,
    headers: &[(&str, &str)],
    body: &str,
) -> Vec<Command> {
    let answer = Answer {
        status,
        headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        body: body.as_bytes().to_vec(),
    };
    handle(p, Event::Response(Response { id, outcome: Ok(answer) })).unwrap()
}

/// The one request among the commands: its id and target.
fn request(commands: &[Command]) -> (u64, String) {
    let found: Vec<(u64, String)> = commands
        .iter()
        .filter_map(|c| match c {
            Command::Request(r) => Some((r.id, r.target.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(found.len(), 1, "{commands:?}");
    found.into_iter().next().unwrap()
}

#[test]
fn a_cycle_lists_devices_page_by_page_then_reads_series_and_saves_cursors_after_readings() {
    let mut p = start(&[]);
    let first = handle(&mut p, Event::Tick(1_000)).unwrap();
    let Command::Request(r) = &first[0] else { panic!("{first:?}") };
    assert_eq!(r.target, "http://api.test/v1/devices?app={secret:APP}");
    assert!(r.headers.contains(&("X-Api-Key".to_string(), "{secret:KEY}".to_string())), "{:?}", r.headers);
    assert!(handle(&mut p, Event::Tick(1_100)).unwrap().is_empty(), "one request at a time");
    let out = answer(
        &mut p,
        1,
        200,
        &[],
        r#"{"devices": [{"id": "d 1", "unit": "kWh"}], "next_page_token": "p2"}"#,
    );
    let (id, target) = request(&out);
    assert_eq!(target, "http://api.test/v1/devices?app={secret:APP}&page_token=p2");
    let out = answer(
        &mut p,
        id,
        200,
        &[],
        r#"{"devices": [{"id": "d2"}, {"name": "no id"}], "next_page_token": null}"#,
    );
    assert!(
        matches!(&out[0], Command::DeadLetter(d) if d.reason.contains("without the id field")),
        "{out:?}"
    );
    let (id, target) = request(&out);
    assert_eq!(target, "http://api.test/v1/devices/d%201/series?app={secret:APP}&since=1970-01-01T00:00:00Z");
    let page = r#"{"points": [{"timestamp": "2024-01-01T00:00:00Z", "value": 1},
        {"timestamp": "2024-01-01T00:10:00Z", "value": "2.5"}, {"timestamp": "x", "value": 3}],
        "next": "/v1/devices/d%201/series?cursor=abc"}"#;
    let out = answer(&mut p, id, 200, &[], page);
    let [
        Command::EmitReadings((_, device, readings)),
        Command::DeadLetter(bad),
        Command::Save((key, Some(cursor))),
        Command::Request(next),
    ] = out.as_slice()
    else {
        panic!("{out:?}")
    };
    assert_eq!((device.as_str(), readings.len()), ("d 1", 2));
    assert_eq!(readings[1].unit.as_deref(), Some("kWh"), "the device's unit");
    assert!(matches!(readings[1].value, Value::Number(v) if v == 2.5));
    assert_eq!(bad.subject, "d 1");
    let latest = passerelle_pdk::parse_rfc3339_ms("2024-01-01T00:10:00Z").unwrap();
    assert_eq!((key.as_str(), cursor.as_slice()), ("cursor/d 1", latest.to_string().as_bytes()));
    assert_eq!(next.target, "http://api.test/v1/devices/d%201/series?cursor=abc&app={secret:APP}");
    // The last page of d 1 repeats a point at the cursor: not stored twice; then d2, then idle.
    let page = r#"{"points": [{"timestamp": "2024-01-01T00:10:00Z", "value": 2.5}], "next": null}"#;
    let out = answer(&mut p, next.id, 200, &[], page);
    let (id, target) = request(&out);
    assert!(!out.iter().any(|c| matches!(c, Command::EmitReadings(_) | Command::Save(_))), "{out:?}");
    assert!(target.contains("/devices/d2/series"), "{target}");
    let out = answer(&mut p, id, 200, &[], r#"{"points": []}"#);
    assert!(out.is_empty(), "{out:?}");
    assert!(
        handle(&mut p, Event::Tick(60_999)).unwrap().is_empty(),
        "the next cycle 60 s after this one began"
    );
    let again = handle(&mut p, Event::Tick(61_000)).unwrap();
    assert!(request(&again).1.ends_with("/devices?app={secret:APP}"));
}

#[test]
fn a_429_waits_its_retry_after_and_a_500_backs_off_then_the_same_request_goes_again() {
    let mut p = start(&[("retry_min_ms", "500")]);
    let (id, target) = request(&handle(&mut p, Event::Tick(10_000)).unwrap());
    assert!(answer(&mut p, id, 429, &[("retry-after", "3")], "slow down").is_empty());
    assert!(handle(&mut p, Event::Tick(12_999)).unwrap().is_empty());
    let (id, again) = request(&handle(&mut p, Event::Tick(13_000)).unwrap());
    assert_eq!(again, target);
    assert!(answer(&mut p, id, 503, &[], "").is_empty());
    // Second failure in a row: 500 ms doubled.
    assert!(handle(&mut p, Event::Tick(13_999)).unwrap().is_empty());
    let (id, _) = request(&handle(&mut p, Event::Tick(14_000)).unwrap());
    let out = answer(&mut p, id, 200, &[], r#"{"devices": []}"#);
    assert!(out.is_empty(), "no device: the cycle ends");
}

#[test]
fn a_wrong_key_fails_the_event_with_a_clear_error_and_the_next_cycle_tries_again() {
    let mut p = start(&[]);
    let (id, _) = request(&handle(&mut p, Event::Tick(0)).unwrap());
    let answer =
        Answer { status: 401, headers: Vec::new(), body: b"{\"error\": \"invalid api key\"}".to_vec() };
    let err = handle(&mut p, Event::Response(Response { id, outcome: Ok(answer) })).unwrap_err();
    let text = format!("{err:?}");
    assert!(
        text.contains("API key refused") && text.contains("401") && text.contains("{secret:APP}"),
        "{text}"
    );
    assert!(handle(&mut p, Event::Tick(59_999)).unwrap().is_empty());
    assert_eq!(request(&handle(&mut p, Event::Tick(60_000)).unwrap()).0, id + 1);
}

#[test]
fn a_restored_cursor_is_where_the_series_resumes_and_older_points_are_skipped() {
    let mut p =
        start(&[("since_format", "ms"), ("time_field", "t"), ("time_unit", "ms"), ("devices_records", "")]);
    let restored = vec![Entry { key: "cursor/d1".into(), value: b"5000".to_vec() }];
    handle(&mut p, Event::Restore(restored)).unwrap();
    let (id, _) = request(&handle(&mut p, Event::Tick(0)).unwrap());
    let (id, target) = request(&answer(&mut p, id, 200, &[], r#"[{"id": "d1"}]"#));
    assert!(target.ends_with("since=5000"), "{target}");
    let out = answer(
        &mut p,
        id,
        200,
        &[],
        r#"{"points": [{"t": 4000, "value": 1}, {"t": 5000, "value": 2}, {"t": 6000, "value": 3}]}"#,
    );
    let [Command::EmitReadings((_, _, readings)), Command::Save((_, Some(cursor)))] = out.as_slice() else {
        panic!("{out:?}")
    };
    assert_eq!(readings.iter().map(|r| r.time_ms).collect::<Vec<_>>(), [Some(6000)]);
    assert_eq!(cursor.as_slice(), b"6000");
    assert_eq!(p.as_ref().unwrap().cursors().get("d1"), Some(&6000));
}

#[test]
fn settings_are_checked_and_times_written() {
    let bad = |pairs: &[(&str, &str)]| {
        let v: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        crate::settings::Settings::parse(&v).is_err()
    };
    assert!(bad(&[]), "base_url is required");
    assert!(bad(&[("base_url", "ftp://x")]));
    assert!(bad(&[("base_url", "http://x"), ("since_format", "iso")]));
    assert!(bad(&[("base_url", "http://x"), ("poll_ms", "0")]));
    assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    assert_eq!(rfc3339(1_704_067_200_123), "2024-01-01T00:00:00.123Z");
}
