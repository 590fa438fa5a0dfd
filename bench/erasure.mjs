/**
 * Erasure: how long an erasure takes (from `POST /v1/patients/{id}/erasure` until its status says finished) on
 * the embedded profile (gateway process) for a
 * patient with BENCH_RECORDS records — the ledger purge, destroying the patient's key, removing the blobs,
 * the permission store, then compacting the ledger, permission store and pin index LevelDBs — while another
 * patient's BENCH_OTHER_RECORDS records stay in the same stores (compaction rewrites them too). Each run
 * erases a fresh patient; min / median / max over runs.
 *   node bench/erasure.mjs   (BENCH_RUNS=5, BENCH_RECORDS=100, BENCH_OTHER_RECORDS=200, BENCH_FILE_BYTES=16384; needs `npm run build`)
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { commandLine, machine } from './lib/machine.mjs';
import { round, summary } from './lib/stats.mjs';
import { aCareTeam, eraseAndWait, startGateway, upload } from './lib/gateway-process.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const RECORDS = Number(process.env.BENCH_RECORDS ?? 100);
const OTHER_RECORDS = Number(process.env.BENCH_OTHER_RECORDS ?? 200);
const FILE_BYTES = Number(process.env.BENCH_FILE_BYTES ?? 16_384);

const results = {
  case: 'erasure',
  command: commandLine('bench/erasure.mjs', ['BENCH_RUNS', 'BENCH_RECORDS', 'BENCH_OTHER_RECORDS', 'BENCH_FILE_BYTES']),
  machine: machine(),
  runs: RUNS,
  recordsPerPatient: RECORDS,
  otherRecords: OTHER_RECORDS,
  fileBytes: FILE_BYTES,
  at: new Date().toISOString(),
};
const gateway = await startGateway();
try {
  const other = await aCareTeam(gateway.port, 'kept');
  for (let i = 0; i < OTHER_RECORDS; i++) await upload(gateway.port, other, FILE_BYTES, 'report');
  const erasureMs = [];
  for (let run = 0; run < RUNS; run++) {
    const team = await aCareTeam(gateway.port, `erased-${run}`);
    for (let i = 0; i < RECORDS; i++) await upload(gateway.port, team, FILE_BYTES, 'report');
    const { status, totalMs } = await eraseAndWait(gateway.port, team.patient, team.patientToken);
    if (status.recordsErased !== RECORDS) throw new Error(`erasure: ${JSON.stringify(status)}`);
    erasureMs.push(totalMs);
  }
  Object.assign(results, { erasureMs: summary(erasureMs) });
  const e = results.erasureMs;
  console.log(`erasure of a patient with ${RECORDS} records (${OTHER_RECORDS} other records kept): ${round(e.median)} ms median (min ${round(e.min)}, max ${round(e.max)}; ${RUNS} runs)`);
} finally {
  await gateway.stop();
}
await mkdir('bench/results', { recursive: true });
await writeFile('bench/results/erasure.json', JSON.stringify(results, null, 2));
