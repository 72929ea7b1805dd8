//! The wizard's review step: the files a recipe would write into a folder, and how each
//! differs from what is there, with nothing written.

use std::path::Path;

use super::{project_name, render, Choices, CompatTable, Recipe, RecipeError, WriteReport};

/// Resolve `choices` for the project in `dir` and say what [`super::new_project`] would
/// write there, without writing (`dir` need not exist yet).
///
/// # Errors
///
/// The same as [`super::new_project`] before it writes: a choice the table or the driver
/// refuses (with its field), or a file that cannot be read.
pub fn preview_project(
    dir: &Path,
    choices: &Choices,
) -> Result<(Recipe, WriteReport), RecipeError> {
    let table = CompatTable::builtin()?;
    let recipe = Recipe::resolve(table, &project_name(dir), choices)?;
    let files = render(&recipe)?;
    let report = super::write::preview(dir, &files)?;
    Ok((recipe, report))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recipe::{FileChange, RecipeRequest};

    #[test]
    fn a_preview_lists_every_file_and_writes_none() {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path().join("thesis");
        let choices = RecipeRequest {
            target: Some("cpu".into()),
            ..RecipeRequest::default()
        }
        .to_choices()
        .unwrap();
        let (recipe, report) = preview_project(&project, &choices).unwrap();
        assert_eq!(recipe.project, "thesis");
        assert!(!report.files.is_empty());
        assert!(report.files.iter().all(|f| f.change == FileChange::Created));
        assert!(!project.exists(), "a preview writes nothing");
    }

    #[test]
    fn a_preview_shows_the_diff_of_a_file_that_differs() {
        let dir = tempfile::tempdir().unwrap();
        let choices = RecipeRequest {
            target: Some("cpu".into()),
            ..RecipeRequest::default()
        }
        .to_choices()
        .unwrap();
        crate::recipe::new_project(dir.path(), &choices, false).unwrap();
        let dockerfile = dir.path().join(".devcontainer/Dockerfile");
        std::fs::write(&dockerfile, "FROM scratch\n").unwrap();
        let (_, report) = preview_project(dir.path(), &choices).unwrap();
        let changed = report
            .files
            .iter()
            .find(|f| f.path.ends_with("Dockerfile"))
            .unwrap();
        assert_eq!(changed.change, FileChange::Blocked);
        assert!(changed.diff.as_deref().unwrap().contains("-FROM scratch"));
        assert_eq!(
            std::fs::read_to_string(&dockerfile).unwrap(),
            "FROM scratch\n"
        );
    }
}
