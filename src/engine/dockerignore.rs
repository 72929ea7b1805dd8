//! `.dockerignore` with Docker's own rules (moby's `patternmatcher` and the CLI's context
//! walker), not gitignore's: patterns are anchored at the context root, `*` stops at `/`,
//! `**` spans folders, a pattern that matches a folder excludes everything in it, the
//! last matching line wins, and `!` lines bring files back.

use std::path::Path;

use regex::Regex;

/// A `.dockerignore` line that is not a valid pattern.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "line {line}: '{pattern}' is not a valid .dockerignore pattern ({reason}); fix or remove it"
)]
pub struct PatternError {
    /// The line, from 1.
    pub line: usize,
    /// The pattern as written.
    pub pattern: String,
    /// Why it is invalid.
    pub reason: String,
}

/// One pattern, cleaned as Docker cleans it.
#[derive(Debug, Clone)]
struct Pattern {
    /// The cleaned pattern, without `!`.
    text: String,
    /// A `!` line: matching files are brought back.
    exclusion: bool,
    regex: Regex,
}

/// A parsed `.dockerignore`.
#[derive(Debug, Clone, Default)]
pub struct DockerIgnore {
    patterns: Vec<Pattern>,
}

impl DockerIgnore {
    /// Read the text of a `.dockerignore` file.
    ///
    /// # Errors
    ///
    /// A pattern Docker would refuse too (an unclosed `[`).
    pub fn parse(text: &str) -> Result<Self, PatternError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut patterns = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            // Docker: a line starting with `#` is a comment, before any trimming.
            if raw.starts_with('#') {
                continue;
            }
            let mut pattern = raw.trim();
            if pattern.is_empty() {
                continue;
            }
            let exclusion = pattern.starts_with('!');
            if exclusion {
                pattern = pattern[1..].trim();
            }
            let mut text = clean(pattern);
            if text.len() > 1 && text.starts_with('/') {
                text.remove(0);
            }
            let regex = compile(&text).map_err(|reason| PatternError {
                line: index + 1,
                pattern: raw.to_owned(),
                reason,
            })?;
            patterns.push(Pattern {
                text,
                exclusion,
                regex,
            });
        }
        Ok(Self { patterns })
    }

    /// Add a `!path` exception: Docker always sends the Dockerfile and `.dockerignore`.
    pub fn keep(&mut self, path: &str) {
        if !self.is_excluded(path) {
            return;
        }
        let text = clean(path);
        if let Ok(regex) = compile(&text) {
            self.patterns.push(Pattern {
                text,
                exclusion: true,
                regex,
            });
        }
    }

    /// True when there is no pattern at all.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Whether `path` (relative to the context, `/`-separated) is left out of the
    /// context: the last pattern that matches it or one of its parent folders decides.
    pub fn is_excluded(&self, path: &str) -> bool {
        let parents: Vec<&str> = match path.rfind('/') {
            Some(end) => path[..end].split('/').collect(),
            None => Vec::new(),
        };
        let mut matched = false;
        for pattern in &self.patterns {
            // An inclusion can only change an unmatched path, an exclusion a matched one.
            if pattern.exclusion != matched {
                continue;
            }
            let mut hit = pattern.regex.is_match(path);
            if !hit {
                for end in 1..=parents.len() {
                    if pattern.regex.is_match(&parents[..end].join("/")) {
                        hit = true;
                        break;
                    }
                }
            }
            if hit {
                matched = !pattern.exclusion;
            }
        }
        matched
    }

    /// Whether the walker may skip the excluded folder `dir` without looking inside: no
    /// `!` pattern starts with it (Docker's literal prefix test, kept as it is).
    pub fn can_skip_dir(&self, dir: &str) -> bool {
        let prefix = format!("{dir}/");
        !self
            .patterns
            .iter()
            .any(|p| p.exclusion && format!("{}/", p.text).starts_with(&prefix))
    }
}

/// Read the ignore file that applies to a build: `<Dockerfile>.dockerignore` beside the
/// Dockerfile when it exists (BuildKit's rule), else `.dockerignore` at the context root.
/// Returns the rules and the file they came from.
///
/// # Errors
///
/// The file cannot be read, or a pattern is invalid (with the file named).
pub fn for_build(
    context: &Path,
    dockerfile: &Path,
) -> Result<(DockerIgnore, Option<std::path::PathBuf>), (std::path::PathBuf, String)> {
    let beside = dockerfile.file_name().map(|name| {
        let mut name = name.to_os_string();
        name.push(".dockerignore");
        dockerfile.with_file_name(name)
    });
    let candidates = beside
        .into_iter()
        .chain(std::iter::once(context.join(".dockerignore")));
    for file in candidates {
        match std::fs::read_to_string(&file) {
            Ok(text) => {
                return DockerIgnore::parse(&text)
                    .map(|rules| (rules, Some(file.clone())))
                    .map_err(|err| (file, err.to_string()));
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err((file, err.to_string())),
        }
    }
    Ok((DockerIgnore::default(), None))
}

/// Go's `filepath.Clean` on a `/`-separated path: no `.` parts, `..` resolved where it
/// can be, no doubled or trailing `/`.
fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".to_owned();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                _ if rooted => {}
                _ => parts.push(".."),
            },
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_owned(),
        (false, false) => joined,
    }
}

