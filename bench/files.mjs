/**
 * Files (embedded profile): encrypted upload and verified download through the gateway process against
 * the raw tool doing the same bytes in the same run: ipfs-unixfs-importer/exporter over blockstore-fs with
 * the gateway's (Kubo-compatible) options, no encryption, no ledger, no HTTP. Sizes 64 KiB, 1 MiB, 64 MiB,
 * 1 GiB; peak RSS of the gateway process per size.
 *   node bench/files.mjs            (BENCH_RUNS=5, BENCH_SIZES=65536,1048576,67108864,1073741824)
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FsBlockstore } from 'blockstore-fs';
import { exporter } from 'ipfs-unixfs-exporter';
import { importByteStream } from 'ipfs-unixfs-importer';
import { fixedSize } from 'ipfs-unixfs-importer/chunker';
import { balanced } from 'ipfs-unixfs-importer/layout';
import { commandLine, machine } from './lib/machine.mjs';
import { measureFiles } from './lib/file-case.mjs';
import { aCareTeam, pattern, startGateway, timed } from './lib/gateway-process.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SIZES = (process.env.BENCH_SIZES ?? '65536,1048576,67108864,1073741824').split(',').map(Number);

/** Raw import and export of `size` pattern bytes in a fresh blockstore. */
async function rawRoundTrip(size) {
  const dir = await mkdtemp(path.join(tmpdir(), 'careledger-raw-'));
  const blocks = new FsBlockstore(dir);
  await blocks.open();
  try {
    const add = await timed(() =>
      importByteStream(pattern(size), blocks, { cidVersion: 1, rawLeaves: true, reduceSingleLeafToSelf: true, chunker: fixedSize({ chunkSize: 262_144 }), layout: balanced({ maxChildrenPerNode: 174 }) }),
    );
    const cat = await timed(async () => {
      let n = 0;
      for await (const chunk of (await exporter(add.value.cid, blocks)).content()) n += chunk.length;
      return n;
    });
    if (cat.value !== size) throw new Error(`raw export read ${cat.value} bytes of ${size}`);
    return { uploadMs: add.ms, downloadMs: cat.ms };
  } finally {
    await blocks.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const results = { case: 'files', profile: 'embedded', command: commandLine('bench/files.mjs', ['BENCH_RUNS', 'BENCH_SIZES']), machine: machine(), runs: RUNS, at: new Date().toISOString() };
const gateway = await startGateway();
try {
  const team = await aCareTeam(gateway.port);
  results.sizes = await measureFiles({ gateway, team, sizes: SIZES, runs: RUNS, raw: rawRoundTrip, label: 'files' });
} finally {
  await gateway.stop();
}
await mkdir('bench/results', { recursive: true });
await writeFile('bench/results/files.json', JSON.stringify(results, null, 2));
console.log('wrote bench/results/files.json');
