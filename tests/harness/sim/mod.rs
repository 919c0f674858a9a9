//! Simulators of real sources, for what a real server cannot be made to do on demand.

pub mod hemis;
