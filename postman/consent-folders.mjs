// Resource folders of the collection: Consents, Access requests, Break-glass and Patients (erasure of the
// second patient last) — each path's refusals.
import { s, expect, carry, request, folder, awaitErasure, erasureAccepted } from './collection-helpers.mjs';
import { NO_TOKEN } from './resource-folders.mjs';

const validConsent = `{\n  "grantee": { "kind": "user", "userId": "{{doctorId}}" },\n  "scope": { "categories": ["lab-result"] },\n  "purposes": ["TREAT"],\n  "expiresAt": "{{consentExpiresAt}}"\n}`;

export const consents = folder(
  'Consents',
  'Only the patient grants and revokes (the patient side is in the journey).',
  [
    request('A doctor cannot grant: 403', {
      route: 'POST /v1/patients/{{patient2Id}}/consents',
      as: 'doctor',
      json: validConsent,
      test: expect.problem(403, 'FORBIDDEN'),
    }),
    request('No purpose: 400', {
      route: 'POST /v1/patients/{{patient2Id}}/consents',
      as: 'doctor',
      json: `{\n  "grantee": { "kind": "user", "userId": "{{doctorId}}" },\n  "scope": { "categories": ["lab-result"] },\n  "purposes": [],\n  "expiresAt": "{{consentExpiresAt}}"\n}`,
      test: expect.problem(400, 'INVALID_ARGUMENT', 'purposes'),
    }),
    request('Not JSON: 400', {
      route: 'POST /v1/patients/{{patient2Id}}/consents',
      as: 'doctor',
      json: '{ "grantee": ',
      test: expect.problem(400, 'INVALID_ARGUMENT', 'body'),
    }),
    request(`${NO_TOKEN} (grant)`, {
      route: 'POST /v1/patients/{{patient2Id}}/consents',
      as: null,
      json: validConsent,
      test: expect.unauthenticated(),
    }),
    request('The home admin lists the consents', {
      route: 'GET /v1/patients/{{patient2Id}}/consents',
      as: 'admin',
      test: s`
      ${expect.status(200)}
      pm.test('none yet', () => pm.expect(pm.response.json()).to.eql([]));
    `,
    }),
    request(`${NO_TOKEN} (list)`, {
      route: 'GET /v1/patients/{{patient2Id}}/consents',
      as: null,
      test: expect.unauthenticated(),
    }),
    request('Unknown consent: 404', {
      route: 'DELETE /v1/consents/con_does_not_exist',
      as: 'doctor',
      test: expect.problem(404, 'NOT_FOUND'),
    }),
    request(`${NO_TOKEN} (revoke)`, {
      route: 'DELETE /v1/consents/{{consentId}}',
      as: null,
      test: expect.unauthenticated(),
    }),
  ],
);

