//! HTTP push load generator: N keep-alive connections post Energisme envelopes to a Passerelle
//! on this machine for a bounded time and a bounded number of requests, then report rates and
//! latencies.
//!
//! ```text
//! cargo xtask load --url http://127.0.0.1:18080/ --connections 32 --duration 10s --batch 50
//! ```
//!
//! Every envelope is unique (the device id names the run, the worker and the model; the
//! timestamp advances one millisecond per envelope of a worker), so every frame stores new rows
//! in an idempotent sink. Only loopback targets are accepted.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, ensure};
use reqwest::Url;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};

/// Arguments of `load`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The push URL; loopback only (127.0.0.0/8, localhost, ::1).
    #[arg(long, default_value = "http://127.0.0.1:8080/")]
    url: String,
    /// Environment variable holding the token sent as `Authorization: Basic <token>`.
    #[arg(long, default_value = "ENERGISME_TOKEN")]
    token_env: String,
    /// Concurrent workers, each with one request in flight on a keep-alive connection.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u16).range(1..=4096))]
    connections: u16,
    /// How long to send (`500ms`, `10s`, `2m`; a bare number is seconds). In-flight requests
    /// finish after it.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    duration: Duration,
    /// Envelopes per request: 1 posts one envelope object, more post a JSON array.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    batch: u32,
    /// Stop after this many requests even if the duration has not run out.
    #[arg(long, default_value_t = 1_000_000)]
    max_requests: u64,
    /// Per-request timeout (same forms as `--duration`).
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    timeout: Duration,
    /// The vendor vectors file (one JSON object per line: vendor, device, fPort, bytes_hex), as
    /// `passerelle-vectors` reads it; the repository's own copy by default.
    #[arg(long, default_value = "vectors/ttn/vectors.jsonl")]
    vectors: PathBuf,
    /// Only vectors of these vendors (comma-separated; the ones with a decoder by default).
    #[arg(long, value_delimiter = ',', default_value = "milesight-iot,elsys")]
    vendors: Vec<String>,
    /// Only vectors of these models (comma-separated vendor model ids such as `em300-th`; all
    /// models of the chosen vendors by default). A baseline that decodes one model gets the same
    /// requests as Passerelle this way.
    #[arg(long, value_delimiter = ',')]
    models: Vec<String>,
    /// Print the report as one JSON object on stdout (progress stays on stderr).
    #[arg(long)]
    json: bool,
}

/// Parses `250ms`, `10s`, `2m`, `1h`, or a bare number of seconds.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().map_err(|_| format!("{text:?} is not a duration like 10s"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "" | "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => return Err(format!("unknown unit {unit:?} in {text:?} (ms, s, m, h)")),
    };
    Duration::try_from_secs_f64(seconds)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("{text:?} is not a positive duration"))
}

/// Refuses a URL whose host is not a loopback address: this tool must never load another machine.
async fn check_loopback(url: &Url) -> anyhow::Result<()> {
    ensure!(url.scheme() == "http", "only http:// URLs are supported, got {url}");
    let host = url.host_str().unwrap_or_default();
    check_loopback_host(host, url.port_or_known_default().unwrap_or(80))
        .await
        .with_context(|| format!("refusing {url}"))
}

/// Refuses a host that is not a loopback address (an IP in 127.0.0.0/8 or `::1`, bracketed or
/// not, or `localhost` resolving to loopback addresses only): load goes to this machine only.
pub(crate) async fn check_loopback_host(host: &str, port: u16) -> anyhow::Result<()> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        ensure!(
            ip.is_loopback(),
            "{host} is not loopback: only loopback targets (127.0.0.0/8, localhost, [::1]) may be loaded"
        );
        return Ok(());
    }
    ensure!(
        host.eq_ignore_ascii_case("localhost"),
        "{host} is not loopback: only loopback targets (127.0.0.0/8, localhost, [::1]) may be loaded"
    );
    let addrs: Vec<IpAddr> = tokio::net::lookup_host((host, port))
        .await
        .with_context(|| format!("resolving {host}"))?
        .map(|a| a.ip())
        .collect();
    ensure!(
        !addrs.is_empty() && addrs.iter().all(IpAddr::is_loopback),
        "{host} resolves to {addrs:?}, not only loopback addresses: refused"
    );
    Ok(())
}

/// One vector, its strings already JSON-escaped.
#[derive(Debug)]
struct Vector {
    /// `"em300-th"` with its quotes.
    model: String,
    /// The model as a bare string, for device ids.
    model_id: String,
    /// `"0175..."` with its quotes.
    payload: String,
    port: u64,
}

/// What every worker shares: the vectors, the request parts and the run's identity.
#[derive(Debug)]
struct Plan {
    url: Url,
    authorization: HeaderValue,
    vectors: Vec<Vector>,
    batch: u32,
    run: String,
    start_ms: i64,
    max_requests: u64,
}

