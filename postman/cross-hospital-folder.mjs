// The "Cross-hospital care" folder: break-glass by a practitioner of the other hospital on this hospital's
// patient. Hospital B's gateway opens and reads, Hospital A's gateway releases the keys by itself, A's admin
// reviews. On the embedded profile one gateway speaks for both hospitals ({{baseUrl}} is both); on the network
// profile the folder needs a token of a practitioner of the other hospital (`otherDoctorToken`) and that
// hospital's gateway (`otherBaseUrl`) in the environment, and skips itself otherwise.
import { carry, expect, folder, request, s, uploadForm } from './collection-helpers.mjs';

/** Skips a request of this folder on a network run that was not given the other hospital. */
const needsOtherHospital = s`
  if (!pm.environment.get('otherBaseUrl') && pm.environment.get('adminToken')) {
    console.info('no otherBaseUrl / otherDoctorToken in the environment: cross-hospital request skipped');
    pm.execution.skipRequest();
  }
`;

/** A request of the other hospital's practitioner: its gateway, its token. */
function asOtherDoctor(name, { route, json, form, test, pre = '' }) {
  const item = request(name, { route, as: null, json, form, pre: needsOtherHospital + pre, test });
  item.request.auth = { type: 'bearer', bearer: [{ key: 'token', value: '{{otherDoctorToken}}', type: 'string' }] };
  item.request.url.raw = item.request.url.raw.replace('{{baseUrl}}', '{{otherBaseUrl}}');
  item.request.url.host = ['{{otherBaseUrl}}'];
  return item;
}

/**
 * The other hospital's practitioner reads the break-glass session until `field` is set: up to 50 more polls,
 * 200 ms apart (about 10 s), counted in `keyPolls` (the request before sets it to 0).
 */
function pollSession(name, field) {
  return asOtherDoctor(name, {
    route: 'GET /v1/emergency-access/{{crossSessionId}}',
    pre: s`
      // A poll after the first waits 200 ms (the sandbox finishes its timers before sending).
      if (Number(pm.collectionVariables.get('keyPolls') || '0') > 0) setTimeout(() => {}, 200);
    `,
    test: s`
      ${expect.status(200)}
      const body = pm.response.json();
      const polls = Number(pm.collectionVariables.get('keyPolls') || '0');
      if (!body.${field} && polls < 50) {
        // Not yet: ask again after a moment (newman and the Postman runner follow setNextRequest).
        pm.collectionVariables.set('keyPolls', String(polls + 1));
        pm.execution.setNextRequest(pm.info.requestName);
      } else {
        pm.test('${field} is set', () => pm.expect(body.${field}).to.be.a('string'));
      }
    `,
  });
}

