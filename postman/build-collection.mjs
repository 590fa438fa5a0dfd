#!/usr/bin/env node
// Builds postman/careledger.postman_collection.json (Postman collection format v2.1) from this file.
//
//   node postman/build-collection.mjs           write the collection
//   node postman/build-collection.mjs --check   exit 1 when the committed collection is not what this file builds
//
// Edit this file, not the JSON: the requests, their tests and the variables they carry forward are all here,
// written with a few helpers so that every request reads as "who calls what, and what must come back".
// The JSON is committed too, so that Postman and newman use it as is. See postman/README.md.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { interoperability, journeyInteroperability } from './interoperability.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const OUTPUT = path.join(here, 'careledger.postman_collection.json');
/** The upload's file, relative to the collection (newman --working-dir postman; Postman: working directory). */
const FIXTURE = 'fixtures/discharge-letter.txt';
const fixtureBytes = readFileSync(path.join(here, FIXTURE));
/** A line of the fixture the content tests look for. */
const FIXTURE_MARKER = 'Paracetamol 500 mg as needed';
if (!fixtureBytes.includes(FIXTURE_MARKER)) throw new Error(`${FIXTURE} must contain "${FIXTURE_MARKER}"`);

// ---------------------------------------------------------------------------------------------------------
// Helpers: scripts
// ---------------------------------------------------------------------------------------------------------

/** Script source -> Postman's `exec` lines (common indentation removed, blank edges dropped). */
function lines(source) {
  const all = source.replace(/^\n+|\s+$/g, '').split('\n');
  const indent = Math.min(...all.filter((l) => l.trim()).map((l) => l.match(/^ */)[0].length));
  return all.map((l) => l.slice(indent));
}

const script = (source) => ({ type: 'text/javascript', exec: lines(source) });

