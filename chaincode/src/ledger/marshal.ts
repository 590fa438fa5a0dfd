/** Sorts object keys recursively so the same value always serialises to the same bytes (endorsement). */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** The one way state is written: JSON with sorted keys, undefined fields dropped. */
export function marshal(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(sortKeys(value)));
}

/** Parses what {@link marshal} wrote; undefined for an empty (absent) value. */
export function unmarshal<T>(bytes: Uint8Array | undefined): T | undefined {
  if (!bytes || bytes.length === 0) return undefined;
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
}
