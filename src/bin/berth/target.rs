//! The project a verb works on: a folder or a devcontainer.json, and how to read it.

use std::path::PathBuf;

use berth::devcontainer::LoadOptions;

/// The project a verb works on.
#[derive(Debug, Clone, clap::Args)]
pub struct Target {
    /// The project folder, or a devcontainer.json.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// The devcontainer.json to use, for projects with several configurations.
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Mount the project folder itself, not the Git repository it is in.
    #[arg(long)]
    pub no_git_root: bool,
}

impl Target {
    /// How to read the project's configuration.
    pub fn load_options(&self) -> LoadOptions {
        LoadOptions {
            config: self.config.clone(),
            mount_git_root: !self.no_git_root,
            local_env: None,
            container_env: None,
        }
    }
}

/// A project folder given as a positional that must be there (verbs whose next
/// positional is required: `berth rollback DIR NAME`, `berth push DIR REF`).
#[derive(Debug, clap::Args)]
pub struct TargetDir {
    /// The project folder, or a devcontainer.json.
    pub path: PathBuf,
    /// The devcontainer.json to use, for projects with several configurations.
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Mount the project folder itself, not the Git repository it is in.
    #[arg(long)]
    pub no_git_root: bool,
}

impl TargetDir {
    /// The same project as a [`Target`].
    pub fn target(&self) -> Target {
        Target {
            path: self.path.clone(),
            config: self.config.clone(),
            no_git_root: self.no_git_root,
        }
    }
}
