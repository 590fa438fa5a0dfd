import request, { type Response } from 'supertest';
import { World, withWorld, aConsent, aFhirConsent, anAccessRequest, specOperations, type Caller } from '../support/rest-world.js';

/** Part of every rejected value: an error must never echo it (it may be personal data). */
const LEAK = 'Zq7Leak';

/** One malformed request: what is wrong, and which input the 400 must name. */
interface Malformed {
  op: string;
  what: string;
  /** The `field` of the problem; omitted for statuses other than 400. */
  field?: string;
  /** 400 unless told (415 for media types, 413 for size). */
  status?: 400 | 413 | 415;
  send: (w: World) => Promise<Response>;
}

/** Operations without inputs (no path, query or body): nothing can be malformed. */
const EXEMPT = ['GET /health', 'GET /ready', 'GET /v1/me', 'GET /v1/webhooks', 'GET /v1/webhook-dead-letters'];

const CODES = { 400: 'INVALID_ARGUMENT', 413: 'PAYLOAD_TOO_LARGE', 415: 'UNSUPPORTED_MEDIA_TYPE' } as const;

const BAD_IDS: [string, string][] = [
  ['an id with a space', `${LEAK} x`],
  ['a 70-character id', LEAK + 'x'.repeat(63)],
  ['an id starting with a dot', `.${LEAK}`],
];

/** The bad-id cases of one path parameter (broken percent-encoding fails before the route is known). */
function badIds(op: string, field: string, send: (w: World, id: string) => Promise<Response>): Malformed[] {
  return [
    ...BAD_IDS.map(([what, id]): Malformed => ({ op, what: `${what} in the path`, field, send: (w) => send(w, encodeURIComponent(id)) })),
    { op, what: 'broken percent-encoding in the path', field: 'path', send: (w) => send(w, `${LEAK}%E0%A4%A`) },
  ];
}

/** A JSON endpoint sent a text/plain or a form body: 415, not a misleading "required". */
function notJson(op: string, caller: Caller, url: (w: World) => string | Promise<string>): Malformed[] {
  return [
    { op, what: 'a text/plain body', status: 415, send: async (w) => w.client(caller).post(await url(w)).set('Content-Type', 'text/plain').send(`{"x": "${LEAK}"}`) },
    { op, what: 'a form body', status: 415, send: async (w) => w.client(caller).post(await url(w)).type('form').send({ x: LEAK }) },
  ];
}

/** A JSON body sent as raw text (for bad JSON). */
function rawJson(w: World, caller: Caller, url: string, text: string) {
  return w.client(caller).post(url).set('Content-Type', 'application/json').send(text);
}

/** A hand-made multipart body. */
function multipart(w: World, parts: string[], boundary = 'zzBOUNDARYzz', close = true) {
  const body = parts.map((p) => `--${boundary}\r\n${p}\r\n`).join('') + (close ? `--${boundary}--\r\n` : '');
  return w.client('doctor').post('/v1/patients/pat-1/records').set('Content-Type', `multipart/form-data; boundary=${boundary}`).send(body);
}
const field = (name: string, value: string) => `Content-Disposition: form-data; name="${name}"\r\n\r\n${value}`;
const file = (content = 'hello') => `Content-Disposition: form-data; name="file"; filename="a.pdf"\r\nContent-Type: application/pdf\r\n\r\n${content}`;

const future = () => new Date(Date.now() + 86_400_000).toISOString();
const consents = '/v1/patients/pat-1/consents';
const authorAccess = '/v1/patients/pat-1/consents/author-access';
const requests = '/v1/patients/pat-1/access-requests';
const emergency = '/v1/patients/pat-1/emergency-access';

