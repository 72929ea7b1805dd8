//! `berth code`: open the project in VS Code, in its dev container (or attach VS Code to
//! a running container).

use std::process::ExitCode;

use berth::vscode::{self, CodeSearch};

use crate::progress;
use crate::target::Target;

/// Arguments of `berth code`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub target: Target,
    /// Attach to this running container instead (the project is then not read).
    #[arg(long, value_name = "NAME")]
    pub container: Option<String>,
    /// The folder to open in the container named by --container.
    #[arg(long, value_name = "PATH", requires = "container", default_value = "/")]
    pub folder: String,
    /// Print the URI, the `code` used and the command line as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Open VS Code and return once it has taken over.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let host = vscode::current_host();
    let search = CodeSearch::from_env(host.clone());
    let (uri, workspace, note) = match &args.container {
        Some(name) => (vscode::attached_container(name, &args.folder), None, None),
        None => {
            let project = vscode::project(&host, &args.target.path, &args.target.load_options())?;
            let note = vscode::container_plan(&project).await.describe();
            (project.uri, Some(project.workspace_folder), Some(note))
        }
    };
    let opened = vscode::open(&search, &uri).await?;
    if args.json {
        progress::print_json(&berth::json::CodeOpened::new(
            &opened, &uri, workspace, note,
        ))?;
    } else {
        match (&args.container, &workspace) {
            (Some(name), _) => println!("opened VS Code attached to '{name}' at {}", args.folder),
            (None, Some(folder)) => println!("opened VS Code at {folder} in the dev container"),
            (None, None) => println!("opened VS Code"),
        }
        if let Some(note) = note {
            println!("  {note}");
        }
        println!("  {} {}", opened.code.display(), opened.args.join(" "));
    }
    Ok(ExitCode::SUCCESS)
}
