// GPU readings over time as uPlot's column arrays, one set per GPU: the sampler's history
// first, then each live sample appended; at most MAX_POINTS per GPU, readings a GPU does
// not report are null (a gap in the line).
import type { GpuCard } from "../bindings/GpuCard";
import type { GpuReport } from "../bindings/GpuReport";

/** Ten minutes of 1 Hz samples, as many as the sampler keeps. */
export const MAX_POINTS = 600;

export type Column = (number | null)[];

/** One GPU's columns; `x` is seconds since the source started. */
export interface GpuSeries {
  x: number[];
  util: Column;
  /** Memory used, percent of installed. */
  mem: Column;
  temp: Column;
  power: Column;
}

const emptySeries = (): GpuSeries => ({ x: [], util: [], mem: [], temp: [], power: [] });

/** Memory used as a percent of installed, null when either is unknown. */
export function memPercent(card: GpuCard): number | null {
  if (card.mem_used_bytes === null || card.mem_total_bytes === null || card.mem_total_bytes <= 0) return null;
  return (card.mem_used_bytes / card.mem_total_bytes) * 100;
}

export class GpuHistory {
  private readonly series = new Map<number, GpuSeries>();
  readonly cap: number;

  constructor(cap: number = MAX_POINTS) {
    this.cap = Math.max(1, cap);
  }

  /** A history from the sampler's reports, oldest first. */
  static from(reports: GpuReport[], cap?: number): GpuHistory {
    const history = new GpuHistory(cap);
    for (const report of reports) history.push(report);
    return history;
  }

  /** Appends one report's readings; returns whether any series changed. */
  push(report: GpuReport): boolean {
    if (report.state !== "ready") return false;
    const t = report.t_ms / 1000;
    let changed = false;
    for (const card of report.gpus) {
      let s = this.series.get(card.index);
      if (!s) {
        s = emptySeries();
        this.series.set(card.index, s);
      }
      const last = s.x.length > 0 ? s.x[s.x.length - 1] : -Infinity;
      // The same sample twice (history and a live sample overlap): keep one.
      if (t === last) continue;
      // Time went back: the source restarted, so the old line no longer joins up.
      if (t < last) Object.assign(s, emptySeries());
      s.x.push(t);
      s.util.push(card.util_gpu_pct);
      s.mem.push(memPercent(card));
      s.temp.push(card.temp_c);
      s.power.push(card.power_w);
      const over = s.x.length - this.cap;
      if (over > 0) for (const column of [s.x, s.util, s.mem, s.temp, s.power]) column.splice(0, over);
      changed = true;
    }
    return changed;
  }

  /** One GPU's columns (empty ones for a GPU never seen). */
  of(index: number): GpuSeries {
    return this.series.get(index) ?? emptySeries();
  }

  /** uPlot data for the utilisation and memory chart: [x, util %, memory %]. */
  usage(index: number): [number[], Column, Column] {
    const s = this.of(index);
    return [s.x, s.util, s.mem];
  }

  /** uPlot data for the temperature and power chart: [x, °C, W]. */
  thermal(index: number): [number[], Column, Column] {
    const s = this.of(index);
    return [s.x, s.temp, s.power];
  }
}