const CASES: Malformed[] = [
  // dev tokens (no token needed)
  { op: 'POST /v1/dev/tokens', what: 'a missing userId', field: 'userId', send: (w) => w.client('nobody').post('/v1/dev/tokens', {}) },
  { op: 'POST /v1/dev/tokens', what: 'a userId that is not an id', field: 'userId', send: (w) => w.client('nobody').post('/v1/dev/tokens', { userId: `${LEAK} x` }) },
  { op: 'POST /v1/dev/tokens', what: 'a userId that is a number', field: 'userId', send: (w) => w.client('nobody').post('/v1/dev/tokens', { userId: 70_000_001 }) },
  { op: 'POST /v1/dev/tokens', what: 'an unknown body field', field: 'password', send: (w) => w.client('nobody').post('/v1/dev/tokens', { userId: 'pat-1', password: LEAK }) },
  { op: 'POST /v1/dev/tokens', what: 'bad JSON text', field: 'body', send: (w) => rawJson(w, 'nobody', '/v1/dev/tokens', `{"userId": "${LEAK}"`) },
  { op: 'POST /v1/dev/tokens', what: 'a JSON array instead of an object', field: 'body', send: (w) => w.client('nobody').post('/v1/dev/tokens', [LEAK]) },
  ...notJson('POST /v1/dev/tokens', 'nobody', () => '/v1/dev/tokens'),
  // users
  { op: 'POST /v1/users', what: 'an unknown role', field: 'role', send: (w) => w.client('adminA').post('/v1/users', { userId: 'new-user', role: LEAK }) },
  { op: 'POST /v1/users', what: 'a role that is a number', field: 'role', send: (w) => w.client('adminA').post('/v1/users', { userId: 'new-user', role: 3 }) },
  { op: 'POST /v1/users', what: 'a missing role', field: 'role', send: (w) => w.client('adminA').post('/v1/users', { userId: 'new-user' }) },
  { op: 'POST /v1/users', what: 'a 70-character userId', field: 'userId', send: (w) => w.client('adminA').post('/v1/users', { userId: LEAK + 'x'.repeat(63), role: 'patient' }) },
  { op: 'POST /v1/users', what: 'a homeOrg in the body (orgs come from the ledger)', field: 'homeOrg', send: (w) => w.client('adminA').post('/v1/users', { userId: 'new-user', role: 'admin', homeOrg: LEAK }) },
  { op: 'POST /v1/users', what: 'bad JSON text', field: 'body', send: (w) => rawJson(w, 'adminA', '/v1/users', `{"userId": "${LEAK}", role}`) },
  ...notJson('POST /v1/users', 'adminA', () => '/v1/users'),
  ...badIds('GET /v1/users/{userId}', 'userId', (w, id) => w.client('patient').get(`/v1/users/${id}`)),
  // records
  ...badIds('POST /v1/patients/{patientId}/records', 'patientId', (w, id) => w.client('doctor').upload(id)),
  { op: 'POST /v1/patients/{patientId}/records', what: 'an upload without a file part', field: 'file', send: (w) => multipart(w, [field('title', 'Letter'), field('category', 'report')]) },
  { op: 'POST /v1/patients/{patientId}/records', what: 'an upload with the file before the fields', field: 'title', send: (w) => multipart(w, [file(LEAK), field('title', LEAK), field('category', 'report')]) },
  { op: 'POST /v1/patients/{patientId}/records', what: 'an upload with an unknown category', field: 'category', send: (w) => w.client('doctor').upload('pat-1', { category: LEAK }) },
  { op: 'POST /v1/patients/{patientId}/records', what: 'an upload without a title', field: 'title', send: (w) => multipart(w, [field('category', 'report'), file()]) },
  { op: 'POST /v1/patients/{patientId}/records', what: 'an upload with a 201-character title', field: 'title', send: (w) => w.client('doctor').upload('pat-1', { title: LEAK + 'x'.repeat(194) }) },
  { op: 'POST /v1/patients/{patientId}/records', what: 'an upload with a bad mediaType', field: 'mediaType', send: (w) => w.client('doctor').upload('pat-1', { mediaType: LEAK }) },
  { op: 'POST /v1/patients/{patientId}/records', what: 'a multipart body without a boundary', field: 'body', send: (w) => w.client('doctor').post('/v1/patients/pat-1/records').set('Content-Type', 'multipart/form-data').send(LEAK) },
  { op: 'POST /v1/patients/{patientId}/records', what: 'a multipart body cut off inside the file', field: 'file', send: (w) => multipart(w, [field('title', 'Letter'), field('category', 'report'), file('x'.repeat(100_000) + LEAK)], undefined, false) },
  { op: 'POST /v1/patients/{patientId}/records', what: 'a JSON body instead of multipart', status: 415, send: (w) => w.client('doctor').post('/v1/patients/pat-1/records', { title: LEAK }) },
  ...badIds('GET /v1/patients/{patientId}/records', 'patientId', (w, id) => w.client('patient').get(`/v1/patients/${id}/records`)),
  { op: 'GET /v1/patients/{patientId}/records', what: 'an unknown category filter', field: 'category', send: (w) => w.client('patient').get(`/v1/patients/pat-1/records?category=${LEAK}`) },
  ...['0', '201', '1.5', LEAK].map((size): Malformed => ({
    op: 'GET /v1/patients/{patientId}/records', what: `pageSize=${size === LEAK ? 'text' : size}`, field: 'pageSize',
    send: (w) => w.client('patient').get(`/v1/patients/pat-1/records?pageSize=${size}`),
  })),
  { op: 'GET /v1/patients/{patientId}/records', what: 'a bookmark that was never issued', field: 'bookmark', send: (w) => w.client('patient').get(`/v1/patients/pat-1/records?pageSize=1&bookmark=${LEAK}`) },
  ...badIds('GET /v1/records/{recordId}', 'recordId', (w, id) => w.client('patient').get(`/v1/records/${id}`)),
  ...badIds('GET /v1/records/{recordId}/content', 'recordId', (w, id) => w.client('patient').get(`/v1/records/${id}/content?purpose=TREAT`)),
  { op: 'GET /v1/records/{recordId}/content', what: 'a missing purpose', field: 'purpose', send: (w) => w.client('patient').get(`/v1/records/${w.records.report}/content`) },
  { op: 'GET /v1/records/{recordId}/content', what: 'an unknown purpose', field: 'purpose', send: (w) => w.client('patient').get(`/v1/records/${w.records.report}/content?purpose=${LEAK}`) },
  { op: 'GET /v1/records/{recordId}/content', what: 'a lower-case purpose', field: 'purpose', send: (w) => w.client('patient').get(`/v1/records/${w.records.report}/content?purpose=treat`) },
  { op: 'GET /v1/records/{recordId}/content', what: 'two purposes', field: 'purpose', send: (w) => w.client('patient').get(`/v1/records/${w.records.report}/content?purpose=TREAT&purpose=${LEAK}`) },
  ...badIds('POST /v1/records/{recordId}/verify', 'recordId', (w, id) => w.client('patient').post(`/v1/records/${id}/verify`, { purpose: 'TREAT' })),
  { op: 'POST /v1/records/{recordId}/verify', what: 'a missing purpose', field: 'purpose', send: (w) => w.client('patient').post(`/v1/records/${w.records.report}/verify`, {}) },
  { op: 'POST /v1/records/{recordId}/verify', what: 'an unknown purpose', field: 'purpose', send: (w) => w.client('patient').post(`/v1/records/${w.records.report}/verify`, { purpose: LEAK }) },
  { op: 'POST /v1/records/{recordId}/verify', what: 'an unknown body field', field: 'sha256', send: (w) => w.client('patient').post(`/v1/records/${w.records.report}/verify`, { purpose: 'TREAT', sha256: LEAK }) },
  { op: 'POST /v1/records/{recordId}/verify', what: 'bad JSON text', field: 'body', send: (w) => rawJson(w, 'patient', `/v1/records/${w.records.report}/verify`, `{purpose: ${LEAK}}`) },
  ...notJson('POST /v1/records/{recordId}/verify', 'patient', (w) => `/v1/records/${w.records.report}/verify`),
  ...badIds('GET /v1/records/{recordId}/history', 'recordId', (w, id) => w.client('patient').get(`/v1/records/${id}/history`)),
  // consents
  ...badIds('POST /v1/patients/{patientId}/consents', 'patientId', (w, id) => w.client('patient').post(`/v1/patients/${id}/consents`, aConsent())),
  { op: 'POST /v1/patients/{patientId}/consents', what: 'an unknown grantee kind', field: 'grantee.kind', send: (w) => w.client('patient').post(consents, aConsent({ grantee: { kind: LEAK, userId: 'doc-c' } })) },
  { op: 'POST /v1/patients/{patientId}/consents', what: 'a missing grantee', field: 'grantee', send: (w) => w.client('patient').post(consents, aConsent({ grantee: undefined })) },
  { op: 'POST /v1/patients/{patientId}/consents', what: 'a user grantee without userId', field: 'grantee.userId', send: (w) => w.client('patient').post(consents, aConsent({ grantee: { kind: 'user' } })) },
  { op: 'POST /v1/patients/{patientId}/consents', what: 'an org grantee without org', field: 'grantee.org', send: (w) => w.client('patient').post(consents, aConsent({ grantee: { kind: 'org' } })) },
  { op: 'POST /v1/patients/{patientId}/consents', what: 'a grantee userId that is not an id', field: 'grantee.userId', send: (w) => w.client('patient').post(consents, aConsent({ grantee: { kind: 'user', userId: `${LEAK} x` } })) },
  { op: 'POST /v1/patients/{patientId}/consents', what: 'an unknown purpose', field: 'purposes[0]', send: (w) => w.client('patient').post(consents, aConsent({ purposes: [LEAK] })) },
  { op: 'POST /v1/patients/{patientId}/consents', what: 'no purposes', field: 'purposes', send: (w) => w.client('patient').post(consents, aConsent({ purposes: [] })) },
  { op: 'POST /v1/patients/{patientId}/consents', what: 'an expiry that is a number', field: 'expiresAt', send: (w) => w.client('patient').post(consents, aConsent({ expiresAt: 4_102_444_800 })) },
  { op: 'POST /v1/patients/{patientId}/consents', what: 'an unknown category in the scope', field: 'scope.categories[0]', send: (w) => w.client('patient').post(consents, aConsent({ scope: { categories: [LEAK] } })) },
  { op: 'POST /v1/patients/{patientId}/consents', what: 'an empty scope', field: 'scope', send: (w) => w.client('patient').post(consents, aConsent({ scope: {} })) },
  { op: 'POST /v1/patients/{patientId}/consents', what: 'a scope with both records and categories', field: 'scope', send: (w) => w.client('patient').post(consents, aConsent({ scope: { recordIds: [w.records.report], categories: ['report'] } })) },
  { op: 'POST /v1/patients/{patientId}/consents', what: 'an unknown field in the scope', field: 'scope.patientId', send: (w) => w.client('patient').post(consents, aConsent({ scope: { categories: ['report'], patientId: LEAK } })) },
  { op: 'POST /v1/patients/{patientId}/consents', what: 'an expiry that is not a date', field: 'expiresAt', send: (w) => w.client('patient').post(consents, aConsent({ expiresAt: LEAK })) },
  { op: 'POST /v1/patients/{patientId}/consents', what: 'an expiry with month 13', field: 'expiresAt', send: (w) => w.client('patient').post(consents, aConsent({ expiresAt: '2031-13-02T10:00:00Z' })) },
  { op: 'POST /v1/patients/{patientId}/consents', what: 'an expiry in the past', field: 'expiresAt', send: (w) => w.client('patient').post(consents, aConsent({ expiresAt: '2001-01-01T00:00:00Z' })) },
  { op: 'POST /v1/patients/{patientId}/consents', what: 'an unknown body field', field: 'note', send: (w) => w.client('patient').post(consents, aConsent({ note: LEAK })) },
  { op: 'POST /v1/patients/{patientId}/consents', what: 'bad JSON text', field: 'body', send: (w) => rawJson(w, 'patient', consents, `{"grantee": ${LEAK}}`) },
  ...notJson('POST /v1/patients/{patientId}/consents', 'patient', () => consents),
  ...badIds('GET /v1/patients/{patientId}/consents', 'patientId', (w, id) => w.client('patient').get(`/v1/patients/${id}/consents`)),
  ...badIds('DELETE /v1/consents/{consentId}', 'consentId', (w, id) => w.client('patient').delete(`/v1/consents/${id}`)),
  ...badIds('GET /v1/patients/{patientId}/consents/author-access', 'patientId', (w, id) => w.client('patient').get(`/v1/patients/${id}/consents/author-access`)),
  ...badIds('PUT /v1/patients/{patientId}/consents/author-access', 'patientId', (w, id) => w.client('patient').put(`/v1/patients/${id}/consents/author-access`, { authorAccess: 'ALLOWED' })),
  { op: 'PUT /v1/patients/{patientId}/consents/author-access', what: 'an unknown choice', field: 'authorAccess', send: (w) => w.client('patient').put(authorAccess, { authorAccess: LEAK }) },
  { op: 'PUT /v1/patients/{patientId}/consents/author-access', what: 'a missing choice', field: 'authorAccess', send: (w) => w.client('patient').put(authorAccess, {}) },
  { op: 'PUT /v1/patients/{patientId}/consents/author-access', what: 'an unknown body field', field: 'authorId', send: (w) => w.client('patient').put(authorAccess, { authorAccess: 'DENIED', authorId: LEAK }) },
  // access requests
  ...badIds('POST /v1/patients/{patientId}/access-requests', 'patientId', (w, id) => w.client('doctor').post(`/v1/patients/${id}/access-requests`, anAccessRequest())),
  { op: 'POST /v1/patients/{patientId}/access-requests', what: 'an unknown purpose', field: 'purpose', send: (w) => w.client('doctor').post(requests, anAccessRequest({ purpose: LEAK })) },
  { op: 'POST /v1/patients/{patientId}/access-requests', what: 'an empty reason', field: 'reason', send: (w) => w.client('doctor').post(requests, anAccessRequest({ reason: '' })) },
  { op: 'POST /v1/patients/{patientId}/access-requests', what: 'a 501-character reason', field: 'reason', send: (w) => w.client('doctor').post(requests, anAccessRequest({ reason: LEAK + 'x'.repeat(494) })) },
  { op: 'POST /v1/patients/{patientId}/access-requests', what: 'a missing reason', field: 'reason', send: (w) => w.client('doctor').post(requests, anAccessRequest({ reason: undefined })) },
  { op: 'POST /v1/patients/{patientId}/access-requests', what: 'a record id in the scope that is not an id', field: 'scope.recordIds[0]', send: (w) => w.client('doctor').post(requests, anAccessRequest({ scope: { recordIds: [`${LEAK} x`] } })) },
  { op: 'POST /v1/patients/{patientId}/access-requests', what: 'an empty scope', field: 'scope', send: (w) => w.client('doctor').post(requests, anAccessRequest({ scope: {} })) },
  { op: 'POST /v1/patients/{patientId}/access-requests', what: 'an unknown body field', field: 'urgent', send: (w) => w.client('doctor').post(requests, anAccessRequest({ urgent: LEAK })) },
  { op: 'POST /v1/patients/{patientId}/access-requests', what: 'bad JSON text', field: 'body', send: (w) => rawJson(w, 'doctor', requests, `{"reason": "${LEAK}",}`) },
  ...notJson('POST /v1/patients/{patientId}/access-requests', 'doctor', () => requests),
  { op: 'POST /v1/patients/{patientId}/access-requests', what: 'a JSON body over the limit', status: 413, send: (w) => w.client('doctor').post(requests, anAccessRequest({ reason: LEAK.repeat(30_000) })) },
  { op: 'GET /v1/access-requests', what: 'an unknown status', field: 'status', send: (w) => w.client('patient').get(`/v1/access-requests?status=${LEAK}`) },
  ...badIds('POST /v1/access-requests/{requestId}/approve', 'requestId', (w, id) => w.client('patient').post(`/v1/access-requests/${id}/approve`, {})),
  { op: 'POST /v1/access-requests/{requestId}/approve', what: 'an expiry that is not a date', field: 'expiresAt', send: async (w) => w.client('patient').post(`/v1/access-requests/${await w.freshRequest()}/approve`, { expiresAt: LEAK }) },
  { op: 'POST /v1/access-requests/{requestId}/approve', what: 'an expiry in the past', field: 'expiresAt', send: async (w) => w.client('patient').post(`/v1/access-requests/${await w.freshRequest()}/approve`, { expiresAt: '2001-01-01T00:00:00Z' }) },
  { op: 'POST /v1/access-requests/{requestId}/approve', what: 'an unknown body field', field: 'purpose', send: async (w) => w.client('patient').post(`/v1/access-requests/${await w.freshRequest()}/approve`, { expiresAt: future(), purpose: LEAK }) },
  { op: 'POST /v1/access-requests/{requestId}/approve', what: 'bad JSON text', field: 'body', send: async (w) => rawJson(w, 'patient', `/v1/access-requests/${await w.freshRequest()}/approve`, `{"expiresAt": ${LEAK}}`) },
  ...notJson('POST /v1/access-requests/{requestId}/approve', 'patient', (w) => w.freshRequest().then((id) => `/v1/access-requests/${id}/approve`)),
  ...badIds('POST /v1/access-requests/{requestId}/deny', 'requestId', (w, id) => w.client('patient').post(`/v1/access-requests/${id}/deny`)),
  // break-glass
  ...badIds('POST /v1/patients/{patientId}/emergency-access', 'patientId', (w, id) => w.client('doctor').post(`/v1/patients/${id}/emergency-access`, { reasonCode: 'UNCONSCIOUS' })),
  { op: 'POST /v1/patients/{patientId}/emergency-access', what: 'an unknown reasonCode', field: 'reasonCode', send: (w) => w.client('doctor').post(emergency, { reasonCode: LEAK }) },
  { op: 'POST /v1/patients/{patientId}/emergency-access', what: 'a missing reasonCode', field: 'reasonCode', send: (w) => w.client('doctor').post(emergency, {}) },
  { op: 'POST /v1/patients/{patientId}/emergency-access', what: 'a free-text reason besides the code', field: 'reason', send: (w) => w.client('doctor').post(emergency, { reasonCode: 'UNCONSCIOUS', reason: LEAK }) },
  { op: 'POST /v1/patients/{patientId}/emergency-access', what: 'bad JSON text', field: 'body', send: (w) => rawJson(w, 'doctor', emergency, `{"reasonCode": "${LEAK}"`) },
  ...notJson('POST /v1/patients/{patientId}/emergency-access', 'doctor', () => emergency),
  { op: 'GET /v1/emergency-access', what: 'reviewed that is not a boolean', field: 'reviewed', send: (w) => w.client('adminA').get(`/v1/emergency-access?reviewed=${LEAK}`) },
  ...badIds('POST /v1/emergency-access/{sessionId}/review', 'sessionId', (w, id) => w.client('adminA').post(`/v1/emergency-access/${id}/review`)),
  ...badIds('GET /v1/emergency-access/{sessionId}', 'sessionId', (w, id) => w.client('adminA').get(`/v1/emergency-access/${id}`)),
  // patients
  ...badIds('GET /v1/patients/{patientId}/access-log', 'patientId', (w, id) => w.client('patient').get(`/v1/patients/${id}/access-log`)),
  { op: 'GET /v1/patients/{patientId}/access-log', what: 'a recordId filter that is not an id', field: 'recordId', send: (w) => w.client('patient').get(`/v1/patients/pat-1/access-log?recordId=${LEAK}%20x`) },
  ...['0', '201', LEAK].map((size): Malformed => ({
    op: 'GET /v1/patients/{patientId}/access-log', what: `pageSize=${size === LEAK ? 'text' : size}`, field: 'pageSize',
    send: (w) => w.client('patient').get(`/v1/patients/pat-1/access-log?pageSize=${size}`),
  })),
  { op: 'GET /v1/patients/{patientId}/access-log', what: 'a bookmark that was never issued', field: 'bookmark', send: (w) => w.client('patient').get(`/v1/patients/pat-1/access-log?pageSize=1&bookmark=${LEAK}`) },
  // the caller's notifications
  ...['0', '201', '1.5', LEAK].map((size): Malformed => ({
    op: 'GET /v1/me/notifications', what: `pageSize=${size === LEAK ? 'text' : size}`, field: 'pageSize',
    send: (w) => w.client('patient').get(`/v1/me/notifications?pageSize=${size}`),
  })),
  { op: 'GET /v1/me/notifications', what: 'a bookmark that is not a position', field: 'bookmark', send: (w) => w.client('patient').get(`/v1/me/notifications?bookmark=${LEAK}`) },
  ...badIds('POST /v1/me/notifications/{notificationId}/read', 'notificationId', (w, id) => w.client('patient').post(`/v1/me/notifications/${id}/read`)),
  { op: 'GET /v1/me/events', what: 'a Last-Event-ID that is not a position', field: 'Last-Event-ID', send: (w) => w.client('patient').get('/v1/me/events').set('Last-Event-ID', LEAK) },
  { op: 'GET /v1/me/events', what: 'a Last-Event-ID of 17 digits', field: 'Last-Event-ID', send: (w) => w.client('patient').get('/v1/me/events').set('Last-Event-ID', '1'.repeat(17)) },
  // webhooks (org admins)
  { op: 'POST /v1/webhooks', what: 'no url', field: 'url', send: (w) => w.client('adminA').post('/v1/webhooks', {}) },
  { op: 'POST /v1/webhooks', what: 'a url that is a number', field: 'url', send: (w) => w.client('adminA').post('/v1/webhooks', { url: 7 }) },
  { op: 'POST /v1/webhooks', what: 'a url that is not a URL', field: 'url', send: (w) => w.client('adminA').post('/v1/webhooks', { url: `${LEAK} x` }) },
  { op: 'POST /v1/webhooks', what: 'an ftp url', field: 'url', send: (w) => w.client('adminA').post('/v1/webhooks', { url: `ftp://his.example/${LEAK}` }) },
  { op: 'POST /v1/webhooks', what: 'a url with a password', field: 'url', send: (w) => w.client('adminA').post('/v1/webhooks', { url: `https://his:${LEAK}@his.example/` }) },
  ...notJson('POST /v1/webhooks', 'adminA', () => '/v1/webhooks'),
  ...badIds('DELETE /v1/webhooks/{webhookId}', 'webhookId', (w, id) => w.client('adminA').delete(`/v1/webhooks/${id}`)),
  ...badIds('POST /v1/webhook-dead-letters/{deliveryId}/replay', 'deliveryId', (w, id) => w.client('adminA').post(`/v1/webhook-dead-letters/${id}/replay`)),
  ...badIds('POST /v1/patients/{patientId}/erasure', 'patientId', (w, id) => w.client('patient').post(`/v1/patients/${id}/erasure`)),
  ...badIds('GET /v1/patients/{patientId}/erasure', 'patientId', (w, id) => w.client('patient').get(`/v1/patients/${id}/erasure`)),
  ...badIds('GET /v1/patients/{patientId}/export', 'patientId', (w, id) => w.client('patient').get(`/v1/patients/${id}/export`)),
  { op: 'GET /v1/patients/{patientId}/export', what: 'an unknown format', field: 'format', send: (w) => w.client('patient').get(`/v1/patients/pat-1/export?format=${LEAK}`) },
  // interoperability: devices and observations
  ...badIds('GET /v1/patients/{patientId}/observations', 'patientId', (w, id) => w.client('patient').get(`/v1/patients/${id}/observations?purpose=PATRQT`)),
  { op: 'GET /v1/patients/{patientId}/observations', what: 'a missing purpose', field: 'purpose', send: (w) => w.client('patient').get('/v1/patients/pat-1/observations') },
  { op: 'GET /v1/patients/{patientId}/observations', what: 'an unknown purpose', field: 'purpose', send: (w) => w.client('patient').get(`/v1/patients/pat-1/observations?purpose=${LEAK}`) },
  { op: 'GET /v1/patients/{patientId}/observations', what: 'a code that is not LOINC', field: 'code', send: (w) => w.client('patient').get(`/v1/patients/pat-1/observations?purpose=PATRQT&code=${LEAK}`) },
  { op: 'GET /v1/patients/{patientId}/observations', what: 'a from that is not a date-time', field: 'from', send: (w) => w.client('patient').get(`/v1/patients/pat-1/observations?purpose=PATRQT&from=${LEAK}`) },
  { op: 'GET /v1/patients/{patientId}/observations', what: 'a to without a time zone', field: 'to', send: (w) => w.client('patient').get('/v1/patients/pat-1/observations?purpose=PATRQT&to=2026-01-01T00:00:00') },
  ...['0', '10001', LEAK].map((limit): Malformed => ({
    op: 'GET /v1/patients/{patientId}/observations', what: `limit=${limit === LEAK ? 'text' : limit}`, field: 'limit',
    send: (w) => w.client('patient').get(`/v1/patients/pat-1/observations?purpose=PATRQT&limit=${limit}`),
  })),
  { op: 'POST /v1/devices', what: 'a missing patientId', field: 'patientId', send: (w) => w.client('adminA').post('/v1/devices', {}) },
  { op: 'POST /v1/devices', what: 'a patientId that is not an id', field: 'patientId', send: (w) => w.client('adminA').post('/v1/devices', { patientId: `${LEAK} x` }) },
  { op: 'POST /v1/devices', what: 'a serial number in the body (devices get pseudonymous ids)', field: 'serialNumber', send: (w) => w.client('adminA').post('/v1/devices', { patientId: 'pat-1', serialNumber: LEAK }) },
  { op: 'POST /v1/devices', what: 'bad JSON text', field: 'body', send: (w) => rawJson(w, 'adminA', '/v1/devices', `{"patientId": ${LEAK}}`) },
  ...notJson('POST /v1/devices', 'adminA', () => '/v1/devices'),
  ...badIds('DELETE /v1/devices/{deviceId}', 'deviceId', (w, id) => w.client('adminA').delete(`/v1/devices/${id}`)),
  ...badIds('POST /v1/devices/{deviceId}/observations', 'deviceId', async (w, id) => (await device(w)).post(`/v1/devices/${id}/observations`, { readings: [aReading()] })),
  ...([
    ['no readings', 'readings', {}],
    // tsoa reads a lone value as a one-item list, so the item is what fails.
    ['readings that are not a list', 'readings[0]', { readings: LEAK }],
    ['an empty list of readings', 'readings', { readings: [] }],
    ['10,001 readings', 'readings', { readings: Array.from({ length: 10_001 }, () => aReading()) }],
    ['a reading without a code', 'readings[0].code', { readings: [aReading({ code: undefined })] }],
    ['a code that is not LOINC', 'readings[0].code', { readings: [aReading({ code: LEAK })] }],
    ['a LOINC code that is not a known vital sign', 'readings[1].code', { readings: [aReading(), aReading({ code: '2339-0' })] }],
    ['a unit the code does not take', 'readings[0].unit', { readings: [aReading({ unit: 'mg' })] }],
    ['a value that is text', 'readings[0].value', { readings: [aReading({ value: LEAK })] }],
    ['a negative value', 'readings[0].value', { readings: [aReading({ value: -5 })] }],
    ['a time that is not a date-time', 'readings[0].time', { readings: [aReading({ time: LEAK })] }],
    ['a time in the future', 'readings[0].time', { readings: [aReading({ time: '2999-01-01T00:00:00Z' })] }],
    ['an unknown field in a reading', 'readings[0].patientName', { readings: [aReading({ patientName: LEAK })] }],
    ['an unknown body field', 'deviceSerial', { readings: [aReading()], deviceSerial: LEAK }],
  ] as [string, string, object][]).map(([what, field, body]): Malformed => ({
    op: 'POST /v1/devices/{deviceId}/observations', what, field,
    send: async (w) => (await device(w)).post(`/v1/devices/${(await device(w)).deviceId}/observations`, body),
  })),
  { op: 'POST /v1/devices/{deviceId}/observations', what: 'bad JSON text', field: 'body',
    send: async (w) => (await device(w)).post(`/v1/devices/${(await device(w)).deviceId}/observations`).set('Content-Type', 'application/json').send(`{"readings": [${LEAK}`) },
  { op: 'POST /v1/devices/{deviceId}/observations', what: 'a text/plain body', status: 415,
    send: async (w) => (await device(w)).post(`/v1/devices/${(await device(w)).deviceId}/observations`).set('Content-Type', 'text/plain').send(LEAK) },
  // FHIR views
  ...badIds('GET /v1/fhir/Patient/{id}', 'id', (w, id) => w.client('patient').get(`/v1/fhir/Patient/${id}`)),
  ...badIds('GET /v1/fhir/DocumentReference/{id}', 'id', (w, id) => w.client('patient').get(`/v1/fhir/DocumentReference/${id}`)),
  ...badIds('GET /v1/fhir/ImagingStudy/{id}', 'id', (w, id) => w.client('patient').get(`/v1/fhir/ImagingStudy/${id}`)),
  ...badIds('GET /v1/fhir/Consent/{id}', 'id', (w, id) => w.client('patient').get(`/v1/fhir/Consent/${id}`)),
  ...(['DocumentReference', 'ImagingStudy', 'Consent', 'AuditEvent'] as const).flatMap((type): Malformed[] => [
    { op: `GET /v1/fhir/${type}`, what: 'a search without patient', field: 'patient', send: (w) => w.client('patient').get(`/v1/fhir/${type}`) },
    { op: `GET /v1/fhir/${type}`, what: 'a patient that is not an id', field: 'patient', send: (w) => w.client('patient').get(`/v1/fhir/${type}?patient=${LEAK}%20x`) },
  ]),
  ...(['DocumentReference', 'ImagingStudy', 'AuditEvent'] as const).flatMap((type): Malformed[] => [
    ...['0', '201', LEAK].map((count): Malformed => ({
      op: `GET /v1/fhir/${type}`, what: `_count=${count === LEAK ? 'text' : count}`, field: '_count',
      send: (w) => w.client('patient').get(`/v1/fhir/${type}?patient=pat-1&_count=${count}`),
    })),
    { op: `GET /v1/fhir/${type}`, what: 'a _page that was never issued', field: '_page', send: (w) => w.client('patient').get(`/v1/fhir/${type}?patient=pat-1&_count=1&_page=${LEAK}`) },
  ]),
  // FHIR Consent input: the field is the FHIR element (FHIRPath) the grant cannot hold.
  ...([
    ['another resourceType', 'Consent.resourceType', aFhirConsent('pat-1', 'doc-c', {}, { resourceType: LEAK })],
    ['no resourceType', 'Consent.resourceType', aFhirConsent('pat-1', 'doc-c', {}, { resourceType: undefined })],
    ['status draft', 'Consent.status', aFhirConsent('pat-1', 'doc-c', {}, { status: 'draft' })],
    ['a patient that is not an id', 'Consent.patient.identifier.value', aFhirConsent('pat-1', 'doc-c', {}, { patient: { identifier: { system: 'https://careledger.dev/fhir/sid/user-id', value: `${LEAK} x` } } })],
    ['a policy URL', 'Consent.policy', aFhirConsent('pat-1', 'doc-c', {}, { policy: [{ uri: `https://example.org/${LEAK}` }] })],
    ['two provisions', 'Consent.provision', aFhirConsent('pat-1', 'doc-c', {}, { provision: [{ type: 'permit' }, { type: 'permit' }] })],
    ['a nested provision', 'Consent.provision.provision', aFhirConsent('pat-1', 'doc-c', { provision: [{ type: 'deny' }] })],
    ['a deny provision', 'Consent.provision.type', aFhirConsent('pat-1', 'doc-c', { type: 'deny' })],
    ['an unknown purpose code', 'Consent.provision.purpose[0].code', aFhirConsent('pat-1', 'doc-c', { purpose: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: LEAK }] })],
    ['a purpose of an unknown system', 'Consent.provision.purpose[0].system', aFhirConsent('pat-1', 'doc-c', { purpose: [{ system: `https://example.org/${LEAK}`, code: 'TREAT' }] })],
    ['an actor role other than IRCP', 'Consent.provision.actor[0].role', aFhirConsent('pat-1', 'doc-c', { actor: [{ role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: LEAK }] }, reference: { reference: 'Practitioner/doc-c' } }] })],
    ['collect without access', 'Consent.provision.action', aFhirConsent('pat-1', 'doc-c', { action: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentaction', code: 'collect' }] }] })],
    ['a period without end', 'Consent.provision.period.end', aFhirConsent('pat-1', 'doc-c', { period: { start: '2026-01-01T00:00:00Z' } })],
    ['a start in the future', 'Consent.provision.period.start', aFhirConsent('pat-1', 'doc-c', { period: { start: '2999-01-01T00:00:00Z', end: '2999-02-01T00:00:00Z' } })],
    ['an end in the past', 'Consent.provision.period.end', aFhirConsent('pat-1', 'doc-c', { period: { end: '2001-01-01T00:00:00Z' } })],
    ['an unknown category class', 'Consent.provision.class[0]', aFhirConsent('pat-1', 'doc-c', { class: [{ system: 'https://careledger.dev/fhir/CodeSystem/record-category', code: LEAK }] })],
    ['records and categories at once', 'Consent.provision', aFhirConsent('pat-1', 'doc-c', { data: [{ meaning: 'instance', reference: { reference: 'DocumentReference/rec-0123456789abcdef0123456789abcdef' } }] })],
  ] as [string, string, object][]).map(([what, field, body]): Malformed => ({
    op: 'POST /v1/fhir/Consent', what, field,
    send: (w) => w.client('patient').post('/v1/fhir/Consent').set('Content-Type', 'application/fhir+json').send(JSON.stringify(body)),
  })),
  { op: 'POST /v1/fhir/Consent', what: 'bad JSON text', field: 'body', send: (w) => w.client('patient').post('/v1/fhir/Consent').set('Content-Type', 'application/fhir+json').send(`{"resourceType": ${LEAK}}`) },
  { op: 'POST /v1/fhir/Consent', what: 'a JSON array instead of a resource', field: 'body', send: (w) => w.client('patient').post('/v1/fhir/Consent', [LEAK]) },
  ...notJson('POST /v1/fhir/Consent', 'patient', () => '/v1/fhir/Consent'),
  { op: 'GET /v1/fhir/DocumentReference', what: 'an unknown category', field: 'category', send: (w) => w.client('patient').get(`/v1/fhir/DocumentReference?patient=pat-1&category=${LEAK}`) },
  { op: 'GET /v1/fhir/ImagingStudy', what: 'a modality that is not a DICOM code string', field: 'modality', send: (w) => w.client('patient').get(`/v1/fhir/ImagingStudy?patient=pat-1&modality=${LEAK}`) },
  { op: 'GET /v1/patients/{patientId}/records', what: 'a modality that is not a DICOM code string', field: 'modality', send: (w) => w.client('patient').get(`/v1/patients/pat-1/records?modality=${LEAK}`) },
];

