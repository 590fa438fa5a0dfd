// Resource folders of the collection (after the journey; they reuse its doctor and admin and a second patient
// `patient2Id` registered here): Operations, Dev tokens, Users, Records — each path's refusals.
import { s, expect, carry, request, folder, uploadForm } from './collection-helpers.mjs';

export const NO_TOKEN = 'Without a token: 401';

export const operations = folder('Operations', 'Liveness, readiness, the spec and Swagger UI; no token needed.', [
  request('Health', {
    route: 'GET /health',
    as: null,
    test: s`
      ${expect.status(200)}
      pm.test('ok, with the profile', () => {
        pm.expect(pm.response.json().status).to.eql('ok');
        pm.expect(pm.response.json().profile).to.be.a('string');
      });
    `,
  }),
  request('Ready', {
    route: 'GET /ready',
    as: null,
    test: s`
      ${expect.status(200)}
      pm.test('every adapter is checked', () =>
        pm.expect(pm.response.json().checks).to.include.all.keys('ledger', 'blobStore', 'permissionStore', 'keyService', 'authenticator'));
    `,
  }),
  request('OpenAPI document', {
    route: 'GET /openapi.json',
    as: null,
    test: s`
      ${expect.status(200)}
      pm.test('an OpenAPI 3 document with the v1 paths', () => {
        pm.expect(pm.response.json().openapi).to.match(/^3\\./);
        pm.expect(pm.response.json().paths).to.have.property('/v1/records/{recordId}/content');
      });
    `,
  }),
  request('Swagger UI', {
    route: 'GET /docs/',
    as: null,
    test: s`
      ${expect.status(200)}
      pm.test('an HTML page', () => pm.expect(pm.response.headers.get('Content-Type')).to.include('text/html'));
    `,
  }),
  request('Unknown path: 404 problem', {
    route: 'GET /v1/no-such-path',
    as: 'doctor',
    test: expect.problem(404, 'NOT_FOUND'),
  }),
  request('A method the path does not have: 405 with Allow', {
    route: 'PUT /v1/me',
    as: 'doctor',
    test: s`
      ${expect.problem(405, 'METHOD_NOT_ALLOWED')}
      pm.test('Allow lists the methods of the path', () => pm.expect(pm.response.headers.get('Allow')).to.eql('GET, HEAD'));
    `,
  }),
]);

export const devTokens = folder(
  'Dev tokens',
  'POST /v1/dev/tokens refusals (the issuer exists on the embedded profile only; elsewhere every call answers 404).',
  [
    request('Unknown user: 404', {
      route: 'POST /v1/dev/tokens',
      as: null,
      json: { userId: 'nobody-registered-this' },
      test: s`
      ${expect.status(404)}
      pm.test('USER_NOT_FOUND (embedded) or NOT_FOUND (no dev issuer)', () => pm.expect(pm.response.json().code).to.be.oneOf(['USER_NOT_FOUND', 'NOT_FOUND']));
    `,
    }),
    request('Malformed user id: 400', {
      route: 'POST /v1/dev/tokens',
      as: null,
      json: { userId: 'x' },
      test: expect.problem(400, 'INVALID_ARGUMENT', 'userId'),
    }),
  ],
);

