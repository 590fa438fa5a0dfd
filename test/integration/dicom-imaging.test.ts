import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ClassicLevel } from 'classic-level';
import request from 'supertest';
import { aDicomFile, identifiersIn, DICOM_PATIENT } from '../../gateway/src/testing/dicom-fixture.js';
import { fhirErrors } from '../../gateway/src/testing/fhir-validator.js';
import { GatewayHarness, binary } from '../support/gateway-harness.js';
import { describeEmbeddedOnly } from '../support/test-profile.js';

type Client = Awaited<ReturnType<GatewayHarness['as']>>;

/** A DICOM upload (the harness's upload sends a PDF part; the `mediaType` field is what counts). */
function uploadDicom(doctor: Client, file: Buffer, fields: Record<string, string> = {}) {
  return doctor.upload('pat-1', file, { title: 'CT thorax', category: 'imaging', mediaType: 'application/dicom', ...fields });
}

/** Every file under a directory, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full)));
    else out.push(full);
  }
  return out;
}

/** Every key and value of the embedded ledger's LevelDB (decoded, so compression cannot hide a match). */
async function ledgerText(dataDir: string): Promise<string> {
  const db = new ClassicLevel<string, Buffer>(path.join(dataDir, 'ledger', 'ledger'), { keyEncoding: 'utf8', valueEncoding: 'buffer' });
  await db.open();
  const parts: string[] = [];
  try {
    for await (const [key, value] of db.iterator()) parts.push(key, value.toString('latin1'));
  } finally {
    await db.close();
  }
  return parts.join('\n');
}

const KEPT = { modality: 'CT', studyDate: '2024-03-15', bodyPart: 'CHEST', studyDescription: 'CT thorax with contrast', seriesDescription: 'Axial 1mm', sopClassUid: '1.2.840.10008.5.1.4.1.1.2', numberOfFrames: 3 };

describe('DICOM uploads', () => {
  let h: GatewayHarness;
  let team: Awaited<ReturnType<GatewayHarness['aCareTeam']>>;
  beforeAll(async () => {
    h = await GatewayHarness.start();
    team = await h.aCareTeam();
  });
  afterAll(async () => {
    await h.close();
  });

  it('keeps modality, study date, body part, descriptions, SOP class and frames as record metadata', async () => {
    const res = await uploadDicom(team.doctor, aDicomFile()).expect(201);
    expect(res.body.imaging).toEqual(KEPT);
    const meta = await team.patient.get(`/v1/records/${res.body.recordId}`).expect(200);
    expect(meta.body).toMatchObject({ mediaType: 'application/dicom', imaging: KEPT });
  });

  it('lists records by modality, over what the caller may see', async () => {
    const ct = (await uploadDicom(team.doctor, aDicomFile()).expect(201)).body.recordId;
    const mr = (await uploadDicom(team.doctor, aDicomFile({ modality: 'MR', bodyPart: 'HEAD' })).expect(201)).body.recordId;
    const ids = async (client: Client, query: string) => (await client.get(`/v1/patients/pat-1/records?${query}`).expect(200)).body.records.map((r: { recordId: string }) => r.recordId);
    expect(await ids(team.patient, 'modality=MR')).toEqual([mr]);
    expect(await ids(team.patient, 'modality=CT')).toContain(ct);
    expect(await ids(team.patient, 'modality=CT')).not.toContain(mr);
    expect(await ids(team.patient, 'modality=US')).toEqual([]);
    expect(await ids(team.doctor, 'modality=MR')).toEqual([]);
    await team.patient.get('/v1/patients/pat-1/records?modality=c%3Ft').expect(400);
  });

  it('answers each DICOM record as a valid FHIR ImagingStudy, found by modality', async () => {
    const { recordId } = (await uploadDicom(team.doctor, aDicomFile({ modality: 'US', bodyPart: 'ABDOMEN' })).expect(201)).body;
    const study = await team.patient.get(`/v1/fhir/ImagingStudy/${recordId}`).expect(200);
    expect(study.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect(fhirErrors(study.body)).toEqual([]);
    expect(study.body).toMatchObject({ resourceType: 'ImagingStudy', modality: [{ code: 'US' }], series: [{ bodySite: { display: 'ABDOMEN' } }] });
    const found = await team.patient.get('/v1/fhir/ImagingStudy?patient=pat-1&modality=US').expect(200);
    expect(fhirErrors(found.body)).toEqual([]);
    expect(found.body.entry.map((e: { resource: { identifier: { value: string }[] } }) => e.resource.identifier[0].value)).toEqual([recordId]);
    const doc = await team.patient.get(`/v1/fhir/DocumentReference/${recordId}`).expect(200);
    expect(doc.body.context.related).toEqual([{ reference: `ImagingStudy/${recordId.replace('_', '-')}` }]);
  });

  it('refuses a body that claims application/dicom but is not DICOM: 415 not-dicom, no blob, no record', async () => {
    const before = (await team.patient.get('/v1/patients/pat-1/records?pageSize=200').expect(200)).body.records.length;
    const blobsBefore = (await filesUnder(path.join(h.config.dataDir, 'blobs', 'blocks'))).length;
    const res = await uploadDicom(team.doctor, Buffer.from(`%PDF-1.7\n${'not an image '.repeat(2000)}`)).expect(415);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 415, code: 'NOT_DICOM', type: 'https://careledger.dev/problems/not-dicom' });
    expect((await team.patient.get('/v1/patients/pat-1/records?pageSize=200').expect(200)).body.records).toHaveLength(before);
    expect(await filesUnder(path.join(h.config.dataDir, 'blobs', 'blocks'))).toHaveLength(blobsBefore);
  });

  it('keeps an image whose header has no kept field other than the SOP class', async () => {
    const res = await uploadDicom(team.doctor, aDicomFile({ modality: '', studyDate: '', bodyPart: '', studyDescription: '', seriesDescription: '' })).expect(201);
    expect(res.body.imaging).toEqual({ sopClassUid: KEPT.sopClassUid, numberOfFrames: 3 });
  });
});

