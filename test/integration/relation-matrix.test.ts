/**
 * The relation matrix: every operation of the spec × every caller × every target patient, with the
 * expected answer derived from the security model of the README (the rules are written out below, once,
 * as small functions; no expectation was copied from a server answer).
 *
 * Order of the checks, as the security model states them: a caller without a valid user token gets 401;
 * a caller whose role can never do the operation gets 403, and so does anyone but the patient for what only
 * the patient does (decided from the path, before the target is looked at); an erased target answers 410 for the patient
 * and its record anchors (only anchors remain; the registry entry stays, marked erased) and 404 for anything else it had (consents, requests,
 * sessions, devices are purged); then the caller's relation to the target decides (what a caller may not
 * see is 404, what it may see but not do is 403; content reads are 403 with the closest miss, and
 * `NO_CONSENT` to anyone no consent names — except that a caller of another hospital whose peers hold nothing of
 * the record (no consent of that hospital or its practitioners covers it, or its revocation took it back) gets
 * 404 `RECORD_NOT_FOUND`).
 *
 * On the network profile (`test:network`) the cross-hospital rows run: a caller of one hospital against a
 * patient of the other.
 */
import type { Response } from 'supertest';
import { CALLERS, OWN_CONSENT_GRANTEE, TARGETS, RelationWorld, type Caller, type CallerInfo, type Target, type TargetInfo } from '../support/relation-world.js';
import { GatewayHarness } from '../support/gateway-harness.js';
import { aFhirConsent, specOperations } from '../support/rest-world.js';
import { onNetwork } from '../support/test-profile.js';

type RecordKind = 'report' | 'lab' | 'dicom';

/** What a case expects: a status, and for refusals of content reads the problem code. */
interface Expected {
  status: number;
  code?: string;
  /** For lists: whether the caller sees at least one of the target's items. */
  seesSome?: boolean;
  /** Properties the answer's body has. */
  body?: object;
}

// ---- The rules, as the README's security model states them -------------------------------------------

const user = (c: CallerInfo) => c.userId !== undefined;
const isSelf = (c: CallerInfo, t: TargetInfo) => c.role === 'patient' && c.userId === t.patientId;
const isHomeAdmin = (c: CallerInfo, t: TargetInfo) => c.role === 'admin' && c.org === t.org;
const isHomePractitioner = (c: CallerInfo, t: TargetInfo) => c.role === 'practitioner' && c.org === t.org;

/** Whether the caller's consent scope covers a record of pat-s. */
function covers(c: CallerInfo, kind: RecordKind): boolean {
  switch (c.grant?.covers) {
    case 'everything':
      return true;
    case 'reports':
      return kind === 'report';
    case 'the lab result':
      return kind === 'lab';
    default:
      return false;
  }
}

/**
 * Whether the caller's hospital holds the record: its home hospital, or another one a consent naming it (or one of
 * its practitioners) covers the record for, in force or expired; a revocation takes it back.
 */
function heldBy(c: CallerInfo, t: TargetInfo, kind: RecordKind): boolean {
  if (c.org === t.org) return true;
  if (t.patientId === TARGETS.own.patientId) {
    return Object.values(CALLERS).some((g: CallerInfo) => g.org === c.org && g.grant !== undefined && g.grant.state !== 'revoked' && covers(g, kind));
  }
  // The other targets' one consent names doc-g of Hospital A for reports.
  return c.org === 'hospital-a' && kind === 'report';
}

/** Whether the caller may see a record's metadata: its own, or a consent in force naming it and covering it, or break-glass. */
function sees(c: CallerInfo, t: TargetInfo, kind: RecordKind): boolean {
  if (isSelf(c, t)) return true;
  if (t.patientId !== TARGETS.own.patientId) return false;
  return Boolean(c.breakGlass || (c.grant && c.grant.state === 'in force' && covers(c, kind)));
}

