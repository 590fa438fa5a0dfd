/**
 * Signing: what one Fabric signature costs the gateway (every proposal, transaction and commit-status
 * request is signed). fabric-gateway's stock signer (signers.newPrivateKeySigner with hash.sha256: pure
 * JavaScript P-256 from @noble/curves) against the gateway's native signer (native-signer.ts: OpenSSL
 * through node:crypto, hash.none), same key, same 3,000-byte message (a proposal's size), same run.
 *   node bench/signing.mjs   (BENCH_RUNS=5, BENCH_SIGNATURES=1000 per run; needs `npm run build`)
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { signers } from '@hyperledger/fabric-gateway';
import { newNativeEcdsaSigner } from '../gateway/dist/adapters/fabric/native-signer.js';
import { commandLine, machine } from './lib/machine.mjs';
import { round, summary } from './lib/stats.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SIGNATURES = Number(process.env.BENCH_SIGNATURES ?? 1000);

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const message = Buffer.alloc(3000, 7);
const stockSigner = signers.newPrivateKeySigner(privateKey);
const ways = {
  stock: (m) => stockSigner(createHash('sha256').update(m).digest()),
  native: newNativeEcdsaSigner(privateKey),
};

const perRun = { stock: [], native: [] };
for (let run = 0; run < RUNS; run++) {
  for (const [name, sign] of Object.entries(ways)) {
    for (let i = 0; i < 50; i++) await sign(message); // warm-up
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < SIGNATURES; i++) await sign(message);
    perRun[name].push(Number(process.hrtime.bigint() - t0) / 1e6 / SIGNATURES);
  }
}
const results = {
  case: 'signing',
  command: commandLine('bench/signing.mjs', ['BENCH_RUNS', 'BENCH_SIGNATURES']),
  machine: machine(),
  runs: RUNS,
  signaturesPerRun: SIGNATURES,
  at: new Date().toISOString(),
  stockMsPerSignature: summary(perRun.stock),
  nativeMsPerSignature: summary(perRun.native),
};
results.nativeVsStock = round(results.nativeMsPerSignature.median / results.stockMsPerSignature.median, 3);
console.log(`signing P-256: stock ${round(results.stockMsPerSignature.median, 3)} ms, native ${round(results.nativeMsPerSignature.median, 3)} ms per signature (ratio ${results.nativeVsStock})`);
await mkdir('bench/results', { recursive: true });
await writeFile('bench/results/signing.json', JSON.stringify(results, null, 2));
