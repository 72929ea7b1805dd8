// Typed listeners for the events the shell emits to the window.
import { listen } from "@tauri-apps/api/event";
import type { EngineEvent } from "../bindings/EngineEvent";
import type { GpuReport } from "../bindings/GpuReport";

/** Stops listening. */
export type Unlisten = () => void;

interface EventPayloads {
  /** A Berth container was created, started, stopped, died or destroyed. */
  "environments://changed": EngineEvent;
  /** One GPU sample, once a second. */
  "gpu://sample": GpuReport;
}

/**
 * Listens to one event; resolves with the function that stops listening. Outside the app
 * (no Tauri) nothing arrives and the returned function does nothing.
 */
export async function on<E extends keyof EventPayloads>(
  event: E,
  handler: (payload: EventPayloads[E]) => void,
): Promise<Unlisten> {
  try {
    return await listen<EventPayloads[E]>(event, (e) => handler(e.payload));
  } catch (error) {
    console.debug(`events: cannot listen to ${event}:`, error);
    return () => {};
  }
}

/** Environments changed in the engine. */
export const onEnvironmentsChanged = (handler: (event: EngineEvent) => void) =>
  on("environments://changed", handler);

/** A new GPU sample. */
export const onGpuSample = (handler: (report: GpuReport) => void) => on("gpu://sample", handler);

/**
 * Subscribes for a component's lifetime: returns a cleanup that unlistens, also when the
 * component goes away before `listen` resolved.
 */
export function subscribe(start: Promise<Unlisten>): () => void {
  let stop: Unlisten | null = null;
  let gone = false;
  void start.then((unlisten) => {
    if (gone) unlisten();
    else stop = unlisten;
  });
  return () => {
    gone = true;
    stop?.();
  };
}