export const accessRequests = folder(
  'Access requests',
  'Practitioners ask; only the patient decides (the patient side is in the journey).',
  [
    request('Doctor asks the second patient', {
      route: 'POST /v1/patients/{{patient2Id}}/access-requests',
      as: 'doctor',
      json: { purpose: 'TREAT', scope: { categories: ['lab-result'] }, reason: 'Pre-operative check' },
      test: s`
      ${expect.status(201)}
      pm.test('pending', () => pm.expect(pm.response.json().status).to.eql('PENDING'));
      ${carry('request2Id', 'pm.response.json().requestId')}
    `,
    }),
    request('Empty scope: 400', {
      route: 'POST /v1/patients/{{patient2Id}}/access-requests',
      as: 'doctor',
      json: { purpose: 'TREAT', scope: {}, reason: 'Pre-operative check' },
      test: expect.problem(400, 'INVALID_ARGUMENT', 'scope'),
    }),
    request('Empty reason: 400', {
      route: 'POST /v1/patients/{{patient2Id}}/access-requests',
      as: 'doctor',
      json: { purpose: 'TREAT', scope: { categories: ['report'] }, reason: '' },
      test: expect.problem(400, 'INVALID_ARGUMENT', 'reason'),
    }),
    request('Unknown patient: 404', {
      route: 'POST /v1/patients/nobody-registered-this/access-requests',
      as: 'doctor',
      json: { purpose: 'TREAT', scope: { categories: ['report'] }, reason: 'Pre-operative check' },
      test: expect.problem(404, 'USER_NOT_FOUND'),
    }),
    request(`${NO_TOKEN} (ask)`, {
      route: 'POST /v1/patients/{{patient2Id}}/access-requests',
      as: null,
      json: { purpose: 'TREAT', scope: { categories: ['report'] }, reason: 'Pre-operative check' },
      test: expect.unauthenticated(),
    }),
    request("The admin sees the org's pending requests", {
      route: 'GET /v1/access-requests?status=pending',
      as: 'admin',
      test: s`
      ${expect.status(200)}
      pm.test('includes the new request', () => pm.expect(pm.response.json().map((r) => r.requestId)).to.include(pm.variables.get('request2Id')));
    `,
    }),
    request('Unknown status: 400', {
      route: 'GET /v1/access-requests?status=maybe',
      as: 'doctor',
      test: expect.problem(400, 'INVALID_ARGUMENT', 'status'),
    }),
    request(`${NO_TOKEN} (list)`, {
      route: 'GET /v1/access-requests',
      as: null,
      test: expect.unauthenticated(),
    }),
    request('Only the patient approves: 403', {
      route: 'POST /v1/access-requests/{{request2Id}}/approve',
      as: 'doctor',
      json: {},
      test: expect.problem(403, 'FORBIDDEN'),
    }),
    request('Malformed request id: 400', {
      route: 'POST /v1/access-requests/x/approve',
      as: 'doctor',
      json: {},
      test: expect.problem(400, 'INVALID_ARGUMENT', 'requestId'),
    }),
    request(`${NO_TOKEN} (approve)`, {
      route: 'POST /v1/access-requests/{{request2Id}}/approve',
      as: null,
      json: {},
      test: expect.unauthenticated(),
    }),
    request('Only the patient denies: 403', {
      route: 'POST /v1/access-requests/{{request2Id}}/deny',
      as: 'doctor',
      test: expect.problem(403, 'FORBIDDEN'),
    }),
    request(`${NO_TOKEN} (deny)`, {
      route: 'POST /v1/access-requests/{{request2Id}}/deny',
      as: null,
      test: expect.unauthenticated(),
    }),
  ],
);

export const breakGlass = folder(
  'Break-glass',
  "Opening is for practitioners of the patient's hospital, the review queue for its admin.",
  [
    request('Unknown reason code: 400', {
      route: 'POST /v1/patients/{{patient2Id}}/emergency-access',
      as: 'doctor',
      json: { reasonCode: 'CURIOSITY' },
      test: expect.problem(400, 'INVALID_ARGUMENT', 'reasonCode'),
    }),
    request('An admin cannot open break-glass: 403', {
      route: 'POST /v1/patients/{{patient2Id}}/emergency-access',
      as: 'admin',
      json: { reasonCode: 'UNCONSCIOUS' },
      test: expect.problem(403, 'WRONG_ROLE'),
    }),
    request(`${NO_TOKEN} (open)`, {
      route: 'POST /v1/patients/{{patient2Id}}/emergency-access',
      as: null,
      json: { reasonCode: 'UNCONSCIOUS' },
      test: expect.unauthenticated(),
    }),
    request('A doctor cannot see the queue: 403', {
      route: 'GET /v1/emergency-access?reviewed=false',
      as: 'doctor',
      test: expect.problem(403, 'WRONG_ROLE'),
    }),
    request('reviewed=maybe: 400', {
      route: 'GET /v1/emergency-access?reviewed=maybe',
      as: 'admin',
      test: expect.problem(400, 'INVALID_ARGUMENT', 'reviewed'),
    }),
    request(`${NO_TOKEN} (queue)`, {
      route: 'GET /v1/emergency-access',
      as: null,
      test: expect.unauthenticated(),
    }),
    request('Unknown session: 404', {
      route: 'POST /v1/emergency-access/brk_does_not_exist/review',
      as: 'admin',
      test: expect.problem(404, 'NOT_FOUND'),
    }),
    request('A doctor cannot review: 403', {
      route: 'POST /v1/emergency-access/{{sessionId}}/review',
      as: 'doctor',
      test: expect.problem(403, 'WRONG_ROLE'),
    }),
    request(`${NO_TOKEN} (review)`, {
      route: 'POST /v1/emergency-access/{{sessionId}}/review',
      as: null,
      test: expect.unauthenticated(),
    }),
  ],
);

