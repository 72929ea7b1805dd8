// The build bar's state from progress lines: the phase's message is the label, the step's
// index/total the fraction; each line also says what (if anything) goes into the log.
import type { Phase } from "../bindings/Phase";
import type { ProgressLine } from "../bindings/ProgressLine";
import { humanBytes } from "./bytes";

export interface BarState {
  /** The current phase's message, e.g. "building image 'berth-thesis…'". */
  label: string;
  phase: Phase | null;
  /** The current build step, when the builder numbers them. */
  step: { index: number; total: number; instruction: string; cached: boolean } | null;
  /** 0..1 from the step, null when unknown (an indeterminate bar). */
  fraction: number | null;
  /** The latest transfer, for a person: "base image: 312 MiB". */
  transfer: string | null;
  /** Warnings so far (the most recent `MAX_WARNINGS`). */
  warnings: string[];
}

export const MAX_WARNINGS = 20;

export const initialBar = (): BarState => ({
  label: "Starting…",
  phase: null,
  step: null,
  fraction: null,
  transfer: null,
  warnings: [],
});

/** The next bar state, and the log line this progress line adds (null: none). */
export function reduceProgress(
  state: BarState,
  line: ProgressLine,
): { state: BarState; log: string | null } {
  const event = line.event;
  switch (event.kind) {
    case "phase":
      return {
        // A new phase has its own steps: the previous fraction no longer applies.
        state: { ...state, label: event.message, phase: event.phase, step: null, fraction: null, transfer: null },
        log: `==> ${event.message}`,
      };
    case "step": {
      const total = Math.max(event.total, event.index, 1);
      return {
        state: {
          ...state,
          step: { index: event.index, total, instruction: event.instruction, cached: event.cached },
          fraction: Math.min(1, Math.max(0, event.index / total)),
        },
        log: `Step ${event.index}/${total}: ${event.instruction}${event.cached ? " (cached)" : ""}`,
      };
    }
    case "output":
      return { state, log: event.line };
    case "transfer":
      return { state: { ...state, transfer: `${event.what}: ${humanBytes(event.bytes)}` }, log: null };
    case "warning":
      return {
        state: { ...state, warnings: [...state.warnings, event.message].slice(-MAX_WARNINGS) },
        log: `warning: ${event.message}`,
      };
  }
}

/** "Step 3/9" or "" when there is no step. */
export function stepText(state: BarState): string {
  return state.step ? `Step ${state.step.index}/${state.step.total}` : "";
}
