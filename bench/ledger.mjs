/**
 * Ledger (network profile): create-record (a 62.3 KB = 63,795-byte file, the seed paper's size), grant and
 * access transactions through Hospital A's network gateway process (`node gateway/dist/main.js --org
 * hospital-a`, Firebase Auth emulator tokens) against a raw @hyperledger/fabric-gateway client signing as
 * HospitalAMSP's identity and submitting the SAME chaincode transactions (same arguments, same transient
 * shape as gateway/src/services/chaincode-client.ts, endorsing orgs named), in the same run, at concurrency
 * 1, 8 and 32. Committed tx/s and per-run p50/p95/p99 latency; min / median / max over the runs.
 *
 *   npm run network:up && npm run build && node bench/ledger.mjs
 *   (BENCH_RUNS=5, BENCH_CONCURRENCY=1,8,32, BENCH_TX=40,160,160 (per concurrency), BENCH_CASES=create-record,grant,access)
 *
 * Each concurrency level has its own actors: worker w of level c acts for patient w of that level and
 * case (and one practitioner), so concurrent transactions never write the same patient index (a
 * per-patient document: concurrent writes to it would be MVCC conflicts, a different benchmark). The raw
 * client acts for the same actors; gateway and raw alternate which goes first from run to run.
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { commandLine, machine } from './lib/machine.mjs';
import { round, summary } from './lib/stats.mjs';
import { download, upload } from './lib/gateway-process.mjs';
import { emulatorIdToken, networkConnection, rawFabric, registerUsers, request, startNetworkGateway } from './lib/network.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const LEVELS = (process.env.BENCH_CONCURRENCY ?? '1,8,32').split(',').map(Number);
const TXS = (process.env.BENCH_TX ?? '40,160,160').split(',').map(Number);
const CASES = (process.env.BENCH_CASES ?? 'create-record,grant,access,get-record').split(',');
const FILE_BYTES = 63_795; // 62.3 KB
const ORG = 'HospitalAMSP';
const txCount = (c) => TXS[LEVELS.indexOf(c)] ?? TXS[TXS.length - 1];

const { wrapDataKey } = await import('../gateway/dist/crypto/data-key.js');

/** n transactions over c workers; worker w calls fn(w, i). Wall time, per-tx latencies, errors. */
async function batch(n, c, fn) {
  let next = 0;
  const latencies = [];
  const errors = [];
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: c }, async (_, w) => {
      for (let i = next++; i < n; i = next++) {
        const s = process.hrtime.bigint();
        try {
          await fn(w, i);
          latencies.push(Number(process.hrtime.bigint() - s) / 1e6);
        } catch (error) {
          errors.push(error);
        }
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (errors.length) console.error(`  ${errors.length} failed, first: ${errors[0].message}`);
  const s = summary(latencies);
  return { committed: latencies.length, errors: errors.length, txPerSec: latencies.length / seconds, p50: s.median, p95: s.p95, p99: s.p99 };
}

const connection = await networkConnection();
const tag = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const doctor = `bdoc-${tag}`;
// get-record (an evaluate: the fixed cost of a gateway call) reads the access patients' records.
const actorsOf = (kase) => (kase === 'get-record' ? 'access' : kase);
const patientsOf = (kase, c) => Array.from({ length: c }, (_, w) => `bp-${tag}-${actorsOf(kase).slice(0, 3)}${c}-${w}`);

const results = {
  case: 'ledger',
  command: commandLine('bench/ledger.mjs', ['BENCH_RUNS', 'BENCH_CONCURRENCY', 'BENCH_TX', 'BENCH_CASES']),
  machine: machine(),
  runs: RUNS,
  at: new Date().toISOString(),
  fileBytes: FILE_BYTES,
  txPerRun: Object.fromEntries(LEVELS.map((c) => [c, txCount(c)])),
  network: { channel: connection.channel, chaincode: process.env.CARELEDGER_CHAINCODE ?? connection.chaincode, gatewayOrg: 'hospital-a', rawIdentity: ORG },
  cases: [],
};

const gateway = await startNetworkGateway('hospital-a');
const raw = await rawFabric(connection, ORG);
try {
  const port = gateway.port;
  const tokens = new Map();
  const token = async (uid) => tokens.get(uid) ?? tokens.set(uid, await emulatorIdToken(connection, uid)).get(uid);
  const admin = await token('hospital-a-admin');

  // Actors: one practitioner, c patients per case and level (registered through the gateway).
  const users = { [doctor]: 'practitioner' };
  for (const kase of new Set(CASES.map(actorsOf))) for (const c of LEVELS) for (const p of patientsOf(kase, c)) users[p] = 'patient';
  const reg = Date.now();
  await registerUsers(port, admin, users, 8);
  console.log(`ledger: registered ${Object.keys(users).length} users through the gateway in ${Date.now() - reg} ms`);
  for (const uid of Object.keys(users)) await token(uid);
  const doctorToken = await token(doctor);

  // Access needs a record per patient: one 62.3 KB upload each through the gateway (a real encrypted file).
  const recordOf = new Map();
  if (CASES.some((k) => actorsOf(k) === 'access')) {
    for (const c of LEVELS) {
      for (const p of patientsOf('access', c)) recordOf.set(p, (await upload(port, { patient: p, doctorToken }, FILE_BYTES)).recordId);
    }
  }

  // A wrapped key shaped exactly like the gateway's (ECDH-ES+A256KW / A256GCM compact JWE, with kid).
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const fakeJwe = await wrapDataKey(randomBytes(32), publicKey.export({ format: 'jwk' }));
  const fakeCid = () => `bafkrei${createHash('sha256').update(randomBytes(8)).digest('hex').replace(/[^a-z2-7]/g, 'a').slice(0, 52)}`;
  const expiresAt = () => new Date(Date.now() + 30 * 86_400_000).toISOString();
  const consentBody = () => ({ grantee: { kind: 'user', userId: doctor }, scope: { categories: ['imaging'] }, purposes: ['TREAT'], expiresAt: expiresAt() });

  /** One transaction of a case, through the gateway or raw, for patient `p`. */
  const ops = {
    'create-record': {
      gateway: (p) => upload(port, { patient: p, doctorToken }, FILE_BYTES),
      raw: (p) =>
        raw.submit(
          'records:CreateRecord',
          [doctor, p],
          {
            record: {
              title: 'Bench',
              category: 'imaging',
              mediaType: 'application/octet-stream',
              size: FILE_BYTES,
              sha256: randomBytes(32).toString('hex'),
              cid: fakeCid(),
              wrappedKeys: { [ORG]: fakeJwe },
            },
          },
          [ORG],
        ),
    },
    grant: {
      gateway: async (p) => request(port, 'POST', `/v1/patients/${p}/consents`, await token(p), consentBody()),
      raw: (p) => raw.submit('consents:GrantConsent', [p], { consent: { ...consentBody(), wrappedKeys: {} } }, [ORG]),
    },
    access: {
      gateway: async (p) => {
        const d = await download(port, { patientToken: await token(p) }, recordOf.get(p));
        if (d.bytes !== FILE_BYTES) throw new Error(`read ${d.bytes} bytes`);
      },
      raw: async (p) => {
        const decision = await raw.submit('access:Access', [p, recordOf.get(p), 'PATRQT'], undefined, [ORG]);
        if (decision.outcome !== 'GRANTED') throw new Error(`access ${decision.outcome}`);
      },
    },
    'get-record': {
      gateway: async (p) => request(port, 'GET', `/v1/records/${recordOf.get(p)}`, await token(p), undefined, 200),
      raw: (p) => raw.evaluate('records:GetRecord', [p, recordOf.get(p)]),
    },
  };

  // Warm-up: a few of each, both ways (connections, JIT, the gateway's org-key cache).
  for (const kase of CASES) {
    const p = patientsOf(kase, LEVELS[0])[0];
    for (let i = 0; i < 3; i++) {
      await ops[kase].gateway(p);
      await ops[kase].raw(p);
    }
  }

  const baseline = await gateway.resetPeak();
  for (const kase of CASES) {
    const entry = { name: kase, levels: [] };
    for (const c of LEVELS) {
      const n = txCount(c);
      const patients = patientsOf(kase, c);
      const per = { gateway: [], raw: [] };
      for (let run = 0; run < RUNS; run++) {
        for (const mode of run % 2 === 0 ? ['gateway', 'raw'] : ['raw', 'gateway']) {
          per[mode].push(await batch(n, c, (w) => ops[kase][mode](patients[w])));
        }
      }
      const agg = (runs) => ({
        txPerSec: summary(runs.map((r) => r.txPerSec)),
        p50Ms: summary(runs.map((r) => r.p50)),
        p95Ms: summary(runs.map((r) => r.p95)),
        p99Ms: summary(runs.map((r) => r.p99)),
        errors: runs.reduce((a, r) => a + r.errors, 0),
        perRun: runs,
      });
      const g = agg(per.gateway);
      const r = agg(per.raw);
      const level = {
        concurrency: c,
        txPerRun: n,
        gateway: g,
        raw: r,
        tpsRatio: round(g.txPerSec.median / r.txPerSec.median, 3),
        p50Ratio: round(g.p50Ms.median / r.p50Ms.median, 3),
        p99Ratio: round(g.p99Ms.median / r.p99Ms.median, 3),
      };
      entry.levels.push(level);
      console.log(
        `ledger ${kase} c=${c}: gateway ${round(g.txPerSec.median)} tx/s p50 ${round(g.p50Ms.median)} p99 ${round(g.p99Ms.median)} ms | ` +
          `raw ${round(r.txPerSec.median)} tx/s p50 ${round(r.p50Ms.median)} p99 ${round(r.p99Ms.median)} ms | tx/s ratio ${level.tpsRatio}, p50 ratio ${level.p50Ratio}` +
          (g.errors + r.errors ? ` | errors gateway ${g.errors} raw ${r.errors}` : ''),
      );
    }
    results.cases.push(entry);
  }
  results.gatewayRssBaselineMiB = round(baseline / 1024 ** 2);
  results.gatewayRssPeakMiB = round(gateway.peak() / 1024 ** 2);
} finally {
  raw.close();
  await gateway.stop();
}

await mkdir('bench/results', { recursive: true });
await writeFile('bench/results/ledger.json', JSON.stringify(results, null, 2));
console.log('wrote bench/results/ledger.json');
