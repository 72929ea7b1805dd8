import { describe, expect, it } from "vitest";
import { humanBytes } from "./bytes";

describe("humanBytes", () => {
  it("prints bytes below 1 KiB as whole bytes", () => {
    expect(humanBytes(0)).toBe("0 B");
    expect(humanBytes(1023)).toBe("1023 B");
  });

  it("uses powers of 1024 with binary units", () => {
    expect(humanBytes(1024)).toBe("1.0 KiB");
    expect(humanBytes(1536)).toBe("1.5 KiB");
    expect(humanBytes(5 * 1024 ** 2)).toBe("5.0 MiB");
    expect(humanBytes(12.3 * 1024 ** 3)).toBe("12 GiB");
    expect(humanBytes(2 * 1024 ** 4)).toBe("2.0 TiB");
  });

  it("carries a value that rounds up to 1024 into the next unit", () => {
    expect(humanBytes(1024 ** 2 - 1)).toBe("1.0 MiB");
  });

  it("accepts bigint", () => {
    expect(humanBytes(8n * 1024n ** 3n)).toBe("8.0 GiB");
  });

  it("says n/a for unknown sizes", () => {
    expect(humanBytes(null)).toBe("n/a");
    expect(humanBytes(undefined)).toBe("n/a");
    expect(humanBytes(-1)).toBe("n/a");
  });
});