impl Plan {
    /// The body of one request of worker `worker`, advancing its envelope sequence.
    fn body(&self, worker: u16, seq: &mut u64) -> Vec<u8> {
        let mut out = String::with_capacity(160 * self.batch as usize + 2);
        if self.batch > 1 {
            out.push('[');
        }
        for k in 0..self.batch {
            if k > 0 {
                out.push(',');
            }
            // Workers start at different vectors so concurrent requests mix models.
            let index = (*seq as usize + usize::from(worker)) % self.vectors.len().max(1);
            if let Some(v) = self.vectors.get(index) {
                let ms = self.start_ms.saturating_add(i64::try_from(*seq).unwrap_or(i64::MAX));
                let _ = write!(
                    out,
                    r#"{{"timestamp":"{}","deviceid":"load-{}-w{}-{}","payload":{},"devicetype":{},"port":{}}}"#,
                    rfc3339_ms(ms),
                    self.run,
                    worker,
                    v.model_id,
                    v.payload,
                    v.model,
                    v.port
                );
            }
            *seq += 1;
        }
        if self.batch > 1 {
            out.push(']');
        }
        out.into_bytes()
    }
}

/// Counters the progress line reads while workers run.
#[derive(Debug, Default)]
struct Counters {
    claimed: AtomicU64,
    answered: AtomicU64,
    ok: AtomicU64,
    failed: AtomicU64,
}

/// What one worker saw.
#[derive(Debug, Default)]
struct Tally {
    /// Latency of every answered request, in microseconds.
    latencies_us: Vec<u64>,
    ok: u64,
    stored: u64,
    dead_lettered: u64,
    /// Non-2xx answers by status, and transport failures by kind.
    failures: BTreeMap<String, u64>,
    /// The first transport error, in words.
    first_error: Option<String>,
}

