//! A test Quoalise proxy: a second XMPP client (tokio-xmpp, through Passerelle's own STARTTLS
//! connector) logged into the test [`Prosody`] as `proxy@passerelle.test/proxy`, that answers
//! XEP-0050 commands with the exact stanzas of seed 003 and records every IQ it receives.
//!
//! - `get_authorize_uri`: the seed's result (authorize URI `…/authorize?id=ad35a140`);
//! - `get_load_curve`, `get_daily`: the seed's SenML results (production load curve of
//!   10284856584123 from 1600041600, daily consumption of 11453290002823 from 1597536000);
//! - usage point [`FAILING_USAGE_POINT`]: the seed's `iq type='error'` with its upstream error;
//! - node [`SILENT_NODE`]: no answer at all.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use passerelle::net::tls::TlsConfig;
use passerelle::transport::xmpp::{StartTls, parse_jid};
use tokio::sync::mpsc;
use tokio_xmpp::minidom::Element;
use tokio_xmpp::xmlstream::Timeouts;
use tokio_xmpp::{Client, Event, Stanza};

use super::prosody::{DOMAIN, Prosody};

/// The proxy's account.
pub const USER: &str = "proxy";
/// Its password.
pub const PASSWORD: &str = "proxy-secret";
/// A usage point the proxy answers with the seed's upstream error.
pub const FAILING_USAGE_POINT: &str = "99999999999999";
/// A command node the proxy never answers.
pub const SILENT_NODE: &str = "never_answered";

const NS_COMMANDS: &str = "http://jabber.org/protocol/commands";

/// The proxy's full JID.
pub fn jid() -> String {
    format!("{USER}@{DOMAIN}/proxy")
}

/// The seed's answer to `get_authorize_uri`.
pub const AUTHORIZE_RESULT: &str = r#"<iq xmlns="jabber:client" xml:lang="fr" type="result">
<command xmlns="http://jabber.org/protocol/commands" node="get_authorize_uri" sessionid="1591519295.244349-ce980c9e67e64e9382712f64355898aa" status="completed">
<x xmlns="jabber:x:data" type="result">
<title>Authorize URI</title>
<field var="authorize_uri" type="text-single" label="Adresse pour recueillir le consentement">
<value>https://srv5.breizh-sen2.eu/dataconnect-proxy/authorize?id=ad35a140</value>
</field>
</x>
</command>
</iq>"#;

/// The seed's answer to `get_load_curve` (production, 10284856584123, 2020-09-14).
pub const LOAD_CURVE_RESULT: &str = r#"<iq xmlns="jabber:client" xml:lang="fr" type="result">
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
</sensml>
</data>
</quoalise>
</command>
</iq>"#;

/// The seed's answer to `get_daily` (consumption, 11453290002823, 2020-08-16 to 2020-08-31).
pub const DAILY_RESULT: &str = r#"<iq xmlns="jabber:client" xml:lang="en" type="result">
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

/// The seed's error answer (a period before the meter's activation).
pub const UPSTREAM_ERROR: &str = r#"<iq xmlns="jabber:client" xml:lang="en" type="error">
<error type="cancel">
<undefined-condition xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/>
<text xmlns="urn:ietf:params:xml:ns:xmpp-stanzas">The requested period cannot be anterior to the meter's last activation date</text>
<upstream-error xmlns="urn:quoalise:0" issuer="enedis-data-connect" code="ADAM-ERR0123" />
</error>
</iq>"#;

/// The seed's authorization message for usage point 22516914714270, state `ton_etat`.
pub const AUTHORIZATION_MESSAGE: &str = r#"<message xmlns="jabber:client" type="chat" id="1f72f82198b84deeaac85edbe43b024b" xml:lang="en">
<origin-id xmlns="urn:xmpp:sid:0" id="1f72f82198b84deeaac85edbe43b024b"/>
<body>Access granted for usage points 22516914714270</body>
<x xmlns="https://consometers.org/dataconnect#authorize">
<usage-point>22516914714270</usage-point>
<state>ton_etat</state>
</x>
</message>"#;

/// The seed's answer to a request, or none (the silent node, an unknown node).
pub fn seed_answer(request: &Element) -> Option<String> {
    let command = request.get_child("command", NS_COMMANDS)?;
    let usage_point = command
        .children()
        .flat_map(|x| x.children())
        .find(|f| f.attr("var") == Some("usage_point_id"))
        .map(|f| f.children().map(|v| v.text()).collect::<String>());
    if usage_point.as_deref() == Some(FAILING_USAGE_POINT) {
        return Some(UPSTREAM_ERROR.to_string());
    }
    match command.attr("node")? {
        "get_authorize_uri" => Some(AUTHORIZE_RESULT.to_string()),
        "get_load_curve" => Some(LOAD_CURVE_RESULT.to_string()),
        "get_daily" => Some(DAILY_RESULT.to_string()),
        _ => None,
    }
}