describeEmbeddedOnly('a DICOM patient name stays in the encrypted file', 'reads the embedded stores on disk', () => {
  it('appears in the decrypted download and nowhere else: not in ledger state, permission store, blocks, logs or any response', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'careledger-dicom-'));
    const lines: string[] = [];
    const capture = (level: string) => (obj: object, msg?: string) => lines.push(`${level} ${JSON.stringify(obj, (_k, v) => (v instanceof Error ? { message: v.message, stack: v.stack } : v))} ${msg ?? ''}`);
    const h = await GatewayHarness.start({ dataDir, log: { info: capture('info'), warn: capture('warn'), error: capture('error') } });
    const responses: string[] = [];
    const keep = (res: request.Response) => {
      responses.push(JSON.stringify(res.headers), res.text ?? '', JSON.stringify(res.body ?? ''));
      return res;
    };
    try {
      const team = await h.aCareTeam();
      const file = aDicomFile();
      const { recordId } = keep(await uploadDicom(team.doctor, file).expect(201)).body;
      await team.patient.post('/v1/patients/pat-1/consents', { grantee: { kind: 'user', userId: 'doc-a2' }, scope: { categories: ['imaging'] }, purposes: ['TREAT'], expiresAt: new Date(Date.now() + 86_400_000).toISOString() }).expect(201).then(keep);
      keep(await team.patient.get(`/v1/records/${recordId}`).expect(200));
      keep(await team.colleague.get('/v1/patients/pat-1/records?modality=CT').expect(200));
      keep(await team.patient.get(`/v1/fhir/ImagingStudy/${recordId}`).expect(200));
      keep(await team.patient.get(`/v1/fhir/DocumentReference/${recordId}`).expect(200));
      keep(await team.patient.get('/v1/fhir/ImagingStudy?patient=pat-1').expect(200));
      keep(await team.patient.get(`/v1/records/${recordId}/history`).expect(200));
      keep(await team.patient.get('/v1/patients/pat-1/export').expect(200));
      keep(await team.patient.get('/v1/patients/pat-1/access-log').expect(200));
      keep(await uploadDicom(team.doctor, Buffer.from('not dicom at all, Quixleworth? no.'.replace('Quixleworth', 'Q'))).expect(415));

      const download = await team.colleague.get(`/v1/records/${recordId}/content?purpose=TREAT`).buffer(true).parse(binary).expect(200);
      expect(Buffer.compare(download.body as Buffer, file)).toBe(0);
      expect(identifiersIn(download.body as Buffer)).toContain(DICOM_PATIENT.name);
      responses.push(JSON.stringify(download.headers));
    } finally {
      await h.close();
    }
    try {
      expect(identifiersIn(responses.join('\n'))).toEqual([]);
      expect(identifiersIn(lines.join('\n'))).toEqual([]);
      expect(identifiersIn(await ledgerText(dataDir))).toEqual([]);
      const files = await filesUnder(dataDir);
      expect(files.some((f) => f.includes(`${path.sep}permissions${path.sep}`))).toBe(true);
      expect(files.some((f) => f.includes(`${path.sep}blobs${path.sep}`))).toBe(true);
      for (const f of files) expect({ file: path.relative(dataDir, f), found: identifiersIn(await readFile(f)) }).toEqual({ file: path.relative(dataDir, f), found: [] });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