/** The decision on reading a record's content for TREAT: undefined when allowed, else the denial code. */
function readDenial(c: CallerInfo, t: TargetInfo, kind: RecordKind, purpose = 'TREAT'): string | undefined {
  if (isSelf(c, t)) return undefined;
  if (t.patientId !== TARGETS.own.patientId) return 'NO_CONSENT';
  if (c.grant) {
    // The closest miss of a consent that names the caller, in the order scope, purpose, revocation, expiry.
    if (!covers(c, kind)) return 'OUT_OF_SCOPE';
    if (!c.grant.purposes.includes(purpose)) return 'WRONG_PURPOSE';
    if (c.grant.state === 'revoked') return 'CONSENT_REVOKED';
    if (c.grant.state === 'expired') return 'CONSENT_EXPIRED';
    return undefined;
  }
  // Break-glass allows TREAT and ETREAT.
  if (c.breakGlass && ['TREAT', 'ETREAT'].includes(purpose)) return undefined;
  return 'NO_CONSENT';
}

/** Whether a consent of pat-s names the caller (its own consent, whatever its state). */
const isNamedGrantee = (c: CallerInfo, t: TargetInfo) => t.patientId === TARGETS.own.patientId && c.grant !== undefined;

/** A user-only operation: 401 to anyone without a user token, else what `rule` says. */
function forUsers(rule: (c: CallerInfo, t: TargetInfo) => Expected | number) {
  return (c: CallerInfo, t: TargetInfo): Expected => (user(c) ? asExpected(rule(c, t)) : { status: 401 });
}

function asExpected(e: Expected | number): Expected {
  return typeof e === 'number' ? { status: e } : e;
}

/** A read of one record of the target: metadata (404 when not seen) or content (403 with the denial). */
const recordMetadata = (kind: RecordKind) => forUsers((c, t) => (t.erased ? 410 : sees(c, t, kind) ? 200 : 404));
const recordContent = (kind: RecordKind) =>
  forUsers((c, t) => {
    if (t.erased) return 410;
    if (!heldBy(c, t, kind)) return { status: 404, code: 'RECORD_NOT_FOUND' };
    const denial = readDenial(c, t, kind);
    return denial ? { status: 403, code: denial } : 200;
  });
/** A list over the target's records: always 200 (erased: 410); it holds something only for a caller who sees one. */
const recordList = (kinds: RecordKind[]) =>
  forUsers((c, t) => (t.erased ? 410 : { status: 200, seesSome: kinds.some((k) => sees(c, t, k)) }));
/** The access log (JSON or AuditEvent): the patient and the home admin. */
const accessLog = forUsers((c, t) => (t.erased ? 410 : isSelf(c, t) || isHomeAdmin(c, t) ? 200 : 403));
/** Only the patient: anyone else is refused before the target is looked at (an erased patient has no caller). */
const patientOnly = (ok: number) => forUsers((c, t) => (isSelf(c, t) ? ok : 403));
/** The registry keeps an erased user's entry, marked erased, so the id is never given again; it holds nothing personal. */
const registryEntry = (erasedBody: object) => forUsers((_c, t) => (t.erased ? { status: 200, body: erasedBody } : 200));
/** Only practitioners: the role, then the target, then the home hospital (`otherOrg` for a practitioner of another). */
const practitionerOf = (home: number, otherOrg: number) =>
  forUsers((c, t) => (c.role !== 'practitioner' ? 403 : t.erased ? 410 : isHomePractitioner(c, t) ? home : otherOrg));
/** A consent of the target: seen by the patient, the home admin and its grantee; gone with an erasure. */
const consentRead = forUsers((c, t) => (t.erased ? 404 : isSelf(c, t) || isHomeAdmin(c, t) || (t === TARGETS.own && c.userId === OWN_CONSENT_GRANTEE) ? 200 : 404));
/** A consent list of the target: the patient and home admin see them all, a grantee its own; nobody else any. */
const consentList = forUsers((c, t) => {
  if (t.erased) return 410;
  if (isSelf(c, t) || isHomeAdmin(c, t) || isNamedGrantee(c, t)) return { status: 200, seesSome: true };
  return { status: 200, seesSome: false };
});
/** A pending request on the target, by a practitioner who is not a caller: the patient decides; the home admin sees it. */
const requestDecision = forUsers((c, t) => (t.erased ? 404 : isSelf(c, t) ? 200 : isHomeAdmin(c, t) ? 403 : 404));

// ---- The operations -----------------------------------------------------------------------------------

