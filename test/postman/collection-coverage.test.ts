/**
 * The Postman collection covers the whole REST surface: every path + method of openapi/openapi.json has at least
 * one request in postman/careledger.postman_collection.json, every request has tests, the collection is what
 * postman/build-collection.mjs builds, and the environments and the upload fixture are where it expects them.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const postmanDir = path.join(root, 'postman');

interface PostmanUrl {
  raw?: string;
  path?: string[] | string;
}
interface PostmanRequest {
  method?: string;
  url: string | PostmanUrl;
  body?: { mode?: string; formdata?: { key: string; type?: string; src?: string | string[] }[] };
}
interface PostmanEvent {
  listen: string;
  script?: { exec?: string[] | string };
}
interface PostmanItem {
  name: string;
  item?: PostmanItem[];
  request?: PostmanRequest;
  event?: PostmanEvent[];
}
interface OpenApi {
  paths: Record<string, Record<string, unknown>>;
}

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace']);
/** Requests that deliberately target paths or methods the spec does not describe (the 404 and the 405). */
const UNDOCUMENTED_ON_PURPOSE = new Set(['GET /openapi.json', 'GET /docs', 'GET /v1/no-such-path', 'PUT /v1/me']);

const readJson = <T>(file: string): T => JSON.parse(readFileSync(path.join(root, file), 'utf8')) as T;

/** Every request of the collection with the folders leading to it. */
function requests(
  items: PostmanItem[],
  trail: string[] = [],
): { name: string; item: PostmanItem; request: PostmanRequest }[] {
  return items.flatMap((item) =>
    item.item
      ? requests(item.item, [...trail, item.name])
      : item.request
        ? [{ name: [...trail, item.name].join(' / '), item, request: item.request }]
        : [],
  );
}

