/**
 * FabricLedger against the running development network (`npm run network:up`): error mapping by code,
 * read-conflict retries under contention, and checkpointed event replay.
 */
import { generateKeyPairSync } from 'node:crypto';
import { binary, GatewayHarness, someBytes } from '../../../../test/support/gateway-harness.js';
import { freshChaincodeNamespace, networkConnection } from '../../../../test/support/network-fixture.js';
import { organizationOf } from '../../network-connection.js';
import { LedgerError } from '../../ports/ledger-error.js';
import type { LedgerEvent } from '../../ports/ledger.js';
import { FabricLedger } from './fabric-ledger.js';

async function connectLedger(chaincode: string, orgs = ['hospital-a', 'hospital-b']): Promise<FabricLedger> {
  const connection = await networkConnection();
  return FabricLedger.connect({
    channel: connection.channel,
    chaincode,
    orgs: orgs.map((name) => {
      const o = organizationOf(connection, name);
      return { mspId: o.mspId, peerEndpoint: o.peerEndpoint, peerHostAlias: o.peerHostAlias, tlsRootCertPath: o.tlsCaCertPath, certPath: o.clientCertPath, keyPath: o.clientKeyPath };
    }),
  });
}

const publicJwk = () => JSON.stringify(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }));

describe('FabricLedger on the real peers', () => {
  let chaincode: string;
  let ledger: FabricLedger;

  beforeAll(async () => {
    chaincode = await freshChaincodeNamespace();
    ledger = await connectLedger(chaincode);
    await ledger.submit('HospitalAMSP', { name: 'registry:RegisterOrg', args: ['hospital-a', publicJwk(), 'admin-a'] });
  });
  afterAll(async () => {
    await ledger?.close();
  });

  it("maps the chaincode's refusal to its code, from evaluate and from submit", async () => {
    await expect(ledger.evaluate('HospitalAMSP', { name: 'registry:GetUser', args: ['nobody-here'] })).rejects.toMatchObject({ name: 'LedgerError', code: 'USER_NOT_FOUND' });
    await expect(ledger.submit('HospitalAMSP', { name: 'registry:RegisterOrg', args: ['hospital-a', publicJwk(), 'admin-a2'] })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
  });

  it('refuses to speak for an org whose identity it does not hold', async () => {
    const onlyB = await connectLedger(chaincode, ['hospital-b']);
    try {
      await expect(onlyB.evaluate('HospitalAMSP', { name: 'registry:ListOrgs' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    } finally {
      await onlyB.close();
    }
  });

  it('answers UNAVAILABLE for a chaincode that is not on the channel', async () => {
    const missing = await connectLedger('not-deployed-here', ['hospital-a']);
    try {
      const evaluated = await missing.evaluate('HospitalAMSP', { name: 'registry:ListOrgs' }).catch((e: unknown) => e);
      const submitted = await missing.submit('HospitalAMSP', { name: 'registry:ListOrgs' }).catch((e: unknown) => e);
      expect([evaluated, submitted].map((e) => (e instanceof LedgerError ? e.code : e))).toEqual(['UNAVAILABLE', 'UNAVAILABLE']);
    } finally {
      await missing.close();
    }
  });

  it('retries transactions that lose a read conflict: ten concurrent registrations of one id give one winner and nine ALREADY_EXISTS', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () =>
        ledger.submit('HospitalAMSP', { name: 'registry:RegisterUser', args: ['admin-a', 'contended-id', 'patient'] }).then(
          () => 'ok',
          (e: unknown) => (e instanceof LedgerError ? e.code : String(e)),
        ),
      ),
    );
    // Without the retry the losers would surface MVCC_READ_CONFLICT (CONFLICT); retried, the chaincode itself refuses them.
    expect(outcomes.sort()).toEqual(['ok', ...Array(9).fill('ALREADY_EXISTS')].sort());
  });

  it('ends the event stream of a gateway closed while the stream was still opening', async () => {
    const stop = new AbortController();
    const seen: LedgerEvent[] = [];
    const following = (async () => {
      for await (const e of ledger.events(undefined, { signal: stop.signal })) seen.push(e);
    })();
    stop.abort();
    await following;
    expect(seen).toEqual([]);
  }, 10_000);

  it('replays chaincode events after a checkpoint, in commit order', async () => {
    const all: LedgerEvent[] = [];
    const collect = async (from: LedgerEvent | undefined, into: LedgerEvent[], count: number) => {
      const stop = new AbortController();
      for await (const e of ledger.events(from && { blockNumber: from.blockNumber, txId: from.txId }, { signal: stop.signal })) {
        into.push(e);
        if (into.length === count) stop.abort();
      }
    };
    for (const id of ['ev-user-1', 'ev-user-2', 'ev-user-3']) await ledger.submit('HospitalAMSP', { name: 'registry:RegisterUser', args: ['admin-a', id, 'patient'] });
    // OrgRegistered, UserRegistered(contended-id), then the three above.
    await collect(undefined, all, 5);
    expect(all.map((e) => e.eventName)).toEqual(['OrgRegistered', 'UserRegistered', 'UserRegistered', 'UserRegistered', 'UserRegistered']);
    const after: LedgerEvent[] = [];
    await collect(all[2], after, 2);
    expect(after.map((e) => e.txId)).toEqual(all.slice(3, 5).map((e) => e.txId));
  });
});

describe('many concurrent reads of one patient on the real peers', () => {
  it('all succeed and are all recorded (each read adds an access event to the patient)', async () => {
    const h = await GatewayHarness.start();
    try {
      const { patient, doctor } = await h.aCareTeam();
      const file = someBytes(20_000, 4);
      const { body: rec } = await doctor.upload('pat-1', file).expect(201);
      const reads = await Promise.all(
        Array.from({ length: 8 }, () => patient.get(`/v1/records/${rec.recordId}/content?purpose=PATRQT`).buffer(true).parse(binary)),
      );
      expect(reads.map((r) => r.status)).toEqual(Array(8).fill(200));
      expect(reads.every((r) => Buffer.compare(r.body as Buffer, file) === 0)).toBe(true);
      const log = await patient.get('/v1/patients/pat-1/access-log').expect(200);
      expect(log.body.events.filter((e: { outcome: string }) => e.outcome === 'GRANTED')).toHaveLength(8);
    } finally {
      await h.close();
    }
  });
});