/** A single-quoted JS string literal for generated code. */
const js = (value) => `'${String(value).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * Template tag for script source: a multi-line value interpolated after indentation is indented like the
 * line it starts on, so that snippets nest readably.
 */
function s(strings, ...values) {
  let out = strings[0];
  values.forEach((value, i) => {
    const indent = out.slice(out.lastIndexOf('\n') + 1);
    const text = String(value).replace(/^\n+|\s+$/g, '');
    out += /^ *$/.test(indent) ? text.replace(/\n/g, '\n' + indent) : text;
    out += strings[i + 1];
  });
  return out;
}

/** Snippets for test scripts. `body` is declared by the request helper when the response is JSON. */
const expect = {
  status: (code) => `pm.test('status ${code}', () => pm.response.to.have.status(${code}));`,
  /** An RFC 9457 problem with its stable code (and, for 400, the offending field). */
  problem: (status, code, field) =>
    [
      `pm.test('${status} ${code}${field ? ` (field ${field})` : ''}', () => {`,
      `  pm.response.to.have.status(${status});`,
      `  pm.expect(pm.response.json().code).to.eql(${js(code)});`,
      field ? `  pm.expect(pm.response.json().field).to.eql(${js(field)});` : null,
      `});`,
    ]
      .filter((l) => l !== null)
      .join('\n'),
  unauthenticated: () => expect.problem(401, 'UNAUTHENTICATED'),
  /** A FHIR OperationOutcome (how /v1/fhir answers errors) carrying the stable code (and, for 400, the field). */
  outcome: (status, code, field) =>
    [
      `pm.test('${status} OperationOutcome ${code}${field ? ` (expression ${field})` : ''}', () => {`,
      `  pm.response.to.have.status(${status});`,
      `  pm.expect(pm.response.headers.get('Content-Type')).to.include('application/fhir+json');`,
      `  const issue = pm.response.json().issue[0];`,
      `  pm.expect(pm.response.json().resourceType).to.eql('OperationOutcome');`,
      `  pm.expect(issue.details.coding[0]).to.eql({ system: 'https://careledger.dev/fhir/CodeSystem/error-code', code: ${js(code)} });`,
      field ? `  pm.expect(issue.expression).to.eql([${js(field)}]);` : null,
      `});`,
    ]
      .filter((l) => l !== null)
      .join('\n'),
};

/** Stores a value for the requests that follow (a collection variable). */
const carry = (name, expression) => `pm.collectionVariables.set(${js(name)}, ${expression});`;

// ---------------------------------------------------------------------------------------------------------
// Helpers: requests
// ---------------------------------------------------------------------------------------------------------

/** Who calls: the variable holding their bearer token. */
const TOKENS = { admin: 'adminToken', patient: 'patientToken', doctor: 'doctorToken', device: 'deviceToken' };

function auth(as) {
  if (as === null) return { type: 'noauth' };
  if (as === 'forged')
    return { type: 'bearer', bearer: [{ key: 'token', value: 'not-a-jwt', type: 'string' }] };
  const variable = TOKENS[as];
  if (!variable) throw new Error(`unknown caller ${as}`);
  return { type: 'bearer', bearer: [{ key: 'token', value: `{{${variable}}}`, type: 'string' }] };
}

/** `/v1/records/{{recordId}}/content?purpose=TREAT` -> a v2.1 url object on {{baseUrl}}. */
function url(target) {
  const [pathPart, queryPart] = target.split('?');
  const result = {
    raw: `{{baseUrl}}${target}`,
    host: ['{{baseUrl}}'],
    path: pathPart.split('/').filter(Boolean),
  };
  if (queryPart) {
    result.query = queryPart.split('&').map((pair) => {
      const [key, ...value] = pair.split('=');
      return { key, value: value.join('=') };
    });
  }
  return result;
}

/**
 * One request. `route` is "METHOD /path?query" with {{variables}}; `as` is admin | patient | doctor |
 * null (no token) | 'forged'; `json` a body (object or raw string) sent as `mediaType` (default application/json);
 * `form` multipart parts; `test` and `pre`
 * script source. Every request has tests: `test` must call pm.test at least once.
 */
function request(name, { route, as, json, mediaType = 'application/json', form, headers = [], pre, test, description }) {
  if (!test || !test.includes('pm.test(')) throw new Error(`"${name}" has no test`);
  const [method, target] = route.split(' ');
  const req = { method, header: [...headers], url: url(target), auth: auth(as) };
  if (description) req.description = description;
  if (json !== undefined) {
    req.header.push({ key: 'Content-Type', value: mediaType });
    req.body = {
      mode: 'raw',
      raw: typeof json === 'string' ? json : JSON.stringify(json, null, 2),
      options: { raw: { language: 'json' } },
    };
  }
  if (form) req.body = { mode: 'formdata', formdata: form };
  const event = [];
  if (pre) event.push({ listen: 'prerequest', script: script(pre) });
  event.push({ listen: 'test', script: script(test) });
  return { name, event, request: req, response: [] };
}

function folder(name, description, item, extra = {}) {
  return { name, description, item, ...extra };
}

/** The upload form: fields BEFORE the file part, as the gateway requires. */
function uploadForm({ title = 'Discharge letter', category = 'report', fileFirst = false } = {}) {
  const fields = [
    { key: 'title', value: title, type: 'text' },
    { key: 'category', value: category, type: 'text' },
  ];
  const file = { key: 'file', type: 'file', src: FIXTURE, contentType: 'text/plain' };
  return fileFirst ? [file, ...fields] : [...fields, file];
}

/**
 * A dev-issuer sign-in. Skipped when the environment already holds the token (network profile: the
 * operator pastes Firebase ID tokens there; the dev issuer exists only on the embedded profile).
 */
function signIn(name, tokenVariable, userIdVariable) {
  return request(name, {
    route: 'POST /v1/dev/tokens',
    as: null,
    json: `{\n  "userId": "{{${userIdVariable}}}"\n}`,
    pre: s`
      // Network profile: the operator fills ${tokenVariable} in the environment; there is no dev issuer there.
      if (pm.environment.get(${js(tokenVariable)})) {
        console.info(${js(`${tokenVariable} comes from the environment: "${name}" skipped`)});
        pm.execution.skipRequest();
      }
    `,
    test: s`
      pm.test('201: dev token issued (embedded profile only; elsewhere set ${tokenVariable} in the environment)', () => pm.response.to.have.status(201));
      if (pm.response.code === 201) {
        const body = pm.response.json();
        pm.test('a JWT that expires later', () => {
          pm.expect(body.token.split('.')).to.have.lengthOf(3);
          pm.expect(body.expiresIn).to.be.above(0);
        });
        ${carry(tokenVariable, 'body.token')}
      }
    `,
  });
}

/** GET /v1/me as `as`: proves the token belongs to the expected user (useful with pasted tokens). */
function whoAmI(name, as, userIdVariable, role) {
  return request(name, {
    route: 'GET /v1/me',
    as,
    test: s`
      ${expect.status(200)}
      const body = pm.response.json();
      pm.test('the token is ${userIdVariable}\\'s: an active ${role} of this hospital', () => {
        // An empty ${userIdVariable} (allowed for the admin in the network environments) only skips the id check.
        if (pm.variables.get(${js(userIdVariable)})) pm.expect(body.userId).to.eql(pm.variables.get(${js(userIdVariable)}));
        pm.expect(body.role).to.eql(${js(role)});
        pm.expect(body.status).to.eql('ACTIVE');
        pm.expect(body.homeOrg).to.eql(pm.variables.get('orgMsp'));
      });
    `,
  });
}

/** Registration by the org admin. Ids from the environment (network profile) may already be registered: 409 is fine then. */
function register(name, userIdVariable, role) {
  return request(name, {
    route: 'POST /v1/users',
    as: 'admin',
    json: `{\n  "userId": "{{${userIdVariable}}}",\n  "role": "${role}"\n}`,
    test: s`
      const fromEnvironment = Boolean(pm.environment.get(${js(userIdVariable)}));
      if (fromEnvironment && pm.response.code === 409) {
        pm.test('409: ${userIdVariable} from the environment is already registered', () => pm.expect(pm.response.json().code).to.eql('ALREADY_EXISTS'));
      } else {
        ${expect.status(201)}
        const body = pm.response.json();
        pm.test('an active ${role} of this hospital', () => {
          pm.expect(body.userId).to.eql(pm.variables.get(${js(userIdVariable)}));
          pm.expect(body.role).to.eql(${js(role)});
          pm.expect(body.homeOrg).to.eql(pm.variables.get('orgMsp'));
          pm.expect(body.status).to.eql('ACTIVE');
          pm.expect(Date.parse(body.registeredAt)).to.be.a('number').and.not.NaN;
        });
      }
    `,
  });
}

/** Test lines for a download of the fixture. */
function contentIsTheFixture(outcome) {
  return s`
    ${expect.status(200)}
    pm.test('X-Access-Outcome: ${outcome}', () => pm.response.to.have.header('X-Access-Outcome', ${js(outcome)}));
    pm.test('the content is the uploaded file (length, SHA-256, text)', () => {
      const bytes = pm.response.stream;
      pm.expect(bytes.length).to.eql(Number(pm.variables.get('fixtureSize')));
      const sha256 = CryptoJS.SHA256(CryptoJS.lib.WordArray.create(bytes)).toString(CryptoJS.enc.Hex);
      pm.expect(sha256).to.eql(pm.variables.get('fixtureSha256'));
      pm.expect(pm.response.text()).to.include(pm.variables.get('fixtureMarker'));
    });
    pm.test('headers: media type, Digest, no-store', () => {
      pm.expect(pm.response.headers.get('Content-Type')).to.match(/^text\\/plain/);
      const digest = CryptoJS.enc.Base64.stringify(CryptoJS.enc.Hex.parse(pm.variables.get('fixtureSha256')));
      pm.response.to.have.header('Digest', 'sha-256=' + digest);
      pm.response.to.have.header('Cache-Control', 'no-store');
      pm.expect(pm.response.headers.get('X-Access-Event')).to.be.a('string').and.not.empty;
    });
  `;
}

const ID_PATTERN = '/^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$/';

// ---------------------------------------------------------------------------------------------------------
// The patient journey: what the medical web portal does, in order.
// ---------------------------------------------------------------------------------------------------------

const journey = folder(
  'Patient journey',
  [
    'The whole flow as the medical web portal runs it, in order: sign in, register a patient and a doctor, upload a',
    'report, list, the doctor asks for access, the patient decides, the doctor downloads, the patient reads the access',
    'log and revokes, the doctor is refused, break-glass, the admin reviews it, and the patient erases everything.',
    '',
    'Every step carries what the next ones need in collection variables (patientId, doctorId, recordId, consentId,',
    'sessionId, ...). Run the whole collection, or at least this folder, from the top: later folders reuse its',
    'doctor and admin.',
  ].join('\n'),
  [
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
      'The patient sees the record; the doctor, without consent, sees nothing (no count, no hint).',
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
          pm.test('the doctor: refused, then granted (download), granted (verify), refused (wrong purpose)', () =>
            pm.expect(doctor.map((e) => e.outcome)).to.eql(['DENIED', 'GRANTED', 'GRANTED', 'DENIED']));
          pm.test('the refusals say why; the grants name the consent and the purpose', () => {
            pm.expect(doctor[0].reason).to.eql('NO_CONSENT');
            pm.expect(doctor[3].reason).to.eql('WRONG_PURPOSE');
            pm.expect(doctor[1].consentId).to.eql(pm.variables.get('consentId'));
            pm.expect(doctor[1].purpose).to.eql('TREAT');
            pm.expect(doctor[1].recordId).to.eql(pm.variables.get('recordId'));
            pm.expect(doctor[1].actorOrg).to.eql(pm.variables.get('orgMsp'));
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
        request('Patient erases their data', {
          route: 'POST /v1/patients/{{patientId}}/erasure',
          as: 'patient',
          test: s`
          ${expect.status(200)}
          pm.test('the report and the device batch erased, their blobs removed', () =>
            pm.expect(pm.response.json()).to.eql({ patientId: pm.variables.get('patientId'), recordsErased: 2, blobsRemoved: 2 }));
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
  ],
);

