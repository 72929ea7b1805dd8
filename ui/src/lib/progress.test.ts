import { describe, expect, it } from "vitest";
import type { Event } from "../bindings/Event";
import type { ProgressLine } from "../bindings/ProgressLine";
import { initialBar, reduceProgress, stepText, type BarState } from "./progress";

const line = (event: Event): ProgressLine => ({
  time: "2025-01-01T00:00:00Z",
  level: event.kind === "warning" ? "warning" : "info",
  message: "",
  event,
});

function run(events: Event[]): { state: BarState; log: string[] } {
  let state = initialBar();
  const log: string[] = [];
  for (const e of events) {
    const next = reduceProgress(state, line(e));
    state = next.state;
    if (next.log !== null) log.push(next.log);
  }
  return { state, log };
}

describe("reduceProgress", () => {
  it("labels the bar with the phase and takes the fraction from the step", () => {
    const { state } = run([
      { kind: "phase", phase: "build", message: "building image 'berth-thesis'" },
      { kind: "step", index: 3, total: 12, instruction: "RUN pip install -r requirements.txt", cached: false },
    ]);
    expect(state.label).toBe("building image 'berth-thesis'");
    expect(state.phase).toBe("build");
    expect(state.fraction).toBe(0.25);
    expect(stepText(state)).toBe("Step 3/12");
  });

  it("resets the step when a new phase starts", () => {
    const { state } = run([
      { kind: "step", index: 9, total: 9, instruction: "RUN true", cached: true },
      { kind: "phase", phase: "start", message: "starting the container" },
    ]);
    expect(state.step).toBeNull();
    expect(state.fraction).toBeNull();
    expect(stepText(state)).toBe("");
  });

  it("never reports more than the whole when the builder's total lags", () => {
    const { state } = run([{ kind: "step", index: 5, total: 4, instruction: "RUN x", cached: false }]);
    expect(state.fraction).toBe(1);
    expect(state.step?.total).toBe(5);
  });

  it("puts output, steps, phases and warnings in the log, but not transfers", () => {
    const { state, log } = run([
      { kind: "phase", phase: "build", message: "building" },
      { kind: "step", index: 1, total: 2, instruction: "FROM python:3.11", cached: true },
      { kind: "transfer", what: "python:3.11", bytes: 2048 },
      { kind: "output", line: "Collecting numpy" },
      { kind: "warning", message: "the pip cache is off" },
    ]);
    expect(log).toEqual([
      "==> building",
      "Step 1/2: FROM python:3.11 (cached)",
      "Collecting numpy",
      "warning: the pip cache is off",
    ]);
    expect(state.transfer).toBe("python:3.11: 2.0 KiB");
    expect(state.warnings).toEqual(["the pip cache is off"]);
  });
});
