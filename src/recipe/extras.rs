//! What the user adds to a recipe, checked and merged with what every recipe has: pip
//! packages (not the framework's own, not twice), dataset mounts (not over the
//! environment), Debian packages and VS Code extensions (the defaults first, once each).

use super::compat::Install;
use super::grammar::{AptPackage, DatasetMount, ExtensionId, PipRequirement};
use super::{RecipeError, BASE_APT_PACKAGES, DEFAULT_EXTENSIONS, USER, VENV};

/// The user's pip packages, refusing duplicates and packages the framework pins.
pub(super) fn check_pip(
    pip: &[PipRequirement],
    install: Option<&Install>,
) -> Result<Vec<PipRequirement>, RecipeError> {
    let pinned = install
        .map(|install| install.requirements.as_slice())
        .unwrap_or_default();
    let mut seen: Vec<&PipRequirement> = Vec::new();
    for requirement in pip {
        if let Some(pin) = pinned.iter().find(|pin| pin.name() == requirement.name()) {
            return Err(RecipeError::FrameworkPackage {
                package: requirement.as_str().to_owned(),
                pinned: pin.as_str().to_owned(),
            });
        }
        if let Some(first) = seen.iter().find(|r| r.name() == requirement.name()) {
            return Err(RecipeError::DuplicatePackage {
                package: requirement.name().to_owned(),
                first: first.as_str().to_owned(),
                second: requirement.as_str().to_owned(),
            });
        }
        seen.push(requirement);
    }
    Ok(pip.to_vec())
}

/// The datasets, refusing targets that hide the environment and duplicates.
pub(super) fn check_datasets(datasets: &[DatasetMount]) -> Result<Vec<DatasetMount>, RecipeError> {
    let home = format!("/home/{USER}");
    let local = format!("{home}/.local");
    for (i, mount) in datasets.iter().enumerate() {
        let target = &mount.container;
        let taken = if target.is_within(&local) {
            Some(format!("{local} (the package volume)"))
        } else if target.is_within(VENV) {
            Some(format!("{VENV} (the framework's environment)"))
        } else if target.as_str() == home {
            Some(format!("{home} (the user's home)"))
        } else if ["/usr", "/etc", "/bin", "/lib", "/proc", "/sys", "/dev"]
            .iter()
            .any(|system| target.is_within(system))
        {
            Some("a system folder".to_owned())
        } else {
            None
        };
        if let Some(taken) = taken {
            return Err(RecipeError::MountOverEnvironment {
                target: target.to_string(),
                taken,
            });
        }
        if datasets[..i].iter().any(|other| other.container == *target) {
            return Err(RecipeError::DuplicateMount {
                target: target.to_string(),
            });
        }
    }
    Ok(datasets.to_vec())
}

/// [`BASE_APT_PACKAGES`], then the user's packages that are not among them, once each.
pub(super) fn apt_packages(extra: &[AptPackage]) -> Vec<AptPackage> {
    let mut packages: Vec<AptPackage> = BASE_APT_PACKAGES
        .iter()
        .filter_map(|name| name.parse().ok())
        .collect();
    for package in extra {
        if !packages.contains(package) {
            packages.push(package.clone());
        }
    }
    packages
}

/// [`DEFAULT_EXTENSIONS`], then the user's, once each (ids compare case-insensitively).
pub(super) fn extensions(extra: &[ExtensionId]) -> Vec<ExtensionId> {
    let mut all: Vec<ExtensionId> = DEFAULT_EXTENSIONS
        .iter()
        .filter_map(|id| id.parse().ok())
        .collect();
    for id in extra {
        if !all
            .iter()
            .any(|known| known.as_str().eq_ignore_ascii_case(id.as_str()))
        {
            all.push(id.clone());
        }
    }
    all
}