/// How the proxy answers a request (the whole `<iq>` as XML, without `id` and `to`, which the
/// bot sets); none leaves it unanswered.
pub type Answers = Arc<dyn Fn(&Element) -> Option<String> + Send + Sync>;

/// A running test proxy.
pub struct Bot {
    /// Every IQ request received, as XML, in order.
    pub received: Arc<Mutex<Vec<String>>>,
    outbox: mpsc::Sender<Element>,
    task: tokio::task::JoinHandle<()>,
}

impl Bot {
    /// Logs in (the account is created on `prosody` first) and answers with [`seed_answer`].
    pub async fn start(prosody: &Prosody) -> Self {
        Self::start_with(prosody, Arc::new(seed_answer)).await
    }

    /// Logs in and answers with `answers`; returns once the session is open.
    pub async fn start_with(prosody: &Prosody, answers: Answers) -> Self {
        prosody.register(USER, PASSWORD);
        let jid = parse_jid(&jid()).unwrap();
        let tls = TlsConfig { ca_file: Some(prosody.ca()), ..TlsConfig::default() };
        let config = tls.client_config(std::path::Path::new("/")).await.unwrap();
        let connector =
            StartTls::new(&jid, Some(&prosody.server()), config, tls.server_name(DOMAIN).unwrap());
        let mut client =
            Client::new_with_connector(jid, PASSWORD.to_string(), connector, Timeouts::default());
        match tokio::time::timeout(Duration::from_secs(10), client.next()).await {
            Ok(Some(Event::Online { .. })) => {}
            other => panic!("the proxy bot could not log in: {other:?}\n{}", prosody.log()),
        }
        let received = Arc::new(Mutex::new(Vec::new()));
        let (outbox, rx) = mpsc::channel(16);
        let task = tokio::spawn(serve(client, answers, Arc::clone(&received), rx));
        Self { received, outbox, task }
    }

    /// Sends a stanza (XML with `xmlns="jabber:client"`) to `to`.
    pub async fn send(&self, to: &str, xml: &str) {
        let element: Element = with_attrs(xml, &[("to", to)]).parse().unwrap();
        self.outbox.send(element).await.unwrap();
    }

