//! Known causes of failed builds and commands, read from the engine's message and the
//! output of the step that failed, each with the fix a student can act on.

use std::collections::BTreeSet;

use regex::Regex;
use serde::Serialize;
use ts_rs::TS;

/// A known cause of a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export, export_to = "../ui/src/bindings/")]
pub enum Cause {
    /// pip's resolver tried many versions of one package.
    PipBacktracking,
    /// The step was killed, most often for lack of memory (exit code 137).
    OutOfMemory,
    /// The disk Docker writes to is full.
    NoSpace,
    /// apt has no package of that name.
    AptPackageMissing,
    /// The base image could not be found or pulled.
    BaseImageUnavailable,
    /// The NVIDIA container runtime or driver is missing.
    NvidiaRuntimeMissing,
}

/// A cause and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct Hint {
    /// Which cause.
    pub cause: Cause,
    /// What happened and the fix, for a person.
    pub message: String,
}

/// At how many versions of one package pip's search counts as backtracking.
const BACKTRACK_VERSIONS: usize = 3;

/// The hint for a failure with the engine's `message` and the failing step's `output`
/// (every line, oldest first); `None` when the cause is not one Berth knows.
pub fn classify(message: &str, output: &[String]) -> Option<Hint> {
    let all = || std::iter::once(message).chain(output.iter().map(String::as_str));
    let has = |needle: &str| all().any(|line| line.contains(needle));

    if let Some(hint) = pip_backtracking(output) {
        return Some(hint);
    }
    if has("No space left on device") || has("ENOSPC") {
        return Some(Hint {
            cause: Cause::NoSpace,
            message: "the disk Docker writes to is full (No space left on device): free space \
                      with `docker system prune` (removes stopped containers, unused images and \
                      build cache) or give Docker a bigger disk; deep-learning images need 5-15 GB"
                .to_owned(),
        });
    }
    if let Some(package) = all().find_map(apt_missing) {
        return Some(Hint {
            cause: Cause::AptPackageMissing,
            message: format!(
                "apt has no package '{package}': check the name (`apt-cache search {package}` \
                 in the base image), and that `apt-get update` runs in the same RUN as \
                 `apt-get install`; the package may also be called differently on this \
                 distribution release"
            ),
        });
    }
    if is_out_of_memory(message, output) {
        return Some(Hint {
            cause: Cause::OutOfMemory,
            message: "the step was killed (exit code 137), most often because the build ran \
                      out of memory: give Docker more memory and swap — on Windows set \
                      `memory=8GB` and `swap=8GB` under [wsl2] in %UserProfile%\\.wslconfig \
                      and run `wsl --shutdown` (Docker Desktop: Settings → Resources), or \
                      install the large packages in separate steps"
                .to_owned(),
        });
    }
    if let Some(hint) = nvidia_missing(&has) {
        return Some(hint);
    }
    if let Some(image) = base_image_unavailable(message) {
        return Some(Hint {
            cause: Cause::BaseImageUnavailable,
            message: format!(
                "the base image {image}could not be found or pulled: check its name and tag \
                 (e.g. on the registry's web page), that this machine is online, and log in \
                 with `docker login <registry>` if it is private"
            ),
        });
    }
    None
}

