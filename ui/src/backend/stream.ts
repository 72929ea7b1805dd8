// Long operations: `stream` runs a command that reports progress on a channel and can be
// cancelled by its job (the environment's folder). Cancelled is a result, not an error.
import { Channel, invoke } from "@tauri-apps/api/core";
import type { ProgressLine } from "../bindings/ProgressLine";
import type { Streams } from "../bindings/commands";
import { BackendError, call } from "./call";

/** How a long operation ended, when it did not fail. */
export type Outcome<T> = { kind: "done"; value: T } | { kind: "cancelled" };

/** A running long operation. */
export interface Running<T> {
  /** The job id `cancel` uses: the environment's folder. */
  job: string;
  /** Settles with the outcome; rejects with a `BackendError` when the operation failed. */
  result: Promise<Outcome<T>>;
  /** Asks the backend to stop; the outcome then resolves as cancelled. */
  cancel(): Promise<void>;
}

/** Maps a stream's result to an outcome: `outcome: "cancelled"` is a cancelled run. */
export function toOutcome<T extends { outcome: string }>(value: T): Outcome<T> {
  return value.outcome === "cancelled" ? { kind: "cancelled" } : { kind: "done", value };
}

/** Starts a long operation; `onProgress` gets each progress line as it arrives (the
 *  shell sends them in batches of up to 50 ms, so a chatty build stays a few messages). */
export function stream<K extends keyof Streams>(
  name: K,
  args: Streams[K]["args"],
  onProgress: (line: ProgressLine) => void,
): Running<Streams[K]["result"]> {
  const job = args.folder;
  const channel = new Channel<ProgressLine[]>();
  channel.onmessage = (batch) => {
    for (const line of batch) onProgress(line);
  };
  console.debug(`backend: ${name} (stream, job ${job})`);
  const result = invoke<Streams[K]["result"]>(name, { args, channel }).then(
    (value) => {
      const outcome = toOutcome(value);
      console.debug(`backend: ${name} ${outcome.kind}`);
      return outcome;
    },
    (reason: unknown) => {
      const error = BackendError.from(name, reason);
      console.debug(`backend: ${name} failed (${error.code}): ${error.message}`);
      throw error;
    },
  );
  return {
    job,
    result,
    async cancel() {
      await call("cancel", { job });
    },
  };
}
