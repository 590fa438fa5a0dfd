// Fails when openapi/openapi.json is not what tsoa generates from the controllers today
// and finish-openapi.ts completes (run `npm run build` and commit the regenerated spec).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { finishOpenApi } from './finish-openapi.ts';

const gatewayDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const committedFile = path.resolve(gatewayDir, '../openapi/openapi.json');
const out = mkdtempSync(path.join(tmpdir(), 'careledger-spec-'));
const configFile = path.join(gatewayDir, '.tsoa-check.json');
try {
  const config = JSON.parse(readFileSync(path.join(gatewayDir, 'tsoa.json'), 'utf8'));
  config.spec.outputDirectory = out;
  writeFileSync(configFile, JSON.stringify(config));
  execFileSync('tsoa', ['spec', '-c', configFile], { cwd: gatewayDir, stdio: 'inherit' });
  const fresh = finishOpenApi(JSON.parse(readFileSync(path.join(out, 'openapi.json'), 'utf8')));
  const committed = JSON.parse(readFileSync(committedFile, 'utf8'));
  if (JSON.stringify(fresh) !== JSON.stringify(committed)) {
    console.error('openapi/openapi.json is stale: run `npm run build` and commit the regenerated spec.');
    process.exit(1);
  }
  console.log('openapi/openapi.json is up to date');
} finally {
  rmSync(out, { recursive: true, force: true });
  rmSync(configFile, { force: true });
}
