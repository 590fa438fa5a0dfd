/**
 * REST: the record metadata list and the access log under autocannon (embedded profile), 5 runs each.
 *   node bench/rest.mjs   (BENCH_RUNS=5, BENCH_SECONDS=5, BENCH_CONNECTIONS=8)
 */
import { mkdir, writeFile } from 'node:fs/promises';
import autocannon from 'autocannon';
import { machine } from './lib/machine.mjs';
import { round, summary } from './lib/stats.mjs';
import { aCareTeam, download, startGateway, upload } from './lib/gateway-process.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);

const gateway = await startGateway();
const results = { case: 'rest', command: 'node bench/rest.mjs', machine: machine(), runs: RUNS, seconds: SECONDS, connections: CONNECTIONS, at: new Date().toISOString(), endpoints: [] };
try {
  const team = await aCareTeam(gateway.port);
  // 20 records and 20 access events to list.
  for (let i = 0; i < 20; i++) await download(gateway.port, team, (await upload(gateway.port, team, 4096, 'report')).recordId);
  for (const [name, path] of [
    ['records list', `/v1/patients/${team.patient}/records?pageSize=50`],
    ['access log', `/v1/patients/${team.patient}/access-log?pageSize=50`],
  ]) {
    const reqs = [], p50 = [], p99 = [];
    for (let i = 0; i < RUNS; i++) {
      const r = await autocannon({ url: `http://127.0.0.1:${gateway.port}${path}`, connections: CONNECTIONS, duration: SECONDS, headers: { authorization: `Bearer ${team.patientToken}` } });
      if (r.non2xx > 0 || r.errors > 0) throw new Error(`${name}: ${r.non2xx} non-2xx, ${r.errors} errors`);
      reqs.push(r.requests.average);
      p50.push(r.latency.p50);
      p99.push(r.latency.p99);
    }
    const entry = { name, path: path.replace(team.patient, '{patientId}'), reqPerSec: summary(reqs), latencyP50Ms: summary(p50), latencyP99Ms: summary(p99) };
    results.endpoints.push(entry);
    console.log(`rest ${name}: ${round(entry.reqPerSec.median)} req/s, p50 ${entry.latencyP50Ms.median} ms, p99 ${entry.latencyP99Ms.median} ms`);
  }
} finally {
  await gateway.stop();
}
await mkdir('bench/results', { recursive: true });
await writeFile('bench/results/rest.json', JSON.stringify(results, null, 2));
