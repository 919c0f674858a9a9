//! Posts vendor vectors as Energisme envelopes (seed 001), one request per vector.

use std::path::PathBuf;

use anyhow::Context;

/// Arguments of `push-vectors`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The vendor vectors file (one JSON object per line: vendor, device, fPort, bytes_hex), as
    /// `passerelle-vectors` reads it; the repository's own copy by default.
    #[arg(long, default_value = "vectors/ttn/vectors.jsonl")]
    vectors: PathBuf,
    /// Only these vendors (comma-separated).
    #[arg(long, value_delimiter = ',')]
    vendors: Vec<String>,
    /// The push URL.
    #[arg(long, default_value = "http://127.0.0.1:8080/")]
    url: String,
    /// Environment variable holding the token.
    #[arg(long, default_value = "ENERGISME_TOKEN")]
    token_env: String,
    /// Also post frames that must be refused or dead-lettered: a truncated payload, an unknown
    /// devicetype, malformed hex, and a wrong token.
    #[arg(long)]
    with_bad_frames: bool,
}

/// Bad inputs shown by the quickstart: (what, body, use the right token).
fn bad_frames() -> Vec<(&'static str, String, bool)> {
    let env = |payload: &str, devicetype: &str| {
        serde_json::json!({"timestamp": "2026-11-22T09:00:00.000Z", "deviceid": "bad-1",
                           "payload": payload, "devicetype": devicetype, "port": 85})
        .to_string()
    };
    vec![
        ("truncated em300-th frame", env("0175320367", "em300-th"), true),
        ("unknown devicetype", env("0175320367c80004683c", "acme-9000"), true),
        ("malformed hex", env("01753G", "em300-th"), true),
        ("wrong token", env("0175320367c80004683c", "em300-th"), false),
    ]
}

pub(crate) async fn run(args: Args) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.vectors)
        .with_context(|| format!("reading {}", args.vectors.display()))?;
    let token = std::env::var(&args.token_env).with_context(|| format!("{} is not set", args.token_env))?;
    let client = reqwest::Client::new();
    let (mut sent, mut ok) = (0, 0);
    let vectors = passerelle_vectors::parse_vendor_vectors(&text)
        .with_context(|| format!("reading {}", args.vectors.display()))?;
    for (i, v) in vectors.iter().enumerate() {
        let (vendor, device, index) = (&v.vendor, &v.model, v.index);
        if !args.vendors.is_empty() && !args.vendors.contains(vendor) {
            continue;
        }
        // One device id per vector, and one minute apart, so every vector stores its own rows.
        let envelope = serde_json::json!({
            "timestamp": format!("2026-11-22T08:{:02}:00.000Z", i % 60),
            "deviceid": format!("{vendor}-{device}-{index}"),
            "payload": passerelle_vectors::to_hex(&v.payload),
            "devicetype": device,
            "port": v.port,
        });
        let response = client
            .post(&args.url)
            .header("source", "passerelle-quickstart")
            .header("authorization", format!("Basic {token}"))
            .json(&envelope)
            .send()
            .await
            .with_context(|| format!("posting to {}", args.url))?;
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        sent += 1;
        if status.is_success() {
            ok += 1;
        }
        let summary: serde_json::Value =
            serde_json::from_str(&body).unwrap_or(serde_json::Value::String(body));
        let what = match (&summary["stored"], &summary["outcomes"][0]) {
            (serde_json::Value::Number(n), o) if n.as_u64() == Some(1) => {
                format!("stored {} readings", o["readings"])
            }
            (_, o) if o.is_object() => format!("dead-lettered at {}: {}", o["stage"], o["error"]),
            _ => summary.to_string(),
        };
        println!("POST {vendor:<14} {device:<10} port {:>3} -> {status} {what}", v.port);
    }
    if args.with_bad_frames {
        for (what, body, good_token) in bad_frames() {
            let auth = if good_token { format!("Basic {token}") } else { "Basic wrong".to_string() };
            let response = client
                .post(&args.url)
                .header("content-type", "application/json")
                .header("authorization", auth)
                .body(body)
                .send()
                .await?;
            let status = response.status();
            println!("POST {what:<35} -> {status} {}", response.text().await.unwrap_or_default());
        }
    }
    println!("{ok}/{sent} vector requests answered 2xx");
    anyhow::ensure!(sent > 0, "no vector matched {:?}", args.vendors);
    Ok(())
}
