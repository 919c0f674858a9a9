//! Host applications that embed Passerelle, as a library other examples and tests reuse.
//!
//! [`axum_app`] is the service of the `embed_axum` example: an axum application that owns
//! its tokio runtime and runs Passerelle inside it.

pub mod axum_app;
