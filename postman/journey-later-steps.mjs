// The patient journey's later steps (folders 09-16 of the collection): the doctor downloads, the patient reads
// the access log and revokes, the doctor is refused, break-glass and its review, interoperability, erasure.
// Imported by build-collection.mjs, which puts them in the "Patient journey" folder after the first steps.
import { s, expect, carry, request, folder, contentIsTheFixture, awaitErasure, erasureAccepted } from './collection-helpers.mjs';
import { journeyInteroperability } from './interoperability.mjs';

/** Folders 09-16 of the patient journey. */
export const journeyLaterSteps = [
  folder(
    '09 Doctor downloads',
    'Under the consent the doctor sees the metadata, downloads the decrypted, verified content (compared with the uploaded file) and verifies it without download.',
    [
      request('Doctor lists: the consented record', {
        route: 'GET /v1/patients/{{patientId}}/records',
        as: 'doctor',
        test: s`
        ${expect.status(200)}
        pm.test('the letter only', () => pm.expect(pm.response.json().records.map((r) => r.recordId)).to.eql([pm.variables.get('recordId')]));
      `,
      }),
      request('Doctor opens the metadata', {
        route: 'GET /v1/records/{{recordId}}',
        as: 'doctor',
        test: s`
        ${expect.status(200)}
        pm.test('the letter', () => pm.expect(pm.response.json().sha256).to.eql(pm.variables.get('fixtureSha256')));
      `,
      }),
      request('Doctor downloads the letter', {
        route: 'GET /v1/records/{{recordId}}/content?purpose=TREAT',
        as: 'doctor',
        test: contentIsTheFixture('GRANTED'),
      }),
      request('Doctor verifies the letter without download', {
        route: 'POST /v1/records/{{recordId}}/verify',
        as: 'doctor',
        json: { purpose: 'TREAT' },
        test: s`
        ${expect.status(200)}
        const body = pm.response.json();
        pm.test('verified against the ledger hash', () => {
          pm.expect(body.recordId).to.eql(pm.variables.get('recordId'));
          pm.expect(body.verified).to.eql(true);
          pm.expect(body.sha256).to.eql(pm.variables.get('fixtureSha256'));
          pm.expect(body.eventId).to.be.a('string').and.not.empty;
        });
      `,
      }),
      request('Doctor tries another purpose: 403', {
        route: 'GET /v1/records/{{recordId}}/content?purpose=HPAYMT',
        as: 'doctor',
        test: expect.problem(403, 'WRONG_PURPOSE'),
      }),
      request('Doctor reads the ledger history', {
        route: 'GET /v1/records/{{recordId}}/history',
        as: 'doctor',
        test: s`
        ${expect.status(200)}
        pm.test('the anchor is ACTIVE', () => pm.expect(pm.response.json()[0].status).to.eql('ACTIVE'));
      `,
      }),
    ],
  ),
  folder(
    '10 Patient reads the access log',
    'Who read what, when, why, and the outcome: denials included. Paged with a bookmark.',
    [
      request('Patient reads the access log', {
        route: 'GET /v1/patients/{{patientId}}/access-log',
        as: 'patient',
        test: s`
        ${expect.status(200)}
        const events = pm.response.json().events;
        const doctor = events.filter((e) => e.actorId === pm.variables.get('doctorId'));
        pm.test('the doctor: granted as author, refused (author access ended), then granted (download), granted (verify), refused (wrong purpose)', () =>
          pm.expect(doctor.map((e) => e.outcome)).to.eql(['GRANTED', 'DENIED', 'GRANTED', 'GRANTED', 'DENIED']));
        pm.test('the refusals say why; the grants name the consent (or the basis AUTHOR) and the purpose', () => {
          pm.expect(doctor[0].basis).to.eql('AUTHOR');
          pm.expect(doctor[0]).to.not.have.property('consentId');
          pm.expect(doctor[1].reason).to.eql('NO_CONSENT');
          pm.expect(doctor[4].reason).to.eql('WRONG_PURPOSE');
          pm.expect(doctor[2].consentId).to.eql(pm.variables.get('consentId'));
          pm.expect(doctor[2].purpose).to.eql('TREAT');
          pm.expect(doctor[2].recordId).to.eql(pm.variables.get('recordId'));
          pm.expect(doctor[2].actorOrg).to.eql(pm.variables.get('orgMsp'));
        });
        pm.test('the patient\\'s own read is there too', () =>
          pm.expect(events.some((e) => e.actorId === pm.variables.get('patientId') && e.purpose === 'PATRQT' && e.outcome === 'GRANTED')).to.eql(true));
      `,
      }),
      request('Access log, first page of one', {
        route: 'GET /v1/patients/{{patientId}}/access-log?recordId={{recordId}}&pageSize=1',
        as: 'patient',
        test: s`
        ${expect.status(200)}
        const body = pm.response.json();
        pm.test('one event and a bookmark', () => {
          pm.expect(body.events).to.have.lengthOf(1);
          pm.expect(body.bookmark).to.be.a('string').and.not.empty;
        });
        ${carry('logBookmark', 'body.bookmark')}
        ${carry('firstEventId', 'body.events[0].eventId')}
      `,
      }),
      request('Access log, next page', {
        route:
          'GET /v1/patients/{{patientId}}/access-log?recordId={{recordId}}&pageSize=1&bookmark={{logBookmark}}',
        as: 'patient',
        test: s`
        ${expect.status(200)}
        const body = pm.response.json();
        pm.test('the next event', () => {
          pm.expect(body.events).to.have.lengthOf(1);
          pm.expect(body.events[0].eventId).to.not.eql(pm.variables.get('firstEventId'));
        });
      `,
      }),
    ],
  ),
  folder('11 Patient revokes', 'Revoking a consent: later reads are refused by the chaincode.', [
    request('The doctor cannot revoke it: 403', {
      route: 'DELETE /v1/consents/{{consentId}}',
      as: 'doctor',
      test: expect.problem(403, 'WRONG_ROLE'),
    }),
    request("Patient revokes the doctor's consent", {
      route: 'DELETE /v1/consents/{{consentId}}',
      as: 'patient',
      test: s`
        ${expect.status(200)}
        const body = pm.response.json();
        pm.test('revoked', () => {
          pm.expect(body.consentId).to.eql(pm.variables.get('consentId'));
          pm.expect(body.status).to.eql('REVOKED');
          pm.expect(body.revokedAt).to.be.a('string');
        });
      `,
    }),
    request('Revoking again: 409', {
      route: 'DELETE /v1/consents/{{consentId}}',
      as: 'patient',
      test: expect.problem(409, 'CONFLICT'),
    }),
    request("Patient revokes the other hospital's consent", {
      route: 'DELETE /v1/consents/{{orgConsentId}}',
      as: 'patient',
      test: s`
        ${expect.status(200)}
        pm.test('revoked', () => pm.expect(pm.response.json().status).to.eql('REVOKED'));
      `,
    }),
  ]),
  folder(
    '12 Doctor refused',
    'After the revocation the doctor is refused, and the record disappears from their view again.',
    [
      request('Doctor tries to read: 403 consent revoked', {
        route: 'GET /v1/records/{{recordId}}/content?purpose=TREAT',
        as: 'doctor',
        test: s`
        ${expect.problem(403, 'CONSENT_REVOKED')}
        pm.test('a stable problem type', () => pm.expect(pm.response.json().type).to.include('consent-revoked'));
      `,
      }),
      request('Doctor lists: nothing again', {
        route: 'GET /v1/patients/{{patientId}}/records',
        as: 'doctor',
        test: s`
        ${expect.status(200)}
        pm.test('empty', () => pm.expect(pm.response.json().records).to.eql([]));
      `,
      }),
    ],
  ),
  folder(
    '13 Break-glass',
    'An emergency: the doctor opens break-glass with a coded reason; the read is flagged in the access log.',
    [
      request('Doctor opens break-glass', {
        route: 'POST /v1/patients/{{patientId}}/emergency-access',
        as: 'doctor',
        json: { reasonCode: 'UNCONSCIOUS' },
        test: s`
        ${expect.status(201)}
        const body = pm.response.json();
        pm.test('a 4-hour session for this doctor and patient, unused', () => {
          pm.expect(body.patientId).to.eql(pm.variables.get('patientId'));
          pm.expect(body.actorId).to.eql(pm.variables.get('doctorId'));
          pm.expect(body.reasonCode).to.eql('UNCONSCIOUS');
          pm.expect(body.uses).to.eql(0);
          pm.expect(Date.parse(body.expiresAt) - Date.parse(body.openedAt)).to.eql(4 * 3600 * 1000);
        });
        ${carry('sessionId', 'body.sessionId')}
      `,
      }),
      request('Doctor reads under break-glass', {
        route: 'GET /v1/records/{{recordId}}/content?purpose=ETREAT',
        as: 'doctor',
        test: contentIsTheFixture('BREAK_GLASS'),
      }),
      request('Patient sees the break-glass read in the log', {
        route: 'GET /v1/patients/{{patientId}}/access-log',
        as: 'patient',
        test: s`
        ${expect.status(200)}
        const events = pm.response.json().events;
        const last = events[events.length - 1];
        pm.test('flagged BREAK_GLASS with the session', () => {
          pm.expect(last.outcome).to.eql('BREAK_GLASS');
          pm.expect(last.emergencySessionId).to.eql(pm.variables.get('sessionId'));
          pm.expect(last.actorId).to.eql(pm.variables.get('doctorId'));
          pm.expect(last.purpose).to.eql('ETREAT');
        });
      `,
      }),
    ],
  ),
  folder('14 Admin reviews', 'The home org admin reviews the break-glass session.', [
    request("Admin's review queue", {
      route: 'GET /v1/emergency-access?reviewed=false',
      as: 'admin',
      test: s`
        ${expect.status(200)}
        const session = pm.response.json().find((s) => s.sessionId === pm.variables.get('sessionId'));
        pm.test('the session, used once, waiting for review', () => {
          pm.expect(session, 'session in the queue').to.be.an('object');
          pm.expect(session.uses).to.eql(1);
          pm.expect(session.patientId).to.eql(pm.variables.get('patientId'));
          pm.expect(session).to.not.have.property('reviewedAt');
        });
      `,
    }),
    request('Admin marks it reviewed', {
      route: 'POST /v1/emergency-access/{{sessionId}}/review',
      as: 'admin',
      test: s`
        ${expect.status(200)}
        const body = pm.response.json();
        pm.test('reviewed by this admin', () => {
          pm.expect(body.sessionId).to.eql(pm.variables.get('sessionId'));
          pm.expect(body.reviewedAt).to.be.a('string');
          if (pm.variables.get('adminUserId')) pm.expect(body.reviewedBy).to.eql(pm.variables.get('adminUserId'));
        });
      `,
    }),
    request('Reviewing again: 409', {
      route: 'POST /v1/emergency-access/{{sessionId}}/review',
      as: 'admin',
      test: expect.problem(409, 'CONFLICT'),
    }),
    request('The queue no longer has it', {
      route: 'GET /v1/emergency-access?reviewed=false',
      as: 'admin',
      test: s`
        ${expect.status(200)}
        pm.test('gone from the queue', () => pm.expect(pm.response.json().map((s) => s.sessionId)).to.not.include(pm.variables.get('sessionId')));
      `,
    }),
    request('Reviewed sessions', {
      route: 'GET /v1/emergency-access?reviewed=true',
      as: 'admin',
      test: s`
        ${expect.status(200)}
        pm.test('listed as reviewed', () => pm.expect(pm.response.json().map((s) => s.sessionId)).to.include(pm.variables.get('sessionId')));
      `,
    }),
  ]),
  journeyInteroperability({ folder, request, expect, carry, s }),
  folder(
    '16 Erasure',
    'The patient erases everything: keys shredded, private data purged, blobs removed.',
    [
      request('Patient erases their data: 202, marked as being erased at once', {
        route: 'POST /v1/patients/{{patientId}}/erasure',
        as: 'patient',
        test: erasureAccepted('patientId'),
      }),
      request('The erasure finishes', {
        route: 'GET /v1/patients/{{patientId}}/erasure',
        as: 'patient',
        pre: awaitErasure('patientId', 'patient'),
        test: s`
        ${expect.status(200)}
        pm.test('the report and the device batch erased, with every access event', () => {
          const body = pm.response.json();
          pm.expect(body).to.include({ patientId: pm.variables.get('patientId'), state: 'ERASED', finished: true, recordsErased: 2 });
          pm.expect(body.eventsErased).to.be.above(0);
          pm.expect(body.keysErased).to.be.at.least(2 + 2 * body.eventsErased);
        });
      `,
      }),
      request('Doctor reads after erasure: 410', {
        route: 'GET /v1/records/{{recordId}}/content?purpose=ETREAT',
        as: 'doctor',
        test: expect.problem(410, 'RECORD_ERASED'),
      }),
      request('The erased patient can no longer sign in', {
        route: 'GET /v1/me',
        as: 'patient',
        test: expect.unauthenticated(),
      }),
      request('The registry keeps an ERASED entry', {
        route: 'GET /v1/users/{{patientId}}',
        as: 'admin',
        test: s`
        ${expect.status(200)}
        pm.test('status ERASED', () => pm.expect(pm.response.json().status).to.eql('ERASED'));
      `,
      }),
    ],
  ),
];