export const crossHospital = folder(
  'Cross-hospital care',
  [
    "An emergency at the other hospital: its practitioner opens break-glass on this hospital's patient with a coded",
    "reason, this hospital's gateway releases the data keys to the other hospital by itself (no one here acts), the",
    'practitioner reads (flagged BREAK_GLASS), and the admin here reviews it, which ends it and takes the keys back.',
    'Contributions: without a consent that carries the contribution right (`contribute: true`), the other hospital',
    "cannot add a record for our patient (403 NO_CONTRIBUTION_RIGHT, recorded in the patient's access log).",
  ].join('\n'),
  [
    request('Other hospital: admin token (dev issuer)', {
      route: 'POST /v1/dev/tokens',
      as: null,
      json: { userId: 'hospital-b-admin' },
      pre: needsOtherHospital + s`
        if (pm.environment.get('otherDoctorToken')) pm.execution.skipRequest();
        if (!pm.variables.get('otherBaseUrl')) pm.collectionVariables.set('otherBaseUrl', pm.variables.get('baseUrl'));
      `,
      test: s`
        ${expect.status(201)}
        ${carry('otherAdminToken', 'pm.response.json().token')}
      `,
    }),
    request('Other hospital: its admin registers a practitioner', {
      route: 'POST /v1/users',
      as: null,
      json: `{\n  "userId": "{{otherDoctorId}}",\n  "role": "practitioner"\n}`,
      pre: needsOtherHospital + s`
        if (pm.environment.get('otherDoctorToken')) pm.execution.skipRequest();
        pm.collectionVariables.set('otherDoctorId', 'dr-b-' + Date.now());
        pm.request.headers.upsert({ key: 'Authorization', value: 'Bearer ' + pm.variables.get('otherAdminToken') });
      `,
      test: s`
        ${expect.status(201)}
        pm.test('a practitioner of the other hospital', () => pm.expect(pm.response.json().homeOrg).to.not.eql(pm.variables.get('orgMsp')));
      `,
    }),
    request('Other hospital: practitioner token (dev issuer)', {
      route: 'POST /v1/dev/tokens',
      as: null,
      json: `{\n  "userId": "{{otherDoctorId}}"\n}`,
      pre: needsOtherHospital + s`
        if (pm.environment.get('otherDoctorToken')) pm.execution.skipRequest();
      `,
      test: s`
        ${expect.status(201)}
        ${carry('otherDoctorToken', 'pm.response.json().token')}
      `,
    }),
    asOtherDoctor('Emergency at the other hospital: break-glass on our patient', {
      route: 'POST /v1/patients/{{patient2Id}}/emergency-access',
      json: { reasonCode: 'UNCONSCIOUS' },
      test: s`
        ${expect.status(201)}
        const body = pm.response.json();
        pm.test('a session of the other hospital on our patient, with the configured window', () => {
          pm.expect(body.patientOrg).to.eql(pm.variables.get('orgMsp'));
          pm.expect(body.actorOrg).to.not.eql(body.patientOrg);
          pm.expect(body.reasonCode).to.eql('UNCONSCIOUS');
          pm.expect(Date.parse(body.expiresAt)).to.be.above(Date.parse(body.openedAt));
        });
        ${carry('crossSessionId', 'body.sessionId')}
        pm.collectionVariables.set('keyPolls', '0');
      `,
    }),
    pollSession('Keys arrive: our gateway released them (polls up to ~10 s)', 'keysReleasedAt'),
    asOtherDoctor('The other hospital reads under break-glass', {
      route: 'GET /v1/records/{{record2Id}}/content?purpose=ETREAT',
      test: s`
        ${expect.status(200)}
        pm.test('X-Access-Outcome: BREAK_GLASS', () => pm.response.to.have.header('X-Access-Outcome', 'BREAK_GLASS'));
      `,
    }),
    request('Our admin sees it in the review queue', {
      route: 'GET /v1/emergency-access?reviewed=false',
      as: 'admin',
      pre: needsOtherHospital,
      test: s`
        ${expect.status(200)}
        const session = pm.response.json().find((x) => x.sessionId === pm.variables.get('crossSessionId'));
        pm.test('the session, used once, keys released', () => {
          pm.expect(session).to.be.an('object');
          pm.expect(session.uses).to.eql(1);
          pm.expect(session.keysReleasedAt).to.be.a('string');
        });
      `,
    }),
    request('Review at our hospital: ends the session', {
      route: 'POST /v1/emergency-access/{{crossSessionId}}/review',
      as: 'admin',
      pre: needsOtherHospital,
      test: s`
        ${expect.status(200)}
        const body = pm.response.json();
        pm.test('reviewed and ended', () => {
          pm.expect(body.reviewedAt).to.be.a('string');
          pm.expect(body.endedAt).to.be.a('string');
        });
        pm.collectionVariables.set('keyPolls', '0');
      `,
    }),
    asOtherDoctor('After the review the other hospital is refused', {
      route: 'GET /v1/records/{{record2Id}}/content?purpose=ETREAT',
      test: expect.problem(403, 'NO_CONSENT'),
    }),
    pollSession('The keys are withdrawn from the other hospital (polls up to ~10 s)', 'keysWithdrawnAt'),
    asOtherDoctor('Contribution without the right: the other hospital cannot add a report for our patient (403, recorded)', {
      route: 'POST /v1/patients/{{patient2Id}}/records',
      form: uploadForm({ title: 'Emergency report' }),
      test: s`
        ${expect.problem(403, 'NO_CONTRIBUTION_RIGHT')}
        pm.test('a stable problem type', () => pm.expect(pm.response.json().type).to.include('no-contribution-right'));
      `,
    }),
  ],
);