/// Versions of one package pip went through, read from the files it fetched (and its
/// "looking at multiple versions" notes, which name the package outright).
fn pip_backtracking(output: &[String]) -> Option<Hint> {
    let looking = Regex::new(r"pip is looking at multiple versions of ([A-Za-z0-9._-]+)").ok()?;
    let fetched = Regex::new(
        r"(?:Downloading|Using cached|Processing|File was already downloaded)\s+(?:\S*/)?([A-Za-z0-9_.]+?)-([0-9][^-\s/]*?)(?:\.tar\.gz|\.zip|-\S*\.whl|\.whl)",
    )
    .ok()?;
    let normal = |name: &str| name.to_ascii_lowercase().replace(['_', '.'], "-");
    let mut versions: std::collections::BTreeMap<String, BTreeSet<String>> = Default::default();
    let mut named = BTreeSet::new();
    for line in output {
        if let Some(c) = looking.captures(line) {
            named.insert(normal(&c[1]));
        }
        if let Some(c) = fetched.captures(line) {
            versions
                .entry(normal(&c[1]))
                .or_default()
                .insert(c[2].to_owned());
        }
    }
    let (name, count) = versions
        .iter()
        .map(|(name, v)| (name.clone(), v.len()))
        .chain(named.iter().map(|name| (name.clone(), 0)))
        .filter(|(name, count)| *count >= BACKTRACK_VERSIONS || named.contains(name))
        .max_by_key(|(name, count)| {
            (
                *count.max(&versions.get(name).map_or(0, BTreeSet::len)),
                name.clone(),
            )
        })?;
    let count = count.max(versions.get(&name).map_or(0, BTreeSet::len));
    let tried = if count >= BACKTRACK_VERSIONS {
        format!("{count} versions of {name}")
    } else {
        format!("several versions of {name}")
    };
    Some(Hint {
        cause: Cause::PipBacktracking,
        message: format!(
            "pip backtracked through {tried} looking for one that fits the other \
             requirements: pin it (e.g. `{name}==<a version that worked>` in \
             requirements.txt), or run `berth freeze` in a working environment to pin \
             everything"
        ),
    })
}

/// The package of an apt "Unable to locate package" or "no installation candidate" line.
fn apt_missing(line: &str) -> Option<String> {
    let patterns = [
        r"E: Unable to locate package (\S+)",
        r"E: Package '([^']+)' has no installation candidate",
    ];
    patterns.iter().find_map(|pattern| {
        Regex::new(pattern)
            .ok()?
            .captures(line)
            .map(|c| c[1].to_owned())
    })
}

/// Killed by SIGKILL (137) or an explicit out-of-memory report.
fn is_out_of_memory(message: &str, output: &[String]) -> bool {
    let code_137 = Regex::new(r"(?:exit code|non-zero code|exit status)[: ]+137\b")
        .is_ok_and(|re| re.is_match(message));
    let killed = output
        .iter()
        .rev()
        .take(5)
        .any(|line| line.trim() == "Killed" || line.contains("Out of memory"));
    code_137 || killed || message.contains("OOMKilled") || message.contains("out of memory")
}

/// The NVIDIA runtime or driver missing, as the engine or a GPU tool says it.
fn nvidia_missing(has: &dyn Fn(&str) -> bool) -> Option<Hint> {
    let runtime = [
        "could not select device driver \"nvidia\"",
        "unknown or invalid runtime name: nvidia",
        "nvidia-container-cli",
    ];
    let driver = [
        "nvidia-smi: command not found",
        "nvidia-smi: not found",
        "libcuda.so.1: cannot open shared object file",
        "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver",
    ];
    if runtime.iter().any(|needle| has(needle)) {
        return Some(Hint {
            cause: Cause::NvidiaRuntimeMissing,
            message: "Docker cannot give this container a GPU: the NVIDIA Container Toolkit is \
                      not installed or not registered with Docker. Install it \
                      (https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/), run \
                      `sudo nvidia-ctk runtime configure --runtime=docker` and restart Docker; \
                      or set \"hostRequirements\": {\"gpu\": \"optional\"} to start without a GPU"
                .to_owned(),
        });
    }
    if driver.iter().any(|needle| has(needle)) {
        return Some(Hint {
            cause: Cause::NvidiaRuntimeMissing,
            message: "the NVIDIA driver is not reachable here: GPUs are never visible during \
                      `docker build` (move GPU checks into postCreateCommand), and a container \
                      sees them only with the NVIDIA Container Toolkit installed on the host"
                .to_owned(),
        });
    }
    None
}

