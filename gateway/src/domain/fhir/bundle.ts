import type { Bundle, BundleEntry, BundleLink, Resource } from '@medplum/fhirtypes';

/** Resource types this gateway can read by id under `/v1/fhir/<type>/<id>`. */
export const READABLE_TYPES = ['Patient', 'DocumentReference', 'ImagingStudy', 'Consent'] as const;

/**
 * The identity of a resource in a Bundle (`fullUrl`): `<FHIR base>/<type>/<id>`, absolute, for every entry
 * (FHIR requires one outside transactions and batches, and resolves the entries' relative references
 * against it). AuditEvent and Observation have no read interaction here: their fullUrl names them, and the
 * searches find them.
 */
export function fullUrlOf(fhirBase: string, resource: Resource): string {
  if (!resource.id) throw new Error(`a ${resource.resourceType} without id cannot be a Bundle entry`);
  return `${fhirBase}/${resource.resourceType}/${resource.id}`;
}

// An empty Bundle has no `entry` (FHIR arrays are never empty).
function entries<T extends Resource>(fhirBase: string, resources: T[], search: boolean): { entry?: BundleEntry<T>[] } {
  if (resources.length === 0) return {};
  return { entry: resources.map((resource) => ({ fullUrl: fullUrlOf(fhirBase, resource), resource, ...(search ? { search: { mode: 'match' as const } } : {}) })) };
}

/** A `collection` Bundle (the patient export). */
export function collectionBundle(fhirBase: string, resources: Resource[], timestamp: string): Bundle {
  return { resourceType: 'Bundle', type: 'collection', timestamp, ...entries(fhirBase, resources, false) };
}

/** A `searchset` Bundle: `self` and, when there is a next page, `next` links. `total` only when known. */
export function searchSetBundle<T extends Resource>(
  fhirBase: string,
  resources: T[],
  links: { self: string; next?: string },
  total?: number,
): Bundle<T> {
  const link: BundleLink[] = [{ relation: 'self', url: links.self }, ...(links.next ? [{ relation: 'next', url: links.next }] : [])];
  return { resourceType: 'Bundle', type: 'searchset', ...(total === undefined ? {} : { total }), link, ...entries(fhirBase, resources, true) };
}
