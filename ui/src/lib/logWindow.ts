// Which rows of a fixed-row-height log are in view: pure arithmetic on the scroll
// position, so the log's cost does not grow with its length.

/** The indexes of the rows to draw: those in view plus `margin` on each side. */
export function visibleRows(count: number, scrollTop: number, viewport: number, row: number, margin: number): number[] {
  if (count <= 0 || row <= 0) return [];
  const first = Math.max(0, Math.floor(scrollTop / row) - margin);
  const last = Math.min(count - 1, Math.ceil((scrollTop + Math.max(viewport, 0)) / row) + margin);
  const rows: number[] = [];
  for (let i = first; i <= last; i++) rows.push(i);
  return rows;
}
