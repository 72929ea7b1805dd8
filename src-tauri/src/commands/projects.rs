//! The Create environment wizard: what a folder holds, what the recipes offer on this
//! machine, the files a recipe would write, and writing them.

use std::path::Path;

use berth::json::{
    Error, FolderArgs, NewProjectReport, NoArgs, ProjectArgs, ProjectInfo, RecipesReport,
};
use berth::recipe::{self, DriverInfo, Offer};

use super::ipc;

/// Whether the folder exists and which devcontainer.json it already has.
#[tauri::command]
pub fn project(args: FolderArgs) -> Result<ProjectInfo, Error> {
    let state = berth::devcontainer::discover::state(Path::new(&args.folder)).map_err(ipc)?;
    Ok(ProjectInfo::from(&state))
}

/// The compatibility table with what this machine's driver can run.
#[tauri::command]
pub fn recipes(args: NoArgs) -> Result<RecipesReport, Error> {
    let _ = args;
    let offer = Offer::builtin(DriverInfo::given_or_detected(None, None)).map_err(ipc)?;
    Ok(RecipesReport::from(&offer))
}

/// The files the wizard's choices would write into the folder, and how each differs.
#[tauri::command]
pub fn preview_project(args: ProjectArgs) -> Result<NewProjectReport, Error> {
    let choices = args.request.to_choices().map_err(ipc)?;
    let (recipe, report) =
        recipe::preview_project(Path::new(&args.folder), &choices).map_err(ipc)?;
    Ok(NewProjectReport::new(&recipe, &report))
}

/// Write the files (a differing file is kept as a backup when `overwrite`, else nothing
/// is written and the report says which files block).
#[tauri::command]
pub fn create_project(args: ProjectArgs) -> Result<NewProjectReport, Error> {
    let choices = args.request.to_choices().map_err(ipc)?;
    let (recipe, report) =
        recipe::new_project(Path::new(&args.folder), &choices, args.overwrite).map_err(ipc)?;
    Ok(NewProjectReport::new(&recipe, &report))
}
