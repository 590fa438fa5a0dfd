/**
 * A submitted transaction's arguments are written into every member's blocks. The gateway seals them in the
 * transient map (see `sealArguments`), the chaincode unseals them (`SealedArgsContract`): after a whole
 * journey, no submit the gateway sent carries a person's id, or anything else, as a public argument, and the
 * real chaincode (fabric-shim's dispatch on the embedded ledger) accepted every one of them.
 */
import { SEALED_ARGS } from '@careledger/chaincode/rules';
import request from 'supertest';
import type { Ledger, TransactionRequest } from '../../gateway/src/ports/ledger.js';
import { GatewayHarness, someBytes } from '../support/gateway-harness.js';
import { itEmbeddedOnly } from '../support/test-profile.js';
import { eraseAndWait } from '../support/erasure.js';

/** A ledger that remembers every submit request before passing it on. */
function recordingSubmits(seen: TransactionRequest[]): (ledger: Ledger) => Ledger {
  return (ledger) =>
    new Proxy(ledger, {
      get(target, property) {
        if (property === 'submit') return (msp: string, req: TransactionRequest) => (seen.push(req), target.submit(msp, req));
        const value = Reflect.get(target, property) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
}

const PEOPLE = ['pat-1', 'doc-a', 'doc-a2', 'doc-b', 'hospital-a-admin', 'hospital-b-admin'];

describe('sealed transaction arguments', () => {
  let h: GatewayHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  itEmbeddedOnly('a whole journey submits no public argument: each one travels sealed in the transient map', 'records what the gateway submits', async () => {
    const seen: TransactionRequest[] = [];
    h = await GatewayHarness.start({ wrapLedger: recordingSubmits(seen) });
    const { patient, doctor, colleague, otherHospital, adminA } = await h.aCareTeam();
    const { body: rec } = await doctor.upload('pat-1', someBytes(5_000)).expect(201);
    const { body: asked } = await otherHospital.post('/v1/patients/pat-1/access-requests', { purpose: 'TREAT', scope: { categories: ['report'] }, reason: 'second opinion' }).expect(201);
    const { body: consent } = await patient.post(`/v1/access-requests/${asked.requestId}/approve`, {}).expect(200);
    await otherHospital.get(`/v1/records/${rec.recordId}/content?purpose=TREAT`).expect(200);
    await patient.delete(`/v1/consents/${consent.consentId}`).expect(200);
    await otherHospital.get(`/v1/records/${rec.recordId}/content?purpose=TREAT`).expect(404);
    const { body: session } = await colleague.post('/v1/patients/pat-1/emergency-access', { reasonCode: 'UNCONSCIOUS' }).expect(201);
    await adminA.post(`/v1/emergency-access/${session.sessionId}/review`).expect(200);
    const { body: device } = await adminA.post('/v1/devices', { patientId: 'pat-1' }).expect(201);
    await request(h.app)
      .post(`/v1/devices/${device.deviceId}/observations`)
      .set('Authorization', `Bearer ${device.token}`)
      .send({ readings: [{ code: '8867-4', time: new Date(Date.now() - 60_000).toISOString(), value: 72, unit: '/min' }] })
      .expect(201);
    await eraseAndWait(adminA, 'pat-1');

    const names = new Set(seen.map((r) => r.name));
    for (const name of ['registry:RegisterUser', 'records:CreateRecord', 'requests:RequestAccess', 'requests:ApproveRequest', 'access:Access', 'consents:RevokeConsent', 'emergency:OpenEmergencyAccess', 'emergency:ReviewEmergencyAccess', 'devices:RegisterDevice', 'devices:AnchorBatch', 'erasure:BeginErasure', 'erasure:EraseKeys', 'erasure:ErasePatient']) {
      expect(names).toContain(name);
    }
    for (const req of seen) {
      expect({ name: req.name, args: req.args }).toEqual({ name: req.name, args: (req.args ?? []).map(() => '') });
      const sealed = JSON.parse(Buffer.from(req.transient![SEALED_ARGS]).toString('utf8')) as string[];
      expect(sealed).toHaveLength(req.args!.length);
    }
    // The ids are there, only sealed: the patient's id went into the transient map of the transactions about them.
    const sealedText = seen.map((r) => Buffer.from(r.transient![SEALED_ARGS]).toString('utf8')).join('\n');
    for (const person of PEOPLE.filter((p) => p !== 'hospital-b-admin')) expect(sealedText).toContain(`"${person}"`);
    const publicText = JSON.stringify(seen.map((r) => [r.name, r.args]));
    for (const person of PEOPLE) expect(publicText).not.toContain(person);
  }, 60_000);
});
