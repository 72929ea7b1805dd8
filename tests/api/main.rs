//! Berth's engine tests: the core and the `berth` binary against the real Docker engine,
//! one module per operation. They need an engine and fail loudly without one;
//! `cargo xtask test` starts one. Base images are built offline on first use and cached.

#[path = "../support/mod.rs"]
mod support;

mod build;
mod compose;
mod devcontainer;
mod doctor;
mod features;
mod gpu;
mod harness;
mod images;
mod keep;
mod project;
mod push;
mod recipe;
mod reference;
mod up;
