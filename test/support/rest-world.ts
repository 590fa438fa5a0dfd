/**
 * A populated embedded gateway for the REST suites: one patient of Hospital A with records in three
 * categories and one consent, the callers around them (see {@link Caller}), and factories for the
 * fresh objects a state-changing request may consume (so one case never changes what the next sees).
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import request from 'supertest';
import { GatewayHarness, someBytes } from './gateway-harness.js';

/** Who calls, relative to the patient `pat-1` of Hospital A who owns the data. */
export type Caller = 'nobody' | 'garbage' | 'patient' | 'otherPatient' | 'doctor' | 'consented' | 'otherHospital' | 'adminA' | 'adminB';

/** The registered users behind the callers; `pat-1` is the patient unless a case brings its own. */
const USER_OF: Record<Exclude<Caller, 'nobody' | 'garbage'>, string> = {
  patient: 'pat-1',
  otherPatient: 'pat-2',
  doctor: 'doc-a',
  consented: 'doc-c',
  otherHospital: 'doc-b',
  adminA: 'hospital-a-admin',
  adminB: 'hospital-b-admin',
};

/** The practitioner of Hospital A who uploads the world's records (no case calls as them). */
export const UPLOADER = 'doc-u';

/** A token that is syntactically a JWT but was never issued. */
export const GARBAGE_TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwYXQtMSJ9.c2lnbmF0dXJl';

export type Client = ReturnType<typeof clientWith>;

/** A supertest client of `app` that sends the `Authorization` header `auth` (none when undefined). */
export function clientWith(app: GatewayHarness['app'], auth: string | undefined) {
  const authorize = (r: request.Test) => (auth ? r.set('Authorization', auth) : r);
  return {
    get: (url: string) => authorize(request(app).get(url)),
    post: (url: string, body?: object) => {
      const r = authorize(request(app).post(url));
      return body === undefined ? r : r.send(body);
    },
    put: (url: string, body: object) => authorize(request(app).put(url)).send(body),
    delete: (url: string) => authorize(request(app).delete(url)),
    /**
     * A GET of a Server-Sent Events stream: the body is the text that arrived until the first event (or
     * `waitMs` after the stream opened), then the client leaves. Errors arrive whole, as JSON.
     */
    stream: (url: string, headers: Record<string, string> = {}, waitMs = 300) => {
      let r = authorize(request(app).get(url));
      for (const [k, v] of Object.entries(headers)) r = r.set(k, v);
      return r.buffer(true).parse((response, callback) => {
        // superagent hands the parser node's response stream (typed as its own Response).
        const res = response as unknown as IncomingMessage;
        let text = '';
        let timer: NodeJS.Timeout | undefined;
        let done = false;
        const finish = () => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          res.removeAllListeners('data');
          callback(null, /json/.test(String(res.headers['content-type'])) ? JSON.parse(text || '{}') : text);
          res.destroy();
        };
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          if (text.includes('\ndata:') || text.startsWith('data:')) finish();
        });
        res.on('end', finish);
        if (/event-stream/.test(String(res.headers['content-type']))) timer = setTimeout(finish, waitMs);
      });
    },
    /** A multipart upload; fields default to a titled report. */
    upload: (patientId: string, fields: Record<string, string> = {}) => {
      let r = authorize(request(app).post(`/v1/patients/${patientId}/records`));
      for (const [k, v] of Object.entries({ title: 'Discharge letter', category: 'report', ...fields })) r = r.field(k, v);
      return r.attach('file', someBytes(2000), { filename: 'letter.pdf', contentType: 'application/pdf' });
    },
  };
}

/** An operation of the OpenAPI document, as far as these suites look at it. */
export interface SpecOperation {
  parameters?: unknown[];
  requestBody?: unknown;
}

/** The committed OpenAPI document's operations by `METHOD /path`. */
export async function specOperations(): Promise<Map<string, SpecOperation>> {
  const spec = JSON.parse(await readFile(path.resolve('openapi/openapi.json'), 'utf8')) as { paths: Record<string, Record<string, SpecOperation>> };
  return new Map(Object.entries(spec.paths).flatMap(([p, methods]) => Object.entries(methods).map(([m, op]) => [`${m.toUpperCase()} ${p}`, op] as const)));
}

/** A consent body (grants `doc-c` reports for treatment unless told otherwise). */
export function aConsent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    grantee: { kind: 'user', userId: 'doc-c' },
    scope: { categories: ['report'] },
    purposes: ['TREAT'],
    expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    ...overrides,
  };
}

/**
 * A FHIR R4 Consent for `POST /v1/fhir/Consent`: `patientId` grants `userId` reports for treatment for a day.
 * `provision` overrides elements of the one provision; `top` elements of the Consent.
 */