/** A reading of a batch (heart rate unless told). */
function aReading(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { code: '8867-4', time: '2026-01-01T00:00:00Z', value: 70, unit: '/min', ...overrides };
}

const devices = new WeakMap<World, Promise<{ deviceId: string; post: (url: string, body?: object) => request.Test }>>();
/** A device of pat-1 (registered once per world) and a client that sends its credential. */
function device(w: World) {
  let d = devices.get(w);
  if (!d) {
    d = w.client('adminA').post('/v1/devices', { patientId: 'pat-1' }).expect(201).then((res) => ({
      deviceId: res.body.deviceId as string,
      post: (url: string, body?: object) => {
        const r = request(w.h.app).post(url).set('Authorization', `Bearer ${res.body.token}`);
        return body === undefined ? r : r.send(body);
      },
    }));
    devices.set(w, d);
  }
  return d;
}

describe('malformed input', () => {
  const world = withWorld();

  it('has a malformed case for every operation of the spec with inputs', async () => {
    const covered = new Set(CASES.map((c) => c.op));
    const spec = await specOperations();
    expect([...spec.keys()].filter((op) => !EXEMPT.includes(op) && !covered.has(op))).toEqual([]);
    expect([...covered].filter((op) => !spec.has(op))).toEqual([]);
  });

  it('exempts only operations that take no input', async () => {
    const spec = await specOperations();
    const inputs = EXEMPT.map((op) => ({ op, parameters: spec.get(op)?.parameters?.length ?? 0, body: Boolean(spec.get(op)?.requestBody) }));
    expect(inputs).toEqual(EXEMPT.map((op) => ({ op, parameters: 0, body: false })));
  });

  it.each(CASES.map((c) => ({ ...c, name: `${c.what} on ${c.op} gets ${c.status ?? 400}${c.field ? ` naming ${c.field}` : ''}` })))('$name', async (c) => {
    const res = await c.send(world());
    const status = c.status ?? 400;
    // FHIR paths answer an OperationOutcome carrying the same code and field; every other path a problem.
    const fhir = c.op.includes(' /v1/fhir/');
    const issue = fhir ? res.body?.issue?.[0] : undefined;
    const got = fhir ? { code: issue?.details?.coding?.[0]?.code, field: issue?.expression?.[0] } : { code: res.body?.code, field: res.body?.field };
    expect({ status: res.status, ...got }).toEqual({ status, code: CODES[status], field: c.field });
    expect(res.headers['content-type']).toMatch(fhir ? /^application\/fhir\+json/ : /^application\/problem\+json/);
    expect(JSON.stringify(res.body)).not.toContain(LEAK);
  });
});
