/**
 * Where a gateway request spends beyond the raw client (network profile): the parts of create-record, grant and
 * access that the raw @hyperledger/fabric-gateway client in bench/ledger.mjs does not do, each timed alone at the
 * same concurrency: an evaluate on Hospital A's peer (registry:GetUser, records:KeyRecipients — the kind of call the
 * registry cache and the anchor cache removed, and the kind that remains), the Firebase Auth emulator's
 * verifyIdToken with and without the revocation check (a call to the emulator per request), a Kubo add of the
 * bench file, and `GET /v1/me` through the gateway (HTTP, token, cached actor: the fixed cost of a request).
 *
 *   npm run network:up && npm run build && node bench/overhead-parts.mjs   (BENCH_OPS=80, BENCH_CONCURRENCY=8)
 */
import { randomBytes } from 'node:crypto';
import { initializeApp } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import { create } from 'kubo-rpc-client';
import { call } from './lib/gateway-process.mjs';
import { round, summary } from './lib/stats.mjs';
import { emulatorIdToken, networkConnection, rawFabric, registerUsers, startNetworkGateway } from './lib/network.mjs';

const OPS = Number(process.env.BENCH_OPS ?? 80);
const C = Number(process.env.BENCH_CONCURRENCY ?? 8);
const FILE_BYTES = 63_795;

/** `OPS` calls of `fn` over `C` workers: calls/s and p50 / p95 ms. */
async function measure(name, fn) {
  let next = 0;
  const latencies = [];
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: C }, async () => {
      for (let i = next++; i < OPS; i = next++) {
        const s = process.hrtime.bigint();
        await fn(i);
        latencies.push(Number(process.hrtime.bigint() - s) / 1e6);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const s = summary(latencies);
  const row = { name, perSec: round(OPS / seconds), p50: round(s.median), p95: round(s.p95) };
  console.log(`${name}: ${row.perSec}/s, p50 ${row.p50} ms, p95 ${row.p95} ms`);
  return row;
}

const connection = await networkConnection();
process.env.FIREBASE_AUTH_EMULATOR_HOST ??= connection.auth.emulatorHost;
const gateway = await startNetworkGateway('hospital-a');
const raw = await rawFabric(connection, 'HospitalAMSP');
try {
  const tag = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const patient = `op-p-${tag}`;
  const doctor = `op-d-${tag}`;
  await registerUsers(gateway.port, await emulatorIdToken(connection, 'hospital-a-admin'), { [patient]: 'patient', [doctor]: 'practitioner' });
  const token = await emulatorIdToken(connection, doctor);
  const auth = getAuth(initializeApp({ projectId: connection.firestore.projectId }));
  const ipfs = create({ url: connection.kubo.apiUrl });
  const me = async () => {
    const res = await call(gateway.port, { method: 'GET', path: '/v1/me', headers: { authorization: `Bearer ${token}` } });
    res.resume();
    if (res.statusCode !== 200) throw new Error(`GET /v1/me: ${res.statusCode}`);
  };
  // Warm-up: connections, JIT, the gateway's cache.
  for (let i = 0; i < 5; i++) {
    await me();
    await raw.evaluate('registry:GetUser', [doctor]);
  }
  const rows = [
    await measure('evaluate registry:GetUser (raw client)', () => raw.evaluate('registry:GetUser', [doctor])),
    await measure('evaluate records:KeyRecipients (raw client)', () => raw.evaluate('records:KeyRecipients', [doctor, patient, 'imaging'])),
    await measure('verifyIdToken, revocation checked (emulator)', () => auth.verifyIdToken(token, true)),
    await measure('verifyIdToken, signature only', () => auth.verifyIdToken(token, false)),
    await measure(`Kubo add ${FILE_BYTES} B`, () => ipfs.add({ content: randomBytes(FILE_BYTES) }, { cidVersion: 1, rawLeaves: true, chunker: 'size-262144', pin: true })),
    await measure('GET /v1/me through the gateway', me),
  ];
  console.log(JSON.stringify({ at: new Date().toISOString(), ops: OPS, concurrency: C, rows }));
} finally {
  raw.close();
  await gateway.stop();
}
