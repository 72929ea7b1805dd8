//! devcontainer.json: the typed model, the strict JSONC reader and byte-preserving editor,
//! variable substitution and config discovery, as the Dev Container spec defines them.
//!
//! Start with [`load`]: it finds a project's devcontainer.json, reads it strictly (file,
//! line and column on any error), and resolves it as a tool starting the container would.

pub mod diagnostic;
pub mod discover;
pub mod edit;
pub mod jsonc;
pub mod model;
pub mod resolve;
pub mod substitute;

pub use diagnostic::Diagnostic;
pub use discover::DiscoverError;
pub use edit::{edit_file, Edit, EditError, Edited};
pub use model::{DevContainer, ModelError, Source};
pub use resolve::{
    load, read_str, ConfigError, DockerfileBuild, LoadOptions, ResolvedConfig, Warning, Workspace,
};
pub use substitute::{devcontainer_id, substitute, Variables};
