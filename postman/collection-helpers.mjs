// Helpers of the Postman collection's generator (postman/build-collection.mjs): script snippets, the request
// and folder builders, and the steps several folders share (sign in, register, check a download).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const here = path.dirname(fileURLToPath(import.meta.url));
export const OUTPUT = path.join(here, 'careledger.postman_collection.json');
/** The upload's file, relative to the collection (newman --working-dir postman; Postman: working directory). */
export const FIXTURE = 'fixtures/discharge-letter.txt';
export const fixtureBytes = readFileSync(path.join(here, FIXTURE));
/** A line of the fixture the content tests look for. */
export const FIXTURE_MARKER = 'Paracetamol 500 mg as needed';
if (!fixtureBytes.includes(FIXTURE_MARKER)) throw new Error(`${FIXTURE} must contain "${FIXTURE_MARKER}"`);

// ---------------------------------------------------------------------------------------------------------
// Helpers: scripts
// ---------------------------------------------------------------------------------------------------------

/** Script source -> Postman's `exec` lines (common indentation removed, blank edges dropped). */
export function lines(source) {
  const all = source.replace(/^\n+|\s+$/g, '').split('\n');
  const indent = Math.min(...all.filter((l) => l.trim()).map((l) => l.match(/^ */)[0].length));
  return all.map((l) => l.slice(indent));
}

export const script = (source) => ({ type: 'text/javascript', exec: lines(source) });

/** A single-quoted JS string literal for generated code. */
export const js = (value) => `'${String(value).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * Template tag for script source: a multi-line value interpolated after indentation is indented like the
 * line it starts on, so that snippets nest readably.
 */
export function s(strings, ...values) {
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
export const expect = {
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
export const carry = (name, expression) => `pm.collectionVariables.set(${js(name)}, ${expression});`;

// ---------------------------------------------------------------------------------------------------------
// Helpers: requests
// ---------------------------------------------------------------------------------------------------------

/** Who calls: the variable holding their bearer token. */
export const TOKENS = { admin: 'adminToken', patient: 'patientToken', doctor: 'doctorToken', device: 'deviceToken' };

export function auth(as) {
  if (as === null) return { type: 'noauth' };
  if (as === 'forged')
    return { type: 'bearer', bearer: [{ key: 'token', value: 'not-a-jwt', type: 'string' }] };
  const variable = TOKENS[as];
  if (!variable) throw new Error(`unknown caller ${as}`);
  return { type: 'bearer', bearer: [{ key: 'token', value: `{{${variable}}}`, type: 'string' }] };
}

/** `/v1/records/{{recordId}}/content?purpose=TREAT` -> a v2.1 url object on {{baseUrl}}. */
export function url(target) {
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
export function request(name, { route, as, json, mediaType = 'application/json', form, headers = [], pre, test, description }) {
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

export function folder(name, description, item, extra = {}) {
  return { name, description, item, ...extra };
}

/** The upload form: fields BEFORE the file part, as the gateway requires. */
export function uploadForm({ title = 'Discharge letter', category = 'report', fileFirst = false } = {}) {
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
export function signIn(name, tokenVariable, userIdVariable) {
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
export function whoAmI(name, as, userIdVariable, role) {
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
export function register(name, userIdVariable, role) {
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
export function contentIsTheFixture(outcome) {
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

export const ID_PATTERN = '/^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$/';

/**
 * A pre-request script that polls `GET /v1/patients/{id}/erasure` (as `as`) until the erasure finished, so the
 * request it runs before sees the end state: an erasure answers 202 and goes on in pages.
 */
export function awaitErasure(patientIdVariable, as) {
  return s`
  const url = pm.variables.replaceIn('{{baseUrl}}/v1/patients/{{${patientIdVariable}}}/erasure');
  const token = pm.variables.get(${js(TOKENS[as])});
  const poll = (left) =>
    pm.sendRequest({ url, method: 'GET', header: { Authorization: 'Bearer ' + token } }, (err, res) => {
      if (!err && res.code === 200 && !res.json().finished && left > 0) setTimeout(() => poll(left - 1), 250);
    });
  poll(480);
`;
}

/** The 202 of an erasure request: the status resource at Location, the patient being erased. */
export function erasureAccepted(patientIdVariable) {
  return s`
  ${expect.status(202)}
  pm.test('the status is at Location, the patient is being erased', () => {
    const id = pm.variables.get(${js(patientIdVariable)});
    pm.expect(pm.response.headers.get('Location')).to.eql('/v1/patients/' + id + '/erasure');
    pm.expect(pm.response.json()).to.include({ patientId: id, state: 'ERASING', finished: false });
  });
`;
}

