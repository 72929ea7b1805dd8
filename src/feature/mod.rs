//! Dev Container Features: resolving devcontainer.json's `features` map (folders beside
//! the configuration, OCI artifacts, the deprecated short ids) to Feature folders,
//! checking their options, ordering them, and the build stage that installs them. What
//! Features add to the container (mounts, capabilities, lifecycle commands, …) travels
//! in the image's `devcontainer.metadata` label, as the reference CLI does it.

pub mod cache;
pub mod lockfile;
pub mod manifest;
pub mod options;
pub mod order;
pub mod reference;
pub mod registry;
pub mod stage;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::engine::progress::{Cancel, Event, Outcome, Phase, Progress};

use cache::FeatureCache;
use lockfile::{Locked, Lockfile};
use manifest::FeatureManifest;
use options::Requested;
use reference::{FeatureSource, OciRef};
use registry::{Credentials, Registry, RegistryFailure};

/// The lower-case hex of a SHA-256 digest.
fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A digest of a folder's names and contents (sorted, recursively); unreadable parts
/// count as empty, so a missing folder has a digest too.
pub fn folder_digest(folder: &Path) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    fn walk(folder: &Path, hasher: &mut Sha256) {
        let Ok(entries) = std::fs::read_dir(folder) else {
            return;
        };
        let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for entry in entries {
            hasher.update(entry.file_name().to_string_lossy().as_bytes());
            hasher.update([0]);
            let path = entry.path();
            if path.is_dir() {
                walk(&path, hasher);
            } else {
                hasher.update(std::fs::read(&path).unwrap_or_default());
            }
            hasher.update([0]);
        }
    }
    let mut hasher = Sha256::new();
    walk(folder, &mut hasher);
    hasher.finalize().to_vec()
}

