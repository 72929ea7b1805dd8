// The one door to the Rust side: every Tauri command goes through `call`, which logs
// the command and turns any rejection into a typed `BackendError`.
import { invoke, isTauri } from "@tauri-apps/api/core";
import type { DoctorReport } from "./bindings/DoctorReport";
import type { Error as IpcError } from "./bindings/Error";
import type { ErrorCode } from "./bindings/ErrorCode";

/** A failed backend call, carrying the `{code, message}` the Rust side rejected with. */
export class BackendError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "BackendError";
    this.code = code;
  }

  /** Builds a `BackendError` from whatever a rejected `invoke` produced. */
  static from(command: string, reason: unknown): BackendError {
    if (!isTauri()) {
      return new BackendError(
        "failed",
        `failed to call '${command}': the Berth backend is not available (this page is not running inside the Berth app)`,
        { cause: reason },
      );
    }
    if (isIpcError(reason)) {
      return new BackendError(reason.code, reason.message, { cause: reason });
    }
    // Tauri itself rejects with a plain string (unknown command, denied by capabilities).
    if (typeof reason === "string" && reason.length > 0) {
      return new BackendError("failed", `failed to call '${command}': ${reason}`, { cause: reason });
    }
    if (reason instanceof Error && reason.message.length > 0) {
      return new BackendError("failed", `failed to call '${command}': ${reason.message}`, {
        cause: reason,
      });
    }
    return new BackendError("failed", `failed to call '${command}': ${describe(reason)}`, {
      cause: reason,
    });
  }
}

function isIpcError(value: unknown): value is IpcError {
  if (typeof value !== "object" || value === null) return false;
  const { code, message } = value as Record<string, unknown>;
  return typeof code === "string" && typeof message === "string";
}

function describe(value: unknown): string {
  if (value === undefined || value === null) return "no reason given";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Calls a Tauri command; resolves with its result or throws a `BackendError`. */
export async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  console.debug(`backend: ${command}`);
  try {
    return await invoke<T>(command, args);
  } catch (reason) {
    const error = BackendError.from(command, reason);
    console.debug(`backend: ${command} failed (${error.code}): ${error.message}`);
    throw error;
  }
}

/** Runs every host check (Docker, NVIDIA runtime, driver, disk, VS Code, ...). */
export const doctor = () => call<DoctorReport>("doctor");
