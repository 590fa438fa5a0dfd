/**
 * A busy patient (network profile): c concurrent uploads, then c concurrent content reads, all for ONE patient,
 * against the same load spread over c patients (worker w acts for patient w), through Hospital A's network
 * gateway process. Per run and mode: client-visible failures (any answer but 201/200), committed tx/s
 * (requests / wall time) and p50/p99 latency; min / median / max over runs. The gateway's retried submits
 * (read conflicts, gossip not ready) are counted from its log ('ledger submit retried', info level).
 *
 *   npm run network:up && npm run build && node bench/hot-patient.mjs
 *   (BENCH_RUNS=3, BENCH_CONCURRENCY=8,32, BENCH_TX_PER_WORKER=4, BENCH_FILE_BYTES=20000)
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { commandLine, machine } from './lib/machine.mjs';
import { round, summary } from './lib/stats.mjs';
import { download, upload } from './lib/gateway-process.mjs';
import { emulatorIdToken, networkConnection, registerUsers, startNetworkGateway } from './lib/network.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const LEVELS = (process.env.BENCH_CONCURRENCY ?? '8,32').split(',').map(Number);
const PER_WORKER = Number(process.env.BENCH_TX_PER_WORKER ?? 4);
const FILE_BYTES = Number(process.env.BENCH_FILE_BYTES ?? 20_000);

/** c workers, each doing PER_WORKER requests back to back; failures are counted, not thrown. */
async function batch(c, fn) {
  const latencies = [];
  const failures = [];
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: c }, async (_, w) => {
      for (let i = 0; i < PER_WORKER; i++) {
        const s = process.hrtime.bigint();
        try {
          await fn(w, i);
          latencies.push(Number(process.hrtime.bigint() - s) / 1e6);
        } catch (error) {
          failures.push(error.message.slice(0, 160));
        }
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const s = summary(latencies.length ? latencies : [NaN]);
  return { ok: latencies.length, failures: failures.length, failureSamples: [...new Set(failures)].slice(0, 3), txPerSec: latencies.length / seconds, p50: s.median, p99: s.p99 };
}

const connection = await networkConnection();
const tag = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const results = {
  case: 'hot-patient',
  command: commandLine('bench/hot-patient.mjs', ['BENCH_RUNS', 'BENCH_CONCURRENCY', 'BENCH_TX_PER_WORKER', 'BENCH_FILE_BYTES']),
  machine: machine(),
  runs: RUNS,
  perWorker: PER_WORKER,
  fileBytes: FILE_BYTES,
  at: new Date().toISOString(),
  levels: [],
};

const gateway = await startNetworkGateway('hospital-a', { CARELEDGER_LOG_LEVEL: 'info' });
try {
  const port = gateway.port;
  const admin = await emulatorIdToken(connection, 'hospital-a-admin');
  const maxC = Math.max(...LEVELS);
  const doctor = `hpd-${tag}`;
  const patients = Array.from({ length: maxC }, (_, w) => `hpp-${tag}-${w}`);
  await registerUsers(port, admin, { [doctor]: 'practitioner', ...Object.fromEntries(patients.map((p) => [p, 'patient'])) }, 8);
  const doctorToken = await emulatorIdToken(connection, doctor);
  const tokens = new Map();
  for (const p of patients) tokens.set(p, await emulatorIdToken(connection, p));
  // Something to read: one record per patient (the busy patient is patient 0).
  const recordOf = new Map();
  for (const p of patients) recordOf.set(p, (await upload(port, { patient: p, doctorToken }, FILE_BYTES)).recordId);
  for (let i = 0; i < 3; i++) await download(port, { patientToken: tokens.get(patients[0]) }, recordOf.get(patients[0])); // warm-up

  const ops = {
    upload: (p) => upload(port, { patient: p, doctorToken }, FILE_BYTES),
    read: async (p) => {
      const d = await download(port, { patientToken: tokens.get(p) }, recordOf.get(p));
      if (d.bytes !== FILE_BYTES) throw new Error(`read ${d.bytes} bytes`);
    },
  };
  for (const c of LEVELS) {
    const level = { concurrency: c, cases: [] };
    for (const op of ['upload', 'read']) {
      const per = { one: [], spread: [] };
      const retried = { one: 0, spread: 0 };
      for (let run = 0; run < RUNS; run++) {
        for (const mode of run % 2 === 0 ? ['one', 'spread'] : ['spread', 'one']) {
          const before = gateway.retries();
          per[mode].push(await batch(c, (w) => ops[op](mode === 'one' ? patients[0] : patients[w])));
          retried[mode] += gateway.retries() - before;
        }
      }
      const agg = (runs, mode) => ({
        txPerSec: summary(runs.map((r) => r.txPerSec)),
        p50Ms: summary(runs.map((r) => r.p50)),
        p99Ms: summary(runs.map((r) => r.p99)),
        failures: runs.reduce((a, r) => a + r.failures, 0),
        requests: runs.length * c * PER_WORKER,
        retries: retried[mode],
        failureSamples: [...new Set(runs.flatMap((r) => r.failureSamples))].slice(0, 3),
      });
      const one = agg(per.one, 'one');
      const spread = agg(per.spread, 'spread');
      const entry = { op, one, spread, tpsRatio: round(one.txPerSec.median / spread.txPerSec.median, 3) };
      level.cases.push(entry);
      console.log(
        `hot-patient ${op} c=${c}: one patient ${round(one.txPerSec.median)} tx/s p50 ${round(one.p50Ms.median)} p99 ${round(one.p99Ms.median)} ms, ${one.failures}/${one.requests} failed | ` +
          `spread ${round(spread.txPerSec.median)} tx/s p50 ${round(spread.p50Ms.median)} p99 ${round(spread.p99Ms.median)} ms, ${spread.failures}/${spread.requests} failed | ratio ${entry.tpsRatio}` +
          (one.failureSamples.length ? ` | e.g. ${one.failureSamples[0]}` : ''),
      );
    }
    results.levels.push(level);
  }
} finally {
  await gateway.stop();
}

await mkdir('bench/results', { recursive: true });
const out = process.env.BENCH_OUT ?? 'bench/results/hot-patient.json';
await writeFile(out, JSON.stringify(results, null, 2));
console.log(`wrote ${out}`);