/// The message of [`FeatureError::Unavailable`]: one line per missing folder, one for
/// the unreachable registries.
fn unavailable(
    missing: &[(String, PathBuf)],
    unreachable: &[String],
    registries: &[String],
    cause: &str,
) -> String {
    let mut lines: Vec<String> = missing
        .iter()
        .map(|(feature, path)| {
            format!(
                "the Feature \"{feature}\" names the folder '{}', which does not exist; Feature folders live inside .devcontainer/",
                path.display()
            )
        })
        .collect();
    if !unreachable.is_empty() {
        let quoted = |names: &[String]| {
            names
                .iter()
                .map(|n| format!("\"{n}\""))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let features = if unreachable.len() == 1 {
            "the Feature"
        } else {
            "the Features"
        };
        let registry_word = if registries.len() == 1 {
            "the registry"
        } else {
            "the registries"
        };
        let hosts: Vec<String> = registries.iter().map(|r| format!("'{r}'")).collect();
        lines.push(format!(
            "cannot fetch {features} {}: {registry_word} {} cannot be reached ({cause}); are you offline? Connect and run `berth up` again, or copy the Feature into .devcontainer/ and name it \"./<folder>\"",
            quoted(unreachable),
            hosts.join(", ")
        ));
    }
    lines.join("\n")
}

/// What can go wrong with a Feature. Each names the Feature as devcontainer.json does.
#[derive(Debug, thiserror::Error)]
pub enum FeatureError {
    /// The key of the `features` map is not a reference Berth can fetch.
    #[error("the Feature \"{feature}\" cannot be used: {message}")]
    Reference {
        /// The key as written.
        feature: String,
        /// Why, and the form to write instead.
        message: String,
    },
    /// A Feature's `devcontainer-feature.json` cannot be used.
    #[error("the Feature \"{feature}\" has a bad {}: {message}", path.display())]
    Manifest {
        /// The key as written.
        feature: String,
        /// The file.
        path: PathBuf,
        /// What is wrong, naming the property.
        message: String,
    },
    /// An option given to a Feature is unknown or has a wrong value.
    #[error("the Feature \"{feature}\"{}: {message}", if option.is_empty() { String::new() } else { format!(", option `{option}`") })]
    Option {
        /// The key as written.
        feature: String,
        /// The option (empty when the whole value is wrong).
        option: String,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// The Features cannot be put in an install order.
    #[error("{message}")]
    Order {
        /// The Features concerned and what to change.
        message: String,
    },
    /// Features that cannot be had: folders that are not there, registries that cannot
    /// be reached (with nothing usable cached). Every one is named, not just the first.
    #[error("{}", unavailable(missing, unreachable, registries, cause))]
    Unavailable {
        /// Local Features whose folder is not there: key and folder.
        missing: Vec<(String, PathBuf)>,
        /// OCI Features that could not be fetched, as written.
        unreachable: Vec<String>,
        /// Their registry hosts.
        registries: Vec<String>,
        /// The network's error (the first one).
        cause: String,
    },
    /// The registry wants credentials.
    #[error("cannot fetch the Feature \"{feature}\": {}", if *had_credentials { format!("the registry '{registry}' refused the credentials kept for it in the OS keyring; keep the right ones with `berth login {registry} --username <user>`") } else { format!("the registry '{registry}' needs credentials and none are kept for it in the OS keyring; keep them with `berth login {registry} --username <user>`") })]
    Unauthorized {
        /// The key as written.
        feature: String,
        /// The registry host.
        registry: String,
        /// Whether credentials were sent.
        had_credentials: bool,
    },
    /// Any other registry trouble.
    #[error("cannot fetch the Feature \"{feature}\": {message}")]
    Registry {
        /// The key as written.
        feature: String,
        /// What the registry did.
        message: String,
    },
    /// The lock file cannot be read or written.
    #[error("the Features lock file '{}': {message}", path.display())]
    Lockfile {
        /// The lock file.
        path: PathBuf,
        /// What went wrong and what to do.
        message: String,
    },
    /// The build stage cannot be prepared.
    #[error("{message}")]
    Stage {
        /// What went wrong.
        message: String,
    },
}

/// One Feature to install: where it is on disk, its manifest and its option values.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureInstall {
    /// The key as devcontainer.json (or a `dependsOn`) writes it.
    pub key: String,
    /// Where it came from.
    pub source: FeatureSource,
    /// Its `devcontainer-feature.json`.
    pub manifest: FeatureManifest,
    /// Its folder (the project's, or the cache's).
    pub folder: PathBuf,
    /// Option name → the value install.sh sees.
    pub values: BTreeMap<String, String>,
    /// The manifest digest of an OCI Feature.
    pub digest: Option<String>,
}

/// The Features of a configuration, ready to install.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FeatureSet {
    /// In install order.
    pub installs: Vec<FeatureInstall>,
    /// Loose values, deprecated ids, offline fall-backs.
    pub warnings: Vec<String>,
    /// The lock file these Features make.
    pub lockfile: Lockfile,
}

/// What resolving needs besides the configuration.
pub struct Resolver<'a> {
    /// Credentials for registries that ask.
    pub credentials: &'a dyn Credentials,
    /// Where fetched Features are kept.
    pub cache: FeatureCache,
}