export function aFhirConsent(patientId = 'pat-1', userId = 'doc-c', provision: Record<string, unknown> = {}, top: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    resourceType: 'Consent',
    status: 'active',
    patient: { reference: `Patient/${patientId}` },
    provision: {
      type: 'permit',
      period: { end: new Date(Date.now() + 86_400_000).toISOString() },
      actor: [{ role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }] }, reference: { reference: `Practitioner/${userId}` } }],
      action: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentaction', code: 'access' }] }],
      purpose: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'TREAT' }],
      class: [{ system: 'https://careledger.dev/fhir/CodeSystem/record-category', code: 'report' }],
      ...provision,
    },
    ...top,
  };
}

/** An access request body. */
export function anAccessRequest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { purpose: 'TREAT', scope: { categories: ['report'] }, reason: 'follow-up', ...overrides };
}

export class World {
  /** pat-1's records: a report (covered by doc-c's consent), an image and a lab result (not covered). */
  readonly records: { report: string; imaging: string; lab: string } = { report: '', imaging: '', lab: '' };
  /** doc-c's consent on pat-1's reports. */
  consentId = '';
  private readonly tokens = new Map<string, string>();
  private seq = 0;

  private constructor(readonly h: GatewayHarness) {}

  static async create(h: GatewayHarness): Promise<World> {
    const w = new World(h);
    for (const id of ['pat-1', 'pat-2']) await h.register(id, 'patient');
    // doc-r only asks for access, doc-e only breaks glass, doc-g only receives consents, doc-u only uploads (the
    // author of a record may read it in the treatment window): none is a caller.
    for (const id of ['doc-a', 'doc-c', 'doc-r', 'doc-e', 'doc-g', UPLOADER]) await h.register(id, 'practitioner');
    await h.register('doc-b', 'practitioner', 'hospital-b');
    for (const user of [...Object.values(USER_OF), 'doc-r', 'doc-e', UPLOADER]) w.tokens.set(user, await h.token(user));
    const doctor = w.client(UPLOADER);
    w.records.report = (await doctor.upload('pat-1', { category: 'report' }).expect(201)).body.recordId;
    w.records.imaging = (await doctor.upload('pat-1', { category: 'imaging' }).expect(201)).body.recordId;
    w.records.lab = (await doctor.upload('pat-1', { category: 'lab-result' }).expect(201)).body.recordId;
    w.consentId = (await w.client('patient').post('/v1/patients/pat-1/consents', aConsent()).expect(201)).body.consentId;
    return w;
  }

  /**
   * A supertest client for a caller (or any registered user id). `patient` names who the caller
   * `patient` is when a case brings its own patient.
   */
  client(caller: Caller | string, patient = 'pat-1') {
    const userId = caller === 'patient' ? patient : ((USER_OF as Record<string, string>)[caller] ?? caller);
    const auth = caller === 'nobody' ? undefined : caller === 'garbage' ? `Bearer ${GARBAGE_TOKEN}` : `Bearer ${this.tokenOf(userId)}`;
    return clientWith(this.h.app, auth);
  }

  private tokenOf(userId: string): string {
    const token = this.tokens.get(userId);
    if (!token) throw new Error(`no token for ${userId}; fetch it first (freshPatient does)`);
    return token;
  }

  /** A user id never used before. */
  freshId(prefix: string): string {
    return `${prefix}-${++this.seq}`;
  }

  /** A new patient of Hospital A with a report and a consent for doc-c (for cases that erase or break glass). */
  async freshPatient(): Promise<string> {
    const id = this.freshId('pat-x');
    await this.h.register(id, 'patient');
    this.tokens.set(id, await this.h.token(id));
    await this.client(UPLOADER).upload(id).expect(201);
    await this.client('patient', id).post(`/v1/patients/${id}/consents`, aConsent()).expect(201);
    return id;
  }

  /** A new active consent of pat-1 for doc-c's reports. */
  async freshConsent(): Promise<string> {
    return (await this.client('patient').post('/v1/patients/pat-1/consents', aConsent()).expect(201)).body.consentId;
  }

  /** A new pending request of doc-r on pat-1's reports. */
  async freshRequest(): Promise<string> {
    return (await this.client('doc-r').post('/v1/patients/pat-1/access-requests', anAccessRequest()).expect(201)).body.requestId;
  }

  /** A new unreviewed break-glass session of doc-e on pat-1. */
  async freshSession(): Promise<string> {
    return (await this.client('doc-e').post('/v1/patients/pat-1/emergency-access', { reasonCode: 'UNCONSCIOUS' }).expect(201)).body.sessionId;
  }
}

/** Starts a gateway with a {@link World} before the enclosing describe's tests and closes it after them. */
export function withWorld(): () => World {
  let h: GatewayHarness | undefined;
  let w: World | undefined;
  // Setting up the world is a few dozen requests: more than jest's 5 s default on a busy machine.
  beforeAll(async () => {
    h = await GatewayHarness.start();
    w = await World.create(h);
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });
  return () => {
    if (!w) throw new Error('the world is not up yet');
    return w;
  };
}
