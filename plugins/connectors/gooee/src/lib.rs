//! Gooee MQTT connector (seed 002).
//!
//! Settings (each a comma-separated list): `devices`, `areas`, `spaces`, `buildings` name the
//! entity ids to follow; `meta_names` and `action_types` add the per-name and per-type topics;
//! `topics` adds explicit topics, each of which must be in Gooee's topic table. The answer to
//! `start` is one `subscribe` per topic of the table for those ids; a setting outside the table
//! is `bad-setting`, which refuses the config.
//!
//! Inbound messages, by topic:
//! - `.../meta`, `.../meta/(:name)`, head counts: each meta object becomes a reading (its
//!   `name`, `value`, `unit_of_measure`, `timestamp`), for the entity id of the topic;
//! - `.../actions[/(:type)]`: one event reading `action.<type>` whose text value is the JSON
//!   payload, at its `created` time;
//! - `.../fault_alarms`: one event reading `fault_alarm.<type>` (text value: the JSON payload),
//!   at its `timestamp`;
//! - `.../rejected`: Gooee refused an earlier publish: rejected as unprocessable (HTTP 422) with the broker's
//!   error message and context, so it is dead-lettered with its bytes, and a warning logged.
//!
//! A malformed payload is rejected as malformed (HTTP 400) with a reason naming the field at fault.
// The export macro exists only on wasm32: on the host (tests) the plugin type is unused.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

mod message;

pub mod topics;

use passerelle_pdk::connector::{Command, ConnectorError, Event, Guest, Inbound, Refusal, Rejection};

struct Gooee;

impl Guest for Gooee {
    fn handle(event: Event) -> Result<Vec<Command>, ConnectorError> {
        match event {
            Event::Start(settings) => match topics::subscriptions(&settings) {
                Ok(topics) => Ok(topics.into_iter().map(Command::Subscribe).collect()),
                Err(bad) => Err(ConnectorError::BadSetting(bad)),
            },
            Event::Inbound(inbound) => Ok(handle_inbound(&inbound)),
            Event::Restore(_) | Event::Tick(_) | Event::Response(_) => Ok(Vec::new()),
        }
    }
}

/// The commands for one MQTT message: readings and an accept, or a rejection.
pub fn handle_inbound(inbound: &Inbound) -> Vec<Command> {
    let id = inbound.id;
    match message::readings(&inbound.channel, &inbound.body) {
        Ok((device, readings)) => {
            vec![Command::EmitReadings((id, device, readings)), Command::Accept(id)]
        }
        Err(message::Refusal { kind, reason }) => {
            if kind == Refusal::Unprocessable {
                warn(&reason);
            }
            vec![Command::Reject(Rejection { id, kind, reason })]
        }
    }
}

fn warn(message: &str) {
    #[cfg(target_arch = "wasm32")]
    passerelle_pdk::connector::passerelle::plugin::log::log(passerelle_pdk::connector::Level::Warn, message);
    #[cfg(not(target_arch = "wasm32"))]
    let _ = message;
}

#[cfg(target_arch = "wasm32")]
passerelle_pdk::connector::export_connector!(Gooee with_types_in passerelle_pdk::connector);
