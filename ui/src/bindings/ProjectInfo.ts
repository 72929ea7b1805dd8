// Hand-written stand-in until ts-rs generates this file from the Tauri shell (same name and fields).

/**
 * A folder as the wizard sees it.
 */
export type ProjectInfo = { 
/**
 * The folder.
 */
folder: string, 
/**
 * Whether it exists.
 */
exists: boolean, 
/**
 * The devcontainer.json, when `.devcontainer/` exists.
 */
configFile: string | null, };
