/**
 * Every FHIR answer of the gateway, checked by the HAPI FHIR reference validator (HL7's validator core,
 * R4, offline): each FHIR view read, every search (paged, with `self`/`next` links, with and without
 * filters), the export Bundle and the Bundle inside the export ZIP, device observations, AuditEvents of
 * every outcome (granted, denied, break-glass, integrity violation, failed), and Consents of every grantee
 * kind and scope kind in every state. The bar is 0 errors; warnings are counted and reported.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import yauzl from 'yauzl';
import { aDicomFile } from '../../gateway/src/testing/dicom-fixture.js';
import { GatewayHarness, binary, someBytes } from '../support/gateway-harness.js';
import { validateWithHapi, type ValidationRun } from './toolchain.js';

type Client = Awaited<ReturnType<GatewayHarness['as']>>;

/** Every `.data` block file of the embedded blob store. */
async function blockFiles(h: GatewayHarness): Promise<Set<string>> {
  const out = new Set<string>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.name.endsWith('.data')) out.add(full);
    }
  };
  await walk(path.join(h.config.dataDir, 'blobs', 'blocks'));
  return out;
}

/** The bundle.json of an export ZIP. */
function bundleOfZip(zip: Buffer): Promise<object> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (err, file) => {
      if (err || !file) return reject(err);
      file.on('error', reject);
      file.on('end', () => reject(new Error('no bundle.json in the export')));
      file.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName !== 'bundle.json') return file.readEntry();
        file.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as object));
        });
      });
      file.readEntry();
    });
  });
}

const inDays = (h: GatewayHarness, days: number) => new Date(h.clock.now().getTime() + days * 86_400_000).toISOString();

