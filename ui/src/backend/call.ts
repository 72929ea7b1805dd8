// The one door to the Rust side for requests: `call` logs each command and turns any
// rejection into a typed `BackendError` (code, message, and the field or build it is about).
import { invoke, isTauri } from "@tauri-apps/api/core";
import type { BuildFailure } from "../bindings/BuildFailure";
import type { Commands } from "../bindings/commands";
import type { Error as IpcError } from "../bindings/Error";
import type { ErrorCode } from "../bindings/ErrorCode";
import type { RecipeField } from "../bindings/RecipeField";

/** A failed backend call, carrying the `{code, message, field?, build?}` the Rust side rejected with. */
export class BackendError extends Error {
  readonly code: ErrorCode;
  /** The recipe control the error is about, for the wizard. */
  readonly field: RecipeField | null;
  /** A failed build's details, for the failure card. */
  readonly build: BuildFailure | null;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { cause?: unknown; field?: RecipeField | null; build?: BuildFailure | null },
  ) {
    super(message, options);
    this.name = "BackendError";
    this.code = code;
    this.field = options?.field ?? null;
    this.build = options?.build ?? null;
  }

  /** Builds a `BackendError` from whatever a rejected `invoke` produced. */
  static from(command: string, reason: unknown): BackendError {
    if (reason instanceof BackendError) return reason;
    if (isIpcError(reason)) {
      return new BackendError(reason.code, reason.message, {
        cause: reason,
        field: reason.field ?? null,
        build: reason.build ?? null,
      });
    }
    if (!isTauri()) {
      return new BackendError(
        "failed",
        `failed to call '${command}': the Berth backend is not available (this page is not running inside the Berth app)`,
        { cause: reason },
      );
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

/** The message of anything thrown, for a person. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === "string" ? error : describe(error);
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

/** Calls a Tauri command with its one `args` object; resolves with its result or throws a `BackendError`. */
export async function call<K extends keyof Commands>(
  name: K,
  args: Commands[K]["args"],
): Promise<Commands[K]["result"]> {
  // Only the name is logged: arguments may hold secrets (a registry token).
  console.debug(`backend: ${name}`);
  try {
    return await invoke<Commands[K]["result"]>(name, { args });
  } catch (reason) {
    const error = BackendError.from(name, reason);
    console.debug(`backend: ${name} failed (${error.code}): ${error.message}`);
    throw error;
  }
}
