//! A project as `berth new` writes it for a student — PyTorch on CPU, Python 3.11, one
//! extra pinned package — made runnable here: stand-in wheels in `wheels/` installed
//! without an index, and the hermetic Debian image swapped in as `BASE_IMAGE` in
//! devcontainer.json (the edit a user would make).

use std::path::Path;

use berth::recipe::{self, Choices, Framework, PipOptions, TargetChoice};

use super::wheelhouse;

/// The extra package every such project pins.
pub const PROBE: &str = "berth-probe==1.0.0";

/// The student's choices: `framework` on CPU, Python 3.11, [`PROBE`], wheels from
/// `wheels/` without an index.
pub fn choices(framework: Framework) -> Choices {
    Choices {
        framework,
        target: TargetChoice::Cpu,
        python: Some("3.11".parse().unwrap_or_else(|err| panic!("{err}"))),
        pip: vec![PROBE.parse().unwrap_or_else(|err| panic!("{err}"))],
        pip_options: PipOptions {
            find_links: vec!["wheels".parse().unwrap_or_else(|err| panic!("{err}"))],
            no_index: true,
            ..PipOptions::default()
        },
        ..Choices::default()
    }
}

/// `berth new` for `framework` into `dir`, and the stand-in wheels of what it pins.
///
/// # Panics
///
/// When the recipe is refused or a file cannot be written.
pub fn new(dir: &Path, framework: Framework) -> recipe::Recipe {
    let (recipe, report) = recipe::new_project(dir, &choices(framework), false)
        .unwrap_or_else(|err| panic!("failed to write the {framework} project: {err}"));
    assert!(!report.blocked(), "{report:?}");
    let mut wheels = wheelhouse::stand_ins(PROBE);
    for requirement in recipe.install.iter().flat_map(|i| i.requirements.iter()) {
        wheels.extend(wheelhouse::stand_ins(requirement.as_str()));
    }
    wheelhouse::write(&dir.join("wheels"), &wheels).unwrap_or_else(|err| panic!("{err}"));
    recipe
}

/// The PyTorch project written into `dir`, building on the image `base`.
///
/// # Panics
///
/// When a file cannot be written.
pub fn write(dir: &Path, base: &str) {
    new(dir, Framework::PyTorch);
    berth::devcontainer::edit_file(
        &dir.join(".devcontainer/devcontainer.json"),
        &[berth::devcontainer::Edit::set(
            &["build", "args", "BASE_IMAGE"],
            serde_json::json!(base),
        )],
    )
    .unwrap_or_else(|err| panic!("{err}"));
}
