//! Pure validation: every error at once, each located in the source text.

use super::{Config, ConfigError, Devicetypes, Source};

/// Finds where `needle` (a quoted string) first appears at or after the section `section`.
fn locate(source: &Source, section: &str, needle: &str) -> (usize, usize) {
    let text = &source.text;
    let from = text.find(&format!("{section}:")).unwrap_or(0);
    let quoted = format!("\"{needle}\"");
    let at = text.get(from..).and_then(|t| t.find(&quoted)).map(|i| i + from).or_else(|| text.find(&quoted));
    match at {
        Some(i) => line_col(text, i),
        None => text.find(&format!("{section}:")).map(|i| line_col(text, i)).unwrap_or((0, 0)),
    }
}

/// Finds a map key `"name":` (a connector, decoder or sink definition).
fn locate_key(source: &Source, section: &str, name: &str) -> (usize, usize) {
    let text = &source.text;
    let from = text.find(&format!("{section}:")).unwrap_or(0);
    let key = format!("\"{name}\"");
    let mut pos = from;
    while let Some(i) = text.get(pos..).and_then(|t| t.find(&key)) {
        let at = pos + i;
        let rest = text.get(at + key.len()..).unwrap_or("");
        if rest.trim_start().starts_with(':') {
            return line_col(text, at);
        }
        pos = at + key.len();
    }
    locate(source, section, name)
}

/// Locates the `n`th occurrence (0-based) of `key:` after `section:`.
fn locate_nth_key(source: &Source, section: &str, key: &str, n: usize) -> (usize, usize) {
    let text = &source.text;
    let from = text.find(&format!("{section}:")).unwrap_or(0);
    let pat = format!("{key}:");
    let mut pos = from;
    for _ in 0..=n {
        match text.get(pos..).and_then(|t| t.find(&pat)) {
            Some(i) => pos += i + pat.len(),
            None => return line_col(text, from),
        }
    }
    line_col(text, pos.saturating_sub(pat.len()))
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// A name that can be a file name on every platform: `[A-Za-z0-9._-]+`, not starting with `.`.
fn is_file_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// A codec file name: JavaScript, or YAML (a TTN codec package).
fn is_codec_file(path: &std::path::Path) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default();
    matches!(ext, "js" | "mjs" | "cjs" | "yaml" | "yml")
}

