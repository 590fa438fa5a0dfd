#!/usr/bin/env node
// Checks that the spec tells the truth: Schemathesis (every check) against the live embedded gateway, once
// per caller (patient, practitioner, admin, device credential), each with its own token.
//
//   node test/schemathesis/run.mjs            (npm run test:schemathesis; needs `npm run build` first)
//
// 1. a Python virtualenv with schemathesis (the version below, from PyPI), created once and cached in
//    $CARELEDGER_SCHEMATHESIS_VENV (default ~/.cache/careledger-schemathesis/venv-<version>);
// 2. the built embedded gateway (gateway/dist/main.js) on a free port with a fresh data dir;
// 3. seeds through the API (users of both orgs, a record, a consent, an access request, a break-glass session,
//    a device and one batch) and writes their ids to a seed file that hooks.py draws path ids from;
// 4. `schemathesis run --checks all` per caller on every operation except the erasure, then the erasure
//    (which ends a patient) last, on a patient kept for it;
// 5. stops the gateway and removes the data dir whatever happened. Reports: test/schemathesis/results/.
// Knobs: SCHEMATHESIS_MAX_EXAMPLES (per operation, default 10), SCHEMATHESIS_SEED.
// Exits 1 when any run reports a failure or an error.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SCHEMATHESIS_VERSION = '4.32.5';
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const resultsDir = path.join(here, 'results');
const gatewayMain = path.join(root, 'gateway/dist/main.js');
const venv =
  process.env.CARELEDGER_SCHEMATHESIS_VENV ??
  path.join(homedir(), '.cache', 'careledger-schemathesis', `venv-${SCHEMATHESIS_VERSION}`);
const schemathesis = path.join(venv, 'bin', 'schemathesis');
const maxExamples = process.env.SCHEMATHESIS_MAX_EXAMPLES ?? '10';
const seed = process.env.SCHEMATHESIS_SEED ?? '20261203';
const ERASURE = '^/v1/patients/\\{patientId\\}/erasure$';

function log(message) {
  console.log(`schemathesis: ${message}`);
}

/** The cached virtualenv, created (python3 -m venv, pip install) when missing or of another version. */
function ensureSchemathesis() {
  const version = existsSync(schemathesis) ? spawnSync(schemathesis, ['--version'], { encoding: 'utf8' }).stdout : '';
  if (version.includes(SCHEMATHESIS_VERSION)) return;
  log(`installing schemathesis ${SCHEMATHESIS_VERSION} into ${venv}`);
  const run = (cmd, args) => {
    const result = spawnSync(cmd, args, { stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${result.status})`);
  };
  run('python3', ['-m', 'venv', '--clear', venv]);
  run(path.join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `schemathesis==${SCHEMATHESIS_VERSION}`]);
}

/** Starts the built embedded gateway on a free port; resolves with its origin once it prints its API line. */
async function startGateway(dataDir) {
  if (!existsSync(gatewayMain)) throw new Error('gateway/dist/main.js is missing: run `npm run build` first');
  const logFile = createWriteStream(path.join(resultsDir, 'gateway.log'));
  const child = spawn(process.execPath, [gatewayMain], {
    cwd: root,
    env: { ...process.env, CARELEDGER_PROFILE: 'embedded', CARELEDGER_PORT: '0', CARELEDGER_HOST: '127.0.0.1', CARELEDGER_DATA_DIR: dataDir, CARELEDGER_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.stderr.pipe(logFile, { end: false });
  const origin = await new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error('the gateway printed no API line within 60 s')), 60_000);
    child.stdout.on('data', (chunk) => {
      logFile.write(chunk);
      seen += chunk.toString('utf8');
      const match = /^\s*API\s+(http:\/\/127\.0\.0\.1:\d+)\/v1\s*$/m.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the gateway exited before listening (code ${code}); see test/schemathesis/results/gateway.log`));
    });
  });
  return { child, exited, origin, logFile };
}

async function stopGateway({ child, exited, logFile }) {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
  await new Promise((resolve) => logFile.end(resolve));
}

