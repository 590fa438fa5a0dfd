import { generateKeyPairSync } from 'node:crypto';
import type { EmergencySession } from '@careledger/chaincode';
import { unwrapDataKey } from '../crypto/data-key.js';
import { AppError } from '../domain/app-error.js';
import type { ChaincodeClient } from '../ledger-client/chaincode-client.js';
import type { KeyService, PublicJwk } from '../ports/key-service.js';
import type { Ledger } from '../ports/ledger.js';
import type { PermissionStore } from '../ports/permission-store.js';
import { EmergencyKeyRelease } from './emergency-key-release.js';
import type { OrgKeys } from './org-keys.js';

const silent = { info() {}, warn() {}, error() {} };
const A = 'HospitalAMSP';
const B = 'HospitalBMSP';
const HOUR = 3_600_000;
const NOW = new Date('2026-06-01T12:00:00.000Z');

/** B's key pair: the release must wrap with B's registered public key, so B's private key opens it. */
const b = generateKeyPairSync('ec', { namedCurve: 'P-256' });

function aSession(overrides: Partial<EmergencySession> = {}): EmergencySession {
  return {
    sessionId: 'brk_1',
    patientId: 'pat-1',
    patientOrg: A,
    actorId: 'doc-b',
    actorOrg: B,
    reasonCode: 'UNCONSCIOUS',
    openedAt: new Date(NOW.getTime() - HOUR).toISOString(),
    expiresAt: new Date(NOW.getTime() + 3 * HOUR).toISOString(),
    uses: 0,
    ...overrides,
  } as EmergencySession;
}

/** Hospital A's gateway (one org) over a recording chaincode; `fail` makes the release or withdrawal throw. */
function aReleaser(fail?: AppError) {
  const calls: { name: string; args: unknown[] }[] = [];
  const chaincode = {
    emergencyKeys: async (...args: unknown[]) => {
      calls.push({ name: 'emergencyKeys', args });
      return [
        { recordId: 'rec_1', wrappedKey: 'home-copy-1' },
        { recordId: 'rec_2', wrappedKey: 'home-copy-2' },
      ];
    },
    releaseEmergencyKeys: async (...args: unknown[]) => {
      calls.push({ name: 'releaseEmergencyKeys', args });
      if (fail) throw fail;
    },
    withdrawEmergencyKeys: async (...args: unknown[]) => {
      calls.push({ name: 'withdrawEmergencyKeys', args });
      if (fail) throw fail;
    },
  } as unknown as ChaincodeClient;
  const keys = { unwrap: async (_org: string, wrapped: string) => new Uint8Array(32).fill(wrapped.endsWith('1') ? 1 : 2) } as unknown as KeyService;
  const orgKeys = { publicKey: async (_as: string, mspId: string) => (mspId === B ? (b.publicKey.export({ format: 'jwk' }) as PublicJwk) : undefined) } as unknown as OrgKeys;
  const releaser = new EmergencyKeyRelease({} as Ledger, chaincode, {} as PermissionStore, keys, orgKeys, [{ mspId: A, name: 'hospital-a' }], silent, { sweepMs: 60_000, now: () => NOW });
  return { releaser, calls };
}

describe('EmergencyKeyRelease (the home hospital releases break-glass keys to the reader org)', () => {
  it("wraps every key the reader's org lacks with that org's public key and releases them as the home admin", async () => {
    const { releaser, calls } = aReleaser();
    await expect(releaser.settle(aSession())).resolves.toBe('released');
    const release = calls.find((c) => c.name === 'releaseEmergencyKeys')!;
    expect(release.args[0]).toEqual({ userId: 'hospital-a-admin', org: A, role: 'admin' });
    const wrapped = release.args[2] as Record<string, string>;
    expect(Object.keys(wrapped).sort()).toEqual(['rec_1', 'rec_2']);
    expect(await unwrapDataKey(wrapped.rec_1, b.privateKey)).toEqual(new Uint8Array(32).fill(1));
    expect(await unwrapDataKey(wrapped.rec_2, b.privateKey)).toEqual(new Uint8Array(32).fill(2));
  });

  it("leaves alone a local session, another org's patient and a session whose keys are released already", async () => {
    const { releaser, calls } = aReleaser();
    await expect(releaser.settle(aSession({ actorOrg: A }))).resolves.toBe('nothing');
    await expect(releaser.settle(aSession({ patientOrg: B, actorOrg: A }))).resolves.toBe('nothing');
    await expect(releaser.settle(aSession({ keysReleasedAt: NOW.toISOString() }))).resolves.toBe('nothing');
    expect(calls).toEqual([]);
  });

  it('withdraws the keys once the session ended (reviewed or past its window), once', async () => {
    const { releaser, calls } = aReleaser();
    const released = { keysReleasedAt: new Date(NOW.getTime() - HOUR).toISOString() };
    await expect(releaser.settle(aSession({ ...released, endedAt: NOW.toISOString() }))).resolves.toBe('withdrawn');
    await expect(releaser.settle(aSession({ ...released, expiresAt: new Date(NOW.getTime() - 1).toISOString() }))).resolves.toBe('withdrawn');
    await expect(releaser.settle(aSession({ ...released, endedAt: NOW.toISOString(), keysWithdrawnAt: NOW.toISOString() }))).resolves.toBe('nothing');
    // Never released (the home gateway was down for the whole session): nothing to take back.
    await expect(releaser.settle(aSession({ endedAt: NOW.toISOString() }))).resolves.toBe('nothing');
    expect(calls.map((c) => c.name)).toEqual(['withdrawEmergencyKeys', 'withdrawEmergencyKeys']);
  });

  it("takes a ledger refusal as final (the session ended meanwhile) but lets an outage through, to be retried from the checkpoint", async () => {
    await expect(aReleaser(new AppError('CONFLICT', 'the session has ended')).releaser.settle(aSession())).resolves.toBe('nothing');
    await expect(aReleaser(AppError.unavailable('ledger', 'the ledger is unavailable')).releaser.settle(aSession())).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});
