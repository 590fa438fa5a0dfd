/**
 * REST: the record metadata list and the access log under autocannon, 5 runs each, on one profile:
 *   node bench/rest.mjs             embedded gateway (a fresh data dir)          -> bench/results/rest.json
 *   node bench/rest.mjs --network   Hospital A's network gateway (network:up)    -> bench/results/rest-network.json
 *   (BENCH_RUNS=5, BENCH_SECONDS=5, BENCH_CONNECTIONS=8)
 * Both list 20 records and 20 access events of one patient, read as that patient. On the network every
 * request verifies a Firebase emulator ID token and each list is a chaincode query on Hospital A's peer.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import autocannon from 'autocannon';
import { commandLine, machine } from './lib/machine.mjs';
import { round, summary } from './lib/stats.mjs';
import { aCareTeam, download, startGateway, upload } from './lib/gateway-process.mjs';
import { networkCareTeam, networkConnection, startNetworkGateway } from './lib/network.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const NETWORK = process.argv.includes('--network');
const RECORDS = 20;

const results = {
  case: NETWORK ? 'rest-network' : 'rest',
  profile: NETWORK ? 'network' : 'embedded',
  command: commandLine(`bench/rest.mjs${NETWORK ? ' --network' : ''}`, ['BENCH_RUNS', 'BENCH_SECONDS', 'BENCH_CONNECTIONS']),
  machine: machine(),
  runs: RUNS,
  seconds: SECONDS,
  connections: CONNECTIONS,
  at: new Date().toISOString(),
  endpoints: [],
};

let gateway, team;
if (NETWORK) {
  const connection = await networkConnection();
  gateway = await startNetworkGateway('hospital-a');
  team = await networkCareTeam(connection, gateway.port, 'brest').catch(async (error) => {
    await gateway.stop();
    throw error;
  });
} else {
  gateway = await startGateway();
  team = await aCareTeam(gateway.port);
}
try {
  for (let i = 0; i < RECORDS; i++) await download(gateway.port, team, (await upload(gateway.port, team, 4096, 'report')).recordId);
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
    console.log(`${results.case} ${name}: ${round(entry.reqPerSec.median)} req/s, p50 ${entry.latencyP50Ms.median} ms, p99 ${entry.latencyP99Ms.median} ms`);
  }
  results.gatewayRssPeakMiB = round(gateway.peak() / 1024 ** 2);
} finally {
  await gateway.stop();
}
await mkdir('bench/results', { recursive: true });
await writeFile(`bench/results/${results.case}.json`, JSON.stringify(results, null, 2));
console.log(`wrote bench/results/${results.case}.json`);
