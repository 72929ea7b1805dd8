// Hand-written stand-in until ts-rs generates this file from the Tauri shell (same name and fields).

/**
 * A command about one registry.
 */
export type RegistryArgs = { 
/**
 * The registry host (and port).
 */
registry: string, };
