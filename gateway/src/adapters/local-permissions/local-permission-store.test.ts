import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  aGrant,
  anAccessRequest,
  describePermissionStoreContract,
} from '../../ports/permission-store.contract.js';
import { LocalPermissionStore } from './local-permission-store.js';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'careledger-permissions-'));
}

describePermissionStoreContract('LocalPermissionStore', async () => {
  const dir = await tempDir();
  const store = new LocalPermissionStore({ dir });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe('LocalPermissionStore on disk', () => {
  let dir: string;
  let store: LocalPermissionStore;

  beforeEach(async () => {
    dir = await tempDir();
    store = new LocalPermissionStore({ dir });
    await store.ready();
  });

  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps grants, requests and checkpoints across close and reopen', async () => {
    await store.upsertGrant(aGrant());
    await store.upsertAccessRequest(anAccessRequest());
    await store.setCheckpoint('projector', '7:1');
    await store.close();
    store = new LocalPermissionStore({ dir });
    expect(await store.listGrants({ patientId: 'p-1' })).toEqual([aGrant()]);
    expect(await store.listAccessRequests({ requesterId: 'u-1' })).toEqual([anAccessRequest()]);
    expect(await store.getCheckpoint('projector')).toBe('7:1');
  });

  it('lists oldest first, then by id', async () => {
    await store.upsertGrant(aGrant({ consentId: 'c-b', createdAt: '2030-01-02T00:00:00.000Z' }));
    await store.upsertGrant(aGrant({ consentId: 'c-c', createdAt: '2030-01-01T00:00:00.000Z' }));
    await store.upsertGrant(aGrant({ consentId: 'c-a', createdAt: '2030-01-02T00:00:00.000Z' }));
    const listed = await store.listGrants({ patientId: 'p-1' });
    expect(listed.map((g) => g.consentId)).toEqual(['c-c', 'c-a', 'c-b']);
  });

  it('keeps ids and values with separators apart', async () => {
    await store.upsertGrant(aGrant({ consentId: 'c/1', patientId: 'p/1' }));
    await store.upsertGrant(aGrant({ consentId: 'c%2F1', patientId: 'p' }));
    expect((await store.listGrants({ patientId: 'p/1' })).map((g) => g.consentId)).toEqual(['c/1']);
    expect((await store.listGrants({ patientId: 'p' })).map((g) => g.consentId)).toEqual(['c%2F1']);
  });

  it('refuses a grant without an id', async () => {
    await expect(store.upsertGrant(aGrant({ consentId: '' }))).rejects.toThrow(TypeError);
  });

  it('keeps every write of concurrent upserts listed under its final values', async () => {
    await Promise.all(
      ['u-1', 'u-2', 'u-3'].map((userId) => store.upsertGrant(aGrant({ grantee: { kind: 'user', userId } }))),
    );
    const final = await store.getGrant('c-1');
    const userId = final?.grantee.kind === 'user' ? final.grantee.userId : undefined;
    expect(userId).toBe('u-3');
    expect(await store.listGrants({ granteeUserId: 'u-1' })).toEqual([]);
    expect(await store.listGrants({ granteeUserId: 'u-3' })).toHaveLength(1);
  });

  it('is not ready once closed', async () => {
    await store.close();
    await expect(store.ready()).rejects.toThrow('closed');
  });
});