interface Operation {
  op: string;
  what: string;
  /** Target-independent operations run once per caller (with the `own` target). */
  perTarget: boolean;
  expect: (c: CallerInfo, t: TargetInfo) => Expected;
  send: (w: RelationWorld, caller: Caller, target: Target) => Promise<Response>;
}

const everyone = (status: number) => () => ({ status });
const objectsOf = (w: RelationWorld, t: Target) => w.objects[t];
const patientOf = (t: Target) => TARGETS[t].patientId;

/**
 * A stand-in for a target an operation would change for later cases (erasure, break-glass): a new patient
 * of the same hospital; the caller that is the target's own patient acts as the stand-in.
 */
async function standInFor(w: RelationWorld, caller: Caller, target: Target): Promise<{ client: ReturnType<RelationWorld['client']>; patientId: string }> {
  if (TARGETS[target].erased) return { client: w.client(caller), patientId: patientOf(target) };
  const patientId = await w.standIn(target);
  const self = isSelf(CALLERS[caller] as CallerInfo, TARGETS[target]);
  return { client: self ? w.as(patientId) : w.client(caller), patientId };
}

const OPERATIONS: Operation[] = [
  { op: 'GET /health', what: 'liveness', perTarget: false, expect: everyone(200), send: (w, c) => w.client(c).get('/health') },
  { op: 'GET /ready', what: 'readiness', perTarget: false, expect: everyone(200), send: (w, c) => w.client(c).get('/ready') },
  { op: 'POST /v1/dev/tokens', what: 'a dev token', perTarget: false, expect: everyone(onNetwork ? 404 : 201),
    send: (w, c) => w.client(c).post('/v1/dev/tokens', { userId: 'pat-s' }) },
  { op: 'POST /v1/users', what: 'registering a practitioner', perTarget: false, expect: forUsers((c) => (c.role === 'admin' ? 201 : 403)),
    send: (w, c) => w.client(c).post('/v1/users', { userId: `new-${Math.random().toString(36).slice(2, 10)}`, role: 'practitioner' }) },
  { op: 'GET /v1/me', what: 'their own registry entry', perTarget: false, expect: forUsers(() => 200), send: (w, c) => w.client(c).get('/v1/me') },
  // Notifications are the caller's own, whoever the target: when these rows run, only pat-s has been told
  // anything (break-glass was opened on pat-s's records; the expiry sweep is held back in this world).
  { op: 'GET /v1/me/notifications', what: 'their own notifications', perTarget: false, expect: forUsers((c) => ({ status: 200, seesSome: isSelf(c, TARGETS.own) })),
    send: (w, c) => w.client(c).get('/v1/me/notifications') },
  { op: 'POST /v1/me/notifications/{notificationId}/read', what: "marking pat-s's break-glass notification read", perTarget: false,
    expect: forUsers((c) => (isSelf(c, TARGETS.own) ? 200 : 404)),
    send: async (w, c) => w.client(c).post(`/v1/me/notifications/${await w.notificationOf('pat-s')}/read`) },
  { op: 'GET /v1/me/events', what: 'their own notification stream from the start', perTarget: false, expect: forUsers((c) => ({ status: 200, seesSome: isSelf(c, TARGETS.own) })),
    send: (w, c) => w.client(c).stream('/v1/me/events', { 'Last-Event-ID': '0'.repeat(16) }) },
  // Webhooks belong to an org and only its admins manage them; the test URL refuses connections at once.
  { op: 'POST /v1/webhooks', what: 'subscribing a webhook', perTarget: false, expect: forUsers((c) => (c.role === 'admin' ? 201 : 403)),
    send: (w, c) => w.client(c).post('/v1/webhooks', { url: 'http://127.0.0.1:9/hook' }) },
  { op: 'GET /v1/webhooks', what: "their org's webhooks", perTarget: false, expect: forUsers((c) => (c.role === 'admin' ? 200 : 403)),
    send: (w, c) => w.client(c).get('/v1/webhooks') },
  { op: 'DELETE /v1/webhooks/{webhookId}', what: "deleting a webhook of pat-s's hospital", perTarget: false,
    expect: forUsers((c) => (c.role !== 'admin' ? 403 : isHomeAdmin(c, TARGETS.own) ? 204 : 404)),
    send: async (w, c) => {
      const { body } = await w.as(`${TARGETS.own.org}-admin`).post('/v1/webhooks', { url: 'http://127.0.0.1:9/hook' });
      return w.client(c).delete(`/v1/webhooks/${body.webhookId}`);
    } },
  { op: 'GET /v1/webhook-dead-letters', what: "their org's dead letters", perTarget: false, expect: forUsers((c) => (c.role === 'admin' ? 200 : 403)),
    send: (w, c) => w.client(c).get('/v1/webhook-dead-letters') },
  { op: 'POST /v1/webhook-dead-letters/{deliveryId}/replay', what: 'replaying a dead letter that does not exist', perTarget: false,
    expect: forUsers((c) => (c.role === 'admin' ? 404 : 403)),
    send: (w, c) => w.client(c).post('/v1/webhook-dead-letters/dlv-0000000000/replay') },
  { op: 'GET /v1/users/{userId}', what: 'registry entry', perTarget: true, expect: registryEntry({ status: 'ERASED' }),
    send: (w, c, t) => w.client(c).get(`/v1/users/${patientOf(t)}`) },
  { op: 'POST /v1/patients/{patientId}/records', what: 'upload', perTarget: true, expect: practitionerOf(201, 403),
    send: (w, c, t) => w.client(c).upload(patientOf(t), { category: 'other', title: 'Note' }) },
  { op: 'GET /v1/patients/{patientId}/records', what: 'record list', perTarget: true, expect: recordList(['report', 'lab', 'dicom']),
    send: (w, c, t) => w.client(c).get(`/v1/patients/${patientOf(t)}/records`) },
  { op: 'GET /v1/records/{recordId}', what: 'report metadata', perTarget: true, expect: recordMetadata('report'),
    send: (w, c, t) => w.client(c).get(`/v1/records/${objectsOf(w, t).report}`) },
  { op: 'GET /v1/records/{recordId}/content', what: 'report content for TREAT', perTarget: true, expect: recordContent('report'),
    send: (w, c, t) => w.client(c).get(`/v1/records/${objectsOf(w, t).report}/content?purpose=TREAT`) },
  { op: 'POST /v1/records/{recordId}/verify', what: 'verifying the lab result for TREAT', perTarget: true, expect: recordContent('lab'),
    send: (w, c, t) => w.client(c).post(`/v1/records/${objectsOf(w, t).lab}/verify`, { purpose: 'TREAT' }) },
  { op: 'GET /v1/records/{recordId}/history', what: 'report history', perTarget: true,
    expect: forUsers((c, t) => (t.erased ? 410 : isSelf(c, t) || isHomeAdmin(c, t) || sees(c, t, 'report') ? 200 : 404)),
    send: (w, c, t) => w.client(c).get(`/v1/records/${objectsOf(w, t).report}/history`) },
  { op: 'POST /v1/patients/{patientId}/consents', what: 'granting a consent', perTarget: true, expect: patientOnly(201),
    send: (w, c, t) => w.client(c).post(`/v1/patients/${patientOf(t)}/consents`, { grantee: { kind: 'user', userId: 'doc-g' }, scope: { categories: ['prescription'] }, purposes: ['TREAT'], expiresAt: new Date(Date.now() + 86_400_000).toISOString() }) },
  { op: 'GET /v1/patients/{patientId}/consents', what: 'consent list', perTarget: true, expect: consentList,
    send: (w, c, t) => w.client(c).get(`/v1/patients/${patientOf(t)}/consents`) },
  // The author-access choice: the patient decides; the patient and the home admin read it (the records' author is no caller).
  { op: 'GET /v1/patients/{patientId}/consents/author-access', what: 'the author-access choice', perTarget: true, expect: accessLog,
    send: (w, c, t) => w.client(c).get(`/v1/patients/${patientOf(t)}/consents/author-access`) },
  { op: 'PUT /v1/patients/{patientId}/consents/author-access', what: 'allowing author access (no change)', perTarget: true, expect: patientOnly(200),
    send: (w, c, t) => w.client(c).put(`/v1/patients/${patientOf(t)}/consents/author-access`, { authorAccess: 'ALLOWED' }) },
  { op: 'DELETE /v1/consents/{consentId}', what: 'revoking a consent to doc-g', perTarget: true,
    expect: forUsers((c, t) => (t.erased ? 404 : isSelf(c, t) ? 200 : isHomeAdmin(c, t) ? 403 : 404)),
    send: async (w, c, t) => w.client(c).delete(`/v1/consents/${await w.freshConsent(t)}`) },
  { op: 'POST /v1/patients/{patientId}/access-requests', what: 'asking for access', perTarget: true,
    expect: forUsers((c, t) => (c.role !== 'practitioner' ? 403 : t.erased ? 410 : 201)),
    send: (w, c, t) => w.client(c).post(`/v1/patients/${patientOf(t)}/access-requests`, { purpose: 'TREAT', scope: { categories: ['report'] }, reason: 'follow-up' }) },
  { op: 'GET /v1/access-requests', what: 'their access requests', perTarget: false, expect: forUsers(() => 200), send: (w, c) => w.client(c).get('/v1/access-requests?status=pending') },
  { op: 'POST /v1/access-requests/{requestId}/approve', what: 'approving a pending request', perTarget: true, expect: requestDecision,
    send: async (w, c, t) => w.client(c).post(`/v1/access-requests/${await w.freshRequest(t)}/approve`, {}) },
  { op: 'POST /v1/access-requests/{requestId}/deny', what: 'denying a pending request', perTarget: true, expect: requestDecision,
    send: async (w, c, t) => w.client(c).post(`/v1/access-requests/${await w.freshRequest(t)}/deny`) },
  // Any practitioner, of the patient's hospital or another (the home hospital then releases the keys itself).
  { op: 'POST /v1/patients/{patientId}/emergency-access', what: 'breaking the glass', perTarget: true, expect: practitionerOf(201, 201),
    send: async (w, c, t) => {
      const { client, patientId } = await standInFor(w, c, t);
      return client.post(`/v1/patients/${patientId}/emergency-access`, { reasonCode: 'UNCONSCIOUS' });
    } },
  { op: 'GET /v1/emergency-access', what: 'the break-glass review queue', perTarget: false, expect: forUsers((c) => (c.role === 'admin' ? 200 : 403)),
    send: (w, c) => w.client(c).get('/v1/emergency-access?reviewed=false') },
  // The practitioner who opened it (never a caller here) and the home admin; nobody else learns it exists.
  { op: 'GET /v1/emergency-access/{sessionId}', what: 'a break-glass session', perTarget: true,
    expect: forUsers((c, t) => (t.erased ? 404 : isHomeAdmin(c, t) ? 200 : 404)),
    send: async (w, c, t) => w.client(c).get(`/v1/emergency-access/${await w.freshSession(t)}`) },
  { op: 'POST /v1/emergency-access/{sessionId}/review', what: 'reviewing a break-glass session', perTarget: true,
    // The session is opened by a practitioner of the patient's home hospital: another hospital holds nothing of it.
    expect: forUsers((c, t) => (c.role !== 'admin' ? 403 : t.erased ? 404 : isHomeAdmin(c, t) ? 200 : 404)),
    send: async (w, c, t) => w.client(c).post(`/v1/emergency-access/${await w.freshSession(t)}/review`) },
  { op: 'GET /v1/patients/{patientId}/access-log', what: 'access log', perTarget: true, expect: accessLog,
    send: (w, c, t) => w.client(c).get(`/v1/patients/${patientOf(t)}/access-log`) },
  { op: 'POST /v1/patients/{patientId}/erasure', what: 'erasure', perTarget: true,
    expect: forUsers((c, t) => (t.erased ? 410 : isSelf(c, t) || isHomeAdmin(c, t) ? 202 : 403)),
    send: async (w, c, t) => {
      const { client, patientId } = await standInFor(w, c, t);
      return client.post(`/v1/patients/${patientId}/erasure`);
    } },
  // The status of an erasure: the patient (signed in even once erased) and the home admin; 404 before one began.
  { op: 'GET /v1/patients/{patientId}/erasure', what: 'erasure status', perTarget: true,
    expect: forUsers((c, t) => (isSelf(c, t) || isHomeAdmin(c, t) ? (t.erased ? 200 : 404) : 403)),
    send: (w, c, t) => w.client(c).get(`/v1/patients/${patientOf(t)}/erasure`) },
  { op: 'GET /v1/patients/{patientId}/export', what: 'FHIR export', perTarget: true, expect: patientOnly(200),
    send: (w, c, t) => w.client(c).get(`/v1/patients/${patientOf(t)}/export`) },
  { op: 'GET /v1/patients/{patientId}/observations', what: 'device observations', perTarget: true, expect: forUsers((_c, t) => (t.erased ? 410 : 200)),
    send: (w, c, t) => w.client(c).get(`/v1/patients/${patientOf(t)}/observations?purpose=TREAT`) },
  { op: 'POST /v1/devices', what: 'registering a device', perTarget: true,
    expect: forUsers((c, t) => (c.role !== 'admin' ? 403 : t.erased ? 410 : isHomeAdmin(c, t) ? 201 : 403)),
    send: (w, c, t) => w.client(c).post('/v1/devices', { patientId: patientOf(t) }) },
  { op: 'DELETE /v1/devices/{deviceId}', what: 'revoking a device', perTarget: true,
    expect: forUsers((c, t) => (c.role !== 'admin' ? 403 : t.erased ? 404 : isHomeAdmin(c, t) ? 200 : 404)),
    send: async (w, c, t) => w.client(c).delete(`/v1/devices/${await w.freshDevice(t)}`) },
  // A device credential posts for its own device only; a user token is never a device credential.
  { op: 'POST /v1/devices/{deviceId}/observations', what: 'a device batch', perTarget: true,
    expect: (c, t) => (!c.device ? { status: 401 } : t.patientId === TARGETS.own.patientId ? { status: 201 } : { status: 403 }),
    send: (w, c, t) => w.client(c).post(`/v1/devices/${w.devices[t]}/observations`, { readings: [{ code: '8867-4', time: new Date(Date.now() - 60_000).toISOString(), value: 70, unit: '/min' }] }) },
  { op: 'GET /v1/fhir/Patient/{id}', what: 'FHIR Patient', perTarget: true, expect: registryEntry({ active: false }),
    send: (w, c, t) => w.client(c).get(`/v1/fhir/Patient/${patientOf(t)}`) },
  { op: 'GET /v1/fhir/DocumentReference/{id}', what: 'FHIR DocumentReference of the report', perTarget: true, expect: recordMetadata('report'),
    send: (w, c, t) => w.client(c).get(`/v1/fhir/DocumentReference/${objectsOf(w, t).report}`) },
  { op: 'GET /v1/fhir/DocumentReference', what: 'FHIR DocumentReference search', perTarget: true, expect: recordList(['report', 'lab', 'dicom']),
    send: (w, c, t) => w.client(c).get(`/v1/fhir/DocumentReference?patient=${patientOf(t)}`) },
  { op: 'GET /v1/fhir/ImagingStudy/{id}', what: 'FHIR ImagingStudy', perTarget: true, expect: recordMetadata('dicom'),
    send: (w, c, t) => w.client(c).get(`/v1/fhir/ImagingStudy/${objectsOf(w, t).dicom}`) },
  { op: 'GET /v1/fhir/ImagingStudy', what: 'FHIR ImagingStudy search', perTarget: true, expect: recordList(['dicom']),
    send: (w, c, t) => w.client(c).get(`/v1/fhir/ImagingStudy?patient=${patientOf(t)}`) },
  { op: 'GET /v1/fhir/Consent/{id}', what: 'FHIR Consent', perTarget: true, expect: consentRead,
    send: (w, c, t) => w.client(c).get(`/v1/fhir/Consent/${objectsOf(w, t).consent}`) },
  // The same grant as the JSON path, posted as a FHIR Consent naming the target patient: only that patient grants.
  { op: 'POST /v1/fhir/Consent', what: 'granting a consent as a FHIR Consent', perTarget: true, expect: patientOnly(201),
    send: (w, c, t) => w.client(c).post('/v1/fhir/Consent').set('Content-Type', 'application/fhir+json').send(JSON.stringify(aFhirConsent(patientOf(t), 'doc-g'))) },
  { op: 'GET /v1/fhir/Consent', what: 'FHIR Consent search', perTarget: true, expect: consentList,
    send: (w, c, t) => w.client(c).get(`/v1/fhir/Consent?patient=${patientOf(t)}`) },
  { op: 'GET /v1/fhir/AuditEvent', what: 'FHIR AuditEvent search', perTarget: true, expect: accessLog,
    send: (w, c, t) => w.client(c).get(`/v1/fhir/AuditEvent?patient=${patientOf(t)}`) },
];

