//! Integration tests, one binary: a module per area.
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "../harness/mod.rs"]
mod harness;

mod admin;
mod backpressure;
mod browser;
mod catalog;
mod config;
mod config_reload;
mod console;
mod driver;
mod embed;
mod files;
mod firmware;
mod full_disk;
mod fuzz;
mod hemis;
mod hostile;
mod http_push;
mod ingress;
mod js_codec;
mod kit;
mod mqtt;
mod network_servers;
mod package;
mod quantity;
mod quoalise;
mod reload;
mod remote_files;
mod replay;
mod rest_api;
mod scale_out;
mod shadow;
mod tags;
mod tls;
mod vectors;
mod xmpp;
