/**
 * Files (network profile): encrypted upload and verified download through Hospital A's network gateway
 * process (`node gateway/dist/main.js --org hospital-a`: hash + AES-GCM segments -> Kubo add, one ledger
 * transaction; ledger access decision + key release -> Kubo cat -> decrypt -> verify) against raw Kubo
 * `add`/`cat` of the same bytes through kubo-rpc-client with the gateway's add options (CIDv1, raw leaves,
 * size-262144 chunker, pinned), in the same run. Peak RSS of the gateway process per size.
 *
 *   npm run network:up && npm run build && node bench/files-network.mjs
 *   (BENCH_RUNS=5, BENCH_SIZES=65536,1048576,67108864,1073741824; 1 GiB x 10 adds ~11 GB to the Kubo repo until network:down)
 *
 * The raw bytes differ from run to run (a per-run salt in every MiB) so that Kubo never finds the blocks
 * already stored; the gateway's ciphertext differs anyway (a fresh data key per file).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { create } from 'kubo-rpc-client';
import { machine } from './lib/machine.mjs';
import { round, summary } from './lib/stats.mjs';
import { MiB, download, timed, upload } from './lib/gateway-process.mjs';
import { emulatorIdToken, networkConnection, registerUsers, startNetworkGateway } from './lib/network.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SIZES = (process.env.BENCH_SIZES ?? '65536,1048576,67108864,1073741824').split(',').map(Number);
const KUBO_ADD_OPTIONS = { cidVersion: 1, rawLeaves: true, chunker: 'size-262144', pin: true };

/**
 * `size` bytes like lib/gateway-process.mjs pattern() (a counter in every 256 KiB chunk, so that no two
 * IPFS blocks are equal), plus a per-run salt after each counter.
 */
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

async function rawRoundTrip(ipfs, size) {
  const add = await timed(() => ipfs.add({ content: saltedPattern(size, randomBytes(16)) }, KUBO_ADD_OPTIONS));
  const cat = await timed(async () => {
    let n = 0;
    for await (const chunk of ipfs.cat(add.value.cid)) n += chunk.length;
    return n;
  });
  if (cat.value !== size) throw new Error(`raw cat read ${cat.value} bytes of ${size}`);
  await ipfs.pin.rm(add.value.cid);
  return { addMs: add.ms, catMs: cat.ms };
}

const mbps = (size, ms) => size / MiB / (ms / 1000);
const sizeName = (b) => (b >= 1024 ** 3 ? `${b / 1024 ** 3} GiB` : b >= MiB ? `${b / MiB} MiB` : `${b / 1024} KiB`);

const connection = await networkConnection();
const ipfs = create({ url: connection.kubo.apiUrl });
const results = { case: 'files-network', command: [...['BENCH_RUNS', 'BENCH_SIZES'].filter((k) => process.env[k]).map((k) => `${k}=${process.env[k]}`), 'node bench/files-network.mjs'].join(' '), machine: machine(), runs: RUNS, at: new Date().toISOString(), kubo: connection.kubo.apiUrl, sizes: [] };
const gateway = await startNetworkGateway('hospital-a');
try {
  const port = gateway.port;
  const tag = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const team = { patient: `bfp-${tag}`, doctor: `bfd-${tag}` };
  await registerUsers(port, await emulatorIdToken(connection, 'hospital-a-admin'), { [team.patient]: 'patient', [team.doctor]: 'practitioner' });
  team.patientToken = await emulatorIdToken(connection, team.patient);
  team.doctorToken = await emulatorIdToken(connection, team.doctor);
  await download(port, team, (await upload(port, team, MiB)).recordId); // warm-up
  await rawRoundTrip(ipfs, MiB);
  for (const size of SIZES) {
    const up = [], down = [], rawUp = [], rawDown = [];
    const baseline = await gateway.resetPeak();
    for (let i = 0; i < RUNS; i++) {
      const u = await timed(() => upload(port, team, size));
      const d = await timed(() => download(port, team, u.value.recordId));
      if (d.value.bytes !== size || d.value.sha256 !== u.value.sha256) throw new Error('download does not match upload');
      const raw = await rawRoundTrip(ipfs, size);
      up.push(mbps(size, u.ms));
      down.push(mbps(size, d.ms));
      rawUp.push(mbps(size, raw.addMs));
      rawDown.push(mbps(size, raw.catMs));
    }
    const entry = {
      size,
      uploadMBps: summary(up),
      downloadMBps: summary(down),
      rawAddMBps: summary(rawUp),
      rawCatMBps: summary(rawDown),
      uploadVsRaw: round(summary(up).median / summary(rawUp).median, 3),
      downloadVsRaw: round(summary(down).median / summary(rawDown).median, 3),
      gatewayRssBaselineMiB: round(baseline / MiB),
      gatewayRssPeakMiB: round(gateway.peak() / MiB),
    };
    results.sizes.push(entry);
    console.log(
      `files-network ${sizeName(size)}: upload ${round(entry.uploadMBps.median)} MiB/s (raw add ${round(entry.rawAddMBps.median)}, ratio ${entry.uploadVsRaw}), ` +
        `download ${round(entry.downloadMBps.median)} MiB/s (raw cat ${round(entry.rawCatMBps.median)}, ratio ${entry.downloadVsRaw}), RSS peak ${entry.gatewayRssPeakMiB} MiB`,
    );
  }
} finally {
  await gateway.stop();
}

const mmm = (s, d = 1) => `${round(s.min, d)} / **${round(s.median, d)}** / ${round(s.max, d)}`;
const m = results.machine;
const md = [
  '## Files (network profile: gateway vs raw Kubo)',
  '',
  `Command: \`${results.command}\` (network up: \`npm run network:up\`) — ${RUNS} runs per size — ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform} — ${results.at}`,
  '',
  "Gateway = Hospital A's network gateway process over HTTP: upload = multipart POST (SHA-256, AES-256-GCM segments, Kubo add, KeyRecipients + CreateRecord on Fabric), download = `GET …/content` as the patient (GetAnchor, Access committed on Fabric, ReleaseKey, Kubo cat, decrypt, verify; the first read of each file, so a ciphertext-cache miss). Raw = kubo-rpc-client `add` (cidVersion 1, rawLeaves, chunker size-262144, pin) and `cat` of the same number of plaintext bytes on the same Kubo node. MiB/s = file bytes / wall time.",
  '',
  '| size | upload MiB/s | raw add MiB/s | upload / raw | download MiB/s | raw cat MiB/s | download / raw | gateway RSS peak (baseline) |',
  '|---|---|---|---|---|---|---|---|',
];
for (const s of results.sizes) {
  md.push(`| ${sizeName(s.size)} | ${mmm(s.uploadMBps)} | ${mmm(s.rawAddMBps)} | ${s.uploadVsRaw} | ${mmm(s.downloadMBps)} | ${mmm(s.rawCatMBps)} | ${s.downloadVsRaw} | ${s.gatewayRssPeakMiB} MiB (${s.gatewayRssBaselineMiB}) |`);
}
md.push('', '![files-network](files-network.png) — median MiB/s per size: gateway upload/download vs raw Kubo add/cat.', '');
results.markdown = md.join('\n');

await mkdir('bench/results', { recursive: true });
await writeFile('bench/results/files-network.json', JSON.stringify(results, null, 2));
console.log('wrote bench/results/files-network.json');