/// `'name' ` when the message says an image could not be had, else `None`.
fn base_image_unavailable(message: &str) -> Option<String> {
    let signs = [
        "pull access denied",
        "manifest unknown",
        "repository does not exist",
        "failed to resolve source metadata",
        "not found: manifest",
        "No such image",
        "failed to do request",
        "no such host",
        "dial tcp",
        "toomanyrequests",
        "unauthorized",
    ];
    if !signs.iter().any(|s| message.contains(s)) {
        return None;
    }
    let named = [
        r"pull access denied for ([^,\s]+)",
        r"failed to resolve source metadata for ([^:\s]+(?::[^:\s]+)?)",
        r"No such image: (\S+)",
        r"manifest for (\S+) not found",
    ];
    let image = named.iter().find_map(|pattern| {
        Regex::new(pattern)
            .ok()?
            .captures(message)
            .map(|c| c[1].trim_end_matches(':').to_owned())
    });
    Some(image.map_or_else(String::new, |image| format!("'{image}' ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_owned).collect()
    }

    #[test]
    fn pip_going_through_versions_of_spacy_says_pin_it() {
        let output = lines(
            "Collecting spacy<4.0\n  Downloading spacy-3.7.4.tar.gz (1.2 MB)\n\
             INFO: pip is looking at multiple versions of spacy to determine which version is compatible with other requirements. This could take a while.\n\
             \x20 Downloading spacy-3.7.3.tar.gz (1.2 MB)\n  Downloading spacy-3.7.2-cp311-cp311-manylinux_2_17_x86_64.whl (6 MB)\n\
             \x20 Using cached spacy-3.0.6.tar.gz (7.1 MB)\nerror: subprocess-exited-with-error",
        );
        let hint = classify("exit code: 1", &output).unwrap();
        assert_eq!(hint.cause, Cause::PipBacktracking);
        assert!(
            hint.message.contains("4 versions of spacy"),
            "{}",
            hint.message
        );
        assert!(hint.message.contains("pin it"));
    }

    #[test]
    fn pip_trying_many_versions_without_a_note_still_says_pin_it() {
        let output = lines(
            "Processing /wheels/berth_spacy-3.7.4-py3-none-any.whl\n\
             Processing /wheels/berth_spacy-3.7.3-py3-none-any.whl\n\
             Processing /wheels/berth_spacy-3.1.0-py3-none-any.whl\n\
             ERROR: ResolutionImpossible",
        );
        let hint = classify("exit code: 1", &output).unwrap();
        assert!(
            hint.message.contains("3 versions of berth-spacy"),
            "{}",
            hint.message
        );
        let once = lines("Processing /wheels/numpy-2.1.0-cp311-cp311-linux_x86_64.whl");
        assert_eq!(classify("exit code: 1", &once), None);
    }

    #[test]
    fn exit_137_reads_as_out_of_memory_and_names_wsl() {
        let hint = classify(
            "The command '/bin/sh -c pip install torch' returned a non-zero code: 137",
            &[],
        )
        .unwrap();
        assert_eq!(hint.cause, Cause::OutOfMemory);
        assert!(hint.message.contains(".wslconfig"));
        let buildkit = classify(
            "process \"/bin/sh -c python big.py\" did not complete successfully: exit code: 137",
            &[],
        );
        assert_eq!(buildkit.map(|h| h.cause), Some(Cause::OutOfMemory));
        assert_eq!(classify("exit code: 1370", &[]), None);
    }

    #[test]
    fn apt_names_the_missing_package() {
        let hint = classify(
            "exit code: 100",
            &lines("E: Unable to locate package libfoo-dev"),
        )
        .unwrap();
        assert_eq!(hint.cause, Cause::AptPackageMissing);
        assert!(hint.message.contains("'libfoo-dev'"));
    }

    #[test]
    fn a_base_image_that_cannot_be_pulled_is_named() {
        let hint = classify(
            "pull access denied for berth-test/nope, repository does not exist or may require 'docker login'",
            &[],
        )
        .unwrap();
        assert_eq!(hint.cause, Cause::BaseImageUnavailable);
        assert!(
            hint.message.contains("'berth-test/nope'"),
            "{}",
            hint.message
        );
    }

    #[test]
    fn the_missing_nvidia_runtime_says_how_to_install_it() {
        let hint = classify(
            "could not select device driver \"nvidia\" with capabilities: [[gpu]]",
            &[],
        )
        .unwrap();
        assert_eq!(hint.cause, Cause::NvidiaRuntimeMissing);
        assert!(hint.message.contains("optional"));
    }

    #[test]
    fn an_unknown_failure_has_no_hint() {
        assert_eq!(
            classify("exit code: 2", &lines("SyntaxError: invalid syntax")),
            None
        );
    }
}