/// Translate a cleaned pattern into an anchored regex, as moby's `patternmatcher` does.
fn compile(pattern: &str) -> Result<Regex, String> {
    let mut out = String::from("^");
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    let mut in_class = false;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            '*' if !in_class => {
                if chars.get(i) == Some(&'*') {
                    i += 1;
                    // `**/` is `**`.
                    if chars.get(i) == Some(&'/') {
                        i += 1;
                    }
                    if i >= chars.len() {
                        out.push_str(".*");
                    } else {
                        out.push_str("(.*/)?");
                    }
                } else {
                    out.push_str("[^/]*");
                }
            }
            '?' if !in_class => out.push_str("[^/]"),
            '\\' => match chars.get(i) {
                Some(&next) => {
                    i += 1;
                    out.push_str(&regex::escape(&next.to_string()));
                }
                None => out.push_str(r"\\"),
            },
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                // Go's filepath.Match negates with `^`; `!` is not special there.
                if chars.get(i) == Some(&'^') {
                    i += 1;
                    out.push('^');
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '-' if in_class => out.push('-'),
            other => out.push_str(&regex::escape(&other.to_string())),
        }
    }
    if in_class {
        return Err("a '[' is never closed".to_owned());
    }
    out.push('$');
    Regex::new(&out).map_err(|err| err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> DockerIgnore {
        DockerIgnore::parse(text).unwrap()
    }

    #[test]
    fn a_folder_pattern_excludes_everything_inside_it() {
        let ignore = rules("data\n");
        assert!(ignore.is_excluded("data"));
        assert!(ignore.is_excluded("data/imagenet/train/0001.jpg"));
        assert!(!ignore.is_excluded("src/data"));
        assert!(!ignore.is_excluded("database.py"));
    }

    #[test]
    fn patterns_are_anchored_at_the_root_unlike_gitignore() {
        let ignore = rules("*.pyc\n");
        assert!(ignore.is_excluded("a.pyc"));
        assert!(
            !ignore.is_excluded("pkg/a.pyc"),
            "gitignore would exclude this"
        );
        let ignore = rules("**/*.pyc\n");
        assert!(ignore.is_excluded("pkg/sub/a.pyc"));
        assert!(ignore.is_excluded("a.pyc"));
    }

    #[test]
    fn a_star_stops_at_a_slash() {
        let ignore = rules("src/*.tmp\n");
        assert!(ignore.is_excluded("src/a.tmp"));
        assert!(!ignore.is_excluded("src/deep/a.tmp"));
        let ignore = rules("*/cache\n");
        assert!(ignore.is_excluded("x/cache/file"));
        assert!(!ignore.is_excluded("x/y/cache"));
    }

    #[test]
    fn the_last_matching_line_wins_and_exceptions_bring_files_back() {
        let ignore = rules("*.md\n!README.md\n");
        assert!(ignore.is_excluded("CHANGES.md"));
        assert!(!ignore.is_excluded("README.md"));
        let ignore = rules("!README.md\n*.md\n");
        assert!(ignore.is_excluded("README.md"), "a later exclusion wins");
    }

    #[test]
    fn lines_are_cleaned_as_docker_cleans_them() {
        let ignore = rules("# a comment\n  /build/  \n./dist//x\n \n#not/a/pattern\n");
        assert!(ignore.is_excluded("build/out.o"));
        assert!(ignore.is_excluded("dist/x"));
        assert!(!ignore.is_excluded("#not/a/pattern"));
        // A `#` after leading spaces is a pattern in Docker's reader.
        let ignore = rules("  #x\n");
        assert!(ignore.is_excluded("#x"));
    }

    #[test]
    fn question_marks_classes_and_escapes() {
        let ignore = rules("file?.txt\n[ab]*.log\n[^c]x\n\\*literal\n");
        assert!(ignore.is_excluded("file1.txt"));
        assert!(!ignore.is_excluded("file12.txt"));
        assert!(ignore.is_excluded("a1.log"));
        assert!(!ignore.is_excluded("c1.log"));
        assert!(ignore.is_excluded("dx"));
        assert!(!ignore.is_excluded("cx"));
        assert!(ignore.is_excluded("*literal"));
        assert!(!ignore.is_excluded("xliteral"));
    }

    #[test]
    fn a_double_star_at_the_end_takes_everything_below() {
        let ignore = rules("logs/**\n");
        assert!(ignore.is_excluded("logs/a"));
        assert!(ignore.is_excluded("logs/a/b/c"));
        let ignore = rules("**\n!keep\n");
        assert!(ignore.is_excluded("anything/at/all"));
        assert!(!ignore.is_excluded("keep"));
    }

    #[test]
    fn an_excluded_folder_is_walked_only_when_an_exception_starts_with_it() {
        let ignore = rules("data\n!data/README.md\n");
        assert!(!ignore.can_skip_dir("data"));
        assert!(!ignore.is_excluded("data/README.md"));
        assert!(ignore.is_excluded("data/big.bin"));
        let ignore = rules("data\n!**/README.md\n");
        assert!(
            ignore.can_skip_dir("data"),
            "Docker's prefix test does not see through **"
        );
    }

    #[test]
    fn keep_adds_an_exception_only_when_needed() {
        let mut ignore = rules(".devcontainer\n");
        ignore.keep(".devcontainer/Dockerfile");
        assert!(!ignore.is_excluded(".devcontainer/Dockerfile"));
        assert!(ignore.is_excluded(".devcontainer/other"));
        let mut plain = rules("data\n");
        plain.keep("Dockerfile");
        assert_eq!(plain.patterns.len(), 1);
    }

    #[test]
    fn an_unclosed_class_is_an_error_naming_the_line() {
        let err = DockerIgnore::parse("ok\n[abc\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.to_string().contains("'[abc'"), "{err}");
    }

    #[test]
    fn cleaning_follows_go() {
        assert_eq!(clean("./a//b/"), "a/b");
        assert_eq!(clean("a/../../b"), "../b");
        assert_eq!(clean("/../a"), "/a");
        assert_eq!(clean("."), ".");
    }
}
