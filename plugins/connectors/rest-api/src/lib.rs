//! REST API connector (seed 001, "API": vendors such as WIT or Schneider give one or two API
//! keys and a JSON API): polls a vendor-style API on the connector's ticks through the host's
//! HTTP client, with no transport of its own (`transport: embedded()`).
//!
//! Each cycle lists the devices (paged), then reads each device's time series from its cursor
//! (paged), maps each point to a reading (value, unit and time paths), and saves the cursor
//! (`cursor/<device>`: the latest time stored) right after the readings it covers, so a
//! restart neither reads again nor skips. One request at a time; a 429 waits its `Retry-After`
//! (seconds), a 5xx, a time-out or an unreachable server is retried with a doubling backoff; a
//! 401 or 403 (a wrong key) fails the event with a clear error (the host logs it and counts it
//! in `passerelle_connector_plugin_errors_total`) and the next cycle tries again; another 4xx or
//! an answer that is not JSON goes to the dead letter and what it covered is skipped until the
//! next cycle; a point that cannot be read goes to the dead letter (subject: the device).
//!
//! Settings (see [`settings::Settings`] for every default):
//! - `base_url` (required), `poll_ms`, `retry_min_ms`, `retry_max_ms`, `timeout_ms`, `start`
//!   (RFC 3339: the first cursor of a device never read);
//! - keys: `header.<Name>` (`"header.X-Api-Key": "{secret:VENDOR_KEY}"`) and `query.<name>`
//!   (`"query.api_key": "{secret:VENDOR_KEY}"`); the host fills `{secret:NAME}` from the
//!   connector's `secrets` as the request leaves, so the plugin never sees a key;
//! - devices: `devices_path`, `devices_records`, `device_id_field`, `device_unit_field`,
//!   `devices_next`, `devices_token_param`;
//! - series: `series_path` (`{device}` is the device id), `since_param`, `since_format`
//!   (`rfc3339`, `ms`, `s`), `series_records`, `time_field`, `time_unit` (a number time: `s`
//!   or `ms`), `value_field`, `unit_field`, `name_field`, `name`, `unit`, `series_next`,
//!   `series_token_param`.
//!
//! Paging: the `*_next` path of an answer holds the next page: an absolute URL, a path from
//! the API's origin (the `query.*` keys are added when the link lacks them), or a token sent as
//! the `*_token_param` parameter of the first page; absent, null or empty on the last page.
// The export macro exists only on wasm32: on the host (tests) the plugin type is unused.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

pub mod poll;
pub mod settings;

use std::sync::Mutex;

use passerelle_pdk::connector::{Command, ConnectorError, Event, Guest};

use crate::poll::{Note, Poller};
use crate::settings::Settings;

static POLLER: Mutex<Option<Poller>> = Mutex::new(None);

/// Handles one event on a poller.
///
/// # Errors
/// `bad-setting` at start; the API refused the key.
pub fn handle(poller: &mut Option<Poller>, event: Event) -> Result<Vec<Command>, ConnectorError> {
    if let Event::Start(settings) = event {
        *poller = Some(Poller::new(Settings::parse(&settings)?));
        return Ok(Vec::new());
    }
    let p = poller.as_mut().ok_or_else(|| ConnectorError::Other("event before start".into()))?;
    let out = match event {
        Event::Start(_) | Event::Inbound(_) => Ok(Vec::new()),
        Event::Restore(entries) => {
            p.restore(&entries);
            Ok(Vec::new())
        }
        Event::Tick(now) => Ok(p.tick(now)),
        Event::Response(r) => p.response(r),
    };
    for note in p.notes.drain(..) {
        log(note);
    }
    out
}

fn log(note: Note) {
    #[cfg(target_arch = "wasm32")]
    {
        use passerelle_pdk::connector::Level;
        use passerelle_pdk::connector::passerelle::plugin::log::log;
        match note {
            Note::Warn(m) => log(Level::Warn, &m),
            Note::Error(m) => log(Level::Error, &m),
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = note;
}

struct RestApi;

impl Guest for RestApi {
    fn handle(event: Event) -> Result<Vec<Command>, ConnectorError> {
        let mut guard = POLLER.lock().map_err(|_| ConnectorError::Other("state poisoned".into()))?;
        handle(&mut guard, event)
    }
}

#[cfg(target_arch = "wasm32")]
passerelle_pdk::connector::export_connector!(RestApi with_types_in passerelle_pdk::connector);

#[cfg(test)]
mod tests;