// ---------------------------------------------------------------------------------------------------------
// One folder per resource: the contract of each path, mostly its refusals. They run after the journey and
// reuse its doctor and admin; `patient2Id` is a second patient registered here (no token needed for them).
// ---------------------------------------------------------------------------------------------------------

const NO_TOKEN = 'Without a token: 401';

const operations = folder('Operations', 'Liveness, readiness, the spec and Swagger UI; no token needed.', [
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

const devTokens = folder(
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

const users = folder('Users', 'Registration by the org admin; the registry entries.', [
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

const records = folder(
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
    request('Content without consent: 403 (recorded)', {
      route: 'GET /v1/records/{{record2Id}}/content?purpose=TREAT',
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
    request('Verify without consent: 403 (recorded)', {
      route: 'POST /v1/records/{{record2Id}}/verify',
      as: 'doctor',
      json: { purpose: 'TREAT' },
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

const validConsent = `{\n  "grantee": { "kind": "user", "userId": "{{doctorId}}" },\n  "scope": { "categories": ["lab-result"] },\n  "purposes": ["TREAT"],\n  "expiresAt": "{{consentExpiresAt}}"\n}`;

const consents = folder(
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

const accessRequests = folder(
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

const breakGlass = folder(
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

const patients = folder(
  'Patients',
  'Access log, export, erasure; ends by the home admin erasing the second patient.',
  [
    request('The home admin reads the access log', {
      route: 'GET /v1/patients/{{patient2Id}}/access-log',
      as: 'admin',
      test: s`
      ${expect.status(200)}
      pm.test('the doctor\\'s refused read and verify are recorded', () =>
        pm.expect(pm.response.json().events.map((e) => e.outcome + ' ' + e.reason)).to.eql(['DENIED NO_CONSENT', 'DENIED NO_CONSENT']));
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
    request('The home admin erases the second patient', {
      route: 'POST /v1/patients/{{patient2Id}}/erasure',
      as: 'admin',
      test: s`
      ${expect.status(200)}
      pm.test('one record, one blob', () =>
        pm.expect(pm.response.json()).to.eql({ patientId: pm.variables.get('patient2Id'), recordsErased: 1, blobsRemoved: 1 }));
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

// ---------------------------------------------------------------------------------------------------------
// The collection
// ---------------------------------------------------------------------------------------------------------

const variable = (key, value, description) => ({ key, value, type: 'string', description });

const collection = {
  info: {
    _postman_id: '5d0c6d2e-7a43-4c1e-9a51-c4e1ed6e0b05',
    name: 'CareLedger API',
    description: [
      'CareLedger REST API v1: the patient journey as the medical web portal runs it, then one folder per resource.',
      '',
      'Generated by postman/build-collection.mjs (edit that, then `node postman/build-collection.mjs`). Run it with',
      '`npm run test:postman` (starts an embedded gateway), or `newman run postman/careledger.postman_collection.json',
      '-e postman/embedded.postman_environment.json --working-dir postman`. In Postman, set the working directory to',
      'the postman/ folder so that the upload finds fixtures/discharge-letter.txt. See postman/README.md.',
      '',
      'Tokens: on the embedded profile the "Sign in" folders ask the dev issuer. On the network profile fill',
      '`adminToken`, `patientToken`, `doctorToken` (and `patientId`, `doctorId`) in the environment: the token',
      'requests then skip themselves (pm.execution.skipRequest()). The journey ends with erasure, so a network run',
      'needs a fresh patient account every time.',
    ].join('\n'),
    schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json',
  },
  auth: { type: 'noauth' },
  event: [
    {
      listen: 'test',
      script: script(s`
        // Every response carries a request id; every error is an RFC 9457 problem without internals (on
        // /v1/fhir/: a FHIR OperationOutcome with the same stable code).
        pm.test('[all] X-Request-Id', () => pm.response.to.have.header('X-Request-Id'));
        const fhirPath = pm.request.url.getPath().startsWith('/v1/fhir/');
        if (pm.response.code >= 400 && fhirPath) {
          pm.test('[all] FHIR error: an OperationOutcome with a stable code', () => {
            pm.expect(pm.response.headers.get('Content-Type')).to.include('application/fhir+json');
            const outcome = pm.response.json();
            pm.expect(outcome.resourceType).to.eql('OperationOutcome');
            pm.expect(outcome.issue[0].details.coding[0].code).to.match(/^[A-Z][A-Z_]+$/);
            pm.expect(outcome.issue[0].diagnostics).to.eql('requestId ' + pm.response.headers.get('X-Request-Id'));
          });
        }
        if (pm.response.code >= 400 && !fhirPath) {
          pm.test('[all] error: application/problem+json with a stable code', () => {
            pm.expect(pm.response.headers.get('Content-Type')).to.include('application/problem+json');
            const problem = pm.response.json();
            pm.expect(problem).to.include.all.keys('type', 'title', 'status', 'detail', 'code', 'requestId');
            pm.expect(problem.status).to.eql(pm.response.code);
            pm.expect(problem.requestId).to.eql(pm.response.headers.get('X-Request-Id'));
            pm.expect(pm.response.text()).to.not.match(/\\bat .*\\(.*:\\d+:\\d+\\)/);
          });
        }
        if (pm.response.code === 401) {
          pm.test('[all] 401 challenges for a bearer token', () => pm.response.to.have.header('WWW-Authenticate', 'Bearer'));
        }
      `),
    },
  ],
  item: [journey, operations, devTokens, users, records, consents, accessRequests, breakGlass, interoperability({ folder, request, expect, carry, s, NO_TOKEN }), patients],
  variable: [
    variable('baseUrl', 'http://127.0.0.1:3000', 'The gateway, without /v1 (the environment sets it).'),
    variable('fixtureSize', String(fixtureBytes.length), `Bytes of ${FIXTURE} (generated).`),
    variable(
      'fixtureSha256',
      createHash('sha256').update(fixtureBytes).digest('hex'),
      `SHA-256 of ${FIXTURE} (generated).`,
    ),
    variable('fixtureMarker', FIXTURE_MARKER, `A line of ${FIXTURE} the download tests look for.`),
    variable('adminToken', '', 'Set by "Sign in: admin" (embedded) or given by the environment (network).'),
    variable(
      'patientToken',
      '',
      'Set by "Sign in: patient and doctor" (embedded) or given by the environment (network).',
    ),
    variable(
      'doctorToken',
      '',
      'Set by "Sign in: patient and doctor" (embedded) or given by the environment (network).',
    ),
    variable('patientId', '', 'Generated per run (pat-<timestamp>-<n>) unless the environment gives it.'),
    variable('doctorId', '', 'Generated per run (dr-<timestamp>-<n>) unless the environment gives it.'),
    variable('patient2Id', '', 'Generated per run: the patient of the resource folders.'),
    variable('uploadKey', '', "Idempotency-Key of the journey's upload (per run)."),
    variable('consentExpiresAt', '', 'Expiry of the consents granted directly (now + 30 days, per run).'),
    ...[
      'recordId',
      'researchRequestId',
      'treatRequestId',
      'consentId',
      'orgConsentId',
      'logBookmark',
      'firstEventId',
      'sessionId',
      'record2Id',
      'request2Id',
      'deviceId',
      'deviceToken',
      'batchId',
      'device2Id',
    ].map((key) => variable(key, '', 'Carried forward by the requests.')),
  ],
};

const json = JSON.stringify(collection, null, 2) + '\n';
if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(OUTPUT, 'utf8');
  } catch {
    // missing: stale
  }
  if (committed !== json) {
    console.error(
      `${path.relative(process.cwd(), OUTPUT)} is stale: run \`node postman/build-collection.mjs\` and commit it.`,
    );
    process.exit(1);
  }
  console.log('the Postman collection is up to date');
} else {
  writeFileSync(OUTPUT, json);
  console.log(`wrote ${path.relative(process.cwd(), OUTPUT)}`);
}
