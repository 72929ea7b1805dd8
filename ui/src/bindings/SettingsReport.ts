// Hand-written stand-in until ts-rs generates this file from the Tauri shell (same name and fields).

/**
 * What the Settings screen shows.
 */
export type SettingsReport = { 
/**
 * The Docker host Berth talks to.
 */
dockerHost: string, 
/**
 * Where it comes from (`DOCKER_HOST`, the context, the default).
 */
dockerHostSource: string, 
/**
 * Whether the window runs on Windows.
 */
isWindows: boolean, };
