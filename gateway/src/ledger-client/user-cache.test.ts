import type { User } from '@careledger/chaincode';
import { UserCache } from './user-cache.js';

const user = (role: User['role'], status: User['status'] = 'ACTIVE'): User => ({ userId: 'u1', role, homeOrg: 'HospitalAMSP', status, registeredAt: '2030-01-01T00:00:00.000Z' });

describe('UserCache', () => {
  let now = 0;
  const cache = () => new UserCache(1_000, 2, () => now);
  beforeEach(() => {
    now = 0;
  });

  it('reads the registry every time while nothing watches its events', async () => {
    const c = cache();
    let reads = 0;
    const read = async () => (reads++, user('admin'));
    await c.get('A', 'u1', read);
    await c.get('A', 'u1', read);
    expect(reads).toBe(2);
    expect(c.size).toBe(0);
  });

  it('serves a fresh entry while live, reads again after the time to live or a clear', async () => {
    const c = cache();
    c.setLive(true);
    let reads = 0;
    const read = async () => (reads++, user('admin'));
    await c.get('A', 'u1', read);
    await c.get('A', 'u1', read);
    expect(reads).toBe(1);
    now = 1_000;
    await c.get('A', 'u1', read);
    expect(reads).toBe(2);
    c.clear();
    await c.get('A', 'u1', read);
    expect(reads).toBe(3);
    c.forget('u1');
    await c.get('A', 'u1', read);
    expect(reads).toBe(4);
  });

  it('does not keep what a read returned when a change was announced while it ran', async () => {
    const c = cache();
    c.setLive(true);
    let release!: () => void;
    const slow = c.get('A', 'u1', () => new Promise<User>((resolve) => (release = () => resolve(user('admin')))));
    c.clear(); // the role change's event arrives while the old value is on its way
    release();
    expect((await slow).role).toBe('admin');
    expect((await c.get('A', 'u1', async () => user('practitioner'))).role).toBe('practitioner');
  });

  it('is emptied when the watch stops, and holds at most its limit', async () => {
    const c = cache();
    c.setLive(true);
    for (const id of ['a', 'b', 'c']) await c.get('A', id, async () => user('patient'));
    expect(c.size).toBe(2);
    c.setLive(false);
    expect(c.size).toBe(0);
  });

  it('never keeps a refusal', async () => {
    const c = cache();
    c.setLive(true);
    await expect(c.get('A', 'u1', () => Promise.reject(new Error('USER_NOT_FOUND')))).rejects.toThrow('USER_NOT_FOUND');
    expect(c.size).toBe(0);
  });
});
