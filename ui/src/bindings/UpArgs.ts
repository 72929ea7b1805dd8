// Hand-written stand-in until ts-rs generates this file from the Tauri shell (same name and fields).

/**
 * Start (and build) an environment.
 */
export type UpArgs = { 
/**
 * The project folder.
 */
folder: string, 
/**
 * Rebuild the image even when one exists.
 */
rebuild: boolean, 
/**
 * Build without the builder's cache.
 */
noCache: boolean, };
