import { A, B, CID, SHA, aConsortium, aJwe, eraseAll, type Consortium } from '../testing/scenario.js';

/** The transient `batch` of AnchorBatch. */
function aBatch(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sha256: SHA,
    size: 4200,
    cid: CID,
    mediaType: 'application/vnd.careledger.observations+json',
    wrappedKeys: { [A]: aJwe('a') },
    summary: { readings: 3, codes: ['8867-4', '59408-5', '8867-4'], from: '2026-01-01T00:00:00Z', to: '2026-01-01T00:02:00Z' },
    ...overrides,
  };
}

async function aDevice(c: Consortium, patient = 'pat-1', admin = 'admin-a', msp = A): Promise<string> {
  return (await c.ledger.submit<{ id: string }>('devices:RegisterDevice', [admin, patient], { msp })).id;
}

function anchor(c: Consortium, deviceId: string, batch = aBatch(), patient = 'pat-1', msp = A) {
  return c.ledger.submit<{ id: string; at: string }>('devices:AnchorBatch', [deviceId, patient], { msp, transient: { batch } });
}

describe('DeviceContract', () => {
  it('finds batches by time range: only those overlapping it, ordered by their last reading, paged, only what the caller may see', async () => {
    const c = await aConsortium();
    const deviceId = await aDevice(c);
    const at = (h: number) => new Date(Date.UTC(2026, 0, 1, h)).toISOString();
    const span = async (from: number, to: number) =>
      (await anchor(c, deviceId, aBatch({ summary: { readings: 2, codes: ['8867-4'], from: at(from), to: at(to) } }))).id;
    const early = await span(0, 1);
    const long = await span(1, 9);
    const mid = await span(4, 5);
    const late = await span(7, 8);
    const search = (actor: string, from: string, to: string, pageSize = '10', bookmark = '', msp = A) =>
      c.ledger.evaluate<{ records: { recordId: string }[]; bookmark: string }>('devices:BatchesInRange', [actor, 'pat-1', from, to, pageSize, bookmark], { msp });
    const ids = (page: { records: { recordId: string }[] }) => page.records.map((r) => r.recordId);
    expect(ids(await search('pat-1', at(3), at(6)))).toEqual([mid, long]);
    expect(ids(await search('pat-1', at(6), ''))).toEqual([late, long]);
    expect(ids(await search('pat-1', '', at(0)))).toEqual([early]);
    const first = await search('pat-1', '', '', '2');
    expect(ids(first)).toEqual([early, mid]);
    expect(ids(await search('pat-1', '', '', '2', first.bookmark))).toEqual([late, long]);
    await expect(search('pat-1', '', '', '2', 'rec_nosuch')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'bookmark' });
    expect(ids(await search('doc-b', '', '', '10', '', B))).toEqual([]);
    const shared = Object.fromEntries([early, long, mid, late].map((id) => [id, aJwe('b')]));
    await c.grant({ grantee: { kind: 'user', userId: 'doc-b' }, scope: { categories: ['device-observations'] }, wrappedKeys: shared });
    expect(ids(await search('doc-b', at(3), at(6), '10', '', B))).toEqual([mid, long]);
  });

  it('registers a device privately: the submit answers its id only and world state holds nothing of it', async () => {
    const c = await aConsortium();
    const before = c.ledger.keys('').length;
    const created = await c.ledger.submit<{ id: string; at: string }>('devices:RegisterDevice', ['admin-a', 'pat-1'], { msp: A });
    expect(created).toEqual({ id: expect.stringMatching(/^dev_[0-9a-f]{32}$/), at: '2026-01-01T00:00:00.000Z' });
    expect(c.ledger.keys('')).toHaveLength(before);
    const stored = c.ledger.keys(`org_${A}`).filter((k) => k.includes(created.id)).map((k) => c.ledger.read(`org_${A}`, k));
    expect(stored).toContainEqual(expect.objectContaining({ deviceId: created.id, patientId: 'pat-1', homeOrg: A, status: 'ACTIVE', registeredBy: 'admin-a' }));
    expect(c.ledger.events.at(-1)).toMatchObject({ name: 'DeviceRegistered', payload: { deviceId: created.id } });
  });

  it.each([
    ['a practitioner', 'doc-a', 'pat-1', A, 'WRONG_ROLE'],
    ['the patient', 'pat-1', 'pat-1', A, 'WRONG_ROLE'],
    ["another org's admin", 'admin-b', 'pat-1', B, 'WRONG_ORG'],
    ['an admin for a non-patient', 'admin-a', 'doc-a', A, 'USER_NOT_FOUND'],
  ])('refuses registration by %s', async (_who, actor, patient, msp, code) => {
    const c = await aConsortium();
    await expect(c.ledger.submit('devices:RegisterDevice', [actor, patient], { msp })).rejects.toMatchObject({ code });
  });

  it('anchors a batch in one transaction: a device-observations record, its wrapped key and a public hash anchor', async () => {
    const c = await aConsortium();
    const deviceId = await aDevice(c);
    const { id } = await anchor(c, deviceId);
    const meta = await c.ledger.evaluate<Record<string, unknown>>('records:GetRecord', ['pat-1', id], { msp: A });
    expect(meta).toMatchObject({
      category: 'device-observations',
      createdBy: deviceId,
      sha256: SHA,
      batch: { deviceId, readings: 3, codes: ['59408-5', '8867-4'], from: '2026-01-01T00:00:00.000Z', to: '2026-01-01T00:02:00.000Z' },
    });
    expect(meta).not.toHaveProperty('cid');
    expect(c.ledger.keys(`org_${A}`).some((k) => k.includes(id))).toBe(true);
    const publicAnchor = await c.ledger.evaluate('devices:GetBatchAnchor', [id], { msp: B });
    expect(publicAnchor).toEqual({ recordId: id, sha256: SHA, anchoredAt: '2026-01-01T00:00:00.000Z' });
    const publicText = c.ledger.keys('').map((k) => JSON.stringify(c.ledger.read('', k))).join();
    // The registry is public; no public value ties the device or the batch to the patient.
    expect(publicText).not.toContain(deviceId);
  });

  it('refuses a batch for another patient than the one the device was registered for', async () => {
    const c = await aConsortium();
    await c.ledger.submit('registry:RegisterUser', ['admin-a', 'pat-3', 'patient'], { msp: A });
    const deviceId = await aDevice(c);
    await expect(anchor(c, deviceId, aBatch(), 'pat-3')).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it("refuses a batch submitted by another org, an unknown device and a revoked device", async () => {
    const c = await aConsortium();
    const deviceId = await aDevice(c);
    // Another org does not even see the device.
    await expect(anchor(c, deviceId, aBatch(), 'pat-1', B)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(anchor(c, 'dev_unknown', aBatch())).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await c.ledger.submit('devices:RevokeDevice', ['admin-a', deviceId], { msp: A });
    await expect(anchor(c, deviceId)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(c.ledger.evaluate('devices:BatchRecipients', [deviceId, 'pat-1'], { msp: A })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('revokes only devices of the admin’s own org, once', async () => {
    const c = await aConsortium();
    const deviceId = await aDevice(c);
    await expect(c.ledger.submit('devices:RevokeDevice', ['admin-b', deviceId], { msp: B })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(c.ledger.submit('devices:RevokeDevice', ['doc-a', deviceId], { msp: A })).rejects.toMatchObject({ code: 'WRONG_ROLE' });
    await expect(c.ledger.submit('devices:RevokeDevice', ['admin-a', deviceId], { msp: A })).resolves.toEqual({ id: deviceId, at: expect.any(String) });
    await expect(c.ledger.submit('devices:RevokeDevice', ['admin-a', deviceId], { msp: A })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('wraps batches for every org with a device-observations consent in force', async () => {
    const c = await aConsortium();
    const deviceId = await aDevice(c);
    await c.grant({ grantee: { kind: 'org', org: B }, scope: { categories: ['device-observations'] } });
    await expect(c.ledger.evaluate('devices:BatchRecipients', [deviceId, 'pat-1'], { msp: A })).resolves.toEqual([A, B]);
    await expect(anchor(c, deviceId)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'wrappedKeys' });
    await expect(anchor(c, deviceId, aBatch({ wrappedKeys: { [A]: aJwe('a'), [B]: aJwe('b') } }))).resolves.toHaveProperty('id');
  });

  it.each([
    ['summary.readings', { summary: { readings: 10_001, codes: ['8867-4'], from: '2026-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' } }],
    ['summary.readings', { summary: { readings: 0, codes: ['8867-4'], from: '2026-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' } }],
    ['summary.codes', { summary: { readings: 1, codes: ['heart rate'], from: '2026-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' } }],
    ['summary.codes', { summary: { readings: 1, codes: [], from: '2026-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' } }],
    ['summary.from', { summary: { readings: 1, codes: ['8867-4'], from: 'yesterday', to: '2026-01-01T00:00:00Z' } }],
    ['summary.to', { summary: { readings: 1, codes: ['8867-4'], from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' } }],
    ['summary.readings', { summary: undefined }],
    ['sha256', { sha256: 'nope' }],
    ['cid', { cid: 'Qm' }],
    ['mediaType', { mediaType: 'json' }],
    ['size', { size: -3 }],
  ])('refuses a malformed batch: %s', async (field, overrides) => {
    const c = await aConsortium();
    const deviceId = await aDevice(c);
    await expect(anchor(c, deviceId, aBatch(overrides))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field });
  });

  it('GetBatchAnchor answers NOT_FOUND for a record that is not a batch', async () => {
    const c = await aConsortium();
    const recordId = await c.createRecord();
    await expect(c.ledger.evaluate('devices:GetBatchAnchor', [recordId], { msp: A })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('erasure purges the devices and the batches; the public anchor keeps only a hash', async () => {
    const c = await aConsortium();
    const deviceId = await aDevice(c);
    const { id } = await anchor(c, deviceId);
    await eraseAll(c.ledger, 'pat-1', 'pat-1', A);
    expect(c.ledger.keys(`org_${A}`).filter((k) => k.includes(deviceId) || k.includes(id))).toEqual([]);
    await expect(c.ledger.evaluate('devices:GetBatchAnchor', [id], { msp: A })).resolves.toMatchObject({ recordId: id, sha256: SHA });
  });
});
