// Hand-written stand-in until ts-rs generates this file from the Tauri shell (same name and fields).
import type { RecipeRequest } from "./RecipeRequest";

/**
 * Preview or write a new project.
 */
export type ProjectArgs = { 
/**
 * The project folder.
 */
folder: string, 
/**
 * The wizard's choices.
 */
request: RecipeRequest, 
/**
 * Replace files that differ (a backup is kept).
 */
overwrite: boolean, };
