/**
 * Cache: a hot 1 MiB record read with the ciphertext cache (hit) and without it (miss), same run.
 *   node bench/cache.mjs   (BENCH_RUNS=30)
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { commandLine, machine } from './lib/machine.mjs';
import { round, summary } from './lib/stats.mjs';
import { MiB, aCareTeam, download, startGateway, timed, upload } from './lib/gateway-process.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 30);

async function reads(env) {
  const gateway = await startGateway(env);
  try {
    const team = await aCareTeam(gateway.port);
    const { recordId } = await upload(gateway.port, team, MiB);
    await download(gateway.port, team, recordId); // fills the cache when there is one
    const ms = [];
    for (let i = 0; i < RUNS; i++) ms.push((await timed(() => download(gateway.port, team, recordId))).ms);
    return summary(ms);
  } finally {
    await gateway.stop();
  }
}

const hit = await reads({});
const miss = await reads({ CARELEDGER_CACHE_BYTES: '0' });
const results = { case: 'cache', command: commandLine('bench/cache.mjs', ['BENCH_RUNS']), machine: machine(), runs: RUNS, at: new Date().toISOString(), hitMs: hit, missMs: miss, hitVsMiss: round(hit.median / miss.median, 3) };
console.log(`cache 1 MiB read: hit ${round(hit.median, 2)} ms, miss ${round(miss.median, 2)} ms (median of ${RUNS})`);
await mkdir('bench/results', { recursive: true });
await writeFile('bench/results/cache.json', JSON.stringify(results, null, 2));
