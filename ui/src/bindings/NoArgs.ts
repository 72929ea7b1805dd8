// Hand-written stand-in until ts-rs generates this file from the Tauri shell (same name and fields).

/**
 * The argument of a command that takes nothing.
 */
export type NoArgs = Record<string, never>;
