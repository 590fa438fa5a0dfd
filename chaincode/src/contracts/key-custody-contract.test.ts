import { A, B, aConsortium, aJwe } from '../testing/scenario.js';

describe('KeyCustodyContract', () => {
  async function twoRecordsSharedWithB() {
    const world = await aConsortium();
    const first = await world.createRecord();
    const second = await world.createRecord();
    await world.grant({ grantee: { kind: 'user', userId: 'doc-b' }, scope: { recordIds: [first] }, wrappedKeys: { [first]: aJwe('b') } });
    // A record of Hospital B's patient pat-2 (B's own copy).
    const theirs = await world.createRecord({ wrappedKeys: { [B]: aJwe('b2') } }, 'pat-2', 'doc-b', B);
    return { ...world, first, second, theirs };
  }

  it("lists the org's own copies of its own patients' keys, page by page, for an admin of the org", async () => {
    const { ledger, first, second } = await twoRecordsSharedWithB();

    const one = await ledger.evaluate<{ keys: { recordId: string }[]; bookmark: string }>('custody:OwnKeys', ['admin-a', '1', ''], { msp: A });
    const two = await ledger.evaluate<{ keys: { recordId: string }[]; bookmark: string }>('custody:OwnKeys', ['admin-a', '1', one.bookmark], { msp: A });

    expect(one.keys).toHaveLength(1);
    expect(two).toEqual({ keys: [expect.any(Object)], bookmark: '' });
    expect([...one.keys, ...two.keys].map((k) => k.recordId).sort()).toEqual([first, second].sort());
    expect(one.keys[0]).toEqual({ recordId: expect.any(String), patientId: 'pat-1', wrappedKey: aJwe('a') });
  });

  it("leaves out the copies an org holds of another org's patients", async () => {
    const { ledger, theirs } = await twoRecordsSharedWithB();

    const page = await ledger.evaluate<{ keys: { recordId: string; patientId: string }[] }>('custody:OwnKeys', ['admin-b', '50', ''], { msp: B });

    expect(page.keys).toEqual([{ recordId: theirs, patientId: 'pat-2', wrappedKey: aJwe('b2') }]);
  });

  it('replaces the own copy of a key and nothing else', async () => {
    const { ledger, first } = await twoRecordsSharedWithB();

    await ledger.submit('custody:RewrapKeys', ['admin-a'], { msp: A, transient: { custody: { wrappedKeys: { [first]: aJwe('custody') } } } });

    const page = await ledger.evaluate<{ keys: { recordId: string; wrappedKey: string }[] }>('custody:OwnKeys', ['admin-a', '50', ''], { msp: A });
    expect(page.keys.find((k) => k.recordId === first)?.wrappedKey).toBe(aJwe('custody'));
    expect(page.keys.filter((k) => k.wrappedKey === aJwe('custody'))).toHaveLength(1);
  });

  it("refuses a practitioner, another org's admin, a record of another org and an unknown record", async () => {
    const { ledger, first, theirs } = await twoRecordsSharedWithB();
    const rewrap = (actor: string, msp: string, recordId: string) =>
      ledger.submit('custody:RewrapKeys', [actor], { msp, transient: { custody: { wrappedKeys: { [recordId]: aJwe('x') } } } });

    await expect(rewrap('doc-a', A, first)).rejects.toMatchObject({ code: 'WRONG_ROLE' });
    await expect(rewrap('admin-a', B, first)).rejects.toMatchObject({ code: 'WRONG_ORG' });
    await expect(rewrap('admin-a', A, theirs)).rejects.toMatchObject({ code: 'RECORD_NOT_FOUND' });
    await expect(rewrap('admin-b', B, first)).rejects.toMatchObject({ code: 'RECORD_NOT_FOUND' });
    await expect(rewrap('admin-a', A, 'rec_unknown')).rejects.toMatchObject({ code: 'RECORD_NOT_FOUND' });
    await expect(ledger.evaluate('custody:OwnKeys', ['doc-a', '50', ''], { msp: A })).rejects.toMatchObject({ code: 'WRONG_ROLE' });
  });
});
