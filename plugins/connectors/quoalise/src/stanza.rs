//! The stanzas of seed 003: XEP-0050 commands with XEP-0004 forms (built), their results, the
//! `iq type='error'` with its upstream error, and the authorization message (parsed).

use crate::xml::{self, Element, escape};

/// XEP-0050 ad-hoc commands.
pub const NS_COMMANDS: &str = "http://jabber.org/protocol/commands";
/// XEP-0004 data forms.
pub const NS_DATA: &str = "jabber:x:data";
/// The Quoalise payload and its upstream errors.
pub const NS_QUOALISE: &str = "urn:quoalise:0";
/// SenML in XML.
pub const NS_SENML: &str = "urn:ietf:params:xml:ns:senml";
/// XMPP stanza error conditions (RFC 6120).
pub const NS_STANZAS: &str = "urn:ietf:params:xml:ns:xmpp-stanzas";
/// The consent message of the proxy.
pub const NS_AUTHORIZE: &str = "https://consometers.org/dataconnect#authorize";
/// A revocation message. The seed shows no revocation stanza: this connector takes the same
/// form as the consent message under this namespace (`usage-point`s), as the test proxy sends
/// it. See the README.
pub const NS_REVOKE: &str = "https://consometers.org/dataconnect#revoke";

/// One form field: `var`, `type` and its values.
pub type Field<'a> = (&'a str, &'a str, Vec<String>);

/// An `execute` command on `node` with a submitted form (the IQ's child, for a `set`).
pub fn command(node: &str, fields: &[Field<'_>]) -> String {
    let mut out = format!(
        "<command xmlns='{NS_COMMANDS}' node='{}' action='execute'><x xmlns='{NS_DATA}' type='submit'>",
        escape(node)
    );
    for (var, kind, values) in fields {
        out.push_str(&format!("<field var='{}' type='{}'>", escape(var), escape(kind)));
        for v in values {
            out.push_str(&format!("<value>{}</value>", escape(v)));
        }
        out.push_str("</field>");
    }
    out.push_str("</x></command>");
    out
}

/// `get_authorize_uri` with the service's name, description lines and processings.
pub fn authorize_uri_command(name: &str, service: &[String], processings: &[String]) -> String {
    command(
        "get_authorize_uri",
        &[
            ("name", "text-single", vec![name.to_string()]),
            ("service", "text-multi", service.to_vec()),
            ("processings", "text-multi", processings.to_vec()),
        ],
    )
}

/// A data command (`get_load_curve`, `get_daily`) for one usage point, direction and date
/// window (`YYYY-MM-DD`, end excluded).
pub fn data_command(node: &str, usage_point: &str, direction: &str, start: &str, end: &str) -> String {
    command(
        node,
        &[
            ("usage_point_id", "text-single", vec![usage_point.to_string()]),
            ("direction", "list-single", vec![direction.to_string()]),
            ("start_date", "text-single", vec![start.to_string()]),
            ("end_date", "text-single", vec![end.to_string()]),
        ],
    )
}

/// An `iq type='error'`: what the proxy (or upstream, data-connect) said.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StanzaError {
    /// The error type (`cancel`, `modify`, `wait`, `auth`, `continue`).
    pub kind: String,
    /// The defined condition (`undefined-condition`, `item-not-found`, ...).
    pub condition: String,
    /// The human-readable text, if any.
    pub text: Option<String>,
    /// The `upstream-error` issuer (`enedis-data-connect`), if any.
    pub issuer: Option<String>,
    /// The `upstream-error` code (`ADAM-ERR0123`), if any.
    pub code: Option<String>,
}

impl std::fmt::Display for StanzaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.condition, self.kind)?;
        if let Some(t) = &self.text {
            write!(f, ": {t}")?;
        }
        if let (Some(i), Some(c)) = (&self.issuer, &self.code) {
            write!(f, " [upstream {i} {c}]")?;
        } else if let Some(c) = &self.code {
            write!(f, " [upstream {c}]")?;
        }
        Ok(())
    }
}

/// What an answer `<iq>` holds.
#[derive(Debug, Clone)]
pub enum Reply {
    /// `type='result'`: the whole `<iq>`.
    Result(Element),
    /// `type='error'`.
    Error(StanzaError),
}

/// Parses an answer `<iq>`.
///
/// # Errors
/// Why it is not an IQ result or error.
pub fn reply(body: &str) -> Result<Reply, String> {
    let iq = xml::parse(body)?;
    if iq.name != "iq" {
        return Err(format!("<{}> is not an iq", iq.name));
    }
    match iq.attr("type") {
        Some("result") => Ok(Reply::Result(iq)),
        Some("error") => {
            let error = iq.child("error", None).ok_or("an iq of type error without <error>")?;
            let condition = error
                .elements()
                .find(|e| e.ns == NS_STANZAS && e.name != "text")
                .map(|e| e.name.clone())
                .unwrap_or_else(|| "undefined-condition".into());
            let text = error.child("text", Some(NS_STANZAS)).map(Element::text);
            let upstream = error.child("upstream-error", Some(NS_QUOALISE));
            Ok(Reply::Error(StanzaError {
                kind: error.attr("type").unwrap_or("cancel").to_string(),
                condition,
                text,
                issuer: upstream.and_then(|u| u.attr("issuer")).map(str::to_string),
                code: upstream.and_then(|u| u.attr("code")).map(str::to_string),
            }))
        }
        other => Err(format!("an iq of type {other:?}")),
    }
}