/** Seeds users and objects through the API; returns the callers' tokens and the ids hooks.py uses. */
async function seedThroughApi(origin) {
  const api = async (method, url, token, body, expected) => {
    const headers = token ? { authorization: `Bearer ${token}` } : {};
    let payload;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const response = await fetch(`${origin}/v1${url}`, { method, headers, body: payload });
    const text = await response.text();
    if (response.status !== expected) throw new Error(`seed: ${method} ${url} answered ${response.status}: ${text}`);
    return JSON.parse(text);
  };
  const token = async (userId) => (await api('POST', '/dev/tokens', undefined, { userId }, 201)).token;
  const adminA = await token('hospital-a-admin');
  const adminB = await token('hospital-b-admin');
  const register = (admin, userId, role) => api('POST', '/users', admin, { userId, role }, 201);
  await register(adminA, 'pat-0001', 'patient');
  await register(adminA, 'pat-0002', 'patient');
  await register(adminA, 'pat-erase', 'patient');
  await register(adminA, 'dr-a', 'practitioner');
  await register(adminB, 'pat-b1', 'patient');
  await register(adminB, 'dr-b', 'practitioner');
  const patient = await token('pat-0001');
  const practitioner = await token('dr-a');
  const upload = async (patientId) => {
    const form = new FormData();
    form.append('title', 'Discharge letter');
    form.append('category', 'report');
    form.append('file', new Blob(['a discharge letter\n'], { type: 'text/plain' }), 'letter.txt');
    return (await api('POST', `/patients/${patientId}/records`, practitioner, form, 201)).recordId;
  };
  const records = [await upload('pat-0001'), await upload('pat-0002')];
  const erasableRecord = await upload('pat-erase');
  const expiresAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
  const consent = await api('POST', '/patients/pat-0001/consents', patient, { grantee: { kind: 'user', userId: 'dr-a' }, scope: { categories: ['report'] }, purposes: ['TREAT'], expiresAt }, 201);
  const drB = await token('dr-b');
  const request = await api('POST', '/patients/pat-0001/access-requests', drB, { purpose: 'TREAT', scope: { categories: ['report'] }, reason: 'follow-up' }, 201);
  const session = await api('POST', '/patients/pat-0002/emergency-access', practitioner, { reasonCode: 'UNCONSCIOUS' }, 201);
  const device = await api('POST', '/devices', adminA, { patientId: 'pat-0001' }, 201);
  const batch = await api('POST', `/devices/${device.deviceId}/observations`, device.token, { readings: [{ code: '8867-4', time: new Date(Date.now() - 60_000).toISOString(), value: 72, unit: '/min' }] }, 201);
  const fhirId = (id) => id.replaceAll('_', '-');
  return {
    tokens: { device: device.token, patient, practitioner, admin: adminA },
    ids: {
      patients: ['pat-0001', 'pat-0002', 'pat-b1'],
      users: ['pat-0001', 'dr-a', 'dr-b', 'hospital-a-admin', 'hospital-b-admin'],
      records: [...records, batch.batchId],
      consents: [consent.consentId],
      requests: [request.requestId],
      sessions: [session.sessionId],
      devices: [device.deviceId],
      fhirIds: ['pat-0001', fhirId(records[0]), fhirId(consent.consentId)],
    },
    erasure: { patients: ['pat-erase'], records: [erasableRecord] },
  };
}

/** One schemathesis run; resolves with its exit code. */
function runSchemathesis(origin, name, token, seedFile, filter) {
  const args = [
    'run', `${origin}/openapi.json`,
    '--checks', 'all',
    '--max-examples', maxExamples,
    '--seed', seed,
    '--header', `Authorization: Bearer ${token}`,
    '--report', 'junit', '--report-junit-path', path.join(resultsDir, `junit-${name}.xml`),
    ...filter,
  ];
  return new Promise((resolve, reject) => {
    const child = (current = spawn(schemathesis, args, {
      cwd: here,
      env: { ...process.env, SCHEMATHESIS_HOOKS: 'hooks', PYTHONPATH: here, CARELEDGER_SEED_FILE: seedFile, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    }));
    const out = createWriteStream(path.join(resultsDir, `${name}.log`));
    let tail = '';
    const keep = (chunk) => {
      out.write(chunk);
      tail = (tail + chunk.toString('utf8')).slice(-400);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', reject);
    child.once('exit', (code) => {
      out.end();
      const summary = /=+ (.*) =+\s*$/.exec(tail.trim())?.[1] ?? '(no summary line)';
      log(`${name}: ${summary} (exit ${code}; log test/schemathesis/results/${name}.log)`);
      resolve(code ?? 1);
    });
  });
}

mkdirSync(resultsDir, { recursive: true });
const started = Date.now();
let gateway;
let dataDir;
/** The schemathesis process running now, if any. */
let current;
let exitCode = 1;
// Ctrl-C or a CI timeout: stop schemathesis and the gateway, remove the data dir.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(`schemathesis: ${signal}: stopping`);
    current?.kill('SIGTERM');
    void (gateway ? stopGateway(gateway) : Promise.resolve())
      .then(() => dataDir && rm(dataDir, { recursive: true, force: true }))
      .finally(() => process.exit(130));
  });
}
try {
  ensureSchemathesis();
  dataDir = await mkdtemp(path.join(tmpdir(), 'careledger-schemathesis-'));
  gateway = await startGateway(dataDir);
  log(`embedded gateway at ${gateway.origin}`);
  const seeded = await seedThroughApi(gateway.origin);
  const seedFile = path.join(dataDir, 'seed.json');
  const erasureSeedFile = path.join(dataDir, 'seed-erasure.json');
  writeFileSync(seedFile, JSON.stringify(seeded.ids));
  writeFileSync(erasureSeedFile, JSON.stringify(seeded.erasure));
  const codes = [];
  // The device first: the admin's run may revoke the device.
  for (const [name, token] of Object.entries(seeded.tokens)) {
    codes.push(await runSchemathesis(gateway.origin, name, token, seedFile, ['--exclude-path-regex', ERASURE]));
  }
  for (const [name, token] of Object.entries(seeded.tokens)) {
    codes.push(await runSchemathesis(gateway.origin, `${name}-erasure`, token, erasureSeedFile, ['--include-path-regex', ERASURE]));
  }
  exitCode = codes.every((code) => code === 0) ? 0 : 1;
  log(`${codes.filter((code) => code !== 0).length} of ${codes.length} runs failed, ${((Date.now() - started) / 1000).toFixed(0)} s`);
} catch (error) {
  console.error(`schemathesis: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  if (gateway) await stopGateway(gateway).catch((error) => console.error(`schemathesis: stopping the gateway: ${error.message}`));
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}
process.exit(exitCode);
