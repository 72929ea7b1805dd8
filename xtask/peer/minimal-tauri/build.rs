//! Builds the peer's Tauri context and grants its one command.

fn main() {
    println!("cargo:rerun-if-changed=dist");
    let manifest = tauri_build::AppManifest::new().commands(&["answer"]);
    if let Err(err) = tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
    {
        panic!("tauri build failed: {err:#}");
    }
}
