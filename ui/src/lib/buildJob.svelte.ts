// One build-and-start (`up`) the window is showing, kept outside the screens so it
// survives navigation: bar and log are committed once per animation frame, not per line.
import { BackendError, messageOf, up, type Running } from "../backend";
import type { UpResult } from "../bindings/UpResult";
import { LogBuffer } from "./logBuffer";
import { initialBar, reduceProgress, type BarState } from "./progress";

export type BuildState = "running" | "done" | "failed" | "cancelled";

export interface BuildOptions {
  rebuild: boolean;
  noCache: boolean;
}

// Colour and cursor codes builders print; the log shows plain text.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

export class BuildJob {
  readonly folder: string;
  readonly options: BuildOptions;
  state = $state<BuildState>("running");
  bar = $state.raw<BarState>(initialBar());
  /** The log's length and a counter bumped on each flush: what the log view redraws on. */
  logLength = $state(0);
  logVersion = $state(0);
  error = $state.raw<BackendError | null>(null);
  result = $state.raw<UpResult | null>(null);
  cancelling = $state(false);
  cancelError = $state<string | null>(null);
  readonly log = new LogBuffer();

  private running: Running<UpResult> | null = null;
  private nextBar: BarState = initialBar();
  private frame = 0;

  constructor(folder: string, options: BuildOptions) {
    this.folder = folder;
    this.options = options;
  }

  start(): void {
    this.running = up(this.folder, this.options, (line) => {
      const { state, log } = reduceProgress(this.nextBar, line);
      this.nextBar = state;
      if (log !== null) this.log.push(log.includes("\x1b") ? log.replace(ANSI, "") : log);
      this.schedule();
    });
    this.running.result.then(
      (outcome) => {
        this.commit();
        if (outcome.kind === "cancelled") {
          this.state = "cancelled";
        } else {
          this.result = outcome.value;
          this.state = "done";
        }
      },
      (error: unknown) => {
        this.commit();
        this.error = error instanceof BackendError ? error : BackendError.from("up", error);
        this.state = "failed";
      },
    );
  }

  async cancel(): Promise<void> {
    if (!this.running || this.state !== "running") return;
    this.cancelling = true;
    this.cancelError = null;
    try {
      await this.running.cancel();
    } catch (error) {
      this.cancelError = messageOf(error);
      this.cancelling = false;
    }
  }

  private schedule(): void {
    if (this.frame !== 0) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.commit();
    });
  }

  private commit(): void {
    if (this.frame !== 0) {
      cancelAnimationFrame(this.frame);
      this.frame = 0;
    }
    if (this.bar !== this.nextBar) this.bar = this.nextBar;
    if (this.log.flush() > 0) {
      this.logLength = this.log.length;
      this.logVersion += 1;
    }
  }
}

/** The build on screen (at most one), shared by the wizard and the Environments screen. */
export const builds = $state<{ current: BuildJob | null }>({ current: null });

/** Starts building and starting `folder`, unless that one is already running. */
export function startBuild(folder: string, options: BuildOptions): BuildJob {
  const current = builds.current;
  if (current && current.folder === folder && current.state === "running") return current;
  const job = new BuildJob(folder, options);
  builds.current = job;
  job.start();
  return job;
}

/** Whether a build is running now (Start buttons wait for it). */
export const buildRunning = (): boolean => builds.current?.state === "running";
