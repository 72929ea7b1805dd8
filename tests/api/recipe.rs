//! `berth new` and recipe rendering against the real engine: generated files build.
