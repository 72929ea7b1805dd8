//! `berth config`: read a devcontainer.json and print the resolved configuration.

use std::io::Write;
use std::process::ExitCode;

use berth::devcontainer::{self, model, ResolvedConfig};

use crate::target::Target;

/// Arguments of `berth config`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub target: Target,
    /// Print the resolved configuration (or the error) as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Read, check and resolve the configuration, and print it. Exits 1 when it is invalid.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let loaded = devcontainer::load(&args.target.path, &args.target.load_options());
    let mut out = std::io::stdout().lock();
    match (loaded, args.json) {
        (Ok(resolved), true) => {
            serde_json::to_writer_pretty(&mut out, &berth::json::ResolvedConfig::from(&resolved))?;
            writeln!(out)?;
        }
        (Ok(resolved), false) => {
            print_summary(&mut out, &resolved)?;
            for warning in &resolved.warnings {
                eprintln!("berth: warning: {}: {}", warning.property, warning.message);
            }
        }
        // With --json, main prints the error as `{code, message}`.
        (Err(err), _) => return Err(err.into()),
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// A person's summary of the configuration.
fn print_summary(out: &mut impl Write, resolved: &ResolvedConfig) -> std::io::Result<()> {
    let config = &resolved.config;
    let row = |out: &mut dyn Write, label: &str, value: &str| writeln!(out, "{label:<22}{value}");
    row(out, "config", &resolved.config_file.display().to_string())?;
    row(out, "project", &resolved.local_folder.display().to_string())?;
    if let Some(name) = &config.name {
        row(out, "name", name)?;
    }
    match config.source() {
        model::Source::Image(image) => row(out, "image", image)?,
        model::Source::Dockerfile { .. } => {
            if let Some(build) = &resolved.dockerfile_build {
                row(out, "dockerfile", &build.dockerfile.display().to_string())?;
                row(out, "context", &build.context.display().to_string())?;
            }
            if let Some(build) = &config.build {
                for (name, value) in &build.args {
                    row(out, "build arg", &format!("{name}={value}"))?;
                }
                if let Some(target) = &build.target {
                    row(out, "target", target)?;
                }
            }
        }
        model::Source::Compose(compose) => row(out, "compose", &compose.files.join(", "))?,
        model::Source::Missing => row(out, "image", "(none)")?,
    }
    row(out, "workspace", &resolved.workspace.folder)?;
    if let Some(mount) = &resolved.workspace.mount {
        row(out, "  mount", mount)?;
    }
    if let Some(user) = &config.container_user {
        row(out, "user", user)?;
    }
    if let Some(user) = &config.remote_user {
        row(out, "remote user", user)?;
    }
    if let Some(gpu) = config
        .host_requirements
        .as_ref()
        .and_then(|h| h.gpu.as_ref())
    {
        let text = match gpu {
            model::GpuRequirement::Required { .. } => "required",
            model::GpuRequirement::Optional => "optional",
            model::GpuRequirement::NotRequired => "not required",
        };
        row(out, "gpu", text)?;
    }
    for mount in &config.mounts {
        let source = mount.source.as_deref().unwrap_or("(anonymous)");
        let ro = if mount.read_only { " (read-only)" } else { "" };
        row(
            out,
            "mount",
            &format!("{} {source} -> {}{ro}", mount.kind.as_str(), mount.target),
        )?;
    }
    if !config.forward_ports.is_empty() {
        let ports: Vec<String> = config
            .forward_ports
            .iter()
            .map(ToString::to_string)
            .collect();
        row(out, "ports", &ports.join(", "))?;
    }
    for (feature, options) in &config.features {
        let options = match options {
            serde_json::Value::Object(map) if map.is_empty() => String::new(),
            other => format!(" {other}"),
        };
        row(out, "feature", &format!("{feature}{options}"))?;
    }
    for stage in model::LifecycleStage::ALL {
        if let Some(command) = config.lifecycle.get(stage) {
            let text = match command {
                model::LifecycleCommand::Shell(s) => s.clone(),
                model::LifecycleCommand::Exec(args) => args.join(" "),
                model::LifecycleCommand::Parallel(steps) => {
                    let names: Vec<&str> = steps.keys().map(String::as_str).collect();
                    format!("(in parallel: {})", names.join(", "))
                }
            };
            row(out, stage.property(), &text)?;
        }
    }
    row(out, "id", &resolved.id)
}
