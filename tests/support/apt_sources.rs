//! Which Debian mirror this machine uses, read from its own apt sources, so the base
//! image is bootstrapped from the mirror the machine can reach (a proxy, a snapshot, a
//! local cache) and no host name is written into the tests.

use std::path::{Path, PathBuf};

/// The suite the base image is made of.
pub const SUITE: &str = "bookworm";

/// The classic one-line sources file.
const ONE_LINE_FILE: &str = "/etc/apt/sources.list";
/// The folder of deb822 `.sources` and one-line `.list` files.
const SOURCES_DIR: &str = "/etc/apt/sources.list.d";

/// One binary-package source: a URI and its suites.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AptSource {
    /// The repository's base URI, e.g. `http://deb.debian.org/debian`.
    pub uri: String,
    /// Its suites, e.g. `bookworm`, `bookworm-updates`.
    pub suites: Vec<String>,
}

/// The mirror to bootstrap [`SUITE`] from, read from this machine's apt sources.
///
/// # Errors
///
/// When no file names a usable mirror; the message lists the files read.
pub fn host_mirror() -> Result<String, String> {
    let mut read = Vec::new();
    let mut sources = Vec::new();
    for path in source_files() {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        if is_deb822(&path) {
            sources.extend(parse_deb822(&text));
        } else {
            sources.extend(parse_one_line(&text));
        }
        read.push(path.display().to_string());
    }
    choose_mirror(&sources).ok_or_else(|| {
        let files = if read.is_empty() {
            format!("none found ({ONE_LINE_FILE}, {SOURCES_DIR}/*.sources, {SOURCES_DIR}/*.list)")
        } else {
            read.join(", ")
        };
        format!(
            "no http(s) Debian mirror for '{SUITE}' in this machine's apt sources; files read: \
             {files}. Add one, e.g. `deb http://<your mirror>/debian {SUITE} main`"
        )
    })
}

/// apt's own order: `sources.list`, then `sources.list.d/` alphabetically.
fn source_files() -> Vec<PathBuf> {
    let mut files = vec![PathBuf::from(ONE_LINE_FILE)];
    if let Ok(entries) = std::fs::read_dir(SOURCES_DIR) {
        let mut more: Vec<PathBuf> = entries
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| {
                matches!(
                    path.extension().and_then(|e| e.to_str()),
                    Some("sources" | "list")
                )
            })
            .collect();
        more.sort();
        files.extend(more);
    }
    files
}

fn is_deb822(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "sources")
}

/// Pick the mirror: the first http(s) URI that serves [`SUITE`]; failing that, the first
/// http(s) Debian URI that is not a security archive (any Debian mirror has every suite).
pub fn choose_mirror(sources: &[AptSource]) -> Option<String> {
    let web: Vec<&AptSource> = sources
        .iter()
        .filter(|s| s.uri.starts_with("http://") || s.uri.starts_with("https://"))
        .collect();
    let serves_suite = web
        .iter()
        .find(|s| s.suites.iter().any(|suite| suite == SUITE));
    let any_debian = || {
        web.iter().find(|s| {
            s.uri.contains("debian")
                && !s.uri.contains("-security")
                && !s.suites.iter().all(|suite| suite.ends_with("-security"))
        })
    };
    serves_suite
        .or_else(any_debian)
        .map(|s| s.uri.trim_end_matches('/').to_owned())
}

/// Binary sources of a deb822 `.sources` file: stanzas of `Key: value` fields separated
/// by blank lines, with indented continuation lines and `#` comments. Stanzas with
/// `Enabled: no` or without `Types: deb` are left out.
pub fn parse_deb822(text: &str) -> Vec<AptSource> {
    let mut sources = Vec::new();
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut finish = |fields: &mut Vec<(String, String)>| {
        let field = |name: &str| -> Vec<String> {
            fields
                .iter()
                .filter(|(key, _)| key.eq_ignore_ascii_case(name))
                .flat_map(|(_, value)| value.split_whitespace().map(str::to_owned))
                .collect()
        };
        let enabled = field("Enabled").first().is_none_or(|v| v != "no");
        if enabled && field("Types").iter().any(|t| t == "deb") {
            let suites = field("Suites");
            sources.extend(field("URIs").into_iter().map(|uri| AptSource {
                uri,
                suites: suites.clone(),
            }));
        }
        fields.clear();
    };
    for line in text.lines() {
        if line.trim_start().starts_with('#') {
            continue;
        }
        if line.trim().is_empty() {
            finish(&mut fields);
        } else if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = fields.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((key, value)) = line.split_once(':') {
            fields.push((key.trim().to_owned(), value.trim().to_owned()));
        }
    }
    finish(&mut fields);
    sources
}

/// Binary sources of a one-line `sources.list`: `deb [options] uri suite [components]`.
pub fn parse_one_line(text: &str) -> Vec<AptSource> {
    text.lines()
        .filter_map(|line| {
            let line = line.split('#').next().unwrap_or_default().trim();
            let rest = line.strip_prefix("deb")?;
            if !rest.starts_with([' ', '\t']) {
                return None; // `deb-src`, or not a source line at all.
            }
            let rest = rest.trim_start();
            // Options in brackets may contain spaces: `[ arch=amd64 signed-by=… ]`.
            let rest = match rest.strip_prefix('[') {
                Some(options) => options.split_once(']')?.1,
                None => rest,
            };
            let mut words = rest.split_whitespace();
            let uri = words.next()?.to_owned();
            let suite = words.next()?.to_owned();
            Some(AptSource {
                uri,
                suites: vec![suite],
            })
        })
        .collect()
}