describe('FHIR output checked by the HAPI FHIR reference validator', () => {
  let h: GatewayHarness;
  const collected = new Map<string, object>();
  let run: ValidationRun;

  /** GETs a FHIR answer and keeps it for the validator (following `next` links when `pages`). */
  async function collect(name: string, client: Client, url: string, pages = false): Promise<void> {
    let next: string | undefined = url;
    for (let page = 1; next; page++) {
      const res: request.Response = await client.get(next).expect(200);
      expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
      collected.set(pages ? `${name} (page ${page})` : name, res.body as object);
      const link: { url: string } | undefined = pages ? (res.body.link as { relation: string; url: string }[]).find((l) => l.relation === 'next') : undefined;
      next = link ? new URL(link.url).pathname + new URL(link.url).search : undefined;
    }
  }

  beforeAll(async () => {
    h = await GatewayHarness.start();
    const team = await h.aCareTeam();
    await h.register('pat-2', 'patient');
    const pat2 = await h.as('pat-2');
    const { doctor, colleague, otherHospital, patient, adminA } = team;

    // Records of every category; one DICOM study.
    const rec: Record<string, string> = {};
    for (const category of ['report', 'prescription', 'lab-result', 'discharge-summary', 'other']) {
      rec[category] = (await doctor.upload('pat-1', someBytes(3000), { category, title: `A ${category}` }).expect(201)).body.recordId;
    }
    rec.imaging = (await doctor.upload('pat-1', aDicomFile(), { category: 'imaging', title: 'CT thorax', mediaType: 'application/dicom' }).expect(201)).body.recordId;

    // A device and a batch of vital signs.
    const device = (await adminA.post('/v1/devices', { patientId: 'pat-1' }).expect(201)).body as { deviceId: string; token: string };
    const t0 = Date.parse('2026-03-01T08:00:00Z');
    const readings = [
      { code: '8867-4', value: 72, unit: '/min' },
      { code: '59408-5', value: 97, unit: '%' },
      { code: '8480-6', value: 121, unit: 'mm[Hg]' },
      { code: '8462-4', value: 79, unit: 'mm[Hg]' },
      { code: '8310-5', value: 36.8, unit: 'Cel' },
      { code: '29463-7', value: 71.5, unit: 'kg' },
    ].map((r, i) => ({ ...r, time: new Date(t0 + i * 60_000).toISOString() }));
    await request(h.app).post(`/v1/devices/${device.deviceId}/observations`).set('Authorization', `Bearer ${device.token}`).send({ readings }).expect(201);

    // Consents: a user grantee by record ids, a user grantee by categories, an org grantee, a revoked and an expired one.
    const grant = async (body: object) => (await patient.post('/v1/patients/pat-1/consents', body).expect(201)).body.consentId as string;
    const consents = {
      userRecords: await grant({ grantee: { kind: 'user', userId: 'doc-a' }, scope: { recordIds: [rec.report, rec.imaging] }, purposes: ['TREAT'], expiresAt: inDays(h, 30) }),
      userCategories: await grant({ grantee: { kind: 'user', userId: 'doc-a2' }, scope: { categories: ['lab-result', 'imaging', 'device-observations'] }, purposes: ['TREAT', 'HRESCH'], expiresAt: inDays(h, 30) }),
      org: await grant({ grantee: { kind: 'org', org: 'HospitalBMSP' }, scope: { categories: ['report', 'discharge-summary'] }, purposes: ['TREAT', 'HPAYMT'], expiresAt: inDays(h, 30) }),
      revoked: await grant({ grantee: { kind: 'user', userId: 'doc-a2' }, scope: { categories: ['prescription'] }, purposes: ['TREAT'], expiresAt: inDays(h, 30) }),
      expired: await grant({ grantee: { kind: 'user', userId: 'doc-a' }, scope: { categories: ['other'] }, purposes: ['PATRQT'], expiresAt: inDays(h, 1) }),
    };
    await patient.delete(`/v1/consents/${consents.revoked}`).expect(200);

    // Grants posted as FHIR Consents (POST /v1/fhir/Consent): the stored Consents they answer with are validated too.
    const ircp = (reference: string) => [{ role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }] }, reference: { reference } }];
    const fhirGrant = (provision: object) => ({
      resourceType: 'Consent',
      status: 'active',
      patient: { reference: 'Patient/pat-1' },
      provision: {
        type: 'permit',
        period: { end: inDays(h, 30) },
        action: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentaction', code: 'access' }] }],
        purpose: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'HRESCH' }],
        ...provision,
      },
    });
    const posted: [string, object][] = [
      ['user, categories as class', fhirGrant({ actor: ircp('Practitioner/doc-b'), class: [{ system: 'https://careledger.dev/fhir/CodeSystem/record-category', code: 'prescription' }] })],
      ['org, records as data', fhirGrant({ actor: ircp('Organization/HospitalBMSP'), data: [{ meaning: 'instance', reference: { reference: `DocumentReference/${rec.report}` } }] })],
    ];
    for (const [kind, body] of posted) {
      const res = await patient.post('/v1/fhir/Consent').set('Content-Type', 'application/fhir+json').send(JSON.stringify(body)).expect(201);
      collected.set(`Consent created by POST (${kind})`, res.body as object);
    }
    const view = (await patient.get(`/v1/fhir/Consent/${consents.userCategories}`).expect(200)).body as object;
    collected.set('Consent created by POST (a stored view posted back)', (await patient.post('/v1/fhir/Consent').set('Content-Type', 'application/fhir+json').send(JSON.stringify(view)).expect(201)).body as object);

    // Reads of every outcome: granted (consent, own record), denied (no consent, wrong purpose, revoked), break-glass.
    // (The doctor uploaded these records: as their author it may read them for treatment, so the read without a
    // consent is asked by a colleague. The other hospital, whose consent does not cover lab results, holds nothing
    // of the lab result: 404, and nothing to log.)
    await doctor.get(`/v1/records/${rec.report}/content?purpose=TREAT`).expect(200);
    await otherHospital.get(`/v1/records/${rec['discharge-summary']}/content?purpose=HPAYMT`).expect(200);
    await patient.get(`/v1/records/${rec.other}/content?purpose=PATRQT`).expect(200);
    await otherHospital.get(`/v1/records/${rec['lab-result']}/content?purpose=TREAT`).expect(404);
    await doctor.get(`/v1/records/${rec.report}/content?purpose=HPAYMT`).expect(403);
    await colleague.get(`/v1/records/${rec.prescription}/content?purpose=TREAT`).expect(403);
    await colleague.post('/v1/patients/pat-1/emergency-access', { reasonCode: 'UNCONSCIOUS' }).expect(201);
    await colleague.get(`/v1/records/${rec.prescription}/content?purpose=ETREAT`).expect(200);
    await colleague.get(`/v1/patients/pat-1/observations?purpose=TREAT`).expect(200);
    h.clock.advance(2 * 86_400_000);
    await doctor.get(`/v1/records/${rec.other}/content?purpose=PATRQT`).expect(403);

    // pat-2: an integrity violation (a flipped byte in a stored block) and a failed read (the blob is gone).
    let before = await blockFiles(h);
    const tampered = (await doctor.upload('pat-2', someBytes(600_000)).expect(201)).body.recordId as string;
    const newBlocks = [...(await blockFiles(h))].filter((f) => !before.has(f));
    const sizes = await Promise.all(newBlocks.map(async (f) => (await readFile(f)).length));
    const leaf = newBlocks[sizes.indexOf(Math.max(...sizes))];
    const bytes = await readFile(leaf);
    bytes[1000] ^= 0x01;
    await writeFile(leaf, bytes);
    await pat2
      .get(`/v1/records/${tampered}/content?purpose=PATRQT`)
      .buffer(true)
      .parse(binary)
      .then(
        () => undefined,
        () => undefined,
      );
    // The violation is recorded after the response was cut.
    for (let i = 0; i < 100; i++) {
      const log = await pat2.get('/v1/patients/pat-2/access-log').expect(200);
      if (log.body.events.some((e: { outcome: string }) => e.outcome === 'INTEGRITY_VIOLATION')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    before = await blockFiles(h);
    const missing = (await doctor.upload('pat-2', someBytes(2000)).expect(201)).body.recordId as string;
    for (const file of [...(await blockFiles(h))].filter((f) => !before.has(f))) await rm(file);
    await pat2.get(`/v1/records/${missing}/content?purpose=PATRQT`).expect(502);

    // Everything FHIR the gateway answers.
    await collect('Patient read', patient, '/v1/fhir/Patient/pat-1');
    for (const [category, id] of Object.entries(rec)) await collect(`DocumentReference read (${category})`, patient, `/v1/fhir/DocumentReference/${id}`);
    await collect('ImagingStudy read', patient, `/v1/fhir/ImagingStudy/${rec.imaging}`);
    for (const [kind, id] of Object.entries(consents)) await collect(`Consent read (${kind})`, patient, `/v1/fhir/Consent/${id}`);
    await collect('DocumentReference search', patient, '/v1/fhir/DocumentReference?patient=pat-1');
    await collect('DocumentReference search, _count=2', patient, '/v1/fhir/DocumentReference?patient=pat-1&_count=2', true);
    await collect('DocumentReference search, category', patient, '/v1/fhir/DocumentReference?patient=pat-1&category=report');
    await collect('DocumentReference search by a grantee', doctor, '/v1/fhir/DocumentReference?patient=pat-1');
    await collect('DocumentReference search, nothing visible', await h.as('doc-b'), '/v1/fhir/DocumentReference?patient=pat-2');
    await collect('ImagingStudy search', patient, '/v1/fhir/ImagingStudy?patient=pat-1');
    await collect('ImagingStudy search, modality', patient, '/v1/fhir/ImagingStudy?patient=pat-1&modality=CT&_count=1', true);
    await collect('Consent search', patient, '/v1/fhir/Consent?patient=pat-1');
    await collect('Consent search by a grantee', colleague, '/v1/fhir/Consent?patient=pat-1');
    await collect('AuditEvent search', patient, '/v1/fhir/AuditEvent?patient=pat-1');
    await collect('AuditEvent search, _count=3', adminA, '/v1/fhir/AuditEvent?patient=pat-1&_count=3', true);
    await collect('AuditEvent search (integrity violation, failed read)', pat2, '/v1/fhir/AuditEvent?patient=pat-2');
    await collect('Observation search', patient, '/v1/patients/pat-1/observations?purpose=PATRQT');
    await collect('Observation search, code and limit', colleague, '/v1/patients/pat-1/observations?purpose=TREAT&code=8867-4&limit=1');
    await collect('export Bundle', patient, '/v1/patients/pat-1/export');
    const zip = await patient.get('/v1/patients/pat-1/export?format=zip').buffer(true).parse(binary).expect(200);
    collected.set('export ZIP bundle.json', await bundleOfZip(zip.body as Buffer));

    // Errors on FHIR paths are OperationOutcomes: one of each status a FHIR client meets.
    const failures: [string, request.Test][] = [
      ['401', request(h.app).get('/v1/fhir/Patient/pat-1')],
      ['400', patient.get('/v1/fhir/DocumentReference?patient=pat-1&_count=0')],
      ['403', doctor.get('/v1/fhir/AuditEvent?patient=pat-1')],
      // The hospital's admin: not the author (the doctor may still read what it uploaded) and named by no consent.
      ['404', adminA.get(`/v1/fhir/DocumentReference/${rec.prescription}`)],
      ['405', patient.delete('/v1/fhir/Patient/pat-1')],
      ['400 (POST Consent)', patient.post('/v1/fhir/Consent').set('Content-Type', 'application/fhir+json').send(JSON.stringify({ resourceType: 'Consent', status: 'draft' }))],
    ];
    for (const [status, call] of failures) {
      const res = await call;
      expect(`${res.status} ${res.headers['content-type']}`).toBe(`${status.slice(0, 3)} application/fhir+json; charset=utf-8`);
      collected.set(`OperationOutcome ${status}`, res.body as object);
    }

    run = await validateWithHapi(collected);
  }, 600_000);

  afterAll(async () => {
    await h?.close();
    if (!run) return;
    const all = [...run.results.values()].flat();
    const count = (s: string) => all.filter((i) => i.severity === s).length;
    const resources = [...collected.values()].reduce<number>((n, r) => n + 1 + ((r as { entry?: unknown[] }).entry?.length ?? 0), 0);
    // Every issue, per answer, for a reader who wants to see the warnings.
    await mkdir(path.resolve('test/conformance/results'), { recursive: true });
    await writeFile(path.resolve('test/conformance/results/fhir-validation.json'), JSON.stringify(Object.fromEntries(run.results), null, 1));
    process.stdout.write(
      `\nHAPI FHIR validator 8.8.1 (R4): ${collected.size} answers, ${resources} resources; ` +
        `${count('fatal') + count('error')} errors, ${count('warning')} warnings; ${(run.ms / 1000).toFixed(1)} s (one JVM); every issue: test/conformance/results/fhir-validation.json\n`,
    );
  });

  it('collects every kind of FHIR answer', () => {
    const types = new Set(
      [...collected.values()].flatMap((r) => {
        const b = r as { resourceType: string; entry?: { resource: { resourceType: string } }[] };
        return [b.resourceType, ...(b.entry ?? []).map((e) => e.resource.resourceType)];
      }),
    );
    expect([...types].sort()).toEqual(['AuditEvent', 'Bundle', 'Consent', 'DocumentReference', 'ImagingStudy', 'Observation', 'OperationOutcome', 'Patient']);
    const outcomes = new Set(
      [...collected.entries()]
        .filter(([name]) => name.startsWith('AuditEvent search'))
        .flatMap(([, b]) => ((b as { entry: { resource: { outcome: string } }[] }).entry ?? []).map((e) => e.resource.outcome)),
    );
    expect([...outcomes].sort()).toEqual(['0', '4', '8']);
  });

  it('validates the Consents POST /v1/fhir/Consent answered with', () => {
    expect([...collected.keys()].filter((name) => name.startsWith('Consent created by POST')).length).toBe(3);
    expect([...collected.entries()].filter(([name]) => name.startsWith('Consent created by POST')).map(([, c]) => (c as { status: string }).status)).toEqual(['active', 'active', 'active']);
  });

  it('finds no error in any of them', () => {
    const errors = [...run.results.entries()].flatMap(([name, issues]) =>
      issues.filter((i) => i.severity === 'error' || i.severity === 'fatal').map((i) => `${name}: ${i.location}: ${i.message}`),
    );
    expect(errors).toEqual([]);
  });
});
