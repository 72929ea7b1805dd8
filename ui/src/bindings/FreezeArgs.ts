// Hand-written stand-in until ts-rs generates this file from the Tauri shell (same name and fields).

/**
 * Freeze the installed packages into the requirements file.
 */
export type FreezeArgs = { 
/**
 * The project folder.
 */
folder: string, 
/**
 * False: only compute the diff.
 */
write: boolean, };