export const users = folder('Users', 'Registration by the org admin; the registry entries.', [
  request('Admin registers a second patient', {
    route: 'POST /v1/users',
    as: 'admin',
    json: `{\n  "userId": "{{patient2Id}}",\n  "role": "patient"\n}`,
    test: s`
      ${expect.status(201)}
      pm.test('active patient', () => {
        pm.expect(pm.response.json().userId).to.eql(pm.variables.get('patient2Id'));
        pm.expect(pm.response.json().status).to.eql('ACTIVE');
      });
    `,
  }),
  request('Same id again: 409', {
    route: 'POST /v1/users',
    as: 'admin',
    json: `{\n  "userId": "{{patient2Id}}",\n  "role": "patient"\n}`,
    test: expect.problem(409, 'ALREADY_EXISTS'),
  }),
  request('Unknown role: 400', {
    route: 'POST /v1/users',
    as: 'admin',
    json: { userId: 'someone-new', role: 'surgeon' },
    test: expect.problem(400, 'INVALID_ARGUMENT', 'role'),
  }),
  request('Malformed id: 400', {
    route: 'POST /v1/users',
    as: 'admin',
    json: { userId: 'no spaces allowed', role: 'patient' },
    test: expect.problem(400, 'INVALID_ARGUMENT', 'userId'),
  }),
  request('Unknown property: 400', {
    route: 'POST /v1/users',
    as: 'admin',
    json: { userId: 'someone-new', role: 'patient', homeOrg: 'HospitalBMSP' },
    test: expect.problem(400, 'INVALID_ARGUMENT', 'homeOrg'),
  }),
  request('A doctor cannot register users: 403', {
    route: 'POST /v1/users',
    as: 'doctor',
    json: { userId: 'someone-new', role: 'patient' },
    test: expect.problem(403, 'WRONG_ROLE'),
  }),
  request(NO_TOKEN, {
    route: 'POST /v1/users',
    as: null,
    json: { userId: 'someone-new', role: 'patient' },
    test: expect.unauthenticated(),
  }),
  request('A forged token: 401', {
    route: 'POST /v1/users',
    as: 'forged',
    json: { userId: 'someone-new', role: 'patient' },
    test: expect.unauthenticated(),
  }),
  request('Doctor looks up the second patient', {
    route: 'GET /v1/users/{{patient2Id}}',
    as: 'doctor',
    test: s`
      ${expect.status(200)}
      pm.test('the registry entry', () => pm.expect(pm.response.json()).to.include({ userId: pm.variables.get('patient2Id'), role: 'patient', homeOrg: pm.variables.get('orgMsp') }));
    `,
  }),
  request('Unknown user: 404', {
    route: 'GET /v1/users/nobody-registered-this',
    as: 'doctor',
    test: expect.problem(404, 'USER_NOT_FOUND'),
  }),
  request(`${NO_TOKEN} (lookup)`, {
    route: 'GET /v1/users/{{patient2Id}}',
    as: null,
    test: expect.unauthenticated(),
  }),
  request(`${NO_TOKEN} (me)`, {
    route: 'GET /v1/me',
    as: null,
    test: expect.unauthenticated(),
  }),
]);

