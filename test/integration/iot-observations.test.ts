import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { fhirErrors } from '../../gateway/src/testing/fhir-validator.js';
import { GatewayHarness } from '../support/gateway-harness.js';
import { describeEmbeddedOnly } from '../support/test-profile.js';

interface Reading {
  code: string;
  time: string;
  value: number;
  unit: string;
}

const T0 = Date.parse('2026-01-10T08:00:00Z');

/** `n` readings a minute apart: heart rate and SpO2 alternating. */
function readings(n: number, start = T0): Reading[] {
  return Array.from({ length: n }, (_, i) =>
    i % 2 === 0
      ? { code: '8867-4', time: new Date(start + i * 60_000).toISOString(), value: 60 + (i % 40), unit: '/min' }
      : { code: '59408-5', time: new Date(start + i * 60_000).toISOString(), value: 90 + (i % 10), unit: '%' },
  );
}

async function registerDevice(h: GatewayHarness, patientId = 'pat-1', admin = 'hospital-a-admin'): Promise<{ deviceId: string; token: string }> {
  const res = await (await h.as(admin)).post('/v1/devices', { patientId }).expect(201);
  return { deviceId: res.body.deviceId, token: res.body.token };
}

function post(h: GatewayHarness, device: { deviceId: string; token: string }, body: object, deviceId = device.deviceId) {
  return request(h.app).post(`/v1/devices/${deviceId}/observations`).set('Authorization', `Bearer ${device.token}`).send(body);
}

async function blockFiles(h: GatewayHarness): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) await walk(full);
      else if (e.name.endsWith('.data')) out.push(full);
    }
  };
  await walk(path.join(h.config.dataDir, 'blobs', 'blocks'));
  return out;
}

