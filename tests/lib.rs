//! Integration tests live in `it/`; helpers in `harness/`.
