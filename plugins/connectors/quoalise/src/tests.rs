//! Native tests: SenML resolution, stanzas built and parsed, window planning, the consent flow
//! and the cursor rules, with the seed's exact stanzas.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use passerelle_pdk::connector::{Answer, Command, Entry, Event, Inbound, RequestError, Response, Value};

use crate::plan::{Series, date, day_of, parse_date, window, windows};
use crate::stanza::{self, Consent, Reply};
use crate::{AUTHORIZE_URI_KEY, Quoalise, Settings, Target, senml, short_name, xml};

const LOAD_CURVE: &str = r#"<iq xmlns="jabber:client" xml:lang="fr" to="…" type="result" id="ab63a">
<command xmlns="http://jabber.org/protocol/commands" node="get_load_curve" status="completed">
<x xmlns="jabber:x:data" type="result">
<title>Get production load curve data</title>
<field var="result" type="fixed" label="production load curve for 10284856584123"><value>Success</value></field>
</x>
<quoalise xmlns="urn:quoalise:0">
<data>
<meta>
<device type="electricity-meter">
<identifier authority="enedis" type="prm" value="10284856584123" />
</device>
<measurement>
<physical quantity="power" type="electrical" unit="W" />
<business graph="load-profile" direction="production" />
<aggregate type="average" />
<sampling interval="1800" />
</measurement>
</meta>
<sensml xmlns="urn:ietf:params:xml:ns:senml">
<senml bn="urn:dev:prm:10284856584123_production_load" bt="1600041600" t="0" v="245" bu="W" />
<senml t="1800" v="420" />
<senml t="3600" v="367" />
<senml t="5400" v="377" />
<!-- … -->
</sensml>
</data>
</quoalise>
</command>
</iq>"#;

const DAILY: &str = r#"<iq xmlns="jabber:client" xml:lang="en" to="…" type="result" id="5c8f743b">
<command xmlns="http://jabber.org/protocol/commands" node="get_daily" sessionid="1600176040.6601713-4c7b5487477b48a5b7fdddd57bf8a651" status="completed">
<x xmlns="jabber:x:data" type="result">
<title>Get daily consumption</title>
<field var="result" type="fixed" label="consumption load curve for 11453290002823">
<value>Success</value>
</field>
</x>
<quoalise xmlns="urn:quoalise:0">
<data>
<meta>
<device type="electricity-meter">
<identifier authority="enedis" type="prm" value="11453290002823" />
</device>
<measurement>
<physical quantity="energy" type="electrical" unit="Wh" />
<business direction="consumption" />
<aggregate type="sum" />
<sampling interval="86400" />
</measurement>
</meta>
<sensml xmlns="urn:ietf:params:xml:ns:senml">
<senml bn="urn:dev:prm:11453290002823_daily_consumption" bt="1597536000" t="0" v="16433" bu="Wh" />
<senml t="86400" v="15081" />
<senml t="172800" v="14664" />
<senml t="1209600" v="16330" />
</sensml>
</data>
</quoalise>
</command>
</iq>"#;

const ERROR: &str = r#"<iq xml:lang="en" to="…" type="error" id="ab63a">
<error type="cancel">
<undefined-condition xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/>
<text xmlns="urn:ietf:params:xml:ns:xmpp-stanzas">The requested period cannot be anterior to the meter's last activation date</text>
<upstream-error xmlns="urn:quoalise:0" issuer="enedis-data-connect" code="ADAM-ERR0123" />
</error>
</iq>"#;

const AUTHORIZE: &str = r#"<iq xml:lang="fr" to="…" type="result" id="abbca">
<command
xmlns="http://jabber.org/protocol/commands" node="get_authorize_uri" sessionid="1591519295.244349-ce980c9e67e64e9382712f64355898aa" status="completed">
<x
xmlns="jabber:x:data" type="result">
<title>Authorize URI</title>
<field var="authorize_uri" type="text-single" label="Adresse pour recueillir le consentement">
<value>https://srv5.breizh-sen2.eu/dataconnect-proxy/authorize?id=ad35a140</value>
</field>
</x>
</command>
</iq>"#;