/** How many items a list answer holds, whatever its shape (JSON page, array, FHIR Bundle). */
function itemCount(body: unknown): number {
  if (Array.isArray(body)) return body.length;
  // A Server-Sent Events stream: its events.
  if (typeof body === 'string') return body.split('\n').filter((line) => line.startsWith('data:')).length;
  const b = body as { records?: unknown[]; entry?: unknown[]; events?: unknown[]; notifications?: unknown[] };
  return (b.records ?? b.entry ?? b.events ?? b.notifications ?? []).length;
}

/** The rows that cross hospitals: a caller of one hospital (or under an org grant) against a patient of the other. */
function crossesHospitals(c: CallerInfo, t: TargetInfo): boolean {
  return c.org !== undefined && (c.org !== t.org || c.grant?.grantee === 'org');
}

const CASES = OPERATIONS.flatMap((o) =>
  (Object.keys(CALLERS) as Caller[]).flatMap((caller) =>
    (o.perTarget ? (Object.keys(TARGETS) as Target[]) : (['own'] as Target[]))
      .filter((target) => !onNetwork || (o.perTarget && crossesHospitals(CALLERS[caller] as CallerInfo, TARGETS[target])))
      .map((target) => {
        const expected = o.expect(CALLERS[caller] as CallerInfo, TARGETS[target]);
        const on = o.perTarget ? ` on ${TARGETS[target].title}` : '';
        const code = expected.code ? ` ${expected.code}` : '';
        const list = expected.seesSome === undefined ? '' : expected.seesSome ? ', not empty' : ', empty';
        return { name: `${o.op}: ${CALLERS[caller].title} gets ${expected.status}${code}${list} for ${o.what}${on}`, o, caller, target, expected };
      }),
  ),
);

