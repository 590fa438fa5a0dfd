/**
 * Growth (embedded profile): does a request cost more as one patient's history grows? Per-request latency of
 * upload, access (content read), records list page, access-log page and FHIR DocumentReference search page
 * (pageSize/_count 10) through the embedded gateway process, for one patient whose history grows in steps:
 *   - series `events`:  the patient has 1 record and 0, 1k, 10k (100k) access events;
 *   - series `records`: the patient has 0, 1k, 10k records (and the events the measuring adds).
 * Each step is its own patient, all in one gateway: history is seeded straight into the gateway's ledger (the
 * same chaincode, in process, on the stopped gateway's data dir: records:CreateRecord as the practitioner with a
 * fake CID and a real wrapped key, access:Access as the patient), then the gateway is restarted and measured over
 * HTTP. Each run goes round every patient for each operation (BENCH_REQS sequential requests, the run's median),
 * so the noise of a shared machine falls on every history size alike; min / median / max of the run medians.
 *
 *   npm run build && node bench/growth.mjs
 *   (BENCH_RUNS=3, BENCH_REQS=15, BENCH_EVENTS=0,1000,10000, BENCH_RECORDS=0,1000,10000, BENCH_SERIES=events,records)
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { commandLine, machine } from './lib/machine.mjs';
import { round, summary } from './lib/stats.mjs';
import { aCareTeam, call, download, spawnGateway, timed, upload } from './lib/gateway-process.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const REQS = Number(process.env.BENCH_REQS ?? 15);
const EVENTS = (process.env.BENCH_EVENTS ?? '0,1000,10000').split(',').map(Number);
const RECORDS = (process.env.BENCH_RECORDS ?? '0,1000,10000').split(',').map(Number);
const SERIES = (process.env.BENCH_SERIES ?? 'events,records').split(',');
const ORG = 'HospitalAMSP';
const OPS = ['upload', 'access', 'list page', 'log page', 'FHIR search page'];

const { contracts } = await import('@careledger/chaincode');
const { EmbeddedLedger } = await import('../gateway/dist/adapters/embedded-ledger/embedded-ledger.js');
const { wrapDataKey } = await import('../gateway/dist/crypto/data-key.js');
const { LocalKeyService } = await import('../gateway/dist/adapters/local-keys/local-key-service.js');

const results = {
  case: 'growth',
  command: commandLine('bench/growth.mjs', ['BENCH_RUNS', 'BENCH_REQS', 'BENCH_EVENTS', 'BENCH_RECORDS', 'BENCH_SERIES']),
  machine: machine(),
  runs: RUNS,
  requestsPerRun: REQS,
  at: new Date().toISOString(),
  series: [],
};

const fakeCid = () => `bafkrei${createHash('sha256').update(randomBytes(8)).digest('hex').replace(/[^a-z2-7]/g, 'a').slice(0, 52)}`;
const enc = (v) => new Uint8Array(Buffer.from(JSON.stringify(v)));

/** Adds history straight through the chaincode on the stopped gateway's ledger. */
async function seed(dataDir, team, recordId, { records = 0, events = 0 }) {
  if (records === 0 && events === 0) return 0;
  const keys = await LocalKeyService.open({ file: path.join(dataDir, 'keys/kek.json'), orgs: [ORG, 'HospitalBMSP'] });
  const jwe = await wrapDataKey(randomBytes(32), await keys.publicKey(ORG));
  const ledger = await EmbeddedLedger.open({ dataDir: path.join(dataDir, 'ledger'), contracts, orgs: [ORG, 'HospitalBMSP'] });
  const t0 = Date.now();
  try {
    for (let i = 0; i < records; i++) {
      const record = { title: `Seed ${i}`, category: 'report', mediaType: 'application/octet-stream', size: 4096, sha256: randomBytes(32).toString('hex'), cid: fakeCid(), wrappedKeys: { [ORG]: jwe } };
      await ledger.submit(ORG, { name: 'records:CreateRecord', args: [team.doctor, team.patient], transient: { record: enc(record) } });
    }
    for (let i = 0; i < events; i++) await ledger.submit(ORG, { name: 'access:Access', args: [team.patient, recordId, 'PATRQT'] });
  } finally {
    await ledger.close();
  }
  return Date.now() - t0;
}

