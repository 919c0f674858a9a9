//! Hostile connector, for tests only: it runs past its call deadline on some inbound units, so
//! tests can see what the runtime does with a unit whose call overruns.
//!
//! An inbound unit's body is lines; each line `device,value` becomes one reading `value` of
//! that device (at a fixed time, so a unit handed over twice stores one set of rows). Besides:
//! - a line `stall` spins until the deadline stops the call, on every instance;
//! - a line `stall-warm` spins on a warm instance (one that handled an inbound unit before)
//!   and is ignored on a fresh one: the first call overruns, a retry on a fresh instance
//!   succeeds;
//! - with the setting `max_lines` (a number), a unit of more lines than that spins (a chunk of
//!   a file too big for the deadline: its halves, small enough, succeed).
//!
//! Any other line goes to the dead letter (subject `line <n>`).
// The export macro exists only on wasm32: on the host (tests) the plugin type is unused.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use passerelle_pdk::connector::{Command, ConnectorError, Discarded, Event, Guest, Inbound, Reading, Value};

/// The time of every reading: 2023-11-14T22:13:20Z.
const TIME_MS: i64 = 1_700_000_000_000;

/// Inbound units this instance handled.
static SEEN: AtomicU64 = AtomicU64::new(0);
/// The `max_lines` setting (0: none).
static MAX_LINES: AtomicUsize = AtomicUsize::new(0);

struct Stall;

impl Guest for Stall {
    fn handle(event: Event) -> Result<Vec<Command>, ConnectorError> {
        match event {
            Event::Start(settings) => {
                let max = match settings.iter().find(|(k, _)| k == "max_lines") {
                    Some((_, v)) => v.parse().map_err(|_| {
                        ConnectorError::BadSetting(("max_lines".into(), format!("{v:?} is not a number")))
                    })?,
                    None => 0,
                };
                MAX_LINES.store(max, Ordering::Relaxed);
                Ok(Vec::new())
            }
            Event::Inbound(inbound) => {
                let warm = SEEN.fetch_add(1, Ordering::Relaxed) > 0;
                Ok(inbound_unit(&inbound, warm, MAX_LINES.load(Ordering::Relaxed)))
            }
            _ => Ok(Vec::new()),
        }
    }
}

/// Spins until the host's deadline stops the call.
fn spin(seed: u64) -> u64 {
    let mut n = seed;
    loop {
        n = std::hint::black_box(n.wrapping_mul(6364136223846793005).wrapping_add(1));
        if n == 42 {
            return n;
        }
    }
}

/// The commands of one unit; spins when the unit says so (see the crate doc).
fn inbound_unit(inbound: &Inbound, warm: bool, max_lines: usize) -> Vec<Command> {
    let text = String::from_utf8_lossy(&inbound.body);
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let stalls = lines.iter().any(|l| *l == "stall" || (warm && *l == "stall-warm"));
    if stalls || (max_lines > 0 && lines.len() > max_lines) {
        spin(inbound.id);
    }
    let mut commands = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if *line == "stall-warm" {
            continue;
        }
        let reading =
            line.split_once(',').and_then(|(device, v)| Some((device, v.trim().parse::<f64>().ok()?)));
        match reading {
            Some((device, value)) => commands.push(Command::EmitReadings((
                inbound.id,
                device.to_string(),
                vec![Reading {
                    name: "value".into(),
                    value: Value::Number(value),
                    unit: None,
                    time_ms: Some(TIME_MS),
                }],
            ))),
            None => commands.push(Command::DeadLetter(Discarded {
                id: inbound.id,
                subject: format!("line {}", i + 1),
                reason: format!("{line:?} is not device,value"),
                bytes: line.as_bytes().to_vec(),
            })),
        }
    }
    commands.push(Command::Accept(inbound.id));
    commands
}

#[cfg(target_arch = "wasm32")]
passerelle_pdk::connector::export_connector!(Stall with_types_in passerelle_pdk::connector);

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(body: &str) -> Inbound {
        Inbound {
            id: 1,
            channel: "c".into(),
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
            received_ms: 5,
        }
    }

    #[test]
    fn lines_become_readings_and_a_fresh_instance_ignores_stall_warm() {
        let out = inbound_unit(&unit("stall-warm\na,1\nb, 2.5\n\nnope\n"), false, 0);
        let [
            Command::EmitReadings((_, a, _)),
            Command::EmitReadings((_, b, r)),
            Command::DeadLetter(d),
            Command::Accept(1),
        ] = out.as_slice()
        else {
            panic!("{out:?}")
        };
        assert_eq!((a.as_str(), b.as_str()), ("a", "b"));
        assert!(matches!(r[0].value, Value::Number(v) if v == 2.5));
        assert_eq!(d.subject, "line 4");
    }
}