async fn worker(
    id: u16,
    client: reqwest::Client,
    plan: Arc<Plan>,
    counters: Arc<Counters>,
    deadline: Instant,
) -> Tally {
    let mut tally = Tally::default();
    let mut seq = 0u64;
    while Instant::now() < deadline && counters.claimed.fetch_add(1, Ordering::Relaxed) < plan.max_requests {
        let body = plan.body(id, &mut seq);
        let started = Instant::now();
        let sent = client
            .post(plan.url.clone())
            .header(AUTHORIZATION, plan.authorization.clone())
            .header(CONTENT_TYPE, "application/json")
            .header("source", "passerelle-load")
            .body(body)
            .send()
            .await;
        let answer = match sent {
            Ok(response) => {
                let status = response.status();
                response.bytes().await.map(|body| (status, body))
            }
            Err(e) => Err(e),
        };
        match answer {
            Ok((status, body)) => {
                tally.latencies_us.push(u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX));
                counters.answered.fetch_add(1, Ordering::Relaxed);
                if status.is_success() {
                    tally.ok += 1;
                    counters.ok.fetch_add(1, Ordering::Relaxed);
                    let summary: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
                    tally.stored += summary.get("stored").and_then(serde_json::Value::as_u64).unwrap_or(0);
                    tally.dead_lettered +=
                        summary.get("dead_lettered").and_then(serde_json::Value::as_u64).unwrap_or(0);
                } else {
                    counters.failed.fetch_add(1, Ordering::Relaxed);
                    *tally.failures.entry(status.as_u16().to_string()).or_default() += 1;
                    if tally.first_error.is_none() {
                        tally.first_error = Some(format!("{status}: {}", String::from_utf8_lossy(&body)));
                    }
                }
            }
            Err(e) => {
                counters.failed.fetch_add(1, Ordering::Relaxed);
                let kind = if e.is_timeout() {
                    "timeout"
                } else if e.is_connect() {
                    "connect"
                } else {
                    "transport"
                };
                *tally.failures.entry(kind.to_string()).or_default() += 1;
                if tally.first_error.is_none() {
                    tally.first_error = Some(error_chain(&e));
                }
                // A server that is down should not turn this loop into a busy spin.
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
    tally
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let _ = write!(text, ": {s}");
        source = s.source();
    }
    text
}

/// Reads the vectors of the chosen vendors.
fn load_vectors(args: &Args) -> anyhow::Result<Vec<Vector>> {
    let text = std::fs::read_to_string(&args.vectors)
        .with_context(|| format!("reading {}", args.vectors.display()))?;
    let vectors = passerelle_vectors::parse_vendor_vectors(&text)
        .with_context(|| format!("reading {}", args.vectors.display()))?;
    let mut out = Vec::new();
    for v in vectors {
        if !args.vendors.is_empty() && !args.vendors.contains(&v.vendor) {
            continue;
        }
        if !args.models.is_empty() && !args.models.contains(&v.model) {
            continue;
        }
        out.push(Vector {
            model: serde_json::to_string(&v.model)?,
            model_id: v.model.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect(),
            payload: serde_json::to_string(&passerelle_vectors::to_hex(&v.payload))?,
            port: u64::from(v.port),
        });
    }
    ensure!(
        !out.is_empty(),
        "no vector of {:?} (models {:?}) in {}",
        args.vendors,
        args.models,
        args.vectors.display()
    );
    Ok(out)
}

pub(crate) async fn run(args: Args) -> anyhow::Result<()> {
    let url = Url::parse(&args.url).with_context(|| format!("{:?} is not a URL", args.url))?;
    check_loopback(&url).await?;
    let token = std::env::var(&args.token_env).with_context(|| format!("{} is not set", args.token_env))?;
    let mut authorization =
        HeaderValue::from_str(&format!("Basic {token}")).context("the token is not a valid header value")?;
    authorization.set_sensitive(true);
    let vectors = load_vectors(&args)?;
    let start_ms = now_ms();
    let plan = Arc::new(Plan {
        url,
        authorization,
        vectors,
        batch: args.batch,
        run: format!("{start_ms:x}"),
        start_ms,
        max_requests: args.max_requests,
    });
    let connections = usize::from(args.connections);
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(connections)
        .pool_idle_timeout(Duration::from_secs(90))
        .tcp_nodelay(true)
        .timeout(args.timeout)
        .build()
        .context("building the HTTP client")?;

    eprintln!(
        "loading {} with {} connections, {} envelope(s) per request, for {:?} or {} requests ({} vectors, run {})",
        plan.url,
        connections,
        plan.batch,
        args.duration,
        plan.max_requests,
        plan.vectors.len(),
        plan.run
    );
    let counters = Arc::new(Counters::default());
    let started = Instant::now();
    let deadline = started + args.duration;
    let workers: Vec<_> = (0..args.connections)
        .map(|id| {
            tokio::spawn(worker(id, client.clone(), Arc::clone(&plan), Arc::clone(&counters), deadline))
        })
        .collect();
    let progress = tokio::spawn(progress(Arc::clone(&counters), started, u64::from(plan.batch)));
    let mut tally = Tally::default();
    for w in workers {
        let t = w.await.context("a worker panicked")?;
        tally.latencies_us.extend(t.latencies_us);
        tally.ok += t.ok;
        tally.stored += t.stored;
        tally.dead_lettered += t.dead_lettered;
        for (k, n) in t.failures {
            *tally.failures.entry(k).or_default() += n;
        }
        if tally.first_error.is_none() {
            tally.first_error = t.first_error;
        }
    }
    let elapsed = started.elapsed();
    progress.abort();

    let report = Report::new(&args, &plan, elapsed, tally);
    if args.json {
        println!("{}", report.json());
    } else {
        report.print();
    }
    // Scripts can tell a run that measured nothing from the exit status.
    ensure!(report.ok > 0, "no request was answered 2xx");
    Ok(())
}

/// Prints one line a second to stderr: totals and the rates of the last second.
async fn progress(counters: Arc<Counters>, started: Instant, batch: u64) {
    let mut tick = tokio::time::interval_at(
        tokio::time::Instant::now() + Duration::from_secs(1),
        Duration::from_secs(1),
    );
    let (mut last_answered, mut last_ok, mut last_at) = (0u64, 0u64, Instant::now());
    loop {
        tick.tick().await;
        let now = Instant::now();
        let answered = counters.answered.load(Ordering::Relaxed);
        let ok = counters.ok.load(Ordering::Relaxed);
        let failed = counters.failed.load(Ordering::Relaxed);
        let dt = now.duration_since(last_at).as_secs_f64().max(1e-9);
        eprintln!(
            "{:>6.1}s  requests {:>9} ({:>8.0}/s)  frames 2xx {:>10} ({:>9.0}/s)  failed {}",
            now.duration_since(started).as_secs_f64(),
            answered,
            (answered - last_answered) as f64 / dt,
            ok * batch,
            ((ok - last_ok) * batch) as f64 / dt,
            failed
        );
        (last_answered, last_ok, last_at) = (answered, ok, now);
    }
}

/// The final figures.
#[derive(Debug)]
struct Report {
    url: String,
    connections: u16,
    batch: u32,
    elapsed: Duration,
    /// Requests answered with any HTTP status.
    requests: u64,
    ok: u64,
    frames_ok: u64,
    stored: u64,
    dead_lettered: u64,
    failures: BTreeMap<String, u64>,
    first_error: Option<String>,
    /// p50, p90, p99, max in microseconds.
    latency_us: [u64; 4],
}

impl Report {
    fn new(args: &Args, plan: &Plan, elapsed: Duration, mut tally: Tally) -> Self {
        tally.latencies_us.sort_unstable();
        let l = &tally.latencies_us;
        Self {
            url: plan.url.to_string(),
            connections: args.connections,
            batch: plan.batch,
            elapsed,
            requests: l.len() as u64,
            ok: tally.ok,
            frames_ok: tally.ok * u64::from(plan.batch),
            stored: tally.stored,
            dead_lettered: tally.dead_lettered,
            failures: tally.failures,
            first_error: tally.first_error,
            latency_us: [
                percentile(l, 0.50),
                percentile(l, 0.90),
                percentile(l, 0.99),
                l.last().copied().unwrap_or(0),
            ],
        }
    }

    fn per_second(&self, n: u64) -> f64 {
        n as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    fn json(&self) -> serde_json::Value {
        let ms = |us: u64| us as f64 / 1000.0;
        serde_json::json!({
            "url": self.url,
            "connections": self.connections,
            "batch": self.batch,
            "elapsed_s": self.elapsed.as_secs_f64(),
            "requests": self.requests,
            "requests_per_s": self.per_second(self.requests),
            "requests_2xx": self.ok,
            "frames_2xx": self.frames_ok,
            "frames_per_s": self.per_second(self.frames_ok),
            "frames_stored": self.stored,
            "frames_dead_lettered": self.dead_lettered,
            "failures": self.failures,
            "first_error": self.first_error,
            "latency_ms": {
                "p50": ms(self.latency_us[0]),
                "p90": ms(self.latency_us[1]),
                "p99": ms(self.latency_us[2]),
                "max": ms(self.latency_us[3]),
            },
        })
    }

    fn print(&self) {
        let ms = |us: u64| us as f64 / 1000.0;
        println!(
            "target        {} ({} connections, {} envelope(s) per request)",
            self.url, self.connections, self.batch
        );
        println!("elapsed       {:.2} s", self.elapsed.as_secs_f64());
        println!(
            "requests      {} answered, {:.0}/s ({} 2xx)",
            self.requests,
            self.per_second(self.requests),
            self.ok
        );
        println!(
            "frames 2xx    {} , {:.0}/s  (stored {}, dead-lettered {})",
            self.frames_ok,
            self.per_second(self.frames_ok),
            self.stored,
            self.dead_lettered
        );
        if self.failures.is_empty() {
            println!("failures      none");
        } else {
            let list: Vec<String> = self.failures.iter().map(|(k, n)| format!("{k}: {n}")).collect();
            println!("failures      {}", list.join(", "));
        }
        if let Some(e) = &self.first_error {
            println!("first failure {e}");
        }
        println!(
            "latency ms    p50 {:.2}  p90 {:.2}  p99 {:.2}  max {:.2}",
            ms(self.latency_us[0]),
            ms(self.latency_us[1]),
            ms(self.latency_us[2]),
            ms(self.latency_us[3])
        );
    }
}

/// Nearest-rank percentile of sorted values (0 when empty).
fn percentile(sorted: &[u64], p: f64) -> u64 {
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.saturating_sub(1)).copied().unwrap_or(0)
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` of milliseconds since the Unix epoch.
pub(crate) fn rfc3339_ms(ms: i64) -> String {
    let (secs, millis) = (ms.div_euclid(1000), ms.rem_euclid(1000));
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z", rest / 3600, rest / 60 % 60, rest % 60)
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339_with_ms() {
        assert_eq!(rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339_ms(1_556_456_376_599), "2019-04-28T12:59:36.599Z");
        assert_eq!(rfc3339_ms(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("10 parsecs").is_err());
    }

    #[tokio::test]
    async fn only_loopback_targets() {
        for ok in
            ["http://127.0.0.1:8080/", "http://127.1.2.3/", "http://[::1]:9000/", "http://localhost:8080/"]
        {
            let url = Url::parse(ok).map_err(|e| e.to_string());
            assert!(matches!(url, Ok(ref u) if check_loopback(u).await.is_ok()), "{ok} refused");
        }
        for bad in [
            "http://10.0.0.1/",
            "http://example.com/",
            "http://[::2]/",
            "https://127.0.0.1/",
            "http://0.0.0.0/",
        ] {
            let url = Url::parse(bad).map_err(|e| e.to_string());
            assert!(matches!(url, Ok(ref u) if check_loopback(u).await.is_err()), "{bad} accepted");
        }
    }

    #[test]
    fn percentiles_use_nearest_rank() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 0.50), 50);
        assert_eq!(percentile(&v, 0.99), 99);
        assert_eq!(percentile(&[], 0.5), 0);
    }
}