impl Resolver<'_> {
    /// Resolve `features` of the devcontainer.json `config_file`: fetch what is not on
    /// disk (by the locked digest where the lock file has one), read each manifest,
    /// check the options, add `dependsOn` Features that are not listed, and order them.
    ///
    /// # Errors
    ///
    /// [`FeatureError`], naming the Feature.
    pub async fn resolve(
        &self,
        config_file: &Path,
        features: &BTreeMap<String, Value>,
        override_order: &[String],
        progress: &dyn Progress,
        cancel: &Cancel,
    ) -> Result<Outcome<FeatureSet>, FeatureError> {
        let config_dir = config_file.parent().unwrap_or(Path::new("."));
        let locked = Lockfile::read(&Lockfile::path_for(config_file))?;
        let mut client: Option<Registry> = None;
        let mut set = FeatureSet::default();
        let mut queue: Vec<(String, Value)> = features
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mut unreachable: Vec<(String, String, String)> = Vec::new();
        let mut missing: Vec<(String, PathBuf)> = Vec::new();
        let mut next = 0;
        while next < queue.len() {
            if cancel.is_cancelled() {
                return Ok(Outcome::Cancelled);
            }
            let (key, value) = queue[next].clone();
            next += 1;
            let given = match Requested::of(&key, &value)? {
                Requested::Skipped => continue,
                Requested::Options(given) => given,
            };
            let (source, warning) = FeatureSource::parse(&key, config_dir)?;
            set.warnings.extend(warning);
            let (folder, digest) = match &source {
                FeatureSource::Local(path) => {
                    if !path.is_dir() {
                        missing.push((key.clone(), path.clone()));
                        continue;
                    }
                    (path.clone(), None)
                }
                FeatureSource::Oci(oci) => {
                    if client.is_none() {
                        client = Some(Registry::new(self.credentials).map_err(|failure| {
                            FeatureError::Registry {
                                feature: key.clone(),
                                message: failure.to_string(),
                            }
                        })?);
                    }
                    let registry = client.as_ref().expect("made above");
                    // A registry that cannot be reached: note it, and go on to name
                    // every Feature that cannot be had, not just the first.
                    if unreachable.iter().any(|(_, r, _)| r == &oci.registry) {
                        unreachable.push((key.clone(), oci.registry.clone(), String::new()));
                        continue;
                    }
                    match self
                        .fetch(
                            registry,
                            &key,
                            oci,
                            locked.features.get(&key),
                            &mut set.warnings,
                            progress,
                        )
                        .await
                    {
                        Ok((folder, digest)) => (folder, Some(digest)),
                        Err(FeatureError::Unavailable { cause, .. }) => {
                            unreachable.push((key.clone(), oci.registry.clone(), cause));
                            continue;
                        }
                        Err(other) => return Err(other),
                    }
                }
            };
            let manifest = FeatureManifest::read(&folder, &key)?;
            let (values, warnings) = options::resolve(&key, &manifest, &given)?;
            set.warnings.extend(warnings);
            if let (FeatureSource::Oci(oci), Some(digest)) = (&source, &digest) {
                set.lockfile.features.insert(
                    key.clone(),
                    Locked {
                        version: manifest.version.clone().unwrap_or_default(),
                        resolved: oci.pinned(digest),
                        integrity: digest.clone(),
                        depends_on: manifest.depends_on.keys().cloned().collect(),
                    },
                );
            }
            for (dependency, options) in &manifest.depends_on {
                let known = queue.iter().any(|(k, _)| {
                    k == dependency || order::strip_version(k) == order::strip_version(dependency)
                });
                if !known {
                    queue.push((dependency.clone(), options.clone()));
                }
            }
            set.installs.push(FeatureInstall {
                key,
                source,
                manifest,
                folder,
                values,
                digest,
            });
        }
        if !missing.is_empty() || !unreachable.is_empty() {
            let mut registries: Vec<String> = Vec::new();
            for (_, registry, _) in &unreachable {
                if !registries.contains(registry) {
                    registries.push(registry.clone());
                }
            }
            return Err(FeatureError::Unavailable {
                cause: unreachable
                    .first()
                    .map(|(_, _, c)| c.clone())
                    .unwrap_or_default(),
                missing,
                unreachable: unreachable.into_iter().map(|(key, _, _)| key).collect(),
                registries,
            });
        }
        let nodes: Vec<order::Node> = set
            .installs
            .iter()
            .map(|install| order::Node {
                key: install.key.clone(),
                resource: match &install.source {
                    FeatureSource::Oci(oci) => Some(oci.resource()),
                    FeatureSource::Local(_) => None,
                },
                depends_on: install.manifest.depends_on.keys().cloned().collect(),
                installs_after: install.manifest.installs_after.clone(),
            })
            .collect();
        let sequence = order::install_order(&nodes, override_order)?;
        let mut installs: Vec<Option<FeatureInstall>> =
            set.installs.into_iter().map(Some).collect();
        set.installs = sequence
            .into_iter()
            .filter_map(|i| installs[i].take())
            .collect();
        Ok(Outcome::Done(set))
    }

    /// The folder of `oci` and its manifest digest: from the cache when the digest is
    /// known (pinned, locked), else from the registry; offline, the digest the tag had
    /// last time, with a warning.
    async fn fetch(
        &self,
        registry: &Registry<'_>,
        key: &str,
        oci: &OciRef,
        locked: Option<&Locked>,
        warnings: &mut Vec<String>,
        progress: &dyn Progress,
    ) -> Result<(PathBuf, String), FeatureError> {
        let known = if oci.is_digest() {
            Some(oci.reference.clone())
        } else {
            locked.map(|l| l.integrity.clone())
        };
        if let Some(digest) = &known {
            if let Some(folder) = self.cache.get(digest) {
                return Ok((folder, digest.clone()));
            }
        }
        let fail = |failure: RegistryFailure| match failure {
            RegistryFailure::Unreachable(cause) => FeatureError::Unavailable {
                missing: Vec::new(),
                unreachable: vec![key.to_owned()],
                registries: vec![oci.registry.clone()],
                cause,
            },
            RegistryFailure::Unauthorized { had_credentials } => FeatureError::Unauthorized {
                feature: key.to_owned(),
                registry: oci.registry.clone(),
                had_credentials,
            },
            other => FeatureError::Registry {
                feature: key.to_owned(),
                message: other.to_string(),
            },
        };
        let wanted = match &known {
            Some(digest) => OciRef {
                reference: digest.clone(),
                ..oci.clone()
            },
            None => oci.clone(),
        };
        progress.event(Event::Phase {
            phase: Phase::Features,
            message: format!("fetching the Feature '{wanted}'"),
        });
        let manifest = match registry.manifest(&wanted).await {
            Ok(manifest) => manifest,
            Err(RegistryFailure::Unreachable(cause)) if known.is_none() => {
                let remembered = self
                    .cache
                    .recall_tag(&oci.to_string())
                    .and_then(|digest| self.cache.get(&digest).map(|folder| (folder, digest)));
                let Some((folder, digest)) = remembered else {
                    return Err(fail(RegistryFailure::Unreachable(cause)));
                };
                warnings.push(format!(
                    "the registry '{}' cannot be reached ({cause}): using the copy of \"{key}\" fetched before ({digest})",
                    oci.registry
                ));
                return Ok((folder, digest));
            }
            Err(RegistryFailure::NotFound) => {
                return Err(FeatureError::Registry {
                    feature: key.to_owned(),
                    message: format!(
                        "the registry '{}' has no '{}' of '{}'; check the name and the version",
                        oci.registry, wanted.reference, oci.repository
                    ),
                })
            }
            Err(other) => return Err(fail(other)),
        };
        if let Some(folder) = self.cache.get(&manifest.digest) {
            self.cache.remember_tag(&oci.to_string(), &manifest.digest);
            return Ok((folder, manifest.digest));
        }
        let layer = registry
            .blob(&wanted, &manifest.layer)
            .await
            .map_err(fail)?;
        let folder =
            self.cache
                .put(&manifest.digest, &layer)
                .map_err(|err| FeatureError::Registry {
                    feature: key.to_owned(),
                    message: format!("cannot unpack it into the Features cache: {err}"),
                })?;
        if !oci.is_digest() {
            self.cache.remember_tag(&oci.to_string(), &manifest.digest);
        }
        Ok((folder, manifest.digest))
    }
}
