use futures::future::BoxFuture;
use serde::Deserialize;

use super::NatsSink;
use crate::component::BuildContext;
use crate::sink::{Sink, SinkCapabilities, SinkComponent, SinkError};

/// Default subject template.
pub const DEFAULT_SUBJECT: &str = "passerelle.{device}.{name}";
/// Default longest wait for a batch's publish acks, retries included: 30 seconds.
pub const DEFAULT_COMMIT_TIMEOUT_MS: u64 = 30_000;
/// Default number of batches publishing at once: 64. When they are all taken, writes fail at
/// once and the source is told to deliver again later.
pub const DEFAULT_QUEUE_BATCHES: usize = 64;

fn default_subject() -> String {
    DEFAULT_SUBJECT.to_string()
}
const fn default_commit_timeout() -> u64 {
    DEFAULT_COMMIT_TIMEOUT_MS
}
const fn default_queue() -> usize {
    DEFAULT_QUEUE_BATCHES
}

/// Configuration of the NATS sink. It keeps readings only: it cannot be the dead letter.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NatsSinkConfig {
    /// Server URL (`nats://127.0.0.1:4222`; several separated by commas).
    pub url: String,
    /// Subject template; `{device}` and `{name}` are replaced by the reading's, each a whole
    /// token (default [`DEFAULT_SUBJECT`]).
    #[serde(default = "default_subject")]
    pub subject: String,
    /// A JetStream stream to create if missing, capturing the template's subjects; none: a
    /// stream capturing them must exist (publishes are refused otherwise).
    #[serde(default)]
    pub stream: Option<String>,
    /// User name; with `password_env`.
    #[serde(default)]
    pub username: Option<String>,
    /// Secret holding the password.
    #[serde(default)]
    pub password_env: Option<String>,
    /// Secret holding an authentication token (instead of user and password).
    #[serde(default)]
    pub token_env: Option<String>,
    /// Longest wait for a batch's publish acks, retries included, in milliseconds (default
    /// [`DEFAULT_COMMIT_TIMEOUT_MS`]).
    #[serde(default = "default_commit_timeout")]
    pub commit_timeout_ms: u64,
    /// Batches publishing at once at most (default [`DEFAULT_QUEUE_BATCHES`]).
    #[serde(default = "default_queue")]
    pub queue_batches: usize,
}

/// True for a subject token: not empty, no wildcard, no dot, no white space.
pub(super) fn is_token(t: &str) -> bool {
    !t.is_empty() && t != "*" && t != ">" && !t.contains(|c: char| c == '.' || c.is_whitespace())
}

impl SinkComponent for NatsSinkConfig {
    fn validate(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.url.trim().is_empty() {
            out.push("url is empty".into());
        }
        let placeholders_whole = self.subject.split('.').all(|t| {
            matches!(t, "{device}" | "{name}") || (!t.contains('{') && !t.contains('}') && is_token(t))
        });
        if !placeholders_whole {
            out.push(format!(
                "subject {:?} must be dot-separated tokens without wildcards; {{device}} and {{name}} each a whole token",
                self.subject
            ));
        }
        if let Some(s) = &self.stream
            && (s.is_empty() || s.contains(|c: char| matches!(c, '.' | '*' | '>') || c.is_whitespace()))
        {
            out.push(format!("stream {s:?} must be a name without dots, wildcards or spaces"));
        }
        if self.password_env.is_some() && self.username.is_none() {
            out.push("password_env needs a username".into());
        }
        if self.token_env.is_some() && self.username.is_some() {
            out.push("token_env and username exclude each other".into());
        }
        for (field, v) in [("password_env", &self.password_env), ("token_env", &self.token_env)] {
            if v.as_deref() == Some("") {
                out.push(format!("{field} is empty"));
            }
        }
        if self.commit_timeout_ms == 0 {
            out.push("commit_timeout_ms must be above 0".into());
        }
        if self.queue_batches == 0 {
            out.push("queue_batches must be at least 1".into());
        }
        out
    }

    fn capabilities(&self) -> SinkCapabilities {
        SinkCapabilities { dead_letters: false, acknowledges_on_commit: true }
    }

    /// Connects (the client reconnects by itself afterwards) and creates the stream if asked.
    fn build<'a>(&'a self, cx: &'a BuildContext) -> BoxFuture<'a, Result<Box<dyn Sink>, SinkError>> {
        Box::pin(async move {
            let password = cx.optional_secret(self.password_env.as_deref())?;
            let token = cx.optional_secret(self.token_env.as_deref())?;
            let (name, config) = (cx.name().to_string(), self.clone());
            let sink = cx
                .runtime()
                .spawn(async move { NatsSink::connect(&name, &config, password, token).await })
                .await
                .map_err(|e| SinkError::Open { sink: cx.name().to_string(), source: e.into() })??;
            Ok(Box::new(sink) as Box<dyn Sink>)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::NatsSinkConfig;
    use crate::sink::SinkComponent;

    #[test]
    fn validates_the_template() {
        let mut c: NatsSinkConfig = ron::from_str(r#"(url: "nats://127.0.0.1:4222")"#).unwrap();
        assert!(c.validate().is_empty(), "{:?}", c.validate());
        for bad in ["out.{device}x.{name}", "out.*.{name}", "out..{name}", "out.{unit}", "out.>"] {
            c.subject = bad.into();
            assert_eq!(c.validate().len(), 1, "{bad}");
        }
        c.subject = "out.{device}.{name}".into();
        c.stream = Some("a.b".into());
        c.password_env = Some("P".into());
        assert_eq!(c.validate().len(), 2, "{:?}", c.validate());
    }
}