async function get(port, urlPath, token) {
  const res = await call(port, { method: 'GET', path: urlPath, headers: { authorization: `Bearer ${token}` } });
  let body = '';
  for await (const chunk of res) body += chunk;
  if (res.statusCode !== 200) throw new Error(`GET ${urlPath}: ${res.statusCode} ${body.slice(0, 200)}`);
  return body;
}

/** The operations, for one patient and the record it reads. */
function operations(port, team, recordId) {
  return {
    upload: () => upload(port, team, 4096, 'report'),
    access: () => download(port, team, recordId),
    'list page': () => get(port, `/v1/patients/${team.patient}/records?pageSize=10`, team.patientToken),
    'log page': () => get(port, `/v1/patients/${team.patient}/access-log?pageSize=10`, team.patientToken),
    'FHIR search page': () => get(port, `/v1/fhir/DocumentReference?patient=${team.patient}&_count=10`, team.patientToken),
  };
}

// One patient per step and series, all in one gateway; the runs go round the patients for each operation, so a
// noisy moment of a shared machine falls on every history size alike.
const dataDir = await mkdtemp(path.join(tmpdir(), 'careledger-growth-'));
const env = { CARELEDGER_DATA_DIR: dataDir };
let gateway = await spawnGateway([], env);
try {
  const subjects = [];
  for (const series of SERIES) {
    const steps = series === 'events' ? EVENTS.map((n) => ({ events: n, records: 1 })) : RECORDS.map((n) => ({ records: n, events: 0 }));
    for (const step of steps) {
      const team = await aCareTeam(gateway.port, `g${series.slice(0, 3)}${step.records}x${step.events}${Date.now().toString(36)}`);
      const recordId = (await upload(gateway.port, team, 4096, 'report')).recordId;
      subjects.push({ series, step, team, recordId });
    }
  }
  await gateway.stop();
  for (const s of subjects) {
    const ms = await seed(dataDir, s.team, s.recordId, { records: Math.max(0, s.step.records - 1), events: s.step.events });
    if (ms) console.log(`growth ${s.series}: seeded ${s.step.records} records, ${s.step.events} events in ${ms} ms`);
  }
  gateway = await spawnGateway([], env);
  const medians = new Map(subjects.map((s) => [s, Object.fromEntries(OPS.map((op) => [op, []]))]));
  for (const s of subjects) for (const op of OPS) await operations(gateway.port, s.team, s.recordId)[op](); // warm-up
  for (let run = 0; run < RUNS; run++) {
    for (const op of OPS) {
      for (const s of subjects) {
        const fn = operations(gateway.port, s.team, s.recordId)[op];
        const ms = [];
        for (let i = 0; i < REQS; i++) ms.push((await timed(fn)).ms);
        medians.get(s)[op].push(summary(ms).median);
      }
    }
  }
  for (const series of SERIES) {
    const entry = { name: series, steps: [] };
    for (const s of subjects.filter((x) => x.series === series)) {
      const latency = Object.fromEntries(OPS.map((op) => [op, summary(medians.get(s)[op])]));
      entry.steps.push({ records: s.step.records, events: s.step.events, latencyMs: latency });
      console.log(`growth ${series} records=${s.step.records} events=${s.step.events}: ${OPS.map((op) => `${op} ${round(latency[op].median)} ms`).join(', ')}`);
    }
    results.series.push(entry);
  }
} finally {
  await gateway.stop();
  await rm(dataDir, { recursive: true, force: true });
}
await mkdir('bench/results', { recursive: true });
const out = process.env.BENCH_OUT ?? 'bench/results/growth.json';
await writeFile(out, JSON.stringify(results, null, 2));
console.log(`wrote ${out}`);
