// Hand-written stand-in until ts-rs generates this file from the Tauri shell (same name and fields).

/**
 * Keep a registry credential.
 */
export type LoginArgs = { 
/**
 * The registry host (and port).
 */
registry: string, 
/**
 * The user name.
 */
username: string, 
/**
 * The password or token.
 */
secret: string, };