export const records = folder(
  'Records',
  'Upload, list, metadata, content, verify, history: the refusals, on the second patient.',
  [
    request('Doctor uploads for the second patient', {
      route: 'POST /v1/patients/{{patient2Id}}/records',
      as: 'doctor',
      form: uploadForm({ title: 'Lab result', category: 'lab-result' }),
      test: s`
      ${expect.status(201)}
      pm.test('a lab result', () => pm.expect(pm.response.json()).to.include({ patientId: pm.variables.get('patient2Id'), category: 'lab-result' }));
      ${carry('record2Id', 'pm.response.json().recordId')}
    `,
    }),
    request('File before the fields: 400', {
      route: 'POST /v1/patients/{{patient2Id}}/records',
      as: 'doctor',
      form: uploadForm({ fileFirst: true }),
      test: expect.problem(400, 'INVALID_ARGUMENT', 'title'),
    }),
    request('Unknown category: 400', {
      route: 'POST /v1/patients/{{patient2Id}}/records',
      as: 'doctor',
      form: uploadForm({ category: 'poem' }),
      test: expect.problem(400, 'INVALID_ARGUMENT', 'category'),
    }),
    request('JSON instead of multipart: 415', {
      route: 'POST /v1/patients/{{patient2Id}}/records',
      as: 'doctor',
      json: { title: 'Discharge letter', category: 'report' },
      test: expect.problem(415, 'UNSUPPORTED_MEDIA_TYPE'),
    }),
    request('An admin cannot upload: 403', {
      route: 'POST /v1/patients/{{patient2Id}}/records',
      as: 'admin',
      form: uploadForm(),
      test: expect.problem(403, 'WRONG_ROLE'),
    }),
    request(`${NO_TOKEN} (upload)`, {
      route: 'POST /v1/patients/{{patient2Id}}/records',
      as: null,
      form: uploadForm(),
      test: expect.unauthenticated(),
    }),
    request('pageSize 0: 400', {
      route: 'GET /v1/patients/{{patient2Id}}/records?pageSize=0',
      as: 'doctor',
      test: expect.problem(400, 'INVALID_ARGUMENT', 'pageSize'),
    }),
    request(`${NO_TOKEN} (list)`, {
      route: 'GET /v1/patients/{{patient2Id}}/records',
      as: null,
      test: expect.unauthenticated(),
    }),
    request('Unknown record: 404', {
      route: 'GET /v1/records/rec_does_not_exist',
      as: 'doctor',
      test: expect.problem(404, 'RECORD_NOT_FOUND'),
    }),
    request(`${NO_TOKEN} (metadata)`, {
      route: 'GET /v1/records/{{record2Id}}',
      as: null,
      test: expect.unauthenticated(),
    }),
    request('Content without a purpose: 400', {
      route: 'GET /v1/records/{{record2Id}}/content',
      as: 'doctor',
      test: expect.problem(400, 'INVALID_ARGUMENT', 'purpose'),
    }),
    request('Content for an unknown purpose: 400', {
      route: 'GET /v1/records/{{record2Id}}/content?purpose=CURIOSITY',
      as: 'doctor',
      test: expect.problem(400, 'INVALID_ARGUMENT', 'purpose'),
    }),
    // The doctor uploaded this record: as its author they may read it for treatment (the treatment window), so the
    // refusals ask for another purpose, which only a consent could allow.
    request('Content for billing without consent: 403 (recorded)', {
      route: 'GET /v1/records/{{record2Id}}/content?purpose=HPAYMT',
      as: 'doctor',
      test: expect.problem(403, 'NO_CONSENT'),
    }),
    request(`${NO_TOKEN} (content)`, {
      route: 'GET /v1/records/{{record2Id}}/content?purpose=TREAT',
      as: null,
      test: expect.unauthenticated(),
    }),
    request('Verify: unknown purpose: 400', {
      route: 'POST /v1/records/{{record2Id}}/verify',
      as: 'doctor',
      json: { purpose: 'CURIOSITY' },
      test: expect.problem(400, 'INVALID_ARGUMENT', 'purpose'),
    }),
    request('Verify for billing without consent: 403 (recorded)', {
      route: 'POST /v1/records/{{record2Id}}/verify',
      as: 'doctor',
      json: { purpose: 'HPAYMT' },
      test: expect.problem(403, 'NO_CONSENT'),
    }),
    request(`${NO_TOKEN} (verify)`, {
      route: 'POST /v1/records/{{record2Id}}/verify',
      as: null,
      json: { purpose: 'TREAT' },
      test: expect.unauthenticated(),
    }),
    request('History: the home admin sees the anchor', {
      route: 'GET /v1/records/{{record2Id}}/history',
      as: 'admin',
      test: s`
      ${expect.status(200)}
      pm.test('ACTIVE', () => pm.expect(pm.response.json()[0].status).to.eql('ACTIVE'));
    `,
    }),
    request('History without consent: 404', {
      route: 'GET /v1/records/{{record2Id}}/history',
      as: 'doctor',
      test: expect.problem(404, 'RECORD_NOT_FOUND'),
    }),
    request(`${NO_TOKEN} (history)`, {
      route: 'GET /v1/records/{{record2Id}}/history',
      as: null,
      test: expect.unauthenticated(),
    }),
  ],
);

