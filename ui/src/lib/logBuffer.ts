// The build log's lines: appended in batches (once per animation frame), capped so a
// runaway build cannot grow memory without bound; the oldest lines go first.

/** Most lines kept: 200 000 (about 20–40 MB of short lines); beyond it the oldest are dropped. */
export const DEFAULT_CAP = 200_000;

export class LogBuffer {
  /** The kept lines, oldest first; read `lines[i]` for row `i`. */
  lines: string[] = [];
  /** Lines dropped from the front so far. */
  dropped = 0;
  private pending: string[] = [];
  readonly cap: number;

  constructor(cap: number = DEFAULT_CAP) {
    this.cap = Math.max(1, cap);
  }

  /** Queues a line; it shows after the next `flush`. */
  push(line: string): void {
    this.pending.push(line);
  }

  /** Whether lines are waiting for a flush. */
  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  /** Moves queued lines into `lines`; returns how many were added (0: nothing changed). */
  flush(): number {
    const added = this.pending.length;
    if (added === 0) return 0;
    for (const line of this.pending) this.lines.push(line);
    this.pending = [];
    const over = this.lines.length - this.cap;
    if (over > 0) {
      // Drop in one splice, at least a tenth of the cap, so trimming is rare and cheap.
      const drop = Math.min(this.lines.length, Math.max(over, Math.ceil(this.cap / 10)));
      this.lines.splice(0, drop);
      this.dropped += drop;
    }
    return added;
  }

  get length(): number {
    return this.lines.length;
  }

  /** The last `n` lines (kept ones), for the failure card when the backend gives none. */
  tail(n: number): string[] {
    return this.lines.slice(-n);
  }

  clear(): void {
    this.lines = [];
    this.pending = [];
    this.dropped = 0;
  }
}
