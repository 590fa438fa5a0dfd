import type { ConsentScope, Grantee } from '../rules/consent.js';
import {
  CATEGORIES,
  isCategory,
  isEmergencyReason,
  isPurpose,
  isRole,
  PURPOSES,
  type Category,
  type EmergencyReason,
  type Purpose,
  type Role,
} from '../rules/vocabulary.js';
import { invalid } from './errors.js';

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const MAX_SCOPE_ITEMS = 500;

/** Ids are pseudonymous tokens: letters, digits, `.`, `_`, `-`; 3–64 characters. */
export function checkId(field: string, value: unknown): string {
  if (typeof value !== 'string' || !ID.test(value)) throw invalid(field, `${field} must be an id of 3-64 letters, digits, '.', '_' or '-'`);
  return value;
}

export function checkPurpose(field: string, value: unknown): Purpose {
  if (!isPurpose(value)) throw invalid(field, `${field} must be one of ${PURPOSES.join(', ')}`);
  return value;
}

export function checkRole(field: string, value: unknown): Role {
  if (!isRole(value)) throw invalid(field, `${field} must be patient, practitioner or admin`);
  return value;
}

export function checkCategory(field: string, value: unknown): Category {
  if (!isCategory(value)) throw invalid(field, `${field} must be one of ${CATEGORIES.join(', ')}`);
  return value;
}

export function checkEmergencyReason(field: string, value: unknown): EmergencyReason {
  if (!isEmergencyReason(value)) throw invalid(field, `${field} is not a known emergency reason code`);
  return value;
}

export function checkText(field: string, value: unknown, max: number): string {
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > max) {
    throw invalid(field, `${field} must be a non-empty text of at most ${max} characters`);
  }
  return value;
}

export function checkSha256(field: string, value: unknown): string {
  if (typeof value !== 'string' || !SHA256.test(value)) throw invalid(field, `${field} must be 64 lowercase hex digits`);
  return value;
}

export function checkSize(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw invalid(field, `${field} must be a byte count`);
  return value;
}

/** An ISO-8601 instant strictly after `now`. */
export function checkFutureInstant(field: string, value: unknown, now: Date): string {
  const millis = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(millis)) throw invalid(field, `${field} must be an ISO-8601 date-time`);
  if (millis <= now.getTime()) throw invalid(field, `${field} must be in the future`);
  return new Date(millis).toISOString();
}

export function checkPurposes(field: string, value: unknown): Purpose[] {
  if (!Array.isArray(value) || value.length === 0) throw invalid(field, `${field} must list at least one purpose`);
  const purposes = value.map((p, i) => checkPurpose(`${field}[${i}]`, p));
  return [...new Set(purposes)].sort();
}

/** Exactly one of `recordIds` or `categories`, non-empty, without duplicates. */
export function checkScope(field: string, value: unknown): ConsentScope {
  const scope = (value ?? {}) as Record<string, unknown>;
  const hasRecords = Array.isArray(scope.recordIds) && scope.recordIds.length > 0;
  const hasCategories = Array.isArray(scope.categories) && scope.categories.length > 0;
  if (hasRecords === hasCategories) throw invalid(field, `${field} must list either recordIds or categories`);
  const items = (hasRecords ? scope.recordIds : scope.categories) as unknown[];
  if (items.length > MAX_SCOPE_ITEMS) throw invalid(field, `${field} lists more than ${MAX_SCOPE_ITEMS} items`);
  if (hasRecords) return { recordIds: [...new Set(items.map((r, i) => checkId(`${field}.recordIds[${i}]`, r)))].sort() };
  return { categories: [...new Set(items.map((c, i) => checkCategory(`${field}.categories[${i}]`, c)))].sort() };
}

/** An optional contribution right: absent or a boolean; it needs a scope of categories (a new record has no id yet). */
export function checkContribute(field: string, value: unknown, scope: ConsentScope): boolean {
  if (value === undefined || value === false) return false;
  if (value !== true) throw invalid(field, `${field} must be a boolean`);
  if (!scope.categories) throw invalid(field, `${field} needs a scope of categories: a record added later has no id to name`);
  return true;
}

export function checkGrantee(field: string, value: unknown): Grantee {
  const grantee = (value ?? {}) as Record<string, unknown>;
  if (grantee.kind === 'user') return { kind: 'user', userId: checkId(`${field}.userId`, grantee.userId) };
  if (grantee.kind === 'org') return { kind: 'org', org: checkId(`${field}.org`, grantee.org) };
  throw invalid(`${field}.kind`, `${field}.kind must be 'user' or 'org'`);
}

/** A map of id -> compact JWE (data keys wrapped for one org). */
export function checkWrappedKeys(field: string, value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid(field, `${field} must be an object`);
  const out: Record<string, string> = {};
  for (const [id, jwe] of Object.entries(value)) {
    checkId(`${field}.${id}`, id);
    if (typeof jwe !== 'string' || jwe.split('.').length !== 5 || jwe.length > 4096) {
      throw invalid(`${field}.${id}`, 'a wrapped key must be a compact JWE');
    }
    out[id] = jwe;
  }
  return out;
}

/** Page size for list transactions: 1..200, default 50. */
export function checkPageSize(field: string, value: string): number {
  if (value === '') return 50;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 200) throw invalid(field, `${field} must be an integer from 1 to 200`);
  return n;
}
