//! End-to-end tests of the real desktop window: the debug binary under Xvfb, driven
//! through tauri-driver + WebKitWebDriver, elements found only by `data-testid`.

#[path = "../support/mod.rs"]
#[allow(unused_macros, unused_imports)]
mod support;

mod driver;
mod environments;
mod first_screen;
mod perf;
mod screens;
