// Sizes for a person: powers of 1024 with binary units (KiB, MiB, GiB, ...).

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

/** `1536` → "1.5 KiB"; null (not measured) → "n/a". One decimal below 10, none above. */
export function humanBytes(bytes: number | bigint | null | undefined): string {
  if (bytes === null || bytes === undefined) return "n/a";
  let value = Number(bytes);
  if (!Number.isFinite(value) || value < 0) return "n/a";
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${value} B`;
  // 1023.96 KiB would print as "1024 KiB": carry it to the next unit instead.
  let text = value < 10 ? value.toFixed(1) : value.toFixed(0);
  if (Number(text) >= 1024 && unit < UNITS.length - 1) {
    unit += 1;
    text = (value / 1024).toFixed(1);
  }
  return `${text} ${UNITS[unit]}`;
}
