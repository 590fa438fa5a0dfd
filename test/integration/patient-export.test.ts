import { createHash } from 'node:crypto';
import request from 'supertest';
import yauzl from 'yauzl';
import { aDicomFile } from '../../gateway/src/testing/dicom-fixture.js';
import { fhirErrors } from '../../gateway/src/testing/fhir-validator.js';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GatewayHarness, binary, someBytes } from '../support/gateway-harness.js';
import { describeEmbeddedOnly } from '../support/test-profile.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const EXT_SHA256 = 'https://careledger.dev/fhir/StructureDefinition/attachment-sha256';

/** Every entry of a ZIP (name -> bytes), read with yauzl (CRC-checked). */
function unzip(zip: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (err, file) => {
      if (err || !file) return reject(err);
      const out = new Map<string, Buffer>();
      file.on('error', reject);
      file.on('end', () => resolve(out));
      file.on('entry', (entry: yauzl.Entry) => {
        file.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('error', reject);
          stream.on('end', () => {
            out.set(entry.fileName, Buffer.concat(chunks));
            file.readEntry();
          });
        });
      });
      file.readEntry();
    });
  });
}

interface Entry {
  fullUrl?: string;
  resource: { resourceType: string; id: string; content?: { attachment: { url: string; extension: { url: string; valueBase64Binary: string }[] } }[] };
}

describe('patient export (right of access and portability)', () => {
  let h: GatewayHarness;
  let team: Awaited<ReturnType<GatewayHarness['aCareTeam']>>;
  const files = new Map<string, Buffer>();
  beforeAll(async () => {
    h = await GatewayHarness.start();
    team = await h.aCareTeam();
    const letter = someBytes(300_000, 3);
    const dicom = aDicomFile({ pixelBytes: 200_000 });
    files.set((await team.doctor.upload('pat-1', letter).expect(201)).body.recordId, letter);
    files.set((await team.doctor.upload('pat-1', dicom, { title: 'CT', category: 'imaging', mediaType: 'application/dicom' }).expect(201)).body.recordId, dicom);
    const deviceToken = (await team.adminA.post('/v1/devices', { patientId: 'pat-1' }).expect(201)).body;
    const readings = [{ code: '8867-4', time: '2026-01-01T00:00:00Z', value: 70, unit: '/min' }];
    await request(h.app).post(`/v1/devices/${deviceToken.deviceId}/observations`).set('Authorization', `Bearer ${deviceToken.token}`).send({ readings }).expect(201);
    await team.patient.post('/v1/patients/pat-1/consents', { grantee: { kind: 'user', userId: 'doc-a' }, scope: { categories: ['report'] }, purposes: ['TREAT'], expiresAt: new Date(Date.now() + 86_400_000).toISOString() }).expect(201);
    const [reportId] = files.keys();
    await team.doctor.get(`/v1/records/${reportId}/content?purpose=TREAT`).expect(200);
    await team.colleague.get(`/v1/records/${reportId}/content?purpose=TREAT`).expect(403);
  });
  afterAll(async () => {
    await h.close();
  });

  it('answers a valid FHIR R4 collection Bundle with the Patient and every DocumentReference, ImagingStudy, Consent and AuditEvent', async () => {
    const res = await team.patient.get('/v1/patients/pat-1/export').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect(res.body).toMatchObject({ resourceType: 'Bundle', type: 'collection' });
    expect(fhirErrors(res.body)).toEqual([]);
    const types = (res.body.entry as Entry[]).map((e) => e.resource.resourceType);
    expect(types.filter((t) => t === 'Patient')).toHaveLength(1);
    expect(types.filter((t) => t === 'DocumentReference')).toHaveLength(3);
    expect(types.filter((t) => t === 'ImagingStudy')).toHaveLength(1);
    expect(types.filter((t) => t === 'Consent')).toHaveLength(1);
    expect(types.filter((t) => t === 'AuditEvent')).toHaveLength(2);
    const doc = (res.body.entry as Entry[]).find((e) => e.resource.resourceType === 'DocumentReference')!;
    expect(doc.resource.content![0].attachment.url).toMatch(/^http:\/\/localhost:\d+\/v1\/records\/rec_[0-9a-f]+\/content$/);
    expect(doc.fullUrl).toMatch(/\/v1\/fhir\/DocumentReference\/rec-[0-9a-f]+$/);
    expect(JSON.stringify(res.body)).not.toMatch(/bafk|bafy/);
  });

  it('as a ZIP holds bundle.json and every file, decrypted, each matching the hash in its DocumentReference; every read is recorded as PATRQT', async () => {
    const res = await team.patient.get('/v1/patients/pat-1/export?format=zip').buffer(true).parse(binary).expect(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="careledger-export-pat-1\.zip"/);
    const entries = await unzip(res.body as Buffer);
    const bundle = JSON.parse(entries.get('bundle.json')!.toString('utf8'));
    expect(fhirErrors(bundle)).toEqual([]);
    const docs = (bundle.entry as Entry[]).filter((e) => e.resource.resourceType === 'DocumentReference');
    expect(docs).toHaveLength(3);
    expect([...entries.keys()].sort()).toEqual(['bundle.json', ...docs.map((d) => d.resource.content![0].attachment.url)].sort());
    for (const d of docs) {
      const file = entries.get(d.resource.content![0].attachment.url)!;
      const hash = d.resource.content![0].attachment.extension.find((x) => x.url === EXT_SHA256)!;
      expect(sha256(file)).toBe(Buffer.from(hash.valueBase64Binary, 'base64').toString('hex'));
    }
    for (const [recordId, bytes] of files) expect(entries.get([...entries.keys()].find((k) => k.includes(recordId))!)!.equals(bytes)).toBe(true);
    expect([...entries.keys()].find((k) => k.endsWith('.dcm'))).toBeDefined();

    const log = await team.patient.get('/v1/patients/pat-1/access-log?pageSize=200').expect(200);
    const exportReads = log.body.events.filter((e: { actorId: string; purpose: string; outcome: string }) => e.actorId === 'pat-1' && e.purpose === 'PATRQT' && e.outcome === 'GRANTED');
    expect(exportReads.map((e: { recordId: string }) => e.recordId).sort()).toEqual(docs.map((d) => d.resource.id.replace('-', '_')).sort());
    // The bundle inside the ZIP already lists the export's own reads.
    expect((bundle.entry as Entry[]).filter((e) => e.resource.resourceType === 'AuditEvent')).toHaveLength(2 + 3);
  });

  it.each(['doctor', 'colleague', 'otherHospital', 'adminA', 'adminB'] as const)('refuses the export to %s (403), in both formats', async (who) => {
    expect((await team[who].get('/v1/patients/pat-1/export').expect(403)).body.code).toBe('FORBIDDEN');
    expect((await team[who].get('/v1/patients/pat-1/export?format=zip').expect(403)).body.code).toBe('FORBIDDEN');
  });

  it('refuses an unknown format', async () => {
    expect((await team.patient.get('/v1/patients/pat-1/export?format=xml').expect(400)).body.field).toBe('format');
  });
});

