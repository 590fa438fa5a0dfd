/**
 * IoT ingest: readings per second through the gateway process (embedded profile) for batches of 1,000
 * LOINC vital-sign readings — validation, encryption, blob store, one ledger transaction per batch —, one
 * device posting batches back to back. Each run posts BENCH_BATCHES batches; min / median / max over runs.
 *   node bench/iot-ingest.mjs   (BENCH_RUNS=5, BENCH_BATCHES=20, BENCH_BATCH_SIZE=1000; needs `npm run build`)
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { commandLine, machine } from './lib/machine.mjs';
import { round, summary } from './lib/stats.mjs';
import { aCareTeam, call, json, startGateway, timed } from './lib/gateway-process.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const BATCHES = Number(process.env.BENCH_BATCHES ?? 20);
const BATCH_SIZE = Number(process.env.BENCH_BATCH_SIZE ?? 1000);

/** A batch of `n` readings a second apart (heart rate, SpO2, respiratory rate in turn), starting at `start`. */
function batch(n, start) {
  const kinds = [
    ['8867-4', '/min', 60, 40],
    ['59408-5', '%', 90, 10],
    ['9279-1', '/min', 12, 8],
  ];
  return JSON.stringify({
    readings: Array.from({ length: n }, (_, i) => {
      const [code, unit, base, span] = kinds[i % 3];
      return { code, time: new Date(start + i * 1000).toISOString(), value: base + (i % span), unit };
    }),
  });
}

async function post(port, path, token, body) {
  const res = await call(port, { method: 'POST', path, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } }, body);
  const answer = await json(res);
  if (res.statusCode !== 201) throw new Error(`${path}: ${res.statusCode} ${JSON.stringify(answer)}`);
  return answer;
}

const results = { case: 'iot-ingest', command: commandLine('bench/iot-ingest.mjs', ['BENCH_RUNS', 'BENCH_BATCHES', 'BENCH_BATCH_SIZE']), machine: machine(), runs: RUNS, batchesPerRun: BATCHES, batchSize: BATCH_SIZE, at: new Date().toISOString() };
const gateway = await startGateway();
try {
  const team = await aCareTeam(gateway.port);
  const admin = (await json(await call(gateway.port, { method: 'POST', path: '/v1/dev/tokens', headers: { 'content-type': 'application/json' } }, JSON.stringify({ userId: 'hospital-a-admin' })))).token;
  const device = await post(gateway.port, '/v1/devices', admin, JSON.stringify({ patientId: team.patient }));
  const path = `/v1/devices/${device.deviceId}/observations`;
  const start = Date.now() - 400 * 86_400_000;
  let next = start;
  const body = () => {
    const b = batch(BATCH_SIZE, next);
    next += BATCH_SIZE * 1000;
    return b;
  };
  for (let i = 0; i < 3; i++) await post(gateway.port, path, device.token, body()); // warm-up
  const rates = [];
  const batchMs = [];
  const baseline = await gateway.resetPeak();
  for (let run = 0; run < RUNS; run++) {
    const bodies = Array.from({ length: BATCHES }, body);
    const t = await timed(async () => {
      for (const b of bodies) batchMs.push((await timed(() => post(gateway.port, path, device.token, b))).ms);
    });
    rates.push((BATCHES * BATCH_SIZE) / (t.ms / 1000));
  }
  Object.assign(results, {
    readingsPerSecond: summary(rates),
    batchMs: summary(batchMs),
    bodyBytesPerBatch: Buffer.byteLength(batch(BATCH_SIZE, start)),
    gatewayRssBaselineMiB: round(baseline / 1024 ** 2),
    gatewayRssPeakMiB: round(gateway.peak() / 1024 ** 2),
  });
  const r = results.readingsPerSecond;
  console.log(
    `iot-ingest ${BATCH_SIZE}-reading batches: ${round(r.median, 0)} readings/s median (min ${round(r.min, 0)}, max ${round(r.max, 0)}; ${RUNS} runs of ${BATCHES} batches), ` +
      `batch p50 ${round(results.batchMs.median)} ms, p95 ${round(results.batchMs.p95)} ms, RSS peak ${results.gatewayRssPeakMiB} MiB`,
  );
} finally {
  await gateway.stop();
}
await mkdir('bench/results', { recursive: true });
await writeFile('bench/results/iot-ingest.json', JSON.stringify(results, null, 2));
