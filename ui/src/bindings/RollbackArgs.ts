// Hand-written stand-in until ts-rs generates this file from the Tauri shell (same name and fields).

/**
 * Go back to a checkpoint.
 */
export type RollbackArgs = { 
/**
 * The project folder.
 */
folder: string, 
/**
 * The checkpoint.
 */
name: string, };
