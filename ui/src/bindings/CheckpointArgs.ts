// Hand-written stand-in until ts-rs generates this file from the Tauri shell (same name and fields).

/**
 * Make a checkpoint.
 */
export type CheckpointArgs = { 
/**
 * The project folder.
 */
folder: string, 
/**
 * Its name; a generated one when null.
 */
name: string | null, };
