import request from 'supertest';
import { fhirErrors } from '../../gateway/src/testing/fhir-validator.js';
import { GatewayHarness, someBytes } from '../support/gateway-harness.js';

describe('FHIR R4 views (/v1/fhir)', () => {
  let h: GatewayHarness;
  let team: Awaited<ReturnType<GatewayHarness['aCareTeam']>>;
  const records: string[] = [];
  let consentId = '';
  beforeAll(async () => {
    h = await GatewayHarness.start();
    team = await h.aCareTeam();
    // A colleague uploads: the author of a record may read it in the treatment window.
    for (const category of ['report', 'report', 'lab-result']) records.push((await team.colleague.upload('pat-1', someBytes(5000), { category }).expect(201)).body.recordId);
    consentId = (
      await team.patient
        .post('/v1/patients/pat-1/consents', { grantee: { kind: 'user', userId: 'doc-a' }, scope: { categories: ['report'] }, purposes: ['TREAT'], expiresAt: new Date(Date.now() + 86_400_000).toISOString() })
        .expect(201)
    ).body.consentId;
    await team.doctor.get(`/v1/records/${records[0]}/content?purpose=TREAT`).expect(200);
    await team.doctor.get(`/v1/records/${records[2]}/content?purpose=TREAT`).expect(403);
  });
  afterAll(async () => {
    await h.close();
  });

  it('answers application/fhir+json resources that validate against R4', async () => {
    for (const url of [
      '/v1/fhir/Patient/pat-1',
      `/v1/fhir/DocumentReference/${records[0]}`,
      '/v1/fhir/DocumentReference?patient=pat-1',
      `/v1/fhir/Consent/${consentId}`,
      '/v1/fhir/Consent?patient=pat-1',
      '/v1/fhir/AuditEvent?patient=pat-1',
      '/v1/fhir/ImagingStudy?patient=pat-1',
    ]) {
      const res = await team.patient.get(url).expect(200);
      expect({ url, type: res.headers['content-type'] }).toEqual({ url, type: 'application/fhir+json; charset=utf-8' });
      expect({ url, errors: fhirErrors(res.body) }).toEqual({ url, errors: [] });
    }
    // The first validation loads the R4 definitions (several seconds on a loaded machine).
  }, 30_000);

  it('reads a resource by its FHIR id (`-`) or by our id (`_`)', async () => {
    const fhirId = records[0].replace('_', '-');
    const a = await team.patient.get(`/v1/fhir/DocumentReference/${fhirId}`).expect(200);
    const b = await team.patient.get(`/v1/fhir/DocumentReference/${records[0]}`).expect(200);
    expect(a.body.identifier).toEqual(b.body.identifier);
    expect(a.body.id).toBe(fhirId);
    await team.patient.get(`/v1/fhir/Consent/${consentId.replace('_', '-')}`).expect(200);
  });

  it('pages a DocumentReference search with next links, over what the caller may see', async () => {
    const first = await team.patient.get('/v1/fhir/DocumentReference?patient=pat-1&_count=2').expect(200);
    expect(first.body.entry).toHaveLength(2);
    const next = first.body.link.find((l: { relation: string }) => l.relation === 'next').url as string;
    const second = await team.patient.get(new URL(next).pathname + new URL(next).search).expect(200);
    expect(second.body.entry).toHaveLength(1);
    expect(second.body.link.some((l: { relation: string }) => l.relation === 'next')).toBe(false);
    const reports = await team.patient.get('/v1/fhir/DocumentReference?patient=pat-1&category=report').expect(200);
    expect(reports.body.entry).toHaveLength(2);
    const doctor = await team.doctor.get('/v1/fhir/DocumentReference?patient=pat-1').expect(200);
    expect(doctor.body.entry.map((e: { resource: { identifier: { value: string }[] } }) => e.resource.identifier[0].value).sort()).toEqual([records[0], records[1]].sort());
    expect((await team.otherHospital.get('/v1/fhir/DocumentReference?patient=pat-1').expect(200)).body.entry).toBeUndefined();
  });

  it('hides what the caller may not see: 404 for reads, nothing in searches', async () => {
    await team.doctor.get(`/v1/fhir/DocumentReference/${records[2]}`).expect(404);
    await team.otherHospital.get(`/v1/fhir/Consent/${consentId}`).expect(404);
    await team.patient.get(`/v1/fhir/ImagingStudy/${records[0]}`).expect(404);
    await team.patient.get('/v1/fhir/Patient/doc-a').expect(404);
    expect((await team.otherHospital.get('/v1/fhir/Consent?patient=pat-1').expect(200)).body.entry).toBeUndefined();
    await team.doctor.get('/v1/fhir/AuditEvent?patient=pat-1').expect(403);
  });

  it('shows granted and denied reads as AuditEvents with outcome and purpose', async () => {
    const res = await team.adminA.get('/v1/fhir/AuditEvent?patient=pat-1').expect(200);
    const events = res.body.entry.map((e: { resource: { outcome: string; purposeOfEvent: { coding: { code: string }[] }[] } }) => `${e.resource.outcome}:${e.resource.purposeOfEvent[0].coding[0].code}`);
    expect(events.sort()).toEqual(['0:TREAT', '4:TREAT']);
  });

  it('maps the consent: grantee as actor, purposes, period to expiry, category codes', async () => {
    const res = await team.doctor.get(`/v1/fhir/Consent/${consentId}`).expect(200);
    expect(res.body).toMatchObject({
      status: 'active',
      provision: { actor: [{ reference: { identifier: { value: 'doc-a' } } }], purpose: [{ code: 'TREAT' }], code: [{ coding: [{ code: 'report' }, { code: '47045-0' }] }] },
    });
  });

  it('builds fullUrls and links from the gateway, never from the Host header a client sends', async () => {
    const res = await team.patient.get('/v1/fhir/DocumentReference?patient=pat-1&_count=1').set('Host', 'attacker.example').expect(200);
    const urls = [...res.body.link.map((l: { url: string }) => l.url), ...res.body.entry.map((e: { fullUrl: string }) => e.fullUrl)];
    expect(urls.length).toBeGreaterThanOrEqual(3);
    for (const url of urls) expect(url).toMatch(/^http:\/\/localhost:\d+\/v1\/fhir\/DocumentReference/);
  });

  it('builds them from CARELEDGER_PUBLIC_URL when it is set', async () => {
    const other = await GatewayHarness.start({ env: { CARELEDGER_PUBLIC_URL: 'https://gw.hospital-a.example/careledger/' } });
    try {
      await other.register('pat-9', 'patient');
      const patient = await other.as('pat-9');
      const res = await patient.get('/v1/fhir/Consent?patient=pat-9').set('Host', 'attacker.example').expect(200);
      expect(res.body.link).toEqual([{ relation: 'self', url: 'https://gw.hospital-a.example/careledger/v1/fhir/Consent?patient=pat-9' }]);
    } finally {
      await other.close();
    }
  });

  it('answers errors as a FHIR OperationOutcome carrying the stable code, field and request id', async () => {
    const cases: { res: request.Response; status: number; code: string; type: string; field?: string }[] = [
      { res: await request(h.app).get('/v1/fhir/Patient/pat-1'), status: 401, code: 'UNAUTHENTICATED', type: 'login' },
      { res: await team.doctor.get(`/v1/fhir/DocumentReference/${records[2]}`), status: 404, code: 'RECORD_NOT_FOUND', type: 'not-found' },
      { res: await team.doctor.get('/v1/fhir/AuditEvent?patient=pat-1'), status: 403, code: 'FORBIDDEN', type: 'forbidden' },
      { res: await team.patient.get('/v1/fhir/DocumentReference?patient=pat-1&_count=0'), status: 400, code: 'INVALID_ARGUMENT', type: 'invalid', field: '_count' },
      { res: await team.patient.get('/v1/fhir/NoSuchType'), status: 404, code: 'NOT_FOUND', type: 'not-found' },
    ];
    for (const { res, status, code, type, field } of cases) {
      expect({ status: res.status, contentType: res.headers['content-type'] }).toEqual({ status, contentType: 'application/fhir+json; charset=utf-8' });
      expect(res.body).toEqual({
        resourceType: 'OperationOutcome',
        issue: [
          {
            severity: 'error',
            code: type,
            details: { coding: [{ system: 'https://careledger.dev/fhir/CodeSystem/error-code', code }], text: expect.any(String) },
            ...(field ? { expression: [field] } : {}),
            diagnostics: `requestId ${res.headers['x-request-id']}`,
          },
        ],
      });
      expect(fhirErrors(res.body)).toEqual([]);
    }
  });

  describe('POST /v1/fhir/Consent', () => {
    const inADay = () => new Date(Date.now() + 86_400_000).toISOString();
    /** A Consent as a FHIR client writes it: pat-1 grants doc-a2 lab results for treatment. */
    const aFhirConsent = (overrides: Record<string, unknown> = {}) => ({
      resourceType: 'Consent',
      status: 'active',
      patient: { reference: 'Patient/pat-1' },
      provision: {
        type: 'permit',
        period: { end: inADay() },
        actor: [{ role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }] }, reference: { reference: 'Practitioner/doc-a2' } }],
        action: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentaction', code: 'access' }] }],
        purpose: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'TREAT' }],
        class: [{ system: 'https://careledger.dev/fhir/CodeSystem/record-category', code: 'lab-result' }],
        ...overrides,
      },
    });
    const fhirPost = (client: typeof team.patient, body: object, type = 'application/fhir+json') =>
      client.post('/v1/fhir/Consent').set('Content-Type', type).send(JSON.stringify(body));

    it('stores the grant and answers 201 with the stored Consent as the view renders it', async () => {
      const res = await fhirPost(team.patient, aFhirConsent()).expect(201);
      expect(res.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
      expect(fhirErrors(res.body)).toEqual([]);
      const consentId = res.body.identifier[0].value as string;
      expect((await team.patient.get(`/v1/fhir/Consent/${res.body.id}`).expect(200)).body).toEqual(res.body);
      const stored = (await team.patient.get('/v1/patients/pat-1/consents').expect(200)).body.find((c: { consentId: string }) => c.consentId === consentId);
      expect(stored).toMatchObject({ grantee: { kind: 'user', userId: 'doc-a2' }, scope: { categories: ['lab-result'] }, purposes: ['TREAT'], status: 'ACTIVE' });
      // The grant is the JSON path's: doc-a2 now reads the lab result for treatment.
      await team.colleague.get(`/v1/records/${records[2]}/content?purpose=TREAT`).expect(200);
    });

    it('takes the view of a stored consent posted back (application/json) as the same grant', async () => {
      const view = (await team.patient.get(`/v1/fhir/Consent/${consentId}`).expect(200)).body;
      const res = await fhirPost(team.patient, view, 'application/json').expect(201);
      expect(res.body.id).not.toBe(view.id);
      const { id: _a, identifier: _b, dateTime: _c, provision: p1, ...rest1 } = view;
      const { id: _d, identifier: _e, dateTime: _f, provision: p2, ...rest2 } = res.body;
      expect(rest2).toEqual(rest1);
      expect({ ...p2, period: { end: p2.period.end } }).toEqual({ ...p1, period: { end: p1.period.end } });
    });

    it('lets only the patient grant (the caller comes from the token, not from Consent.patient)', async () => {
      for (const client of [team.doctor, team.adminA, team.otherHospital]) {
        const res = await fhirPost(client, aFhirConsent()).expect(403);
        expect(res.body.issue[0].details.coding[0].code).toBe('FORBIDDEN');
      }
      await fhirPost(request(h.app) as never, aFhirConsent()).expect(401);
    });

    it("names the element behind the grant's own refusals", async () => {
      const past = await fhirPost(team.patient, aFhirConsent({ period: { end: '2001-01-01T00:00:00Z' } })).expect(400);
      expect(past.body.issue[0].expression).toEqual(['Consent.provision.period.end']);
      expect(past.body.issue[0].details.text).not.toContain('expiresAt');
      const unknown = await fhirPost(team.patient, aFhirConsent({ actor: [{ role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }] }, reference: { reference: 'Practitioner/doc-nobody' } }] })).expect(404);
      expect(unknown.body.issue[0].details.coding[0].code).toBe('USER_NOT_FOUND');
      const text = await team.patient.post('/v1/fhir/Consent').set('Content-Type', 'text/plain').send('{}').expect(415);
      expect(text.body.resourceType).toBe('OperationOutcome');
    });
  });
});
