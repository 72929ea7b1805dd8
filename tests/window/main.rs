//! End-to-end tests of the real desktop window: the debug binary under Xvfb, driven
//! through tauri-driver + WebKitWebDriver, elements found only by `data-testid`.

mod driver;
mod first_screen;