describe('relation matrix: operation × caller × target', () => {
  let h: GatewayHarness | undefined;
  let w: RelationWorld | undefined;
  beforeAll(async () => {
    // The consent-expiry sweep runs once at start (nothing to find) and not again while the matrix runs, so
    // which caller has been told something follows from the events alone.
    h = await GatewayHarness.start({ env: { CARELEDGER_CONSENT_EXPIRY_SWEEP_SECONDS: '86400' } });
    w = await RelationWorld.create(h);
  }, 300_000); // about 60 submits: a minute or two on the network
  afterAll(async () => {
    await h?.close();
  });

  it('has rows for every operation of the spec, and none for an operation it lacks', async () => {
    const spec = await specOperations();
    expect(OPERATIONS.map((o) => o.op).sort()).toEqual([...spec.keys()].sort());
    expect(new Set(CASES.map((c) => c.o.op)).size).toBe(onNetwork ? OPERATIONS.filter((o) => o.perTarget).length : OPERATIONS.length);
  });

  it.each(CASES)('$name', async ({ o, caller, target, expected }) => {
    const res = await o.send(w!, caller, target);
    // FHIR paths answer errors as an OperationOutcome carrying the same code.
    const fhir = o.op.includes('/v1/fhir/');
    const code = fhir ? res.body?.issue?.[0]?.details?.coding?.[0]?.code : res.body?.code;
    expect({ status: res.status, code: expected.code ? code : undefined }).toEqual({ status: expected.status, code: expected.code });
    if (expected.status >= 400) expect(res.headers['content-type']).toMatch(fhir ? /^application\/fhir\+json/ : /^application\/problem\+json/);
    if (expected.seesSome !== undefined) expect(itemCount(res.body) > 0).toBe(expected.seesSome);
    if (expected.body) expect(res.body).toMatchObject(expected.body);
  });
});
