//! Discovery of the STOMP URL, the building id and the local address through the Hemis REST
//! API (`/buildings/mine/infos`, seed 000), as a small state machine: a request on start, again
//! on the ticks after a failure, then the subscriptions and a `CONNECT` request for the
//! transport.

use passerelle_pdk::connector::{Command, Request, Response};
use serde_json::Value as Json;

/// Id of the infos request.
pub const INFOS_ID: u64 = 1;
/// Id of the `CONNECT` request to the transport.
pub const CONNECT_ID: u64 = 2;

/// What discovery needs and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovery {
    infos_url: String,
    authorization: String,
    building: Option<String>,
    template: String,
    local: bool,
    local_port: u16,
    retry_ms: i64,
    /// Done: subscribed and the transport told.
    pub done: bool,
    in_flight: bool,
    last_tick: i64,
    next_try: i64,
}

impl Discovery {
    /// Discovery from the settings, when `infos_url` is set.
    ///
    /// # Errors
    /// The setting at fault and why.
    pub fn from_settings(pairs: &[(String, String)]) -> Result<Option<Self>, (String, String)> {
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string());
        let Some(infos_url) = get("infos_url").filter(|u| !u.is_empty()) else { return Ok(None) };
        if !infos_url.starts_with("https://") && !infos_url.starts_with("http://") {
            return Err(("infos_url".into(), format!("{infos_url:?} is not an http(s) URL")));
        }
        let local = match get("mode").as_deref() {
            None | Some("cloud") => false,
            Some("local") => true,
            Some(other) => return Err(("mode".into(), format!("{other:?} is not cloud or local"))),
        };
        let number = |k: &str, default: u64| -> Result<u64, (String, String)> {
            get(k).map_or(Ok(default), |v| {
                v.parse().map_err(|_| (k.to_string(), format!("{v:?} is not a number")))
            })
        };
        let local_port = u16::try_from(number("local_port", 443)?)
            .map_err(|_| ("local_port".to_string(), "too large".to_string()))?;
        let retry_ms = i64::try_from(number("retry_s", 30)?.saturating_mul(1000)).unwrap_or(i64::MAX);
        Ok(Some(Self {
            infos_url,
            authorization: get("authorization").unwrap_or_else(|| "Bearer {secret:HEMIS_TOKEN}".into()),
            building: get("building_id").filter(|b| !b.is_empty()),
            template: get("destinations").unwrap_or_else(|| super::DEFAULT_DESTINATIONS.into()),
            local,
            local_port,
            retry_ms,
            done: false,
            in_flight: false,
            last_tick: 0,
            next_try: 0,
        }))
    }

    /// The answer to `start`: the infos request.
    pub fn start(&mut self) -> Vec<Command> {
        self.in_flight = true;
        vec![Command::Request(Request {
            id: INFOS_ID,
            method: "GET".into(),
            target: self.infos_url.clone(),
            headers: vec![
                ("authorization".into(), self.authorization.clone()),
                ("accept".into(), "application/json".into()),
            ],
            body: Vec::new(),
            timeout_ms: None,
        })]
    }

    /// A tick: the infos request again once `retry_s` passed since a failure.
    pub fn tick(&mut self, now: i64) -> Vec<Command> {
        self.last_tick = now;
        if self.done || self.in_flight || now < self.next_try { Vec::new() } else { self.start() }
    }

    /// The infos answer: subscriptions and the `CONNECT` request; or a warning and a later try.
    pub fn response(&mut self, r: Response) -> Vec<Command> {
        if r.id != INFOS_ID {
            if let Err(e) = r.outcome {
                super::warn(&format!("Hemis: the transport refused the discovered URL: {e:?}"));
            }
            return Vec::new();
        }
        self.in_flight = false;
        let found = match r.outcome {
            Ok(a) if a.status == 200 => self.read(&a.body),
            Ok(a) => Err(format!("status {}", a.status)),
            Err(e) => Err(format!("{e:?}")),
        };
        match found {
            Ok((url, building, local_ip)) => {
                self.done = true;
                let mut commands: Vec<Command> = super::destinations(&self.template, &building)
                    .into_iter()
                    .map(Command::Subscribe)
                    .collect();
                let mut headers = vec![("login".to_string(), building)];
                if self.local {
                    match local_ip {
                        Some(ip) => headers.push(("connect-to".into(), format!("{ip}:{}", self.local_port))),
                        None => super::warn(
                            "Hemis: mode local, but the infos give no local_ip; connecting through the cloud",
                        ),
                    }
                }
                commands.push(Command::Request(Request {
                    id: CONNECT_ID,
                    method: "CONNECT".into(),
                    target: url,
                    headers,
                    body: Vec::new(),
                    timeout_ms: None,
                }));
                commands
            }
            Err(why) => {
                super::warn(&format!(
                    "Hemis discovery failed ({why}); trying again in {} s",
                    self.retry_ms / 1000
                ));
                self.next_try = self.last_tick.saturating_add(self.retry_ms);
                Vec::new()
            }
        }
    }

    /// `hemis_stomp_url`, `buildingId`, `local_ip` from the infos: one object, or a list of
    /// buildings (the one named by `building_id`, or the only one).
    fn read(&self, body: &[u8]) -> Result<(String, String, Option<String>), String> {
        let json: Json = serde_json::from_slice(body).map_err(|e| format!("infos are not JSON: {e}"))?;
        let id = |b: &Json| match b.get("buildingId") {
            Some(Json::String(s)) => Some(s.clone()),
            Some(Json::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let building = match &json {
            Json::Array(list) => match &self.building {
                Some(wanted) => list.iter().find(|b| id(b).as_deref() == Some(wanted.as_str())),
                None if list.len() == 1 => list.first(),
                None => return Err(format!("{} buildings: set building_id", list.len())),
            },
            other => Some(other),
        }
        .ok_or("the building is not in the infos")?;
        let url = building.get("hemis_stomp_url").and_then(Json::as_str).ok_or("no hemis_stomp_url")?;
        let id = id(building).ok_or("no buildingId")?;
        let local_ip = building.get("local_ip").and_then(Json::as_str).map(str::to_string);
        Ok((url.to_string(), id, local_ip))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use passerelle_pdk::connector::{Answer, RequestError};

    fn discovery(extra: &[(&str, &str)]) -> Discovery {
        let mut pairs =
            vec![("infos_url".to_string(), "https://hemis.example/buildings/mine/infos".to_string())];
        pairs.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        Discovery::from_settings(&pairs).unwrap().unwrap()
    }

    fn answer(body: &str) -> Response {
        Response {
            id: INFOS_ID,
            outcome: Ok(Answer { status: 200, headers: Vec::new(), body: body.as_bytes().to_vec() }),
        }
    }

    #[test]
    fn the_infos_give_the_subscriptions_and_the_transport_its_url_and_local_address() {
        let mut d = discovery(&[("mode", "local")]);
        let start = d.start();
        let [Command::Request(r)] = start.as_slice() else { panic!("{start:?}") };
        assert_eq!(r.headers[0], ("authorization".to_string(), "Bearer {secret:HEMIS_TOKEN}".to_string()));
        let out = d.response(answer(r#"{"local_ip":"10.0.0.1","hemis_stomp_url":"wss://somename-stomp.eu-west.ubiant.io:4443","buildingId":"B7"}"#));
        let [Command::Subscribe(data), Command::Subscribe(management), Command::Request(connect)] =
            out.as_slice()
        else {
            panic!("{out:?}")
        };
        assert_eq!((data.as_str(), management.as_str()), ("jms.topic.B7.data", "jms.topic.B7.management"));
        assert_eq!(
            (connect.method.as_str(), connect.target.as_str()),
            ("CONNECT", "wss://somename-stomp.eu-west.ubiant.io:4443")
        );
        assert_eq!(
            connect.headers,
            vec![
                ("login".to_string(), "B7".to_string()),
                ("connect-to".to_string(), "10.0.0.1:443".to_string())
            ]
        );
        assert!(d.done && d.tick(1_000_000).is_empty());
    }

    #[test]
    fn a_failed_discovery_is_tried_again_after_retry_s() {
        let mut d = discovery(&[("retry_s", "10")]);
        d.start();
        d.tick(1_000);
        assert!(d.response(Response { id: INFOS_ID, outcome: Err(RequestError::Timeout(10)) }).is_empty());
        assert!(d.tick(5_000).is_empty(), "too early");
        assert_eq!(d.tick(11_000).len(), 1);
        let out = d.response(answer(r#"[{"buildingId": 1, "hemis_stomp_url": "wss://a"}, {"buildingId": 2, "hemis_stomp_url": "wss://b"}]"#));
        assert!(out.is_empty(), "two buildings and no building_id");
        let mut d = discovery(&[("building_id", "2")]);
        d.start();
        let out = d.response(answer(r#"[{"buildingId": 1, "hemis_stomp_url": "wss://a"}, {"buildingId": 2, "hemis_stomp_url": "wss://b"}]"#));
        assert!(matches!(out.last(), Some(Command::Request(r)) if r.target == "wss://b"), "{out:?}");
    }

    #[test]
    fn bad_settings_are_named() {
        let bad = |k: &str, v: &str| {
            Discovery::from_settings(&[("infos_url".into(), "https://h/i".into()), (k.into(), v.into())])
                .unwrap_err()
                .0
        };
        assert_eq!(bad("mode", "lan"), "mode");
        assert_eq!(bad("local_port", "x"), "local_port");
        assert!(Discovery::from_settings(&[("infos_url".into(), "ftp://h".into())]).is_err());
        assert_eq!(Discovery::from_settings(&[]).unwrap(), None);
    }
}
