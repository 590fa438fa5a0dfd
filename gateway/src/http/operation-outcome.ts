import type { OperationOutcome, Problem } from './models.js';

/** FHIR's own paths: their errors are OperationOutcomes, not problems. */
export function isFhirPath(path: string): boolean {
  return path === '/v1/fhir' || path.startsWith('/v1/fhir/');
}

/** The code system of our stable error codes (the problems' `code`), in `issue.details.coding`. */
export const ERROR_CODE_SYSTEM = 'https://careledger.dev/fhir/CodeSystem/error-code';

// HTTP status -> FHIR issue type (http://hl7.org/fhir/issue-type).
const ISSUE_TYPES: Record<number, OperationOutcome['issue'][number]['code']> = {
  400: 'invalid',
  401: 'login',
  403: 'forbidden',
  404: 'not-found',
  405: 'not-supported',
  409: 'conflict',
  410: 'deleted',
  413: 'too-costly',
  415: 'not-supported',
  501: 'not-supported',
  502: 'exception',
  503: 'transient',
  504: 'timeout',
};

/**
 * A problem as the FHIR R4 OperationOutcome a FHIR client expects: one issue whose `details` carry the same
 * stable code as the problem (`coding` in {@link ERROR_CODE_SYSTEM}) and its safe text, `expression` the
 * offending element or search parameter (400), `diagnostics` the request id. Nothing else of the error.
 */
export function toOperationOutcome(problem: Problem): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [
      {
        severity: problem.status >= 500 ? 'fatal' : 'error',
        code: ISSUE_TYPES[problem.status] ?? (problem.status >= 500 ? 'exception' : 'processing'),
        details: { coding: [{ system: ERROR_CODE_SYSTEM, code: problem.code }], text: problem.detail },
        ...(problem.field ? { expression: [problem.field] } : {}),
        diagnostics: `requestId ${problem.requestId}`,
      },
    ],
  };
}
