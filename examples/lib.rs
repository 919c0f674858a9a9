//! Example configurations and host applications; see the `[[example]]` targets.