describe('IoT observation batches', () => {
  let h: GatewayHarness;
  let team: Awaited<ReturnType<GatewayHarness['aCareTeam']>>;
  let device: { deviceId: string; token: string };
  let batchId = '';
  beforeAll(async () => {
    h = await GatewayHarness.start();
    team = await h.aCareTeam();
    await h.register('pat-2', 'patient');
    device = await registerDevice(h);
  });
  afterAll(async () => {
    await h.close();
  });

  it('an admin registers a device for a patient and gets a device credential once', async () => {
    const res = await team.adminA.post('/v1/devices', { patientId: 'pat-1' }).expect(201);
    expect(res.body).toMatchObject({ deviceId: expect.stringMatching(/^dev_/), patientId: 'pat-1', homeOrg: 'HospitalAMSP', tokenType: 'Bearer', token: expect.any(String), expiresIn: expect.any(Number) });
  });

  it('only an admin of the patient’s home org registers devices', async () => {
    expect((await team.adminB.post('/v1/devices', { patientId: 'pat-1' }).expect(403)).body.code).toBe('WRONG_ORG');
    expect((await team.doctor.post('/v1/devices', { patientId: 'pat-1' }).expect(403)).body.code).toBe('WRONG_ROLE');
    expect((await team.patient.post('/v1/devices', { patientId: 'pat-1' }).expect(403)).body.code).toBe('WRONG_ROLE');
    await team.adminA.post('/v1/devices', { patientId: 'doc-a' }).expect(404);
  });

  it('a batch round-trips: stored encrypted, anchored, read back by the patient as valid FHIR Observations', async () => {
    const sent = readings(1000);
    const res = await post(h, device, { readings: sent }).expect(201);
    expect(res.body).toMatchObject({ deviceId: device.deviceId, readings: 1000, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    batchId = res.body.batchId;

    const meta = await team.patient.get(`/v1/records/${batchId}`).expect(200);
    expect(meta.body).toMatchObject({ category: 'device-observations', createdBy: device.deviceId, sha256: res.body.sha256, batch: { deviceId: device.deviceId, readings: 1000, codes: ['59408-5', '8867-4'] } });

    const bundle = await team.patient.get('/v1/patients/pat-1/observations?purpose=PATRQT&limit=10000').expect(200);
    expect(bundle.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect(bundle.body).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 1000 });
    expect(fhirErrors(bundle.body)).toEqual([]);
    const values = bundle.body.entry.map((e: { resource: { code: { coding: { code: string }[] }; effectiveDateTime: string; valueQuantity: { value: number; code: string } } }) => ({
      code: e.resource.code.coding[0].code,
      time: e.resource.effectiveDateTime,
      value: e.resource.valueQuantity.value,
      unit: e.resource.valueQuantity.code,
    }));
    expect(values).toEqual(sent);
  });

  it('filters by LOINC code and time, and limits the answer (total counts every match)', async () => {
    const from = new Date(T0 + 10 * 60_000).toISOString();
    const to = new Date(T0 + 19 * 60_000).toISOString();
    const res = await team.patient.get(`/v1/patients/pat-1/observations?purpose=PATRQT&code=8867-4&from=${from}&to=${to}`).expect(200);
    expect(res.body.total).toBe(5);
    expect(res.body.entry.every((e: { resource: { code: { coding: { code: string }[] } } }) => e.resource.code.coding[0].code === '8867-4')).toBe(true);
    const limited = await team.patient.get('/v1/patients/pat-1/observations?purpose=PATRQT&limit=3').expect(200);
    expect({ total: limited.body.total, entries: limited.body.entry.length }).toEqual({ total: 1000, entries: 3 });
    expect((await team.patient.get('/v1/patients/pat-1/observations?purpose=PATRQT&code=9279-1').expect(200)).body.total).toBe(0);
    // A window that ends before it starts holds no reading: an empty answer, not an error (the query is schema-valid).
    expect((await team.patient.get(`/v1/patients/pat-1/observations?purpose=PATRQT&from=${to}&to=${from}`).expect(200)).body.total).toBe(0);
  });

  it('every batch read is in the access log with its purpose', async () => {
    const log = await team.patient.get(`/v1/patients/pat-1/access-log?recordId=${batchId}`).expect(200);
    expect(log.body.events.length).toBeGreaterThan(0);
    expect(log.body.events.every((e: { actorId: string; purpose: string; outcome: string }) => e.actorId === 'pat-1' && e.purpose === 'PATRQT' && e.outcome === 'GRANTED')).toBe(true);
  });

  it('readers see observations under the same consent rules (nothing without consent; refused purposes are recorded)', async () => {
    const empty = await team.doctor.get('/v1/patients/pat-1/observations?purpose=TREAT').expect(200);
    expect(empty.body).toMatchObject({ total: 0 });
    await team.patient.post('/v1/patients/pat-1/consents', { grantee: { kind: 'user', userId: 'doc-a' }, scope: { categories: ['device-observations'] }, purposes: ['TREAT'], expiresAt: new Date(Date.now() + 86_400_000).toISOString() }).expect(201);
    expect((await team.doctor.get('/v1/patients/pat-1/observations?purpose=TREAT&code=59408-5').expect(200)).body.total).toBe(500);
    expect((await team.doctor.get('/v1/patients/pat-1/observations?purpose=HRESCH').expect(403)).body.code).toBe('WRONG_PURPOSE');
    expect((await team.otherHospital.get('/v1/patients/pat-1/observations?purpose=TREAT').expect(200)).body.total).toBe(0);
  });

  it('a device cannot post for another device or another patient', async () => {
    const other = await registerDevice(h, 'pat-2', 'hospital-a-admin');
    expect((await post(h, other, { readings: readings(2) }, device.deviceId).expect(403)).body.code).toBe('FORBIDDEN');
    expect((await post(h, device, { patientId: 'pat-2', readings: readings(2) }).expect(403)).body.code).toBe('FORBIDDEN');
    // Nothing was stored for pat-2.
    expect((await (await h.as('pat-2')).get('/v1/patients/pat-2/observations?purpose=PATRQT').expect(200)).body.total).toBe(0);
  });

  it('a device credential reads nothing and a user token posts no batch', async () => {
    const asDevice = (url: string) => request(h.app).get(url).set('Authorization', `Bearer ${device.token}`);
    for (const url of ['/v1/me', '/v1/patients/pat-1/records', `/v1/records/${batchId}/content?purpose=PATRQT`, '/v1/patients/pat-1/observations?purpose=PATRQT', '/v1/fhir/Patient/pat-1']) {
      expect((await asDevice(url)).status).toBe(401);
    }
    const asUser = await request(h.app).post(`/v1/devices/${device.deviceId}/observations`).set('Authorization', `Bearer ${await h.token('pat-1')}`).send({ readings: readings(1) });
    expect(asUser.status).toBe(401);
    expect((await request(h.app).post(`/v1/devices/${device.deviceId}/observations`).send({ readings: readings(1) })).status).toBe(401);
  });

  it('refuses malformed batches before storing anything, naming the first bad reading', async () => {
    const bad = (r: Partial<Reading>) => ({ readings: [...readings(3), { ...readings(1)[0], ...r }] });
    expect((await post(h, device, bad({ code: '1234-5' })).expect(400)).body.field).toBe('readings[3].code');
    expect((await post(h, device, bad({ unit: 'bpm' })).expect(400)).body.field).toBe('readings[3].unit');
    expect((await post(h, device, bad({ time: '2026-01-10T08:00:00' })).expect(400)).body.field).toBe('readings[3].time');
    expect((await post(h, device, { readings: readings(10_001) }).expect(400)).body.field).toBe('readings');
    expect((await post(h, device, { readings: [] }).expect(400)).body.field).toBe('readings');
  });

  it('takes a full batch of 10,000 readings', async () => {
    const res = await post(h, device, { readings: readings(10_000, T0 + 86_400_000) }).expect(201);
    expect(res.body.readings).toBe(10_000);
  }, 30_000);

  it('a revoked device is refused (its credential no longer works)', async () => {
    const gone = await registerDevice(h);
    await team.adminB.delete(`/v1/devices/${gone.deviceId}`).expect(404);
    await team.adminA.delete(`/v1/devices/${gone.deviceId}`).expect(200);
    await team.adminA.delete(`/v1/devices/${gone.deviceId}`).expect(409);
    expect((await post(h, gone, { readings: readings(2) }).expect(403)).body.code).toBe('FORBIDDEN');
  });
});

describeEmbeddedOnly('a tampered batch', 'edits the embedded blockstore on disk', () => {
  it('is detected when read, recorded as an integrity violation, and answers 502', async () => {
    const h = await GatewayHarness.start();
    try {
      const team = await h.aCareTeam();
      const device = await registerDevice(h);
      const { batchId } = (await post(h, device, { readings: readings(50) }).expect(201)).body;
      const [block] = await blockFiles(h);
      expect((await stat(block)).size).toBeGreaterThan(100);
      const bytes = await readFile(block);
      bytes[bytes.length - 40] ^= 0x01;
      await writeFile(block, bytes);

      const res = await team.patient.get('/v1/patients/pat-1/observations?purpose=PATRQT').expect(502);
      expect(res.body.code).toBe('INTEGRITY_VIOLATION');
      const log = await team.patient.get(`/v1/patients/pat-1/access-log?recordId=${batchId}`).expect(200);
      for (let i = 0; i < 50 && !log.body.events.some((e: { outcome: string }) => e.outcome === 'INTEGRITY_VIOLATION'); i++) {
        await new Promise((r) => setTimeout(r, 50));
        log.body = (await team.patient.get(`/v1/patients/pat-1/access-log?recordId=${batchId}`).expect(200)).body;
      }
      expect(log.body.events.map((e: { outcome: string }) => e.outcome)).toEqual(['GRANTED', 'INTEGRITY_VIOLATION']);
    } finally {
      await h.close();
    }
  });
});
