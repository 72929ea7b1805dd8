// Hand-written stand-in until ts-rs generates this file from the Tauri shell (same name and fields).

/**
 * What a fix did.
 */
export type DoctorFixResult = { 
/**
 * What was done, for a person.
 */
message: string, };
