//! A host application that owns its tokio runtime (an axum service) and runs Passerelle inside.
//!
//! ```text
//! scripts/build-plugins
//! cargo run -p passerelle-examples --example embed_axum
//! curl -X POST 'http://127.0.0.1:3000/frames/em300-th/my-sensor?port=85' -d 0175320367c80004683c
//! curl http://127.0.0.1:3000/latest
//! ```

use passerelle::config::Config;
use passerelle_examples::axum_app::App;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().with_env_filter("info").init();
    let config_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("embedded.ron");
    // The host's runtime is this #[tokio::main]; Passerelle's actors get their own thread.
    let handle = passerelle::Builder::new(Config::from_file(&config_path)?).start().await?;
    let app = App::new(handle);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    println!("embed_axum listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app.clone().router())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    app.shutdown().await?;
    Ok(())
}
