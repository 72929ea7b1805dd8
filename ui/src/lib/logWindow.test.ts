// The log's window of rows: bounded by what is in view, whatever the length.
import { describe, expect, it } from "vitest";
import { visibleRows } from "./logWindow";

describe("visibleRows", () => {
  it("draws the rows in view and a margin, not the whole log", () => {
    const rows = visibleRows(100_000, 18 * 50_000, 260, 18, 24);
    expect(rows[0]).toBe(50_000 - 24);
    expect(rows.length).toBeLessThan(80);
    expect(rows).toContain(50_010);
  });

  it("stays inside the log at both ends", () => {
    expect(visibleRows(10, 0, 260, 18, 24)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const end = visibleRows(1000, 18 * 1000, 260, 18, 24);
    expect(end[end.length - 1]).toBe(999);
    expect(visibleRows(0, 0, 260, 18, 24)).toEqual([]);
  });
});
