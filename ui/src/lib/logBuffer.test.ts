import { describe, expect, it } from "vitest";
import { LogBuffer } from "./logBuffer";

describe("LogBuffer", () => {
  it("shows queued lines only after a flush", () => {
    const log = new LogBuffer();
    log.push("a");
    log.push("b");
    expect(log.length).toBe(0);
    expect(log.hasPending).toBe(true);
    expect(log.flush()).toBe(2);
    expect(log.lines).toEqual(["a", "b"]);
    expect(log.flush()).toBe(0);
  });

  it("takes 100 000 lines in frame-sized batches, in order", () => {
    const log = new LogBuffer();
    const started = performance.now();
    for (let i = 0; i < 100_000; i++) {
      log.push(`line ${i}`);
      if (i % 500 === 499) log.flush();
    }
    log.flush();
    expect(log.length).toBe(100_000);
    expect(log.lines[0]).toBe("line 0");
    expect(log.lines[99_999]).toBe("line 99999");
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("keeps memory bounded: beyond the cap the oldest lines go", () => {
    const log = new LogBuffer(1000);
    for (let i = 0; i < 5000; i++) {
      log.push(String(i));
      if (i % 100 === 99) log.flush();
    }
    log.flush();
    expect(log.length).toBeLessThanOrEqual(1000);
    expect(log.lines[log.length - 1]).toBe("4999");
    expect(log.dropped + log.length).toBe(5000);
    expect(log.tail(2)).toEqual(["4998", "4999"]);
  });
});
