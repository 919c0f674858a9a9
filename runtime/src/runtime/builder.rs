//! The builder, and the one place start-up cleans up after a failure.

use std::path::Path;
use std::sync::Arc;

use super::handle::{Handle, Inner};
use super::wiring::Parts;
use super::{Error, watch};
use crate::actor::Router;
use crate::actor::system::ActorSystem;
use crate::component::{Clock, Secrets, SystemClock};
use crate::config::Config;
use crate::events::Metrics;
use crate::plugin::Engine;

/// Builds a runtime from a [`Config`].
///
/// ```no_run
/// # async fn run() -> Result<(), passerelle::Error> {
/// let handle = passerelle::Builder::from_file("examples/quickstart.ron")?.start().await?;
/// // ... push frames with `handle.push`, read `handle.readings()` ...
/// handle.shutdown().await
/// # }
/// ```
#[derive(Debug)]
pub struct Builder {
    config: Config,
    secrets: Secrets,
    offline: bool,
    clock: Arc<dyn Clock>,
    #[cfg(feature = "fabric")]
    role: crate::fabric::Role,
}

impl Builder {
    /// A builder for a parsed config; it is validated by [`Builder::start`].
    pub fn new(config: Config) -> Self {
        Self {
            config,
            secrets: Secrets::default(),
            offline: false,
            clock: Arc::new(SystemClock),
            #[cfg(feature = "fabric")]
            role: crate::fabric::Role::All,
        }
    }

    /// What this process does (default [`crate::fabric::Role::All`]: everything in-process).
    /// The connector and worker roles need the config's `fabric` section.
    #[cfg(feature = "fabric")]
    #[must_use]
    pub fn role(mut self, role: crate::fabric::Role) -> Self {
        self.role = role;
        self
    }

    /// Starts no connector, no operator endpoint and no file watcher: for tools that work on a
    /// config's decoders and sinks beside a running daemon (dead-letter replay).
    #[must_use]
    pub fn offline(mut self) -> Self {
        self.offline = true;
        self
    }

    /// Supplies a secret the config names in a `*_env` field, instead of the environment.
    #[must_use]
    pub fn secret(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.secrets.insert(name, value);
        self
    }

    /// The clock connectors' ticks and receive times are read from (default: the system's).
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Reads, parses and validates a config file; the runtime reloads this file on
    /// [`Handle::reload_config_file`].
    ///
    /// # Errors
    /// [`Error::Config`] with every error, located.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, Error> {
        let config = Config::from_file(path.as_ref())?;
        config.validate()?;
        Ok(Self::new(config))
    }

    /// Loads plugins, opens sinks, starts the actors, the connectors and the operator endpoint.
    ///
    /// Must be awaited inside a tokio runtime (multi-thread recommended): transports and
    /// drivers run on it. Compiling plugins and opening files run on blocking threads.
    ///
    /// # Errors
    /// Any [`Error`]; on error, everything started so far is stopped.
    pub async fn start(self) -> Result<Handle, Error> {
        #[cfg(feature = "fabric")]
        let Self { mut config, secrets, offline, clock, role } = self;
        #[cfg(not(feature = "fabric"))]
        let Self { mut config, secrets, offline, clock } = self;
        if offline {
            config.watch_plugins = false;
            #[cfg(feature = "admin")]
            {
                config.admin = None;
            }
        }
        let config = config.validated()?;
        let cache = config.compile_cache.as_ref().map(|p| config.resolve(p));
        let engine = tokio::task::spawn_blocking(move || Engine::new(cache.as_deref()))
            .await
            .map_err(|e| Error::Runtime(format!("starting the engine failed: {e}")))?
            .map_err(|source| Error::Plugin { name: "engine".into(), path: String::new(), source })?;
        #[cfg(feature = "fabric")]
        let fabric = fabric_of(role, &config, &secrets)?;
        let metrics = Metrics::default();
        #[cfg_attr(not(feature = "fabric"), allow(unused_mut))] // Set in the connector role.
        let mut router = Router::new(&metrics);
        #[cfg(feature = "fabric")]
        if let (crate::fabric::Role::Connector, Some((f, token))) = (role, &fabric) {
            router.fabric = Some(Arc::new(crate::fabric::Publisher::connect(f, token.clone()).await?));
        }
        let system = ActorSystem::start().await.map_err(|e| Error::Runtime(e.to_string()))?;
        let parts = Parts {
            engine,
            system,
            router,
            metrics,
            clock,
            secrets,
            runtime: tokio::runtime::Handle::current(),
            http: http_client().await,
            quantities: Arc::new(crate::quantity::QuantityTable::standard()),
        };
        #[cfg(feature = "fabric")]
        let inner = Arc::new(Inner::new(parts, offline || role == crate::fabric::Role::Worker));
        #[cfg(not(feature = "fabric"))]
        let inner = Arc::new(Inner::new(parts, offline));
        match start(&inner, config).await {
            #[cfg(feature = "fabric")]
            Ok((watcher, admin)) if role == crate::fabric::Role::Worker => {
                let Some((f, token)) = fabric else { return Err(Error::Runtime("no fabric".into())) };
                let stop = inner.stop.subscribe();
                match crate::fabric::worker(f, token, inner.parts.router.clone(), stop).await {
                    Ok(_task) => Ok(Handle { inner, watcher, admin }),
                    Err(e) => {
                        inner.stop_all().await;
                        Err(e.into())
                    }
                }
            }
            Ok((watcher, admin)) => Ok(Handle { inner, watcher, admin }),
            Err(e) => {
                inner.stop_all().await;
                Err(e)
            }
        }
    }
}

