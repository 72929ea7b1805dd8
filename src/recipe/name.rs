//! A project's names: as the generated files' comments show it, as Docker object names
//! carry it, and as its folder gives it.

use std::path::Path;

/// `name` as it appears in comments of the generated files: one line (control characters
/// become spaces, so a folder name cannot start a new Dockerfile instruction or shell
/// command), at most 100 characters.
pub(super) fn display_name(name: &str) -> String {
    let one_line: String = name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(100)
        .collect();
    let trimmed = one_line.trim();
    if trimmed.is_empty() {
        "project".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// `name` for Docker object names: lowercase letters, digits, `_.-`; never empty.
pub fn slug(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
            slug.push(c);
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug: String = slug
        .trim_matches(|c: char| !c.is_ascii_alphanumeric())
        .chars()
        .take(40)
        .collect();
    let slug = slug.trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
    if slug.is_empty() {
        "project".to_owned()
    } else {
        slug.to_owned()
    }
}

/// The name of the project in `dir`: the folder's own name.
pub fn project_name(dir: &Path) -> String {
    let absolute = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    absolute
        .components()
        .filter_map(|part| match part {
            std::path::Component::Normal(name) => Some(name.to_string_lossy().into_owned()),
            _ => None,
        })
        .next_back()
        .unwrap_or_else(|| "project".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_docker_safe_and_never_empty() {
        assert_eq!(slug("My Thesis (2026)"), "my-thesis-2026");
        assert_eq!(slug("..."), "project");
        assert_eq!(slug("ÄÖ"), "project");
        assert_eq!(slug("a_b.c"), "a_b.c");
    }
}
