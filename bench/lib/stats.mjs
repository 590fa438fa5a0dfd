/** min / median / max (and p95, p99) of a list of numbers. */
export function summary(values) {
  const v = [...values].sort((a, b) => a - b);
  const at = (q) => v[Math.min(v.length - 1, Math.floor(q * (v.length - 1) + 0.5))];
  return { runs: v.length, min: v[0], median: at(0.5), max: v[v.length - 1], p95: at(0.95), p99: at(0.99) };
}

/** Rounds for tables. */
export function round(x, digits = 1) {
  return Math.round(x * 10 ** digits) / 10 ** digits;
}
