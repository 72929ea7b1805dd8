//! Builds the Tauri context from the one app configuration at the repository root.

fn main() {
    // The window embeds the built UI: rebuild when `npm run build` changes it.
    println!("cargo:rerun-if-changed=../ui/dist");
    let attributes = tauri_build::Attributes::new().config_path("../tauri.conf.json");
    if let Err(err) = tauri_build::try_build(attributes) {
        panic!("tauri build failed: {err:#}");
    }
}