/// The fabric section and its token, when `role` needs them.
#[cfg(feature = "fabric")]
fn fabric_of(
    role: crate::fabric::Role,
    config: &Config,
    secrets: &Secrets,
) -> Result<Option<(crate::fabric::FabricConfig, Option<String>)>, Error> {
    if role == crate::fabric::Role::All {
        return Ok(None);
    }
    let Some(f) = config.fabric.clone() else {
        return Err(Error::Runtime(format!("role {role:?} needs a `fabric` section in the config")));
    };
    let token = match &f.token_env {
        None => None,
        Some(var) => {
            Some(secrets.get(var).ok_or_else(|| Error::Runtime(format!("fabric: secret {var} is not set")))?)
        }
    };
    Ok(Some((f, token)))
}

type Started =
    (Option<notify::RecommendedWatcher>, Option<(std::net::SocketAddr, tokio::task::JoinHandle<()>)>);

/// Everything start-up does after the engine and the actor system exist; on error the caller
/// stops what was started.
async fn start(inner: &Arc<Inner>, config: Config) -> Result<Started, Error> {
    let watch_plugins = config.watch_plugins;
    #[cfg(feature = "admin")]
    let admin_config = config.admin.clone();
    inner.apply(config).await?;
    let watcher = if watch_plugins {
        Some(
            watch::watch(inner.decoders.clone())
                .map_err(|e| Error::Runtime(format!("cannot watch plugins: {e}")))?,
        )
    } else {
        None
    };
    #[cfg(feature = "admin")]
    if let Some(admin) = admin_config {
        let token = inner.parts.secrets.get(&admin.token_env).ok_or_else(|| Error::Transport {
            name: "admin".into(),
            source: crate::component::MissingSecret(admin.token_env.clone()).into(),
        })?;
        let operator: Arc<dyn crate::operator::Operator> = Arc::clone(inner) as _;
        let started = crate::admin::start(&admin, &token, operator, inner.stop.subscribe()).await.map_err(
            |source| Error::Transport {
                name: "admin".into(),
                source: crate::transport::TransportError::Bind { addr: admin.listen.clone(), source },
            },
        )?;
        return Ok((watcher, Some((started.addr, started.task))));
    }
    Ok((watcher, None))
}

/// The connectors' HTTP client (feature `http-client`): TLS with the system's roots. Without
/// them, `https://` requests fail (as `unreachable`) and the runtime says so once.
#[cfg(feature = "http-client")]
async fn http_client() -> Option<crate::actor::driver::HttpClient> {
    let tls = crate::net::tls::TlsConfig::default();
    match tls.client_config(Path::new(".")).await {
        Ok(config) => Some(crate::net::http::HttpClient::new((*config).clone())),
        Err(e) => {
            tracing::warn!(error = %crate::events::error_chain(&e), "No TLS roots for the connectors' HTTP client; https requests will fail.");
            // A client that trusts no server: http:// still works, each https:// request fails
            // with the reason.
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let builder =
                rustls::ClientConfig::builder_with_provider(provider).with_safe_default_protocol_versions();
            builder.ok().map(|b| {
                let config = b.with_root_certificates(rustls::RootCertStore::empty()).with_no_client_auth();
                crate::net::http::HttpClient::new(config)
            })
        }
    }
}

/// No HTTP client in this build.
#[cfg(not(feature = "http-client"))]
async fn http_client() -> Option<crate::actor::driver::HttpClient> {
    None
}
