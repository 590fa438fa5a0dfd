// The patient journey's first steps (folders 01-08 of the collection): ids for the run, sign in, register a
// patient and a doctor, upload, list, the doctor asks for access, the patient decides. Imported by
// build-collection.mjs, which puts them in the "Patient journey" folder in this order.
import { s, expect, carry, request, folder, uploadForm, signIn, whoAmI, register, contentIsTheFixture, ID_PATTERN } from './collection-helpers.mjs';

/** Folders 01-08 of the patient journey. */
export const journeyFirstSteps = [
  folder(
    '01 Start: ids for this run',
    'New user ids (timestamp-suffixed) so that the collection can run again and again against the same gateway; ids set in the environment win (network profile).',
    [
      request('Gateway ready', {
        route: 'GET /ready',
        as: null,
        pre: s`
        // One suffix per run: users, idempotency keys. Ids in the environment win (network profile:
        // they are the Firebase uids behind the pasted tokens).
        const suffix = pm.variables.replaceIn('{{$timestamp}}') + '-' + _.random(100, 999);
        const ids = { patientId: 'pat-' + suffix, doctorId: 'dr-' + suffix, patient2Id: 'pat2-' + suffix };
        Object.entries(ids).forEach(([name, value]) => {
          if (pm.environment.get(name)) console.info(name + ' comes from the environment');
          else pm.collectionVariables.set(name, value);
        });
        pm.collectionVariables.set('uploadKey', 'upload-' + suffix);
        pm.collectionVariables.set('consentExpiresAt', new Date(Date.now() + 30 * 86400000).toISOString());
      `,
        test: s`
        ${expect.status(200)}
        const body = pm.response.json();
        pm.test('every adapter answers', () => {
          pm.expect(body.status).to.eql('ok');
          Object.values(body.checks).forEach((check) => pm.expect(check).to.eql('ok'));
        });
      `,
      }),
    ],
  ),
  folder(
    '02 Sign in: admin',
    'Token folder. On the embedded profile the dev issuer (POST /v1/dev/tokens) signs a token for the seeded admin `{{adminUserId}}`. On the network profile set `adminToken` in the environment: the request is then skipped (pm.execution.skipRequest).',
    [
      signIn('Admin token (dev issuer)', 'adminToken', 'adminUserId'),
      whoAmI('Admin: who am I', 'admin', 'adminUserId', 'admin'),
    ],
  ),
  folder(
    '03 Register a patient and a doctor',
    "The org admin registers a patient and a practitioner of the admin's own hospital.",
    [
      register('Register the patient', 'patientId', 'patient'),
      register('Register the doctor', 'doctorId', 'practitioner'),
      request('Admin looks the patient up', {
        route: 'GET /v1/users/{{patientId}}',
        as: 'admin',
        test: s`
        ${expect.status(200)}
        const body = pm.response.json();
        pm.test('the registry entry', () => {
          pm.expect(body.userId).to.eql(pm.variables.get('patientId'));
          pm.expect(body.role).to.eql('patient');
          pm.expect(body.status).to.eql('ACTIVE');
        });
      `,
      }),
    ],
  ),
  folder(
    '04 Sign in: patient and doctor',
    'Token folder. Embedded profile: dev tokens for the users just registered. Network profile: set `patientToken` and `doctorToken` (and `patientId`, `doctorId`: their Firebase uids) in the environment; the token requests are then skipped and "who am I" checks that each token belongs to its user.',
    [
      signIn('Patient token (dev issuer)', 'patientToken', 'patientId'),
      signIn('Doctor token (dev issuer)', 'doctorToken', 'doctorId'),
      whoAmI('Patient: who am I', 'patient', 'patientId', 'patient'),
      whoAmI('Doctor: who am I', 'doctor', 'doctorId', 'practitioner'),
    ],
  ),
  folder(
    '05 Upload a report',
    'The doctor uploads a discharge letter: multipart with title and category BEFORE the file, and an Idempotency-Key so that the portal may retry safely.',
    [
      request('Doctor uploads a discharge letter', {
        route: 'POST /v1/patients/{{patientId}}/records',
        as: 'doctor',
        headers: [{ key: 'Idempotency-Key', value: '{{uploadKey}}' }],
        form: uploadForm(),
        test: s`
        ${expect.status(201)}
        const body = pm.response.json();
        pm.test('the record describes the uploaded file', () => {
          pm.expect(body.recordId).to.match(${ID_PATTERN});
          pm.expect(body.patientId).to.eql(pm.variables.get('patientId'));
          pm.expect(body.title).to.eql('Discharge letter');
          pm.expect(body.category).to.eql('report');
          pm.expect(body.mediaType).to.eql('text/plain');
          pm.expect(body.size).to.eql(Number(pm.variables.get('fixtureSize')));
          pm.expect(body.sha256).to.eql(pm.variables.get('fixtureSha256'));
          pm.expect(body.createdBy).to.eql(pm.variables.get('doctorId'));
        });
        ${carry('recordId', 'body.recordId')}
      `,
      }),
      request('Portal retries the upload (same Idempotency-Key)', {
        route: 'POST /v1/patients/{{patientId}}/records',
        as: 'doctor',
        headers: [{ key: 'Idempotency-Key', value: '{{uploadKey}}' }],
        form: uploadForm(),
        test: s`
        ${expect.status(201)}
        pm.test('the same record, not a second one', () => pm.expect(pm.response.json().recordId).to.eql(pm.variables.get('recordId')));
      `,
      }),
    ],
  ),
  folder(
    '06 List records',
    "The patient sees the record; the doctor, without consent, sees nothing in lists (no count, no hint). As the record's author the doctor still opens it for treatment (the author's treatment window, recorded with the basis AUTHOR) until the patient ends author access in the consents.",
    [
      request('Patient lists their reports', {
        route: 'GET /v1/patients/{{patientId}}/records?category=report&pageSize=10',
        as: 'patient',
        test: s`
        ${expect.status(200)}
        const body = pm.response.json();
        pm.test('exactly the uploaded record, one page', () => {
          pm.expect(body.records.map((r) => r.recordId)).to.eql([pm.variables.get('recordId')]);
          pm.expect(body.records[0].sha256).to.eql(pm.variables.get('fixtureSha256'));
          pm.expect(body.bookmark).to.eql('');
        });
      `,
      }),
      request("Patient opens the record's metadata", {
        route: 'GET /v1/records/{{recordId}}',
        as: 'patient',
        test: s`
        ${expect.status(200)}
        const body = pm.response.json();
        pm.test('the metadata', () => {
          pm.expect(body.recordId).to.eql(pm.variables.get('recordId'));
          pm.expect(body.title).to.eql('Discharge letter');
          pm.expect(body.size).to.eql(Number(pm.variables.get('fixtureSize')));
        });
      `,
      }),
      request('Patient reads the letter', {
        route: 'GET /v1/records/{{recordId}}/content?purpose=PATRQT',
        as: 'patient',
        test: contentIsTheFixture('GRANTED'),
      }),
      request("Patient reads the record's ledger history", {
        route: 'GET /v1/records/{{recordId}}/history',
        as: 'patient',
        test: s`
        ${expect.status(200)}
        const body = pm.response.json();
        pm.test('one ACTIVE anchor', () => {
          pm.expect(body).to.have.lengthOf(1);
          pm.expect(body[0].status).to.eql('ACTIVE');
          pm.expect(body[0].isDelete).to.eql(false);
          pm.expect(body[0].txId).to.be.a('string').and.not.empty;
        });
      `,
      }),
      request('Doctor lists: nothing without consent', {
        route: 'GET /v1/patients/{{patientId}}/records',
        as: 'doctor',
        test: s`
        ${expect.status(200)}
        pm.test('an empty page that reveals nothing', () => pm.expect(pm.response.json()).to.eql({ records: [], bookmark: '' }));
      `,
      }),
      request('Doctor opens the report they just uploaded: 200 (author\'s treatment window)', {
        route: 'GET /v1/records/{{recordId}}/content?purpose=TREAT',
        as: 'doctor',
        test: contentIsTheFixture('GRANTED'),
      }),
      request('Patient reads the author-access choice: allowed by default', {
        route: 'GET /v1/patients/{{patientId}}/consents/author-access',
        as: 'patient',
        test: s`
        ${expect.status(200)}
        pm.test('ALLOWED, with the treatment window in days', () => {
          pm.expect(pm.response.json().authorAccess).to.eql('ALLOWED');
          pm.expect(pm.response.json().windowDays).to.be.a('number').and.above(0);
        });
      `,
      }),
      request('The doctor cannot change it: 403', {
        route: 'PUT /v1/patients/{{patientId}}/consents/author-access',
        as: 'doctor',
        json: { authorAccess: 'DENIED' },
        test: expect.problem(403, 'FORBIDDEN'),
      }),
      request('Patient ends author access', {
        route: 'PUT /v1/patients/{{patientId}}/consents/author-access',
        as: 'patient',
        json: { authorAccess: 'DENIED' },
        test: s`
        ${expect.status(200)}
        pm.test('DENIED', () => pm.expect(pm.response.json()).to.include({ patientId: pm.variables.get('patientId'), authorAccess: 'DENIED' }));
      `,
      }),
      request('Doctor opens the metadata: 404 without consent', {
        route: 'GET /v1/records/{{recordId}}',
        as: 'doctor',
        test: expect.problem(404, 'RECORD_NOT_FOUND'),
      }),
    ],
  ),
  folder(
    '07 Doctor requests access',
    'The doctor is refused (and the refusal is recorded), then asks: once for research (to be denied), once for treatment.',
    [
      request('Doctor tries to read: 403 without consent', {
        route: 'GET /v1/records/{{recordId}}/content?purpose=TREAT',
        as: 'doctor',
        test: s`
        ${expect.problem(403, 'NO_CONSENT')}
        pm.test('a stable problem type', () => pm.expect(pm.response.json().type).to.include('no-consent'));
      `,
      }),
      request('Doctor asks for research access (to be denied)', {
        route: 'POST /v1/patients/{{patientId}}/access-requests',
        as: 'doctor',
        json: {
          purpose: 'HRESCH',
          scope: { categories: ['report'] },
          reason: 'Retrospective study of discharge letters',
        },
        test: s`
        ${expect.status(201)}
        const body = pm.response.json();
        pm.test('a pending request', () => {
          pm.expect(body.status).to.eql('PENDING');
          pm.expect(body.requesterId).to.eql(pm.variables.get('doctorId'));
          pm.expect(body.patientId).to.eql(pm.variables.get('patientId'));
          pm.expect(body.purpose).to.eql('HRESCH');
        });
        ${carry('researchRequestId', 'body.requestId')}
      `,
      }),
      request('Doctor asks for treatment access to the letter', {
        route: 'POST /v1/patients/{{patientId}}/access-requests',
        as: 'doctor',
        json: `{\n  "purpose": "TREAT",\n  "scope": { "recordIds": ["{{recordId}}"] },\n  "reason": "Follow-up consultation"\n}`,
        test: s`
        ${expect.status(201)}
        const body = pm.response.json();
        pm.test('a pending request for the letter', () => {
          pm.expect(body.status).to.eql('PENDING');
          pm.expect(body.scope).to.eql({ recordIds: [pm.variables.get('recordId')] });
          pm.expect(body.reason).to.eql('Follow-up consultation');
        });
        ${carry('treatRequestId', 'body.requestId')}
      `,
      }),
      request('Doctor lists their pending requests', {
        route: 'GET /v1/access-requests?status=pending',
        as: 'doctor',
        test: s`
        ${expect.status(200)}
        const mine = pm.response.json().filter((r) => r.patientId === pm.variables.get('patientId'));
        pm.test('both requests, pending', () => {
          pm.expect(mine.map((r) => r.requestId)).to.have.members([pm.variables.get('researchRequestId'), pm.variables.get('treatRequestId')]);
          mine.forEach((r) => pm.expect(r.status).to.eql('PENDING'));
        });
      `,
      }),
    ],
  ),
  folder(
    '08 Patient decides',
    'The patient sees both requests, denies research, approves treatment (a consent), and shares reports with the other hospital directly.',
    [
      request('Patient lists requests to decide', {
        route: 'GET /v1/access-requests?status=pending',
        as: 'patient',
        test: s`
        ${expect.status(200)}
        pm.test('both requests are waiting', () =>
          pm.expect(pm.response.json().map((r) => r.requestId)).to.have.members([pm.variables.get('researchRequestId'), pm.variables.get('treatRequestId')]));
      `,
      }),
      request('Patient denies the research request', {
        route: 'POST /v1/access-requests/{{researchRequestId}}/deny',
        as: 'patient',
        test: s`
        ${expect.status(200)}
        const body = pm.response.json();
        pm.test('denied', () => {
          pm.expect(body.requestId).to.eql(pm.variables.get('researchRequestId'));
          pm.expect(body.status).to.eql('DENIED');
          pm.expect(body.decidedAt).to.be.a('string');
        });
      `,
      }),
      request('Patient approves the treatment request', {
        route: 'POST /v1/access-requests/{{treatRequestId}}/approve',
        as: 'patient',
        json: {},
        test: s`
        ${expect.status(200)}
        const body = pm.response.json();
        pm.test('a consent for the doctor, the letter, treatment', () => {
          pm.expect(body.status).to.eql('ACTIVE');
          pm.expect(body.grantee).to.eql({ kind: 'user', userId: pm.variables.get('doctorId') });
          pm.expect(body.scope).to.eql({ recordIds: [pm.variables.get('recordId')] });
          pm.expect(body.purposes).to.eql(['TREAT']);
          pm.expect(body.requestId).to.eql(pm.variables.get('treatRequestId'));
          pm.expect(Date.parse(body.expiresAt)).to.be.above(Date.now());
        });
        ${carry('consentId', 'body.consentId')}
      `,
      }),
      request('Approving again: 409', {
        route: 'POST /v1/access-requests/{{treatRequestId}}/approve',
        as: 'patient',
        json: {},
        test: expect.problem(409, 'CONFLICT'),
      }),
      request('Patient shares reports with the other hospital', {
        route: 'POST /v1/patients/{{patientId}}/consents',
        as: 'patient',
        json: `{\n  "grantee": { "kind": "org", "org": "{{otherOrgMsp}}" },\n  "scope": { "categories": ["report"] },\n  "purposes": ["TREAT"],\n  "expiresAt": "{{consentExpiresAt}}"\n}`,
        test: s`
        ${expect.status(201)}
        const body = pm.response.json();
        pm.test('an org consent until the chosen date', () => {
          pm.expect(body.grantee).to.eql({ kind: 'org', org: pm.variables.get('otherOrgMsp') });
          pm.expect(body.granteeOrg).to.eql(pm.variables.get('otherOrgMsp'));
          pm.expect(Date.parse(body.expiresAt)).to.eql(Date.parse(pm.variables.get('consentExpiresAt')));
          pm.expect(body.status).to.eql('ACTIVE');
        });
        ${carry('orgConsentId', 'body.consentId')}
      `,
      }),
      request('Patient lists their consents', {
        route: 'GET /v1/patients/{{patientId}}/consents',
        as: 'patient',
        test: s`
        ${expect.status(200)}
        pm.test('both consents, active', () => {
          const consents = pm.response.json();
          pm.expect(consents.map((c) => c.consentId)).to.have.members([pm.variables.get('consentId'), pm.variables.get('orgConsentId')]);
          consents.forEach((c) => pm.expect(c.status).to.eql('ACTIVE'));
        });
      `,
      }),
    ],
  ),
];