const CONSENT: &str = r#"<message type="chat" to="…" id="1f72f82198b84deeaac85edbe43b024b" xml:lang="en">
<origin-id xmlns="urn:xmpp:sid:0" id="1f72f82198b84deeaac85edbe43b024b"/>
<body>Access granted for usage points 22516914714270</body>
<x xmlns="https://consometers.org/dataconnect#authorize">
<usage-point>22516914714270</usage-point>
<state>ton_etat</state>
</x>
</message>"#;

const PROXY: &str = "proxy@passerelle.test/proxy";

fn pairs(extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut p = vec![("proxy".to_string(), PROXY.to_string())];
    p.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    p
}

fn connector(extra: &[(&str, &str)]) -> Quoalise {
    Quoalise::new(Settings::from_pairs(&pairs(extra)).unwrap())
}

fn answer(id: u64, body: &str) -> Event {
    Event::Response(Response {
        id,
        outcome: Ok(Answer { status: 0, headers: Vec::new(), body: body.as_bytes().to_vec() }),
    })
}

fn inbound(channel: &str, body: &str) -> Event {
    Event::Inbound(Inbound {
        id: 9,
        channel: channel.into(),
        headers: Vec::new(),
        body: body.as_bytes().to_vec(),
        received_ms: 0,
    })
}

/// The request id and body of the one request in `commands`.
fn request(commands: &[Command]) -> (u64, String) {
    let found: Vec<_> = commands
        .iter()
        .filter_map(|c| match c {
            Command::Request(r) => Some((r.id, String::from_utf8(r.body.clone()).unwrap())),
            _ => None,
        })
        .collect();
    assert_eq!(found.len(), 1, "{commands:?}");
    found.into_iter().next().unwrap()
}

/// 2020-09-20 at noon, UTC.
const NOW: i64 = 1_600_603_200_000;

#[test]
fn senml_base_values_are_carried_and_times_are_absolute() {
    let iq = xml::parse(LOAD_CURVE).unwrap();
    let data = stanza::data(&iq).unwrap();
    assert_eq!(data.len(), 1);
    let (records, problems) = senml::resolve(&data[0].sensml, NOW);
    assert!(problems.is_empty(), "{problems:?}");
    let got: Vec<(String, Option<String>, String, i64)> = records
        .iter()
        .map(|r| (r.name.clone(), r.unit.clone(), format!("{:?}", r.value), r.time_ms))
        .collect();
    let name = "urn:dev:prm:10284856584123_production_load".to_string();
    let w = Some("W".to_string());
    assert_eq!(
        got,
        [
            (name.clone(), w.clone(), "Value::Number(245.0)".into(), 1_600_041_600_000),
            (name.clone(), w.clone(), "Value::Number(420.0)".into(), 1_600_043_400_000),
            (name.clone(), w.clone(), "Value::Number(367.0)".into(), 1_600_045_200_000),
            (name, w, "Value::Number(377.0)".into(), 1_600_047_000_000),
        ]
    );
}

