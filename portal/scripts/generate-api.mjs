// Generates src/api/schema.d.ts from the gateway's committed OpenAPI document, so that a spec change
// that breaks the portal fails its type-check. Operations are typed by path and method: the spec's
// operationIds repeat across controllers ("List", "Get"), and the portal never calls by operationId.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';

const here = dirname(fileURLToPath(import.meta.url));
const spec = JSON.parse(await readFile(join(here, '../../openapi/openapi.json'), 'utf8'));
for (const item of Object.values(spec.paths)) {
  for (const operation of Object.values(item)) {
    if (operation && typeof operation === 'object') delete operation.operationId;
  }
}
const ast = await openapiTS(spec, { alphabetize: true });
const out = join(here, '../src/api/schema.d.ts');
await mkdir(dirname(out), { recursive: true });
await writeFile(
  out,
  `// Generated from openapi/openapi.json by portal/scripts/generate-api.mjs; do not edit.\n${astToString(ast)}`,
);
