/**
 * Files (network profile): encrypted upload and verified download through Hospital A's network gateway
 * process (`node gateway/dist/main.js --org hospital-a`: hash + AES-GCM segments -> Kubo add, one ledger
 * transaction; ledger access decision + key release -> Kubo cat -> decrypt -> verify) against raw Kubo
 * `add`/`cat` of the same bytes through kubo-rpc-client with the gateway's add options (CIDv1, raw leaves,
 * size-262144 chunker, pinned), in the same run. Peak RSS of the gateway process per size.
 *
 *   npm run network:up && npm run build && node bench/files-network.mjs
 *   (BENCH_RUNS=5, BENCH_SIZES=65536,1048576,67108864,1073741824; the raw adds are unpinned after each run,
 *   the gateway's records stay in the Kubo repo until network:down)
 *
 * The raw bytes differ from run to run (a per-run salt in every 256 KiB chunk) so that Kubo never finds
 * the blocks already stored; the gateway's ciphertext differs anyway (a fresh data key per file).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { create } from 'kubo-rpc-client';
import { commandLine, machine } from './lib/machine.mjs';
import { measureFiles } from './lib/file-case.mjs';
import { MiB, timed } from './lib/gateway-process.mjs';
import { networkCareTeam, networkConnection, startNetworkGateway } from './lib/network.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SIZES = (process.env.BENCH_SIZES ?? '65536,1048576,67108864,1073741824').split(',').map(Number);
const KUBO_ADD_OPTIONS = { cidVersion: 1, rawLeaves: true, chunker: 'size-262144', pin: true };

/** `size` bytes like lib/gateway-process.mjs pattern() (a counter in every 256 KiB chunk), plus `salt` after each counter. */
function saltedPattern(size, salt) {
  const block = Buffer.alloc(MiB);
  for (let i = 0; i < MiB; i++) block[i] = (i * 31 + 7) % 251;
  let sent = 0;
  return Readable.from(
    (function* () {
      while (sent < size) {
        const chunk = Buffer.from(block.subarray(0, Math.min(MiB, size - sent)));
        for (let at = 0; at + 4 <= chunk.length; at += 262_144) {
          chunk.writeUInt32BE(((sent + at) / 262_144) >>> 0, at);
          salt.copy(chunk, at + 4, 0, Math.min(salt.length, chunk.length - at - 4));
        }
        sent += chunk.length;
        yield chunk;
      }
    })(),
  );
}

const connection = await networkConnection();
const ipfs = create({ url: connection.kubo.apiUrl });

/** Raw Kubo add (pinned) and cat of `size` fresh bytes, then unpinned. */
async function rawRoundTrip(size) {
  const add = await timed(() => ipfs.add({ content: saltedPattern(size, randomBytes(16)) }, KUBO_ADD_OPTIONS));
  const cat = await timed(async () => {
    let n = 0;
    for await (const chunk of ipfs.cat(add.value.cid)) n += chunk.length;
    return n;
  });
  if (cat.value !== size) throw new Error(`raw cat read ${cat.value} bytes of ${size}`);
  await ipfs.pin.rm(add.value.cid);
  return { uploadMs: add.ms, downloadMs: cat.ms };
}

const results = { case: 'files-network', profile: 'network', command: commandLine('bench/files-network.mjs', ['BENCH_RUNS', 'BENCH_SIZES']), machine: machine(), runs: RUNS, at: new Date().toISOString(), kubo: connection.kubo.apiUrl };
const gateway = await startNetworkGateway('hospital-a');
try {
  const team = await networkCareTeam(connection, gateway.port, 'bfiles');
  results.sizes = await measureFiles({ gateway, team, sizes: SIZES, runs: RUNS, raw: rawRoundTrip, label: 'files-network' });
} finally {
  await gateway.stop();
}
await mkdir('bench/results', { recursive: true });
await writeFile('bench/results/files-network.json', JSON.stringify(results, null, 2));
console.log('wrote bench/results/files-network.json');