pub(super) fn validate(config: &Config) -> Vec<ConfigError> {
    let src = config.source();
    let mut errors = Vec::new();
    let mut err = |(line, column): (usize, usize), message: String| {
        errors.push(ConfigError { origin: src.origin.clone(), line, column, message });
    };

    match config.sinks.get(&config.dead_letter) {
        None => err(
            locate(src, "dead_letter", &config.dead_letter),
            format!("dead_letter: sink {:?} is not defined in `sinks`", config.dead_letter),
        ),
        Some(s) if !s.component().capabilities().dead_letters => err(
            locate(src, "dead_letter", &config.dead_letter),
            format!(
                "dead_letter: sink {:?} ({}) keeps no dead letters: name a sink that does (sqlite)",
                config.dead_letter,
                s.kind()
            ),
        ),
        Some(_) => {}
    }
    // A route or a connector acknowledges its source once its sinks committed: each must say so.
    let unacknowledging = |name: &str| {
        config.sinks.get(name).is_some_and(|s| !s.component().capabilities().acknowledges_on_commit)
    };
    for (name, c) in &config.connectors {
        for problem in c.transport.component().validate() {
            err(locate_key(src, "connectors", name), format!("connector {name:?}: {problem}"));
        }
        if c.instances == 0 {
            err(
                locate_key(src, "connectors", name),
                format!("connector {name:?}: instances must be at least 1"),
            );
        }
        for problem in c.quarantine.validate() {
            err(locate_key(src, "connectors", name), format!("connector {name:?}: {problem}"));
        }
        if !is_file_name(name) {
            err(
                locate_key(src, "connectors", name),
                format!(
                    "connector {name:?}: a name is letters, digits, '-', '_' and '.', not starting with '.' (it names the connector's state file)"
                ),
            );
        }
        for s in &c.sinks {
            if !config.sinks.contains_key(s) {
                err(
                    locate_key(src, "connectors", name),
                    format!("connector {name:?}: sink {s:?} is not defined in `sinks`"),
                );
            } else if unacknowledging(s) {
                err(
                    locate_key(src, "connectors", name),
                    format!("connector {name:?}: sink {s:?} does not acknowledge on commit"),
                );
            }
        }
        if c.request_timeout_ms == 0 {
            err(
                locate_key(src, "connectors", name),
                format!("connector {name:?}: request_timeout_ms must be above 0"),
            );
        }
        #[cfg(feature = "http-client")]
        for problem in c.tls.iter().flat_map(crate::net::tls::TlsConfig::validate) {
            err(locate_key(src, "connectors", name), format!("connector {name:?}: tls: {problem}"));
        }
        if c.max_requests == 0 {
            err(
                locate_key(src, "connectors", name),
                format!("connector {name:?}: max_requests must be above 0"),
            );
        }
        if c.plugin.as_os_str().is_empty() {
            err(locate_key(src, "connectors", name), format!("connector {name:?}: plugin path is empty"));
        }
    }
    #[cfg(feature = "fabric")]
    for problem in config.fabric.iter().flat_map(crate::fabric::FabricConfig::validate) {
        err(locate_key(src, "fabric", "url"), problem);
    }
    for (name, d) in &config.decoders {
        if d.instances == 0 {
            err(locate_key(src, "decoders", name), format!("decoder {name:?}: instances must be at least 1"));
        }
        if d.limits.deadline_ms == 0
            || d.limits.memory_mib == 0
            || d.limits.max_readings == 0
            || d.limits.max_batch == 0
        {
            err(locate_key(src, "decoders", name), format!("decoder {name:?}: every limit must be above 0"));
        }
        for problem in d.quarantine.validate() {
            err(locate_key(src, "decoders", name), format!("decoder {name:?}: {problem}"));
        }
        if d.plugin.extension().and_then(|e| e.to_str()) != Some("wasm") {
            err(
                locate(src, "decoders", &d.plugin.display().to_string()),
                format!("decoder {name:?}: plugin {:?} is not a .wasm file", d.plugin.display().to_string()),
            );
        }
        if let Some(codec) = &d.codec {
            let shown = codec.display().to_string();
            if !is_codec_file(codec) {
                err(
                    locate(src, "decoders", &shown),
                    format!("decoder {name:?}: codec {shown:?} is neither a .js file nor a *-codec.yaml"),
                );
            }
        }
    }
    for (name, s) in &config.sinks {
        for problem in s.component().validate() {
            err(locate_key(src, "sinks", name), format!("sink {name:?}: {problem}"));
        }
    }
    #[cfg(feature = "admin")]
    if let Some(admin) = &config.admin {
        for problem in admin.validate() {
            err(locate(src, "admin", &admin.listen), problem);
        }
    }
    let mut seen = std::collections::BTreeMap::new();
    let mut all = std::collections::BTreeMap::new();
    for (i, r) in config.routes.iter().enumerate() {
        // Every route has one `decoder:`: its n-th occurrence locates route n.
        let at = locate_nth_key(src, "routes", "decoder", i);
        if let Some(firmware) = &r.firmware
            && (firmware.trim().is_empty() || firmware.chars().any(char::is_whitespace))
        {
            err(
                at,
                format!(
                    "route {}: firmware {firmware:?}: a version such as \"1.1.4\", without spaces",
                    i + 1
                ),
            );
        }
        let devicetypes: Vec<&str> = match (&r.devicetypes, r.devicetype.is_empty()) {
            (None, true) => {
                err(at, format!("route {}: no devicetype: name `devicetype` or `devicetypes`", i + 1));
                Vec::new()
            }
            (None, false) => vec![r.devicetype.as_str()],
            (Some(_), false) => {
                err(at, format!("route {}: `devicetype` and `devicetypes` together: name one", i + 1));
                Vec::new()
            }
            (Some(_), true) if r.model.is_some() => {
                err(
                    at,
                    format!("route {}: `model` with `devicetypes`: each devicetype is its own model", i + 1),
                );
                Vec::new()
            }
            (Some(Devicetypes::List(list)), true) => {
                if list.is_empty() {
                    err(at, format!("route {}: `devicetypes` is an empty list", i + 1));
                }
                list.iter().map(String::as_str).collect()
            }
            (Some(Devicetypes::All(_)), true) => {
                if let Some(first) = all.insert(r.decoder.as_str(), i) {
                    err(
                        at,
                        format!(
                            "route {}: decoder {:?} already has `devicetypes: all` in route {}",
                            i + 1,
                            r.decoder,
                            first + 1
                        ),
                    );
                }
                Vec::new()
            }
        };
        for devicetype in devicetypes {
            if devicetype.is_empty() {
                err(at, format!("route {}: an empty devicetype", i + 1));
            } else if let Some(first) = seen.insert(devicetype, i) {
                let already = if first == i {
                    String::from("listed twice")
                } else {
                    format!("already routed by route {}", first + 1)
                };
                err(at, format!("route {}: devicetype {devicetype:?} is {already}", i + 1));
            }
        }
        match config.decoders.get(&r.decoder) {
            None => err(
                locate_nth_key(src, "routes", "decoder", i),
                format!("route {}: decoder {:?} is not defined in `decoders`", i + 1, r.decoder),
            ),
            Some(d) => {
                if let (Some(codec), Some(own)) = (&r.codec, &d.codec) {
                    err(
                        locate(src, "routes", &codec.display().to_string()),
                        format!(
                            "route {}: decoder {:?} already runs codec {:?}: a route's codec needs a script engine without one (such as js_codec.wasm)",
                            i + 1,
                            r.decoder,
                            own.display().to_string()
                        ),
                    );
                }
            }
        }
        if let Some(codec) = &r.codec
            && !is_codec_file(codec)
        {
            let shown = codec.display().to_string();
            err(
                locate(src, "routes", &shown),
                format!("route {}: codec {shown:?} is neither a .js file nor a *-codec.yaml", i + 1),
            );
        }
        if r.sinks.is_empty() {
            err(at, format!("route {}: no sinks: readings would go nowhere", i + 1));
        }
        for s in &r.sinks {
            if !config.sinks.contains_key(s) {
                err(
                    locate_nth_key(src, "routes", "sinks", i),
                    format!("route {}: sink {s:?} is not defined in `sinks`", i + 1),
                );
            } else if unacknowledging(s) {
                err(
                    locate_nth_key(src, "routes", "sinks", i),
                    format!("route {}: sink {s:?} does not acknowledge on commit", i + 1),
                );
            }
        }
    }
    errors.sort_by_key(|e| (e.line, e.column));
    errors
}
