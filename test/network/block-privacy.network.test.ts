/**
 * What every member of the channel reads in its blocks: after a whole journey on the real network, the
 * public parts of every transaction (arguments, responses, events, public writes) hold no person's id, no
 * title, reason or content hash of the patient's data. Not even the registry: users are listed in their home
 * org's directory collection, whose writes are only hashes in the blocks.
 */
import request from 'supertest';
import { GatewayHarness, someBytes } from '../support/gateway-harness.js';
import { LedgerInspector, type PublicTransaction } from '../support/ledger-inspector.js';
import { uniqueName } from '../support/network-fixture.js';
import { eraseAndWait } from '../support/erasure.js';

/** The transaction's public bytes as text (ids and JSON are ASCII, so a search in latin1 finds them). */
function publicText(tx: PublicTransaction): string {
  const parts = [...tx.args, tx.response, ...(tx.event ? [Buffer.from(tx.event.name), tx.event.payload] : []), ...tx.writes.flatMap((w) => [Buffer.from(w.key), w.value])];
  return parts.map((p) => Buffer.from(p).toString('latin1')).join('\n');
}

describe('what blocks carry', () => {
  let h: GatewayHarness | undefined;
  let inspector: LedgerInspector | undefined;
  afterAll(async () => {
    inspector?.close();
    await h?.close();
  });

  it('no transaction of a whole journey names a person or carries private values in public', async () => {
    h = await GatewayHarness.start();
    inspector = await LedgerInspector.connect('hospital-b');
    const [patientId, doctorId, colleagueId, otherId] = ['pat', 'doc', 'doc', 'doc'].map((p) => uniqueName(`blk-${p}`));
    const start = await inspector.height();
    await h.register(patientId, 'patient');
    await h.register(doctorId, 'practitioner');
    await h.register(colleagueId, 'practitioner');
    await h.register(otherId, 'practitioner', 'hospital-b');
    const [patient, doctor, colleague, other, adminA] = await Promise.all([patientId, doctorId, colleagueId, otherId, 'hospital-a-admin'].map((u) => h!.as(u)));
    const title = uniqueName('Discharge letter');
    const reason = uniqueName('second opinion on the fracture');

    const { body: rec } = await doctor.upload(patientId, someBytes(5_000, 11), { title }).expect(201);
    const { body: meta } = await patient.get(`/v1/records/${rec.recordId}`).expect(200);
    const { body: asked } = await other.post(`/v1/patients/${patientId}/access-requests`, { purpose: 'TREAT', scope: { categories: ['report'] }, reason }).expect(201);
    const { body: consent } = await patient.post(`/v1/access-requests/${asked.requestId}/approve`, {}).expect(200);
    await other.get(`/v1/records/${rec.recordId}/content?purpose=TREAT`).expect(200);
    await patient.delete(`/v1/consents/${consent.consentId}`).expect(200);
    await other.get(`/v1/records/${rec.recordId}/content?purpose=TREAT`).expect(404);
    const { body: session } = await colleague.post(`/v1/patients/${patientId}/emergency-access`, { reasonCode: 'UNCONSCIOUS' }).expect(201);
    await adminA.post(`/v1/emergency-access/${session.sessionId}/review`).expect(200);
    const { body: device } = await adminA.post('/v1/devices', { patientId }).expect(201);
    await request(h.app)
      .post(`/v1/devices/${device.deviceId}/observations`)
      .set('Authorization', `Bearer ${device.token}`)
      .send({ readings: [{ code: '8867-4', time: new Date(Date.now() - 60_000).toISOString(), value: 72, unit: '/min' }] })
      .expect(201);
    await eraseAndWait(adminA, patientId);
    const end = await inspector.height();

    const txs = await inspector.publicTransactions(start, end);
    // Every kind of write of the journey is in these blocks (a transaction of each function was read).
    const functions = new Set(txs.map((t) => Buffer.from(t.args[0] ?? []).toString('utf8')));
    for (const fn of ['registry:RegisterUser', 'records:CreateRecord', 'requests:RequestAccess', 'requests:ApproveRequest', 'access:Access', 'consents:RevokeConsent', 'emergency:OpenEmergencyAccess', 'devices:AnchorBatch', 'erasure:BeginErasure', 'erasure:EraseKeys', 'erasure:ErasePatient']) {
      expect(functions).toContain(fn);
    }
    const secrets = { patientId, doctorId, colleagueId, otherId, title, reason, sha256: meta.sha256 as string };
    const found = txs.flatMap((tx) => {
      const text = publicText(tx);
      return Object.entries(secrets).filter(([, value]) => text.includes(value)).map(([name]) => `${name} in ${Buffer.from(tx.args[0] ?? []).toString('utf8')} (${tx.txId})`);
    });
    expect(found).toEqual([]);
  });
});
