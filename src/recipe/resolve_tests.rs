//! Resolving choices against the built-in table: defaults, the driver gate, and the refusals
//! with what would work instead.

use crate::recipe::*;

fn table() -> &'static CompatTable {
    CompatTable::builtin().unwrap_or_else(|err| panic!("{err}"))
}

fn resolve(choices: &Choices) -> Result<Recipe, RecipeError> {
    Recipe::resolve(table(), "thesis", choices)
}

#[test]
fn the_default_is_the_newest_pytorch_on_its_newest_cuda_with_python_3_11() {
    let recipe = resolve(&Choices::default()).unwrap();
    let newest = table().newest(Framework::PyTorch).unwrap();
    assert_eq!(recipe.release.as_ref().unwrap().version, newest.version);
    assert_eq!(recipe.target.cuda(), newest.gpu.last().map(|b| b.cuda));
    assert_eq!(recipe.python, DEFAULT_PYTHON);
    assert_eq!(
        recipe.package_volume(),
        "berth-thesis-${devcontainerId}-local"
    );
    assert!(recipe.base_image.as_str().starts_with("nvidia/cuda:"));
    assert!(recipe.base_image.as_str().contains("-base-"));
}

#[test]
fn a_driver_limits_the_default_cuda_and_the_release() {
    let choices = Choices {
        driver: DriverInfo::with_max_cuda("12.2".parse().unwrap()),
        ..Choices::default()
    };
    let recipe = resolve(&choices).unwrap();
    // The newest PyTorch with a build a CUDA 12.2 driver runs.
    assert_eq!(recipe.release.as_ref().unwrap().version, "2.7.1");
    assert_eq!(
        recipe.target,
        Target::Gpu {
            cuda: "11.8".parse().unwrap()
        }
    );
}

#[test]
fn an_explicit_cuda_the_driver_cannot_run_is_refused_in_one_sentence() {
    let choices = Choices {
        target: TargetChoice::Gpu {
            cuda: Some("12.8".parse().unwrap()),
        },
        driver: DriverInfo::with_max_cuda("12.2".parse().unwrap()),
        ..Choices::default()
    };
    let message = resolve(&choices).unwrap_err().to_string();
    assert_eq!(
        message,
        "CUDA 12.8 needs driver ≥ 570.26; this driver supports up to CUDA 12.2. \
         CUDA versions this machine runs: 11.8, 12.1"
    );
}

#[test]
fn an_explicit_cuda_picks_the_newest_release_that_has_it() {
    let choices = Choices {
        target: TargetChoice::Gpu {
            cuda: Some("12.1".parse().unwrap()),
        },
        ..Choices::default()
    };
    let recipe = resolve(&choices).unwrap();
    assert_eq!(recipe.release.unwrap().version, "2.5.1");
    assert_eq!(
        recipe.install.unwrap().requirements[0].as_str(),
        "torch==2.5.1+cu121"
    );
}

#[test]
fn a_release_without_the_python_is_refused_with_what_it_supports() {
    let choices = Choices {
        framework_version: Some("2.4.1".into()),
        python: Some("3.13".parse().unwrap()),
        ..Choices::default()
    };
    let message = resolve(&choices).unwrap_err().to_string();
    assert_eq!(
        message,
        "PyTorch 2.4.1 has no wheels for Python 3.13; it supports Python 3.9, 3.10, 3.11, 3.12"
    );
}

#[test]
fn a_release_without_the_cuda_build_names_its_builds() {
    let choices = Choices {
        framework: Framework::TensorFlow,
        framework_version: Some("2.20.0".into()),
        target: TargetChoice::Gpu {
            cuda: Some("11.8".parse().unwrap()),
        },
        ..Choices::default()
    };
    let message = resolve(&choices).unwrap_err().to_string();
    assert_eq!(
        message,
        "TensorFlow 2.20.0 has no CUDA 11.8 build; its GPU builds are CUDA 12.6, 12.8"
    );
}

#[test]
fn unknown_releases_and_versions_list_the_known_ones() {
    let choices = Choices {
        framework_version: Some("1.13.1".into()),
        ..Choices::default()
    };
    let message = resolve(&choices).unwrap_err().to_string();
    assert!(
        message.starts_with(
            "PyTorch 1.13.1 is not in Berth's compatibility table; known releases: 2.4.1"
        ),
        "{message}"
    );
    let choices = Choices {
        target: TargetChoice::Gpu {
            cuda: Some("12.2".parse().unwrap()),
        },
        ..Choices::default()
    };
    let message = resolve(&choices).unwrap_err().to_string();
    assert!(
        message.contains("CUDA 12.2 is not in Berth's compatibility table"),
        "{message}"
    );
}

