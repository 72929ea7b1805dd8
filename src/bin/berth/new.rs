//! `berth new`: render a Recipe into a project's `.devcontainer/`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use berth::json::{NewProjectReport, RecipeFileChange, RecipeRequest};
use berth::recipe::{self, FileChange};

/// Arguments of `berth new` (boxed: they are many, and the command enum holds them).
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    options: Box<Options>,
}

impl Args {
    /// Whether the report (or the error) is wanted as JSON.
    pub fn json(&self) -> bool {
        self.options.json
    }
}

/// The options of `berth new`.
#[derive(Debug, clap::Args)]
pub struct Options {
    /// The project folder (created when missing); files go into DIR/.devcontainer/.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// pytorch, jax, tensorflow or none [default: pytorch].
    #[arg(long)]
    pub framework: Option<String>,
    /// A release from `berth recipes`, e.g. 2.5.1 [default: the newest that fits].
    #[arg(long, value_name = "VERSION")]
    pub framework_version: Option<String>,
    /// cpu, or gpu [default: gpu].
    #[arg(long)]
    pub target: Option<String>,
    /// The CUDA version, e.g. 12.4 [default: the newest the framework has and the driver runs].
    #[arg(long, value_name = "VERSION")]
    pub cuda: Option<String>,
    /// The Python version, e.g. 3.11 [default: 3.11, or the framework's newest].
    #[arg(long, value_name = "VERSION")]
    pub python: Option<String>,
    /// Extra Debian packages, comma-separated; repeatable.
    #[arg(long, value_name = "PACKAGES", value_delimiter = ',')]
    pub apt: Vec<String>,
    /// Extra pip requirements, comma-separated (numpy>=1.26,<2 stays one); repeatable.
    #[arg(long, value_name = "REQUIREMENTS")]
    pub pip: Vec<String>,
    /// A dataset folder to mount, HOST:CONTAINER[:ro]; repeatable.
    #[arg(long = "mount", value_name = "HOST:CONTAINER[:ro]")]
    pub mounts: Vec<String>,
    /// An extra VS Code extension, publisher.name; repeatable.
    #[arg(long = "extension", value_name = "ID")]
    pub extensions: Vec<String>,
    /// Build on this image instead of the table's.
    #[arg(long, value_name = "REF")]
    pub base_image: Option<String>,
    /// A package index replacing PyPI (a mirror).
    #[arg(long, value_name = "URL")]
    pub index_url: Option<String>,
    /// Extra wheels: a URL, or a folder inside the project; repeatable.
    #[arg(long, value_name = "URL|DIR")]
    pub find_links: Vec<String>,
    /// Install only from --find-links (offline).
    #[arg(long)]
    pub no_index: bool,
    /// An extra CA certificate (PEM) for a proxy or mirror.
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// Override the detected driver: the newest CUDA version it supports (nvidia-smi's
    /// "CUDA Version"). Without it (and --driver-version) Berth reads the driver itself.
    #[arg(long, value_name = "VERSION")]
    pub driver_cuda: Option<String>,
    /// Override the detected NVIDIA driver version, e.g. 535.104.05.
    #[arg(long, value_name = "VERSION")]
    pub driver_version: Option<String>,
    /// Replace files that differ (each keeps a .bak-YYYYmmdd-HHMMSS backup).
    #[arg(long)]
    pub force: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

impl Options {
    fn request(&self) -> RecipeRequest {
        RecipeRequest {
            framework: self.framework.clone(),
            framework_version: self.framework_version.clone(),
            target: self.target.clone(),
            cuda: self.cuda.clone(),
            python: self.python.clone(),
            apt: self.apt.clone(),
            pip: self
                .pip
                .iter()
                .flat_map(|list| recipe::grammar::split_requirement_list(list))
                .collect(),
            mounts: self.mounts.clone(),
            extensions: self.extensions.clone(),
            base_image: self.base_image.clone(),
            index_url: self.index_url.clone(),
            find_links: self.find_links.clone(),
            no_index: self.no_index,
            ca_cert: self.ca_cert.as_ref().map(|p| p.display().to_string()),
            driver_cuda: self.driver_cuda.clone(),
            driver_version: self.driver_version.clone(),
        }
    }
}

/// Resolve the recipe, write the files, and print what changed. Exits 1 when existing
/// files differ and `--force` was not given (nothing is written then).
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let args = args.options;
    let choices = args.request().to_choices()?;
    let (recipe, report) = recipe::new_project(&args.dir, &choices, args.force)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &NewProjectReport::new(&recipe, &report))?;
        writeln!(out)?;
    } else if report.blocked() {
        for file in report
            .files
            .iter()
            .filter(|f| f.change == FileChange::Blocked)
        {
            if let Some(diff) = &file.diff {
                write!(out, "{diff}")?;
            }
        }
        out.flush()?;
        eprintln!(
            "berth: {} existing file(s) in '{}' differ from the recipe; nothing was written. \
             Run again with --force to replace them (each keeps a .bak-YYYYmmdd-HHMMSS backup).",
            report
                .files
                .iter()
                .filter(|f| f.change == FileChange::Blocked)
                .count(),
            report.dir.display()
        );
    } else {
        writeln!(out, "{}: {}", recipe.project, recipe.summary())?;
        let json = NewProjectReport::new(&recipe, &report);
        for file in &json.files {
            let verb = match file.change {
                RecipeFileChange::Created => "created",
                RecipeFileChange::Unchanged => "unchanged",
                RecipeFileChange::Updated => "updated",
                RecipeFileChange::Blocked => "blocked",
            };
            match &file.backup {
                Some(backup) => writeln!(out, "  {verb:<9} {} (backup: {backup})", file.path)?,
                None => writeln!(out, "  {verb:<9} {}", file.path)?,
            }
        }
        writeln!(
            out,
            "Open the folder in VS Code and choose \"Reopen in Container\", or build it:\n  \
             docker build -f {} --target {} -t {} {}",
            report
                .dir
                .join(".devcontainer")
                .join("Dockerfile")
                .display(),
            recipe.target.stage(),
            recipe.slug,
            report.dir.display()
        )?;
    }
    out.flush()?;
    Ok(if report.blocked() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The `berth new` option that sets `field`: how the CLI words a core error's field.
pub fn flag(field: berth::recipe::Field) -> &'static str {
    use berth::recipe::Field;
    match field {
        Field::Framework => "--framework",
        Field::FrameworkVersion => "--framework-version",
        Field::Target => "--target",
        Field::Cuda => "--cuda",
        Field::Python => "--python",
        Field::Apt => "--apt",
        Field::Pip => "--pip",
        Field::Mounts => "--mount",
        Field::Extensions => "--extension",
        Field::BaseImage => "--base-image",
        Field::IndexUrl => "--index-url",
        Field::FindLinks => "--find-links",
        Field::NoIndex => "--no-index",
        Field::CaCert => "--ca-cert",
        Field::Driver => "--driver-version / --driver-cuda",
    }
}
