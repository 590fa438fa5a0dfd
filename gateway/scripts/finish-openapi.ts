// Completes the spec tsoa generates with what its decorators cannot say, so that the spec tells the truth:
// - error bodies are RFC 9457 problems sent as `application/problem+json` (tsoa documents every response
//   with the operation's media type: `application/json`, or `application/fhir+json` on FHIR paths);
// - the statuses every operation of a kind can answer, whatever the controller: 400 (inputs that fail
//   validation), 401 (secured), 404 (an id in the path or query), 413 and 415 (a request body), 503 (a
//   dependency is down, every /v1 path).
// - a response of any media type (`*/*`: a record's content) has no schema;
// - a Server-Sent Events stream (`text/event-stream`) is text, not the base64 `byte` string tsoa writes for a stream.
//   Statuses particular to one operation (403, 404, 409, 410, 502...) stay with its controller's @Response.
// Run by `npm run build` on the file tsoa wrote (`node scripts/finish-openapi.ts <spec>`) and by
// check-openapi.mjs on a fresh spec; it is idempotent.
import { readFileSync, writeFileSync } from 'node:fs';

interface MediaType {
  schema?: { $ref?: string; type?: string };
}

const EVENT_STREAM = 'text/event-stream';

interface ResponseObject {
  description: string;
  content?: Record<string, MediaType>;
}

interface Parameter {
  in: string;
  schema?: { $ref?: string };
}

interface Operation {
  parameters?: Parameter[];
  requestBody?: unknown;
  security?: Record<string, string[]>[];
  responses: Record<string, ResponseObject>;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
}

const PROBLEM_REF = '#/components/schemas/Problem';
const ID_REF = '#/components/schemas/Id';
const PROBLEM_JSON = 'application/problem+json';
const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

const GENERIC: Record<string, string> = {
  '400': 'Malformed input: a parameter or the body fails validation (`field` names it)',
  '401': 'No or invalid token',
  '404': 'No such object (or one the caller may not see)',
  '413': 'The request body is too large',
  '415': 'The request body is not of a supported media type',
  '503': 'A dependency (ledger, blob store, permission store, key service, identity provider) is unavailable',
};

function isError(status: string): boolean {
  return /^[45]\d\d$/.test(status);
}

function isProblem(response: ResponseObject): boolean {
  return Object.values(response.content ?? {}).some((media) => media.schema?.$ref === PROBLEM_REF);
}

/** The statuses every operation of this kind can answer. */
function genericStatuses(path: string, operation: Operation): string[] {
  const statuses: string[] = [];
  if ((operation.parameters?.length ?? 0) > 0 || operation.requestBody) statuses.push('400');
  if ((operation.security?.length ?? 0) > 0) statuses.push('401');
  if (operation.parameters?.some((p) => p.in === 'path' || p.schema?.$ref === ID_REF)) statuses.push('404');
  if (operation.requestBody) statuses.push('413', '415');
  if (path.startsWith('/v1/')) statuses.push('503');
  return statuses;
}

/**
 * The error body of an operation: what its own documented errors use when that is not a problem (e.g. a
 * FHIR OperationOutcome), else a problem.
 */
function errorContent(operation: Operation): Record<string, MediaType> {
  const own = Object.entries(operation.responses).find(([status, response]) => isError(status) && response.content && !isProblem(response));
  return own?.[1].content ?? { [PROBLEM_JSON]: { schema: { $ref: PROBLEM_REF } } };
}

/** Completes the document in place and returns it. */
export function finishOpenApi(spec: OpenApiDocument): OpenApiDocument {
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!METHODS.has(method)) continue;
      for (const [status, response] of Object.entries(operation.responses)) {
        if (isError(status) && isProblem(response)) response.content = { [PROBLEM_JSON]: { schema: { $ref: PROBLEM_REF } } };
      }
      // A body of any media type (a record's content) has no schema to check it against.
      for (const response of Object.values(operation.responses)) if (response.content?.['*/*']) response.content['*/*'] = {};
      for (const response of Object.values(operation.responses)) {
        if (response.content?.[EVENT_STREAM]) response.content[EVENT_STREAM] = { schema: { type: 'string' } };
      }
      for (const status of genericStatuses(path, operation)) {
        operation.responses[status] ??= { description: GENERIC[status]!, content: errorContent(operation) };
      }
      operation.responses = Object.fromEntries(Object.entries(operation.responses).sort(([a], [b]) => a.localeCompare(b)));
    }
  }
  return spec;
}

if (import.meta.filename === process.argv[1]) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node scripts/finish-openapi.ts <openapi.json>');
    process.exit(2);
  }
  const spec = finishOpenApi(JSON.parse(readFileSync(file, 'utf8')) as OpenApiDocument);
  writeFileSync(file, JSON.stringify(spec, null, '\t'));
}
