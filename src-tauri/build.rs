//! Builds the Tauri context from the one app configuration at the repository root, and
//! declares Berth's own commands (read from the table in `src/commands/mod.rs`) so the
//! capability file can grant each by name and nothing else gets through.

fn main() {
    // The window embeds the built UI: rebuild when `npm run build` changes it.
    println!("cargo:rerun-if-changed=../ui/dist");
    println!("cargo:rerun-if-changed=src/commands/mod.rs");
    let table = std::fs::read_to_string("src/commands/mod.rs")
        .unwrap_or_else(|err| panic!("cannot read src/commands/mod.rs: {err}"));
    let names: Vec<&'static str> = command_names(&table)
        .into_iter()
        .map(|name| &*Box::leak(name.into_boxed_str()))
        .collect();
    assert!(!names.is_empty(), "src/commands/mod.rs lists no commands");
    let manifest = tauri_build::AppManifest::new().commands(Box::leak(names.into_boxed_slice()));
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(manifest);
    if let Err(err) = tauri_build::try_build(attributes) {
        panic!("tauri build failed: {err:#}");
    }
}

/// The names in the `commands! { … }` table: each entry is `module::name(Args) -> Result;`.
fn command_names(source: &str) -> Vec<String> {
    let Some(start) = source.find("\ncommands! {") else {
        return Vec::new();
    };
    source[start..]
        .lines()
        .skip(1)
        .take_while(|line| !line.starts_with('}'))
        .filter_map(|line| {
            let (path, _) = line.trim().split_once('(')?;
            let (_, name) = path.split_once("::")?;
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
                .then(|| name.to_owned())
        })
        .collect()
}
