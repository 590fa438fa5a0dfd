import { createHash } from 'node:crypto';

/**
 * An id derived from what it stands for: `<prefix>-` and the first 40 hex digits of SHA-256 over the parts joined
 * by newlines. The same parts always give the same id (so a replay stores nothing twice), and the id says nothing
 * of the parts itself.
 */
export function derivedId(prefix: string, ...parts: string[]): string {
  return `${prefix}-${createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 40)}`;
}
