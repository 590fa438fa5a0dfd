import { readFile } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { GatewayHarness } from '../support/gateway-harness.js';

/** What this suite reads of the committed spec. */
interface Operation {
  parameters?: { in: string; name: string }[];
  requestBody?: unknown;
  security?: unknown[];
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}
type Paths = Record<string, Record<string, Operation>>;

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

async function specPaths(): Promise<Paths> {
  return (JSON.parse(await readFile(path.resolve('openapi/openapi.json'), 'utf8')) as { paths: Paths }).paths;
}

/** A concrete URL for a path template (any id: routing does not look it up). */
function concrete(template: string): string {
  return template.replace(/\{[^}]+\}/g, 'pat-0001');
}

describe('the spec documents what the gateway sends', () => {
  let paths: Paths;
  const operations: [string, Operation][] = [];

  beforeAll(async () => {
    paths = await specPaths();
    for (const [p, item] of Object.entries(paths)) for (const [m, op] of Object.entries(item)) operations.push([`${m.toUpperCase()} ${p}`, op]);
  });

  it('documents every error body as application/problem+json (RFC 9457), or as a FHIR OperationOutcome on FHIR paths', () => {
    const wrong = operations.flatMap(([name, op]) =>
      Object.entries(op.responses)
        .filter(([status]) => /^[45]/.test(status) && !(name.startsWith('GET /ready') && status === '503'))
        .filter(([, response]) => {
          const types = Object.keys(response.content ?? {});
          const problem = types.length === 1 && types[0] === 'application/problem+json';
          const outcome = name.includes(' /v1/fhir/') && types.length === 1 && types[0]!.startsWith('application/fhir+json');
          return !problem && !outcome;
        })
        .map(([status]) => `${name} ${status}`),
    );
    expect(wrong).toEqual([]);
  });

  it('documents 400 for every operation with inputs, 401 for every secured one, 415 and 413 for every body, 503 under /v1', () => {
    const missing = operations.flatMap(([name, op]) => {
      const want: string[] = [];
      if ((op.parameters?.length ?? 0) > 0 || op.requestBody) want.push('400');
      if ((op.security?.length ?? 0) > 0) want.push('401');
      if (op.requestBody) want.push('413', '415');
      if (name.split(' ')[1]!.startsWith('/v1/')) want.push('503');
      return want.filter((status) => !op.responses[status]).map((status) => `${name} ${status}`);
    });
    expect(missing).toEqual([]);
  });

  describe('on the live gateway', () => {
    let harness: GatewayHarness;
    beforeAll(async () => {
      harness = await GatewayHarness.start();
    });
    afterAll(async () => {
      await harness.close();
    });

    it('answers 405 with an Allow header listing the spec methods for every method a path does not have', async () => {
      const wrong: string[] = [];
      for (const [template, item] of Object.entries(paths)) {
        const declared = METHODS.filter((m) => item[m]);
        for (const method of METHODS.filter((m) => !item[m])) {
          const res = await request(harness.app)[method](concrete(template));
          const allow = (res.headers.allow ?? '').split(/,\s*/).filter(Boolean).sort();
          const expected = [...declared.map((m) => m.toUpperCase()), ...(declared.includes('get') ? ['HEAD'] : [])].sort();
          // FHIR paths answer errors as an OperationOutcome with the same code.
          const fhir = template.startsWith('/v1/fhir/');
          const code = fhir ? res.body.issue?.[0]?.details?.coding?.[0]?.code : res.body.code;
          if (res.status !== 405 || res.type !== (fhir ? 'application/fhir+json' : 'application/problem+json') || code !== 'METHOD_NOT_ALLOWED' || allow.join() !== expected.join()) {
            wrong.push(`${method.toUpperCase()} ${template}: ${res.status} ${res.type} Allow=${res.headers.allow}`);
          }
        }
      }
      expect(wrong).toEqual([]);
    });

    it('answers 404, not 405, for a path the spec does not have', async () => {
      const res = await request(harness.app).put('/v1/no-such-thing');
      expect(res.status).toBe(404);
      expect(res.headers.allow).toBeUndefined();
    });

    it('sends errors as application/problem+json with the documented status', async () => {
      const res = await request(harness.app).get('/v1/me');
      expect(res.status).toBe(401);
      expect(res.type).toBe('application/problem+json');
      expect(paths['/v1/me']!.get!.responses['401']!.content).toHaveProperty(['application/problem+json']);
    });
  });
});
