import { describe, expect, it } from "vitest";
import type { GpuCard } from "../bindings/GpuCard";
import type { GpuReport } from "../bindings/GpuReport";
import { GpuHistory, MAX_POINTS } from "./gpuSeries";

const card = (over: Partial<GpuCard> = {}): GpuCard => ({
  index: 0, name: "H200", uuid: null, pci_bus_id: null, compute_capability: "9.0",
  util_gpu_pct: 50, util_mem_pct: 10, mem_used_bytes: 25, mem_total_bytes: 100,
  temp_c: 40, power_w: 200, power_limit_w: 700, energy_j: null, fan_pct: null,
  clock_sm_mhz: 1980, clock_mem_mhz: 2619, max_clock_sm_mhz: 1980, throttle: [],
  ecc_uncorrected: null, mig_enabled: null, unsupported: [], processes: [],
  ...over,
});

const report = (t_ms: number, gpus: GpuCard[], state: GpuReport["state"] = "ready"): GpuReport => ({
  state, message: null, source: "test", t_ms, driver_version: "580", cuda_version: "13.0", gpus,
});

describe("GpuHistory", () => {
  it("turns history into uPlot columns, seconds on x", () => {
    const h = GpuHistory.from([report(0, [card()]), report(1000, [card({ util_gpu_pct: 70, temp_c: 45 })])]);
    expect(h.usage(0)).toEqual([[0, 1], [50, 70], [25, 25]]);
    expect(h.thermal(0)).toEqual([[0, 1], [40, 45], [200, 200]]);
  });

  it("keeps n/a readings as null", () => {
    const h = GpuHistory.from([report(0, [card({ power_w: null, mem_total_bytes: null, util_gpu_pct: null })])]);
    expect(h.usage(0)).toEqual([[0], [null], [null]]);
    expect(h.thermal(0)[2]).toEqual([null]);
  });

  it("keeps a series per GPU", () => {
    const h = GpuHistory.from([report(0, [card(), card({ index: 1, util_gpu_pct: 5 })])]);
    expect(h.usage(1)[1]).toEqual([5]);
    expect(h.usage(7)).toEqual([[], [], []]);
  });

  it("caps each series at 600 points, dropping the oldest", () => {
    const h = new GpuHistory();
    for (let i = 0; i < 1000; i++) h.push(report(i * 1000, [card({ util_gpu_pct: i % 100 })]));
    const [x, util] = h.usage(0);
    expect(x.length).toBe(MAX_POINTS);
    expect(util.length).toBe(MAX_POINTS);
    expect(x[0]).toBe(400);
    expect(x[MAX_POINTS - 1]).toBe(999);
  });

  it("skips a sample it already has and starts over when the source restarted", () => {
    const h = GpuHistory.from([report(1000, [card()]), report(2000, [card()])]);
    expect(h.push(report(2000, [card()]))).toBe(false);
    expect(h.push(report(500, [card({ util_gpu_pct: 1 })]))).toBe(true);
    expect(h.usage(0)).toEqual([[0.5], [1], [25]]);
  });

  it("ignores reports without readings", () => {
    const h = new GpuHistory();
    expect(h.push(report(0, [], "no-driver"))).toBe(false);
    expect(h.usage(0)[0]).toEqual([]);
  });
});