#[test]
fn senml_names_units_and_base_value_follow_rfc_8428() {
    let doc = r#"<sensml xmlns="urn:ietf:params:xml:ns:senml">
        <senml bn="urn:dev:ow:10e2073a01080063:" bt="1.320067464e+09" bu="%RH" bv="10" n="humidity" v="20"/>
        <senml n="temperature" u="Cel" t="2" v="13.5"/>
        <senml n="state" vs="on" t="5"/>
        <senml n="door" vb="true"/>
        <senml bn="other:" n="x" t="-1" v="1"/>
        <senml n="broken" v="abc"/>
        <senml n="empty"/>
    </sensml>"#;
    let (records, problems) = senml::resolve(&xml::parse(doc).unwrap(), NOW);
    let got: Vec<String> =
        records.iter().map(|r| format!("{} {:?} {:?} {}", r.name, r.unit, r.value, r.time_ms)).collect();
    assert_eq!(
        got,
        [
            "urn:dev:ow:10e2073a01080063:humidity Some(\"%RH\") Value::Number(30.0) 1320067464000",
            "urn:dev:ow:10e2073a01080063:temperature Some(\"Cel\") Value::Number(23.5) 1320067466000",
            "urn:dev:ow:10e2073a01080063:state Some(\"%RH\") Value::Text(\"on\") 1320067469000",
            "urn:dev:ow:10e2073a01080063:door Some(\"%RH\") Value::Boolean(true) 1320067464000",
            "other:x Some(\"%RH\") Value::Number(11.0) 1320067463000",
        ]
    );
    assert_eq!(problems.iter().map(|(i, _)| *i).collect::<Vec<_>>(), [5, 6], "{problems:?}");
    assert!(problems[0].1.contains("v=\"abc\""), "{problems:?}");
    // A time below 2^28 s with no base time is relative to the time of receipt.
    let relative = xml::parse(r#"<sensml><senml n="a" t="-60" v="1"/></sensml>"#).unwrap();
    let (records, _) = senml::resolve(&relative, NOW);
    assert_eq!(records[0].time_ms, NOW - 60_000);
}

#[test]
fn meta_becomes_tags_so_power_and_energy_differ() {
    let lc = stanza::data(&xml::parse(LOAD_CURVE).unwrap()).unwrap().remove(0);
    let daily = stanza::data(&xml::parse(DAILY).unwrap()).unwrap().remove(0);
    let tags =
        |t: &[(String, String)]| t.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ");
    assert_eq!(
        tags(&lc.tags),
        "quantity=power direction=production aggregate=average sampling_interval=1800 \
         device_identifier=10284856584123 physical_type=electrical graph=load-profile identifier_type=prm \
         identifier_authority=enedis device_type=electricity-meter"
    );
    assert_eq!(
        tags(&daily.tags),
        "quantity=energy direction=consumption aggregate=sum sampling_interval=86400 \
         device_identifier=11453290002823 physical_type=electrical identifier_type=prm \
         identifier_authority=enedis device_type=electricity-meter"
    );
    assert_eq!(lc.device.as_deref(), Some("10284856584123"));
    assert_eq!(short_name("urn:dev:prm:10284856584123_production_load", "10284856584123"), "production_load");
    assert_eq!(short_name("urn:dev:prm:1:consumption/active_power/raw", "1"), "consumption/active_power/raw");
    assert_eq!(short_name("urn:dev:other", "1"), "urn:dev:other");
}

#[test]
fn commands_are_built_as_the_seed_sends_them() {
    let body =
        stanza::data_command("get_load_curve", "10284856584123", "production", "2020-09-14", "2020-09-15");
    let c = xml::parse(&body).unwrap();
    assert_eq!((c.name.as_str(), c.ns.as_str()), ("command", stanza::NS_COMMANDS));
    assert_eq!((c.attr("node"), c.attr("action")), (Some("get_load_curve"), Some("execute")));
    let x = c.child("x", Some(stanza::NS_DATA)).unwrap();
    assert_eq!(x.attr("type"), Some("submit"));
    let fields: Vec<String> = x
        .children_named("field")
        .map(|f| {
            format!(
                "{}:{}={}",
                f.attr("var").unwrap(),
                f.attr("type").unwrap(),
                f.child("value", None).unwrap().text()
            )
        })
        .collect();
    assert_eq!(
        fields,
        [
            "usage_point_id:text-single=10284856584123",
            "direction:list-single=production",
            "start_date:text-single=2020-09-14",
            "end_date:text-single=2020-09-15"
        ]
    );
    let service =
        vec!["Nos experts analysent <votre> consommation d’électricité.".to_string(), "Second".into()];
    let body =
        stanza::authorize_uri_command("Elec Expert Demo", &service, &["Affichage de graphiques".into()]);
    let c = xml::parse(&body).unwrap();
    let x = c.child("x", None).unwrap();
    let values: Vec<Vec<String>> = x
        .children_named("field")
        .map(|f| f.children_named("value").map(xml::Element::text).collect())
        .collect();
    assert_eq!(
        values,
        [vec!["Elec Expert Demo".to_string()], service, vec!["Affichage de graphiques".into()]]
    );
}

#[test]
fn the_seed_error_is_read_with_its_upstream_code() {
    let Reply::Error(e) = stanza::reply(ERROR).unwrap() else { panic!() };
    assert_eq!(e.kind, "cancel");
    assert_eq!(e.condition, "undefined-condition");
    assert_eq!(
        e.text.as_deref(),
        Some("The requested period cannot be anterior to the meter's last activation date")
    );
    assert_eq!((e.issuer.as_deref(), e.code.as_deref()), (Some("enedis-data-connect"), Some("ADAM-ERR0123")));
    assert!(e.to_string().contains("[upstream enedis-data-connect ADAM-ERR0123]"), "{e}");
    let Reply::Result(iq) = stanza::reply(AUTHORIZE).unwrap() else { panic!() };
    assert_eq!(
        stanza::authorize_uri(&iq).as_deref(),
        Some("https://srv5.breizh-sen2.eu/dataconnect-proxy/authorize?id=ad35a140")
    );
    assert!(stanza::reply("<iq type='result'><unclosed></iq>").is_err());
    assert!(stanza::reply("<message/>").is_err());
}

#[test]
fn xml_entities_cdata_comments_and_prefixes() {
    let e = xml::parse(
        "<?xml version='1.0'?><!-- c --><a:r xmlns:a='urn:a' k='&lt;&#x41;&#66;&amp;'>x<![CDATA[<y>]]><!-- z -->&apos;<b/></a:r>",
    )
    .unwrap();
    assert_eq!((e.name.as_str(), e.ns.as_str(), e.attr("k")), ("r", "urn:a", Some("<AB&")));
    assert_eq!(e.text(), "x<y>'");
    assert_eq!(e.child("b", Some("")).map(|b| b.name.as_str()), Some("b"));
    assert!(xml::parse("<a>&bogus;</a>").is_err());
    assert!(xml::parse("<a></b>").is_err());
    assert!(xml::parse("<a/><b/>").is_err());
}

#[test]
fn windows_cover_the_history_without_gap_or_overlap() {
    assert_eq!(date(0), "1970-01-01");
    assert_eq!(parse_date("2020-09-14"), Some(18_519));
    assert_eq!(date(18_519), "2020-09-14");
    assert_eq!(day_of(NOW), 18_525);
    assert_eq!(window(10, 10, 7), None);
    assert_eq!(window(0, 10, 7), Some((0, 7)));
    assert_eq!(window(7, 10, 7), Some((7, 10)));
    let today = parse_date("2026-12-02").unwrap();
    let year = windows(today - 365, today, 7);
    assert_eq!(year.len(), 53);
    assert_eq!(year.first().map(|w| w.0), Some(today - 365));
    assert_eq!(year.last().map(|w| w.1), Some(today));
    assert!(year.windows(2).all(|p| p[0].1 == p[1].0));
    assert_eq!(windows(today - 365, today, 365).len(), 1);
    assert!(Series::parse("load_curve/both").is_err());
    assert_eq!(Series::parse(" daily/production ").unwrap().node(), "get_daily");
}

#[test]
fn settings_are_checked_and_the_uri_gets_its_parameters() {
    assert!(Settings::from_pairs(&[]).is_err());
    assert!(Settings::from_pairs(&pairs(&[("test_client", "10")])).is_err());
    assert!(Settings::from_pairs(&pairs(&[("series", "daily/sideways")])).is_err());
    assert!(Settings::from_pairs(&pairs(&[("history_days", "0")])).is_err());
    let s = Settings::from_pairs(&pairs(&[
        ("duration", "P1Y"),
        ("redirect_uri", "http://perdu.com?user=plop"),
        ("test_client", "0"),
    ]))
    .unwrap();
    assert_eq!(
        s.full_uri("https://srv5.breizh-sen2.eu/dataconnect-proxy/authorize?id=ad35a140"),
        "https://srv5.breizh-sen2.eu/dataconnect-proxy/authorize?id=ad35a140&duration=P1Y\
         &redirect_uri=http%3A%2F%2Fperdu.com%3Fuser%3Dplop&test_client=0"
    );
}

#[test]
fn the_authorize_uri_is_asked_first_and_saved() {
    let mut q = connector(&[("duration", "P1Y"), ("service_name", "Elec Expert Demo")]);
    let out = q.handle(Event::Tick(NOW));
    let (id, body) = request(&out);
    assert!(body.contains("node='get_authorize_uri'") && body.contains("Elec Expert Demo"), "{body}");
    assert!(q.handle(Event::Tick(NOW + 1)).is_empty(), "one request at a time");
    let out = q.handle(answer(id, AUTHORIZE));
    let [Command::Save((key, Some(uri)))] = out.as_slice() else { panic!("{out:?}") };
    assert_eq!(key, AUTHORIZE_URI_KEY);
    assert_eq!(
        String::from_utf8_lossy(uri),
        "https://srv5.breizh-sen2.eu/dataconnect-proxy/authorize?id=ad35a140&duration=P1Y"
    );
    // Nothing consented: nothing more to ask.
    assert!(q.handle(Event::Tick(NOW + 2)).is_empty());
}

/// A connector past its authorize URI, with `up` consented.
fn consented(extra: &[(&str, &str)], up: &str) -> Quoalise {
    let mut q = connector(extra);
    let (id, _) = request(&q.handle(Event::Tick(NOW)));
    q.handle(answer(id, AUTHORIZE));
    let message = CONSENT.replace("22516914714270", up);
    let out = q.handle(inbound("proxy@passerelle.test", &message));
    let [Command::Save((key, Some(state))), Command::Accept(9)] = out.as_slice() else { panic!("{out:?}") };
    assert_eq!((key.as_str(), state.as_slice()), (format!("consent/{up}").as_str(), b"ton_etat".as_slice()));
    q
}

#[test]
fn consent_comes_only_from_the_proxy() {
    let mut q = connector(&[]);
    let out = q.handle(inbound("mallory@passerelle.test", CONSENT));
    assert!(matches!(out.as_slice(), [Command::Reject(r)] if r.reason.contains("mallory")), "{out:?}");
    assert_eq!(q.consented().count(), 0);
    let out = q.handle(inbound(
        "proxy@passerelle.test",
        "<message><x xmlns='https://consometers.org/dataconnect#authorize'/></message>",
    ));
    assert!(matches!(out.as_slice(), [Command::Reject(_)]), "{out:?}");
    let out = q.handle(inbound("proxy@passerelle.test", "<message><body>hello</body></message>"));
    assert!(matches!(out.as_slice(), [Command::Accept(9)]), "{out:?}");
    assert_eq!(
        stanza::message(CONSENT).unwrap(),
        Consent::Granted { usage_points: vec!["22516914714270".into()], state: Some("ton_etat".into()) }
    );
}

#[test]
fn a_window_answer_emits_tagged_readings_then_saves_the_cursor_and_goes_on() {
    let mut q = consented(&[("series", "load_curve/production"), ("history_days", "10")], "10284856584123");
    let (id, body) = request(&q.handle(Event::Tick(NOW)));
    // 10 days before 2020-09-20, 7 days at most.
    assert!(
        body.contains("<value>2020-09-10</value>") && body.contains("<value>2020-09-17</value>"),
        "{body}"
    );
    let out = q.handle(answer(id, LOAD_CURVE));
    let [Command::EmitTaggedReadings(t), Command::Save((key, Some(cursor))), Command::Request(next)] =
        out.as_slice()
    else {
        panic!("{out:?}")
    };
    assert_eq!((t.id, t.device.as_str(), t.readings.len()), (id, "10284856584123", 4));
    assert_eq!(t.readings[1].name, "production_load");
    assert_eq!((t.readings[1].unit.as_deref(), t.readings[1].time_ms), (Some("W"), Some(1_600_043_400_000)));
    assert!(t.tags.contains(&("aggregate".to_string(), "average".to_string())));
    assert_eq!(
        (key.as_str(), cursor.as_slice()),
        ("cursor/10284856584123/load_curve/production", b"2020-09-17".as_slice())
    );
    let next = String::from_utf8(next.body.clone()).unwrap();
    assert!(
        next.contains("<value>2020-09-17</value>") && next.contains("<value>2020-09-20</value>"),
        "{next}"
    );
    let out = q.handle(answer(next_id(&q), LOAD_CURVE));
    assert!(matches!(out.last(), Some(Command::Save(_))), "up to date, no more request: {out:?}");
    assert!(q.handle(Event::Tick(NOW + 1000)).is_empty());
    // The next day brings one more window.
    let (_, body) = request(&q.handle(Event::Tick(NOW + 86_400_000)));
    assert!(
        body.contains("<value>2020-09-20</value>") && body.contains("<value>2020-09-21</value>"),
        "{body}"
    );
}

fn next_id(q: &Quoalise) -> u64 {
    q.in_flight().map(|(id, _)| *id).unwrap()
}

#[test]
fn a_restore_resumes_from_the_saved_cursor() {
    let mut q = connector(&[("series", "daily/consumption")]);
    q.handle(Event::Restore(vec![
        Entry { key: "consent/11453290002823".into(), value: b"s".to_vec() },
        Entry { key: "cursor/11453290002823/daily/consumption".into(), value: b"2020-09-01".to_vec() },
        Entry { key: AUTHORIZE_URI_KEY.into(), value: b"https://x".to_vec() },
    ]));
    assert_eq!(q.consented().collect::<Vec<_>>(), ["11453290002823"]);
    let (id, _) = request(&q.handle(Event::Tick(NOW)));
    let (_, body) = request(&q.handle(answer(id, AUTHORIZE)));
    assert!(body.contains("node='get_daily'"), "{body}");
    assert!(
        body.contains("<value>2020-09-01</value>") && body.contains("<value>2020-09-20</value>"),
        "{body}"
    );
}

#[test]
fn a_permanent_upstream_error_is_dead_lettered_and_the_window_skipped() {
    let mut q = consented(&[("series", "load_curve/consumption"), ("history_days", "14")], "99999999999999");
    let (id, _) = request(&q.handle(Event::Tick(NOW)));
    let out = q.handle(answer(id, ERROR));
    let [
        Command::DeadLetter(d),
        Command::Save((note, Some(text))),
        Command::Save((key, Some(cursor))),
        Command::Request(_),
    ] = out.as_slice()
    else {
        panic!("{out:?}")
    };
    assert_eq!(note, crate::LAST_ERROR_KEY);
    assert!(String::from_utf8_lossy(text).contains("ADAM-ERR0123"), "{text:?}");
    assert_eq!((d.id, d.subject.as_str(), d.bytes.as_slice()), (id, "99999999999999", ERROR.as_bytes()));
    assert!(d.reason.contains("ADAM-ERR0123") && d.reason.contains("enedis-data-connect"), "{}", d.reason);
    assert!(d.reason.contains("anterior to the meter's last activation date"), "{}", d.reason);
    assert!(d.reason.contains("2020-09-06..2020-09-13"), "{}", d.reason);
    assert_eq!(
        (key.as_str(), cursor.as_slice()),
        ("cursor/99999999999999/load_curve/consumption", b"2020-09-13".as_slice())
    );
}

#[test]
fn transient_failures_are_retried_with_backoff() {
    let extra = [("series", "daily/consumption"), ("retry_min_ms", "1000"), ("retry_max_ms", "3000")];
    let mut q = consented(&extra, "11453290002823");
    let (id, first) = request(&q.handle(Event::Tick(NOW)));
    let timeout = Event::Response(Response { id, outcome: Err(RequestError::Timeout(500)) });
    let out = q.handle(timeout);
    let [Command::Save((_, Some(text)))] = out.as_slice() else { panic!("{out:?}") };
    assert!(String::from_utf8_lossy(text).ends_with("no answer within 500 ms"), "{text:?}");
    assert!(q.handle(Event::Tick(NOW + 999)).is_empty(), "backoff: 1 s");
    let (id, again) = request(&q.handle(Event::Tick(NOW + 1000)));
    assert_eq!(first, again, "the same window");
    let transient = ERROR.replace("type=\"cancel\"", "type=\"wait\"").replace("ADAM-ERR0123", "SGT500");
    let out = q.handle(answer(id, &transient));
    assert!(matches!(out.as_slice(), [Command::DeadLetter(_), Command::Save(_)]), "no cursor move: {out:?}");
    assert!(q.handle(Event::Tick(NOW + 2999)).is_empty(), "backoff doubled: 2 s");
    let (id, _) = request(&q.handle(Event::Tick(NOW + 3000)));
    q.handle(Event::Response(Response { id, outcome: Err(RequestError::Unreachable("down".into())) }));
    assert!(q.handle(Event::Tick(NOW + 5999)).is_empty(), "at most 3 s");
    let (id, _) = request(&q.handle(Event::Tick(NOW + 6000)));
    let out = q.handle(answer(id, DAILY));
    assert!(matches!(out.as_slice(), [Command::EmitTaggedReadings(_), Command::Save(_)]), "{out:?}");
}

#[test]
fn a_revoked_consent_stops_requests_and_drops_the_answer_in_flight() {
    let mut q = consented(&[("series", "daily/consumption")], "11453290002823");
    let (id, _) = request(&q.handle(Event::Tick(NOW)));
    let revoke = "<message type='chat'><x xmlns='https://consometers.org/dataconnect#revoke'>\
                  <usage-point>11453290002823</usage-point></x></message>";
    let out = q.handle(inbound("proxy@passerelle.test", revoke));
    let [Command::Save((key, None)), Command::Accept(9)] = out.as_slice() else { panic!("{out:?}") };
    assert_eq!(key, "consent/11453290002823");
    assert!(q.handle(answer(id, DAILY)).is_empty(), "the answer is dropped");
    assert!(q.handle(Event::Tick(NOW + 86_400_000)).is_empty(), "no more requests");
    assert!(q.in_flight().is_none());
}

#[test]
fn usage_points_and_series_are_served_in_turn() {
    let mut q =
        consented(&[("series", "load_curve/consumption,daily/consumption"), ("history_days", "30")], "1");
    q.handle(inbound("proxy@passerelle.test", &CONSENT.replace("22516914714270", "2")));
    let mut served = Vec::new();
    let mut out = q.handle(Event::Tick(NOW));
    for _ in 0..4 {
        let (id, _) = request(&out);
        let Some((_, Target::Window { usage_point, series, .. })) = q.in_flight().cloned() else { panic!() };
        served.push(format!("{usage_point} {}", series.key()));
        out = q.handle(answer(
            id,
            "<iq type='result'><command xmlns='http://jabber.org/protocol/commands'/></iq>",
        ));
    }
    assert_eq!(
        served,
        [
            "1 load_curve/consumption",
            "1 daily/consumption",
            "2 load_curve/consumption",
            "2 daily/consumption"
        ]
    );
    let _ = Value::Number(0.0);
}