export const patients = folder(
  'Patients',
  'Access log, export, erasure; ends by the home admin erasing the second patient.',
  [
    request('The home admin reads the access log', {
      route: 'GET /v1/patients/{{patient2Id}}/access-log',
      as: 'admin',
      test: s`
      ${expect.status(200)}
      const events = pm.response.json().events;
      const by = (who) => events.filter((e) => e.actorId === pm.variables.get(who)).map((e) => e.outcome + ' ' + (e.reason || ''));
      pm.test('the doctor\\'s refused read and verify are recorded', () => pm.expect(by('doctorId')).to.eql(['DENIED NO_CONSENT', 'DENIED NO_CONSENT']));
      if (pm.variables.get('crossSessionId')) {
        pm.test('the other hospital\\'s break-glass read is recorded, flagged, its read after the review refused, and its refused contribution', () => {
          pm.expect(by('otherDoctorId')).to.eql(['BREAK_GLASS ', 'DENIED NO_CONSENT', 'DENIED NO_CONTRIBUTION_RIGHT']);
          pm.expect(events.find((e) => e.reason === 'NO_CONTRIBUTION_RIGHT')).to.include({ action: 'CONTRIBUTE', recordId: '' });
          pm.expect(events.find((e) => e.outcome === 'BREAK_GLASS').emergencySessionId).to.eql(pm.variables.get('crossSessionId'));
        });
      }
    `,
    }),
    request('A doctor cannot read the access log: 403', {
      route: 'GET /v1/patients/{{patient2Id}}/access-log',
      as: 'doctor',
      test: expect.problem(403, 'FORBIDDEN'),
    }),
    request('pageSize 500: 400', {
      route: 'GET /v1/patients/{{patient2Id}}/access-log?pageSize=500',
      as: 'admin',
      test: expect.problem(400, 'INVALID_ARGUMENT', 'pageSize'),
    }),
    request(`${NO_TOKEN} (access log)`, {
      route: 'GET /v1/patients/{{patient2Id}}/access-log',
      as: null,
      test: expect.unauthenticated(),
    }),
    request('Only the patient exports: 403 for the home admin', {
      route: 'GET /v1/patients/{{patient2Id}}/export',
      as: 'admin',
      test: expect.problem(403, 'FORBIDDEN'),
    }),
    request(`${NO_TOKEN} (export)`, {
      route: 'GET /v1/patients/{{patient2Id}}/export',
      as: null,
      test: expect.unauthenticated(),
    }),
    request('A doctor cannot erase: 403', {
      route: 'POST /v1/patients/{{patient2Id}}/erasure',
      as: 'doctor',
      test: expect.problem(403, 'FORBIDDEN'),
    }),
    request(`${NO_TOKEN} (erasure)`, {
      route: 'POST /v1/patients/{{patient2Id}}/erasure',
      as: null,
      test: expect.unauthenticated(),
    }),
    request('The home admin erases the second patient: 202', {
      route: 'POST /v1/patients/{{patient2Id}}/erasure',
      as: 'admin',
      test: erasureAccepted('patient2Id'),
    }),
    request('The erasure finishes: one record', {
      route: 'GET /v1/patients/{{patient2Id}}/erasure',
      as: 'admin',
      pre: awaitErasure('patient2Id', 'admin'),
      test: s`
      ${expect.status(200)}
      pm.test('ERASED, its one record purged', () =>
        pm.expect(pm.response.json()).to.include({ patientId: pm.variables.get('patient2Id'), state: 'ERASED', finished: true, recordsErased: 1 }));
    `,
    }),
    request('Erasing again: 410', {
      route: 'POST /v1/patients/{{patient2Id}}/erasure',
      as: 'admin',
      test: expect.problem(410, 'PATIENT_ERASED'),
    }),
    request('The erased record: 410', {
      route: 'GET /v1/records/{{record2Id}}',
      as: 'admin',
      test: expect.problem(410, 'RECORD_ERASED'),
    }),
  ],
);

