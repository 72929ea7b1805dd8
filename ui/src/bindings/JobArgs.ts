// Hand-written stand-in until ts-rs generates this file from the Tauri shell (same name and fields).

/**
 * A running job.
 */
export type JobArgs = { 
/**
 * The job: the environment's folder.
 */
job: string, };