describeEmbeddedOnly('an export with a tampered file', 'edits the embedded blockstore on disk', () => {
  it('is cut (never a complete ZIP) and the failed read is recorded as an integrity violation', async () => {
    const h = await GatewayHarness.start();
    try {
      const team = await h.aCareTeam();
      const { recordId } = (await team.doctor.upload('pat-1', someBytes(100_000)).expect(201)).body;
      const blocks: string[] = [];
      const walk = async (dir: string): Promise<void> => {
        for (const e of await readdir(dir, { withFileTypes: true })) {
          if (e.isDirectory()) await walk(path.join(dir, e.name));
          else if (e.name.endsWith('.data')) blocks.push(path.join(dir, e.name));
        }
      };
      await walk(path.join(h.config.dataDir, 'blobs', 'blocks'));
      const bytes = await readFile(blocks[0]);
      bytes[500] ^= 0x01;
      await writeFile(blocks[0], bytes);
      const outcome = await team.patient
        .get('/v1/patients/pat-1/export?format=zip')
        .buffer(true)
        .parse(binary)
        .then(
          (res) => unzip(res.body as Buffer).then(() => 'complete', () => 'broken'),
          () => 'cut',
        );
      expect(outcome).not.toBe('complete');
      let outcomes: string[] = [];
      for (let i = 0; i < 50 && !outcomes.includes('INTEGRITY_VIOLATION'); i++) {
        outcomes = (await team.patient.get(`/v1/patients/pat-1/access-log?recordId=${recordId}`).expect(200)).body.events.map((e: { outcome: string }) => e.outcome);
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(outcomes).toEqual(['GRANTED', 'INTEGRITY_VIOLATION']);
    } finally {
      await h.close();
    }
  });
});