#[test]
fn jax_picks_a_python_it_supports_and_cpu_uses_the_python_image() {
    let choices = Choices {
        framework: Framework::Jax,
        target: TargetChoice::Cpu,
        python: Some("3.10".parse().unwrap()),
        ..Choices::default()
    };
    let recipe = resolve(&choices).unwrap();
    assert_eq!(recipe.release.as_ref().unwrap().version, "0.6.2");
    assert_eq!(recipe.base_image.as_str(), "python:3.10-slim-bookworm");
    assert_eq!(
        recipe.install.unwrap().requirements[0].as_str(),
        "jax==0.6.2"
    );
}

#[test]
fn no_framework_on_the_gpu_starts_from_the_cudnn_devel_image() {
    let choices = Choices {
        framework: Framework::None,
        target: TargetChoice::Gpu {
            cuda: Some("12.4".parse().unwrap()),
        },
        ..Choices::default()
    };
    let recipe = resolve(&choices).unwrap();
    assert_eq!(
        recipe.base_image.as_str(),
        "nvidia/cuda:12.4.1-cudnn-devel-ubuntu22.04"
    );
    assert!(recipe.install.is_none());
    assert_eq!(recipe.summary(), "No framework, CUDA 12.4, Python 3.11");
}

#[test]
fn a_driver_that_runs_nothing_is_told_to_use_the_cpu() {
    let choices = Choices {
        driver: DriverInfo::with_max_cuda("11.4".parse().unwrap()),
        ..Choices::default()
    };
    let message = resolve(&choices).unwrap_err().to_string();
    assert!(
        message.starts_with("no PyTorch release fits: "),
        "{message}"
    );
    assert!(
        message.contains("this driver supports up to CUDA 11.4"),
        "{message}"
    );
}

#[test]
fn pip_packages_the_framework_pins_or_given_twice_are_refused() {
    let choices = Choices {
        pip: vec!["torch==2.3.0".parse().unwrap()],
        ..Choices::default()
    };
    let err = resolve(&choices).unwrap_err();
    assert_eq!(err.field(), Some(Field::Pip));
    let message = err.to_string();
    assert!(message.contains("as the framework version"), "{message}");
    let choices = Choices {
        pip: vec!["numpy==2.0".parse().unwrap(), "NumPy".parse().unwrap()],
        ..Choices::default()
    };
    assert!(matches!(
        resolve(&choices),
        Err(RecipeError::DuplicatePackage { .. })
    ));
}

#[test]
fn datasets_cannot_hide_the_package_volume() {
    let choices = Choices {
        datasets: vec!["/data:/home/vscode/.local/lib".parse().unwrap()],
        ..Choices::default()
    };
    let message = resolve(&choices).unwrap_err().to_string();
    assert!(message.contains("the package volume"), "{message}");
}

#[test]
fn no_index_needs_find_links() {
    let choices = Choices {
        pip_options: PipOptions {
            no_index: true,
            ..PipOptions::default()
        },
        ..Choices::default()
    };
    assert!(matches!(
        resolve(&choices),
        Err(RecipeError::NoIndexWithoutFindLinks)
    ));
}

#[test]
fn base_packages_and_extensions_come_first_once() {
    let choices = Choices {
        apt: vec!["git".parse().unwrap(), "ffmpeg".parse().unwrap()],
        extensions: vec![
            "MS-Python.python".parse().unwrap(),
            "charliermarsh.ruff".parse().unwrap(),
        ],
        ..Choices::default()
    };
    let recipe = resolve(&choices).unwrap();
    let apt: Vec<&str> = recipe.apt.iter().map(AptPackage::as_str).collect();
    assert_eq!(apt, ["ca-certificates", "git", "sudo", "ffmpeg"]);
    let extensions: Vec<&str> = recipe.extensions.iter().map(ExtensionId::as_str).collect();
    assert_eq!(
        extensions,
        [
            "ms-python.python",
            "ms-toolsai.jupyter",
            "charliermarsh.ruff"
        ]
    );
}
