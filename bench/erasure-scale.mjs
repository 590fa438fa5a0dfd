/**
 * Erasure at scale (embedded profile, gateway process): one patient with BENCH_RECORDS records and BENCH_EVENTS
 * access events is erased through the REST API — the 202 (the patient marked as being erased), then the pages,
 * then the key, the permission store and the compaction — while the status is polled. History is seeded straight
 * into the stopped gateway's ledger (the same chaincode, in process: records:CreateRecord with a fake CID and a
 * real wrapped key, access:Access as the patient), as bench/growth.mjs does; the seeded records have no blob, so
 * the blob store's part is the 1 real upload (bench/erasure.mjs measures blobs). Reports the time to the 202, to
 * ERASED on the ledger and to finished, the pages, keys per second, and the status over time.
 *
 *   npm run build && node bench/erasure-scale.mjs
 *   (BENCH_RECORDS=10000, BENCH_EVENTS=100000, BENCH_PAGE_KEYS=500)
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { commandLine, machine } from './lib/machine.mjs';
import { round } from './lib/stats.mjs';
import { aCareTeam, eraseAndWait, spawnGateway, upload } from './lib/gateway-process.mjs';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 10_000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const PAGE_KEYS = Number(process.env.BENCH_PAGE_KEYS ?? 500);
const ORG = 'HospitalAMSP';

const { contracts } = await import('@careledger/chaincode');
const { EmbeddedLedger } = await import('../gateway/dist/adapters/embedded-ledger/embedded-ledger.js');
const { wrapDataKey } = await import('../gateway/dist/crypto/data-key.js');
const { LocalKeyService } = await import('../gateway/dist/adapters/local-keys/local-key-service.js');

const fakeCid = () => `bafkrei${createHash('sha256').update(randomBytes(8)).digest('hex').replace(/[^a-z2-7]/g, 'a').slice(0, 52)}`;
const enc = (v) => new Uint8Array(Buffer.from(JSON.stringify(v)));

const results = {
  case: 'erasure-scale',
  command: commandLine('bench/erasure-scale.mjs', ['BENCH_RECORDS', 'BENCH_EVENTS', 'BENCH_PAGE_KEYS']),
  machine: machine(),
  records: RECORDS,
  events: EVENTS,
  pageKeys: PAGE_KEYS,
  at: new Date().toISOString(),
};

const dataDir = await mkdtemp(path.join(tmpdir(), 'careledger-erasure-scale-'));
const env = { CARELEDGER_DATA_DIR: dataDir, CARELEDGER_ERASE_PAGE_KEYS: String(PAGE_KEYS) };
let gateway = await spawnGateway([], env);
try {
  const team = await aCareTeam(gateway.port, `big${Date.now().toString(36)}`);
  const kept = await aCareTeam(gateway.port, `kept${Date.now().toString(36)}`);
  const recordId = (await upload(gateway.port, team, 4096, 'report')).recordId;
  await upload(gateway.port, kept, 4096, 'report');
  await gateway.stop();

  const keys = await LocalKeyService.open({ file: path.join(dataDir, 'keys/kek.json'), orgs: [ORG, 'HospitalBMSP'] });
  const jwe = await wrapDataKey(randomBytes(32), await keys.publicKey(ORG));
  const ledger = await EmbeddedLedger.open({ dataDir: path.join(dataDir, 'ledger'), contracts, orgs: [ORG, 'HospitalBMSP'] });
  const t0 = Date.now();
  try {
    for (let i = 1; i < RECORDS; i++) {
      const record = { title: `Seed ${i}`, category: 'report', mediaType: 'application/octet-stream', size: 4096, sha256: randomBytes(32).toString('hex'), cid: fakeCid(), wrappedKeys: { [ORG]: jwe } };
      await ledger.submit(ORG, { name: 'records:CreateRecord', args: [team.doctor, team.patient], transient: { record: enc(record) } });
    }
    for (let i = 0; i < EVENTS; i++) {
      await ledger.submit(ORG, { name: 'access:Access', args: [team.patient, recordId, 'PATRQT'] });
      if ((i + 1) % 10_000 === 0) console.log(`erasure-scale: ${i + 1} events seeded (${Math.round((Date.now() - t0) / 1000)} s)`);
    }
  } finally {
    await ledger.close();
  }
  results.seedMs = Date.now() - t0;
  console.log(`erasure-scale: seeded ${RECORDS} records and ${EVENTS} events in ${round(results.seedMs / 1000)} s`);

  gateway = await spawnGateway([], env);
  const timeline = [];
  let erasedAtMs;
  const { status, acceptedMs, totalMs } = await eraseAndWait(gateway.port, team.patient, team.patientToken, {
    pollMs: 1000,
    onStatus: (s, ms) => {
      timeline.push({ ms: Math.round(ms), pages: s.pages, keysErased: s.keysErased, state: s.state });
      if (s.state === 'ERASED' && erasedAtMs === undefined) erasedAtMs = ms;
    },
  });
  if (status.recordsErased !== RECORDS || status.eventsErased !== EVENTS) throw new Error(`erasure: ${JSON.stringify(status)}`);
  Object.assign(results, {
    acceptedMs: round(acceptedMs),
    ledgerErasedMs: round(erasedAtMs ?? totalMs),
    totalMs: round(totalMs),
    pages: status.pages,
    keysErased: status.keysErased,
    keysPerSecond: round(status.keysErased / ((erasedAtMs ?? totalMs) / 1000)),
    status,
    timeline,
  });
  console.log(
    `erasure-scale: ${RECORDS} records, ${EVENTS} events: 202 after ${round(acceptedMs)} ms; ERASED on the ledger after ${round((erasedAtMs ?? totalMs) / 1000)} s; finished after ${round(totalMs / 1000)} s; ${status.pages} pages, ${status.keysErased} keys (${results.keysPerSecond} keys/s)`,
  );
} finally {
  await gateway.stop();
  await rm(dataDir, { recursive: true, force: true });
}
await mkdir('bench/results', { recursive: true });
await writeFile(process.env.BENCH_OUT ?? 'bench/results/erasure-scale.json', JSON.stringify(results, null, 2));