/// The values of field `var` in the command's result form.
pub fn form_values(iq: &Element, var: &str) -> Vec<String> {
    iq.child("command", Some(NS_COMMANDS))
        .into_iter()
        .flat_map(|c| c.children_named("x"))
        .flat_map(|x| x.children_named("field"))
        .filter(|f| f.attr("var") == Some(var))
        .flat_map(|f| f.children_named("value").map(Element::text))
        .collect()
}

/// The authorize URI in a `get_authorize_uri` result.
pub fn authorize_uri(iq: &Element) -> Option<String> {
    form_values(iq, "authorize_uri").into_iter().map(|v| v.trim().to_string()).find(|v| !v.is_empty())
}

/// One `<data>` block of a Quoalise payload: its tags (from `meta`) and its SenML.
#[derive(Debug, Clone)]
pub struct Data {
    /// The device identifier (`meta/device/identifier/@value`), if given.
    pub device: Option<String>,
    /// Tags from `meta`: quantity, direction, aggregate, sampling interval, device identifier,
    /// then the others.
    pub tags: Vec<(String, String)>,
    /// The `sensml` element.
    pub sensml: Element,
}

/// The `<data>` blocks of a command result (`urn:quoalise:0`).
///
/// # Errors
/// When the result holds no Quoalise payload.
pub fn data(iq: &Element) -> Result<Vec<Data>, String> {
    let command = iq.child("command", Some(NS_COMMANDS)).ok_or("no <command> in the result")?;
    let quoalise =
        command.child("quoalise", Some(NS_QUOALISE)).ok_or("no <quoalise> payload in the result")?;
    let mut out = Vec::new();
    for data in quoalise.children_named("data") {
        let Some(sensml) = data.child("sensml", Some(NS_SENML)).or_else(|| data.child("sensml", None)) else {
            continue;
        };
        let (device, tags) = data.child("meta", None).map(meta_tags).unwrap_or_default();
        out.push(Data { device, tags, sensml: sensml.clone() });
    }
    if out.is_empty() {
        return Err("the <quoalise> payload holds no <data> with <sensml>".into());
    }
    Ok(out)
}

/// Tags of a `meta` block (the seed's nested form, and the flat `measurement` attributes of
/// later proxies), and the device identifier.
pub fn meta_tags(meta: &Element) -> (Option<String>, Vec<(String, String)>) {
    let mut first: Vec<(String, String)> = Vec::new();
    let mut rest: Vec<(String, String)> = Vec::new();
    let put = |list: &mut Vec<(String, String)>, k: &str, v: Option<&str>| {
        if let Some(v) = v.map(str::trim).filter(|v| !v.is_empty()) {
            list.push((k.to_string(), v.to_string()));
        }
    };
    let device = meta.child("device", None);
    let identifier = device.and_then(|d| d.child("identifier", None));
    if let Some(m) = meta.child("measurement", None) {
        let physical = m.child("physical", None);
        let business = m.child("business", None);
        put(&mut first, "quantity", physical.and_then(|p| p.attr("quantity")).or(m.attr("quantity")));
        put(&mut first, "direction", business.and_then(|b| b.attr("direction")).or(m.attr("direction")));
        put(
            &mut first,
            "aggregate",
            m.child("aggregate", None).and_then(|a| a.attr("type")).or(m.attr("aggregation")),
        );
        put(
            &mut first,
            "sampling_interval",
            m.child("sampling", None).and_then(|s| s.attr("interval")).or(m.attr("sampling-interval")),
        );
        put(&mut rest, "physical_type", physical.and_then(|p| p.attr("type")).or(m.attr("type")));
        put(&mut rest, "graph", business.and_then(|b| b.attr("graph")));
        put(&mut rest, "measurement", m.attr("name"));
    }
    put(&mut first, "device_identifier", identifier.and_then(|i| i.attr("value")));
    put(&mut rest, "identifier_type", identifier.and_then(|i| i.attr("type")));
    put(&mut rest, "identifier_authority", identifier.and_then(|i| i.attr("authority")));
    put(&mut rest, "device_type", device.and_then(|d| d.attr("type")));
    first.extend(rest);
    (identifier.and_then(|i| i.attr("value")).map(str::to_string), first)
}

/// What a message from the proxy says about consent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Consent {
    /// Access granted for these usage points (`state` echoed from the authorize URI).
    Granted {
        /// Usage points.
        usage_points: Vec<String>,
        /// The state given with the authorize URI, if any.
        state: Option<String>,
    },
    /// Access revoked for these usage points.
    Revoked {
        /// Usage points.
        usage_points: Vec<String>,
    },
    /// A message without consent content (a chat line).
    Other,
}

/// Reads a `<message>` stanza.
///
/// # Errors
/// Why it is not a message, or a consent block names no usage point.
pub fn message(body: &str) -> Result<Consent, String> {
    let m = xml::parse(body)?;
    if m.name != "message" {
        return Err(format!("<{}> is not a message", m.name));
    }
    let points = |x: &Element| -> Result<Vec<String>, String> {
        let points: Vec<String> = x
            .children_named("usage-point")
            .map(|u| u.text().trim().to_string())
            .filter(|u| !u.is_empty())
            .collect();
        if points.is_empty() { Err(format!("<x xmlns='{}'> names no usage-point", x.ns)) } else { Ok(points) }
    };
    if let Some(x) = m.child("x", Some(NS_AUTHORIZE)) {
        let state = x.child("state", None).map(|s| s.text().trim().to_string());
        return Ok(Consent::Granted { usage_points: points(x)?, state });
    }
    if let Some(x) = m.child("x", Some(NS_REVOKE)) {
        return Ok(Consent::Revoked { usage_points: points(x)? });
    }
    Ok(Consent::Other)
}
