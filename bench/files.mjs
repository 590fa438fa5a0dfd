/**
 * Files: encrypted upload and verified download through the gateway (embedded profile, a real process)
 * against the raw tool doing the same bytes in the same run: ipfs-unixfs-importer/exporter over
 * blockstore-fs with the same options (Kubo-compatible). Sizes 64 KiB, 1 MiB, 64 MiB, 1 GiB.
 *   node bench/files.mjs            (BENCH_RUNS=5, BENCH_SIZES=65536,1048576,67108864,1073741824)
 */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FsBlockstore } from 'blockstore-fs';
import { exporter } from 'ipfs-unixfs-exporter';
import { importByteStream } from 'ipfs-unixfs-importer';
import { fixedSize } from 'ipfs-unixfs-importer/chunker';
import { balanced } from 'ipfs-unixfs-importer/layout';
import { machine } from './lib/machine.mjs';
import { summary, round } from './lib/stats.mjs';
import { MiB, aCareTeam, download, pattern, startGateway, timed, upload } from './lib/gateway-process.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SIZES = (process.env.BENCH_SIZES ?? '65536,1048576,67108864,1073741824').split(',').map(Number);

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
    return { addMs: add.ms, catMs: cat.ms };
  } finally {
    await blocks.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const mbps = (size, ms) => size / MiB / (ms / 1000);

const results = { case: 'files', command: 'node bench/files.mjs', machine: machine(), runs: RUNS, at: new Date().toISOString(), sizes: [] };
const gateway = await startGateway();
try {
  const team = await aCareTeam(gateway.port);
  await download(gateway.port, team, (await upload(gateway.port, team, MiB)).recordId); // warm-up
  for (const size of SIZES) {
    const runs = size >= 512 * MiB ? Math.min(RUNS, 5) : RUNS;
    const up = [], down = [], rawUp = [], rawDown = [];
    const baseline = await gateway.resetPeak();
    for (let i = 0; i < runs; i++) {
      const u = await timed(() => upload(gateway.port, team, size));
      const d = await timed(() => download(gateway.port, team, u.value.recordId));
      if (d.value.bytes !== size || d.value.sha256 !== u.value.sha256) throw new Error('download does not match upload');
      const raw = await rawRoundTrip(size);
      up.push(mbps(size, u.ms));
      down.push(mbps(size, d.ms));
      rawUp.push(mbps(size, raw.addMs));
      rawDown.push(mbps(size, raw.catMs));
    }
    const entry = {
      size,
      uploadMBps: summary(up),
      downloadMBps: summary(down),
      rawImportMBps: summary(rawUp),
      rawExportMBps: summary(rawDown),
      uploadVsRaw: round(summary(up).median / summary(rawUp).median, 3),
      downloadVsRaw: round(summary(down).median / summary(rawDown).median, 3),
      gatewayRssBaselineMiB: round(baseline / MiB),
      gatewayRssPeakMiB: round(gateway.peak() / MiB),
    };
    results.sizes.push(entry);
    console.log(`files ${size} B: upload ${round(entry.uploadMBps.median)} MiB/s (raw ${round(entry.rawImportMBps.median)}), download ${round(entry.downloadMBps.median)} MiB/s (raw ${round(entry.rawExportMBps.median)}), RSS peak ${entry.gatewayRssPeakMiB} MiB`);
  }
} finally {
  await gateway.stop();
}
await mkdir('bench/results', { recursive: true });
await writeFile('bench/results/files.json', JSON.stringify(results, null, 2));
