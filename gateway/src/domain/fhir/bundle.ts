import type { Bundle, BundleEntry, BundleLink, Resource } from '@medplum/fhirtypes';

/** Resource types this gateway can read by id under `/v1/fhir/<type>/<id>` (their entries get a fullUrl). */
export const READABLE_TYPES = ['Patient', 'DocumentReference', 'ImagingStudy', 'Consent'] as const;

/** The read URL of a resource, when this gateway serves one for its type. */
export function fullUrlOf(fhirBase: string, resource: Resource): string | undefined {
  return (READABLE_TYPES as readonly string[]).includes(resource.resourceType) && resource.id ? `${fhirBase}/${resource.resourceType}/${resource.id}` : undefined;
}

function entries<T extends Resource>(fhirBase: string, resources: T[], search: boolean): BundleEntry<T>[] {
  return resources.map((resource) => {
    const fullUrl = fullUrlOf(fhirBase, resource);
    return { ...(fullUrl ? { fullUrl } : {}), resource, ...(search ? { search: { mode: 'match' as const } } : {}) };
  });
}

/** A `collection` Bundle (the patient export). */
export function collectionBundle(fhirBase: string, resources: Resource[], timestamp: string): Bundle {
  return { resourceType: 'Bundle', type: 'collection', timestamp, entry: entries(fhirBase, resources, false) };
}

/** A `searchset` Bundle: `self` and, when there is a next page, `next` links. `total` only when known. */
export function searchSetBundle<T extends Resource>(
  fhirBase: string,
  resources: T[],
  links: { self: string; next?: string },
  total?: number,
): Bundle<T> {
  const link: BundleLink[] = [{ relation: 'self', url: links.self }, ...(links.next ? [{ relation: 'next', url: links.next }] : [])];
  return { resourceType: 'Bundle', type: 'searchset', ...(total === undefined ? {} : { total }), link, entry: entries(fhirBase, resources, true) };
}
