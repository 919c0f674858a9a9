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
