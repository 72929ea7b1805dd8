// Hand-written stand-in until ts-rs generates this file from the Tauri shell (same name and fields).
import type { FixAction } from "./FixAction";

/**
 * Which fix Berth should run.
 */
export type DoctorFixArgs = { 
/**
 * The fix.
 */
action: FixAction, };