    /// The IQ requests received so far.
    pub fn received(&self) -> Vec<String> {
        self.received.lock().unwrap().clone()
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(
    mut client: Client,
    answers: Answers,
    received: Arc<Mutex<Vec<String>>>,
    mut outbox: mpsc::Receiver<Element>,
) {
    loop {
        tokio::select! {
            Some(element) = outbox.recv() => {
                let stanza = Stanza::try_from(element).unwrap();
                client.send_stanza(stanza).await.unwrap();
            }
            event = client.next() => match event {
                Some(Event::Stanza(Stanza::Iq(iq))) => {
                    let request = Element::from(iq);
                    if !matches!(request.attr("type"), Some("get" | "set")) {
                        continue;
                    }
                    received.lock().unwrap().push(String::from(&request));
                    if let Some(xml) = answers(&request) {
                        let attrs = [
                            ("id", request.attr("id").unwrap_or_default()),
                            ("to", request.attr("from").unwrap_or_default()),
                        ];
                        let answer: Element = with_attrs(&xml, &attrs).parse().unwrap();
                        client.send_stanza(Stanza::try_from(answer).unwrap()).await.unwrap();
                    }
                }
                Some(_) => {}
                None => return,
            },
        }
    }
}

/// `xml` with attributes added to its root element (values XML-escaped).
fn with_attrs(xml: &str, attrs: &[(&str, &str)]) -> String {
    let xml = xml.trim_start();
    let end = xml.find([' ', '>', '/']).unwrap();
    let escape = |v: &str| v.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;");
    let added: String = attrs.iter().map(|(k, v)| format!(r#" {k}="{}""#, escape(v))).collect();
    format!("{}{added}{}", &xml[..end], &xml[end..])
}

/// The seed's authorization message, granting `usage_points` (state `ton_etat`).
pub fn authorization_message(usage_points: &[&str]) -> String {
    let points: String = usage_points.iter().map(|u| format!("<usage-point>{u}</usage-point>")).collect();
    AUTHORIZATION_MESSAGE
        .replace("<usage-point>22516914714270</usage-point>", &points)
        .replace("usage points 22516914714270", &format!("usage points {}", usage_points.join(",")))
}

/// A revocation: the authorization message's form under `…/dataconnect#revoke` (the seed shows
/// none; this is the form the connector takes, see the README).
pub fn revocation_message(usage_points: &[&str]) -> String {
    let points: String = usage_points.iter().map(|u| format!("<usage-point>{u}</usage-point>")).collect();
    format!(
        r#"<message xmlns="jabber:client" type="chat" xml:lang="en"><body>Access revoked for usage points {}</body><x xmlns="https://consometers.org/dataconnect#revoke">{points}</x></message>"#,
        usage_points.join(",")
    )
}

/// A data request as the proxy received it: command node, usage point, direction, start and end
/// dates (`YYYY-MM-DD`, end excluded).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Window {
    /// `get_load_curve` or `get_daily`.
    pub node: String,
    /// Usage point.
    pub usage_point: String,
    /// `consumption` or `production`.
    pub direction: String,
    /// First day.
    pub start: String,
    /// Day after the last.
    pub end: String,
}

/// The data window a request asks for (none for other commands).
pub fn window(request: &Element) -> Option<Window> {
    let command = request.get_child("command", NS_COMMANDS)?;
    let node = command.attr("node")?;
    if !matches!(node, "get_load_curve" | "get_daily") {
        return None;
    }
    let field = |var: &str| {
        command
            .children()
            .flat_map(|x| x.children())
            .find(|f| f.attr("var") == Some(var))
            .map(|f| f.children().map(|v| v.text()).collect::<String>())
            .unwrap_or_default()
    };
    Some(Window {
        node: node.to_string(),
        usage_point: field("usage_point_id"),
        direction: field("direction"),
        start: field("start_date"),
        end: field("end_date"),
    })
}

/// The data windows among the requests received (XML as recorded by [`Bot`]).
pub fn windows(received: &[String]) -> Vec<Window> {
    received.iter().filter_map(|r| window(&r.parse::<Element>().ok()?)).collect()
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date.
pub fn day(date: &str) -> i64 {
    let mut parts = date.split('-').map(|p| p.parse::<i64>().unwrap());
    let (y, m, d) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

/// `YYYY-MM-DD` of a day count since 1970-01-01.
pub fn date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    format!("{:04}-{m:02}-{d:02}", yoe + era * 400 + i64::from(m <= 2))
}

/// Today (UTC) as a day count.
pub fn today() -> i64 {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    i64::try_from(secs / 86_400).unwrap()
}

/// An answer in the seed's form for the window asked: for `get_load_curve`, one record every
/// 30 minutes of every day of the window (`power`, `average`, W, value = minutes into the day);
/// for `get_daily`, one record per day (`energy`, `sum`, Wh, value = the day count). Base time
/// = the window's start, midnight UTC.
pub fn window_answer(w: &Window) -> String {
    let (from, to) = (day(&w.start), day(&w.end));
    let up = &w.usage_point;
    let dir = &w.direction;
    let (quantity, aggregate, interval, unit, suffix) = match w.node.as_str() {
        "get_load_curve" => ("power", "average", 1800, "W", format!("{dir}_load")),
        _ => ("energy", "sum", 86_400, "Wh", format!("daily_{dir}")),
    };
    let graph = if w.node == "get_load_curve" { r#" graph="load-profile""# } else { "" };
    let mut senml = String::new();
    let steps = (to - from) * 86_400 / interval;
    for k in 0..steps {
        let t = k * interval;
        let v = if interval == 1800 { (t % 86_400) / 60 } else { from + k };
        if k == 0 {
            senml.push_str(&format!(
                r#"<senml bn="urn:dev:prm:{up}_{suffix}" bt="{}" t="0" v="{v}" bu="{unit}" />"#,
                from * 86_400
            ));
        } else {
            senml.push_str(&format!(r#"<senml t="{t}" v="{v}" />"#));
        }
        senml.push('\n');
    }
    format!(
        r#"<iq xmlns="jabber:client" xml:lang="fr" type="result">
<command xmlns="http://jabber.org/protocol/commands" node="{node}" status="completed">
<x xmlns="jabber:x:data" type="result">
<title>Get {dir} data</title>
<field var="result" type="fixed" label="{dir} for {up}"><value>Success</value></field>
</x>
<quoalise xmlns="urn:quoalise:0">
<data>
<meta>
<device type="electricity-meter">
<identifier authority="enedis" type="prm" value="{up}" />
</device>
<measurement>
<physical quantity="{quantity}" type="electrical" unit="{unit}" />
<business{graph} direction="{dir}" />
<aggregate type="{aggregate}" />
<sampling interval="{interval}" />
</measurement>
</meta>
<sensml xmlns="urn:ietf:params:xml:ns:senml">
{senml}</sensml>
</data>
</quoalise>
</command>
</iq>"#,
        node = w.node
    )
}

/// Answers `get_authorize_uri` as the seed does and data windows with [`window_answer`]
/// (the failing usage point with the seed's upstream error).
pub fn window_answers(request: &Element) -> Option<String> {
    match window(request) {
        Some(w) if w.usage_point == FAILING_USAGE_POINT => Some(UPSTREAM_ERROR.to_string()),
        Some(w) => Some(window_answer(&w)),
        None => seed_answer(request),
    }
}