/** `{{baseUrl}}/v1/records/{{recordId}}/content?purpose=TREAT` -> `/v1/records/{{recordId}}/content`. */
function postmanPath(url: string | PostmanUrl): string {
  const raw =
    typeof url === 'string' ? url : (url.raw ?? `/${([] as string[]).concat(url.path ?? []).join('/')}`);
  const withoutQuery = raw.split(/[?#]/)[0];
  // {{otherBaseUrl}}: the other hospital's gateway (the "Cross-hospital care" folder).
  const withoutBase = withoutQuery.replace(/^\{\{(?:baseUrl|otherBaseUrl)\}\}/, '').replace(/^https?:\/\/[^/]+/, '');
  const normalised = withoutBase.replace(/\/+$/, '');
  return normalised.startsWith('/') ? normalised : `/${normalised}`;
}

/**
 * The spec template a Postman path stands for: `{{var}}`, `:var` or a literal fill a `{param}` segment; literal
 * segments must be equal. Among several matches the one with the most literal segments wins.
 */
function matchTemplate(postman: string, templates: string[]): string | undefined {
  const segments = postman.split('/').filter(Boolean);
  let best: { template: string; literals: number } | undefined;
  for (const template of templates) {
    const parts = template.split('/').filter(Boolean);
    if (parts.length !== segments.length) continue;
    let literals = 0;
    const matches = parts.every((part, i) => {
      if (/^\{[^}]+\}$/.test(part)) return segments[i] !== '';
      literals += 1;
      return part === segments[i];
    });
    if (matches && (!best || literals > best.literals)) best = { template, literals };
  }
  return best?.template;
}

const spec = readJson<OpenApi>('openapi/openapi.json');
const collection = readJson<{ info: { schema: string }; item: PostmanItem[] }>(
  'postman/careledger.postman_collection.json',
);
const all = requests(collection.item);
const operations = Object.entries(spec.paths).flatMap(([template, ops]) =>
  Object.keys(ops)
    .filter((method) => HTTP_METHODS.has(method))
    .map((method) => `${method.toUpperCase()} ${template}`),
);
const templates = Object.keys(spec.paths);

describe('the Postman collection', () => {
  it('is a v2.1 collection with requests', () => {
    expect(collection.info.schema).toBe(
      'https://schema.getpostman.com/json/collection/v2.1.0/collection.json',
    );
    expect(all.length).toBeGreaterThan(operations.length);
  });

  it('has a request for every path + method of openapi/openapi.json', () => {
    const covered = new Set(
      all.map(({ request }) => {
        const template = matchTemplate(postmanPath(request.url), templates);
        return template ? `${(request.method ?? 'GET').toUpperCase()} ${template}` : undefined;
      }),
    );
    const missing = operations.filter((operation) => !covered.has(operation));
    expect(missing).toEqual([]);
  });

  it('targets only documented paths (apart from the deliberate ones)', () => {
    const strays = all.flatMap(({ name, request }) => {
      const method = (request.method ?? 'GET').toUpperCase();
      const route = `${method} ${postmanPath(request.url)}`;
      const template = matchTemplate(postmanPath(request.url), templates);
      const documented = template !== undefined && operations.includes(`${method} ${template}`);
      return documented || UNDOCUMENTED_ON_PURPOSE.has(route) ? [] : [`${route}  (${name})`];
    });
    expect(strays).toEqual([]);
  });

  it('has Postman tests in every request', () => {
    const untested = all
      .filter(
        ({ item }) =>
          !(item.event ?? []).some(
            (e) =>
              e.listen === 'test' &&
              ([] as string[])
                .concat(e.script?.exec ?? [])
                .join('\n')
                .includes('pm.test('),
          ),
      )
      .map(({ name }) => name);
    expect(untested).toEqual([]);
  });

  it('uploads files that exist, relative to postman/ (newman --working-dir postman)', () => {
    const sources = all.flatMap(({ request }) =>
      (request.body?.formdata ?? [])
        .filter((p) => p.type === 'file')
        .flatMap((p) => ([] as string[]).concat(p.src ?? [])),
    );
    expect(sources.length).toBeGreaterThan(0);
    for (const src of sources) {
      expect(path.isAbsolute(src)).toBe(false);
      expect(existsSync(path.join(postmanDir, src))).toBe(true);
    }
  });

  it('is what postman/build-collection.mjs builds', () => {
    expect(() =>
      execFileSync(process.execPath, [path.join(postmanDir, 'build-collection.mjs'), '--check'], {
        stdio: 'pipe',
      }),
    ).not.toThrow();
  });

  it.each(['embedded', 'network-hospital-a', 'network-hospital-b'])(
    'has the %s environment with baseUrl and orgMsp',
    (name) => {
      const environment = readJson<{ values: { key: string; value: string }[] }>(
        `postman/${name}.postman_environment.json`,
      );
      const keys = environment.values.map((v) => v.key);
      expect(keys).toEqual(expect.arrayContaining(['baseUrl', 'orgMsp', 'otherOrgMsp', 'adminUserId']));
      if (name.startsWith('network'))
        expect(keys).toEqual(
          expect.arrayContaining(['adminToken', 'patientToken', 'doctorToken', 'patientId', 'doctorId']),
        );
      // Embedded: tokens come from the dev issuer into collection variables; an environment entry would shadow them.
      else expect(keys).not.toEqual(expect.arrayContaining(['adminToken']));
    },
  );
});

describe('matching Postman URLs to spec templates', () => {
  it('fills parameters with variables or literals and prefers literal segments', () => {
    const t = ['/v1/records/{recordId}', '/v1/records/{recordId}/content', '/v1/me', '/v1/users/{userId}'];
    expect(matchTemplate(postmanPath('{{baseUrl}}/v1/records/{{recordId}}/content?purpose=TREAT'), t)).toBe(
      '/v1/records/{recordId}/content',
    );
    expect(matchTemplate(postmanPath({ raw: '{{baseUrl}}/v1/records/rec_x' }), t)).toBe(
      '/v1/records/{recordId}',
    );
    expect(matchTemplate(postmanPath('{{baseUrl}}/v1/me'), t)).toBe('/v1/me');
    expect(matchTemplate(postmanPath('http://127.0.0.1:3000/v1/users/:userId'), t)).toBe(
      '/v1/users/{userId}',
    );
    expect(matchTemplate(postmanPath('{{baseUrl}}/v1/records'), t)).toBeUndefined();
  });
});
