// Hand-written stand-in until ts-rs generates this file from the Tauri shell (same name and fields).

/**
 * A command about one project folder.
 */
export type FolderArgs = { 
/**
 * The project folder (absolute path).
 */
folder: string, };
