// Hand-written stand-in until ts-rs generates this file from the Tauri shell (same name and fields).

/**
 * What stopping an environment did.
 */
export type StopResult = { 
/**
 * The container, if there was one.
 */
container: string | null, 
/**
 * Whether it was running and is stopped now.
 */
stopped: boolean, };
