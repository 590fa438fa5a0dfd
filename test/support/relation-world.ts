/**
 * The world of the relation matrix: four target patients and seventeen callers whose relations to the
 * patients are set up through the API, so each case asks "what may THIS caller do to THAT target?".
 *
 * Targets: `own` is pat-s of Hospital A, the patient every consent and the break-glass session below are
 * about; `sameOrg` is pat-o of Hospital A and `otherOrg` pat-b of Hospital B (both with nobody's consent);
 * `erased` is pat-e of Hospital A, erased after it had records, a consent, a request, a device and a
 * break-glass session. Each target has a report, a lab result and a DICOM image, uploaded by a
 * practitioner of its home hospital who is not a caller.
 *
 * Callers (relations to pat-s): see {@link CALLERS}.
 */
import { CATEGORIES, type Category } from '../../chaincode/src/rules/vocabulary.js';
import { aDicomFile } from '../../gateway/src/testing/dicom-fixture.js';
import { GatewayHarness } from './gateway-harness.js';
import { GARBAGE_TOKEN, clientWith } from './rest-world.js';
import { eraseAndWait } from './erasure.js';

export type Org = 'hospital-a' | 'hospital-b';
export type Role = 'patient' | 'practitioner' | 'admin';

/** How a practitioner's consent from pat-s stands. */
export interface Grant {
  grantee: 'user' | 'org';
  /** What the consent covers of pat-s's three records. */
  covers: 'everything' | 'reports' | 'the lab result';
  purposes: string[];
  state: 'in force' | 'revoked' | 'expired';
}

export interface CallerInfo {
  /** Said in test names. */
  title: string;
  /** Registered user behind the caller; none for the token-less, garbage-token and device callers. */
  userId?: string;
  role?: Role;
  org?: Org;
  /** The consent from pat-s that names this caller, if any. */
  grant?: Grant;
  /** An open break-glass session on pat-s. */
  breakGlass?: boolean;
  /** The caller holds a device credential (of a device registered for pat-s). */
  device?: boolean;
}

const ALL: Category[] = [...CATEGORIES];

export const CALLERS = {
  nobody: { title: 'a caller without a token' },
  garbage: { title: 'a caller with a garbage token' },
  device: { title: "a device of pat-s (device credential)", device: true },
  patient: { title: 'the patient pat-s', userId: 'pat-s', role: 'patient', org: 'hospital-a' },
  samePatient: { title: 'pat-o (patient of the same hospital)', userId: 'pat-o', role: 'patient', org: 'hospital-a' },
  otherPatient: { title: 'pat-b (patient of the other hospital)', userId: 'pat-b', role: 'patient', org: 'hospital-b' },
  userGrant: { title: 'a practitioner with a user grant', userId: 'doc-user', role: 'practitioner', org: 'hospital-a',
    grant: { grantee: 'user', covers: 'everything', purposes: ['TREAT'], state: 'in force' } },
  orgGrant: { title: "a practitioner of Hospital B under an org grant", userId: 'doc-org', role: 'practitioner', org: 'hospital-b',
    grant: { grantee: 'org', covers: 'everything', purposes: ['TREAT'], state: 'in force' } },
  categoryScope: { title: 'a practitioner granted reports only', userId: 'doc-cat', role: 'practitioner', org: 'hospital-a',
    grant: { grantee: 'user', covers: 'reports', purposes: ['TREAT'], state: 'in force' } },
  recordScope: { title: 'a practitioner granted the lab result only', userId: 'doc-rec', role: 'practitioner', org: 'hospital-a',
    grant: { grantee: 'user', covers: 'the lab result', purposes: ['TREAT'], state: 'in force' } },
  wrongPurpose: { title: 'a practitioner granted for research only', userId: 'doc-purpose', role: 'practitioner', org: 'hospital-a',
    grant: { grantee: 'user', covers: 'everything', purposes: ['HRESCH'], state: 'in force' } },
  revoked: { title: 'a practitioner whose consent was revoked', userId: 'doc-revoked', role: 'practitioner', org: 'hospital-a',
    grant: { grantee: 'user', covers: 'everything', purposes: ['TREAT'], state: 'revoked' } },
  expired: { title: 'a practitioner whose consent expired', userId: 'doc-expired', role: 'practitioner', org: 'hospital-a',
    grant: { grantee: 'user', covers: 'everything', purposes: ['TREAT'], state: 'expired' } },
  noConsent: { title: 'a practitioner without consent', userId: 'doc-none', role: 'practitioner', org: 'hospital-a' },
  breakGlass: { title: 'a practitioner with an open break-glass session', userId: 'doc-glass', role: 'practitioner', org: 'hospital-a', breakGlass: true },
  adminA: { title: 'the admin of Hospital A', userId: 'hospital-a-admin', role: 'admin', org: 'hospital-a' },
  adminB: { title: 'the admin of Hospital B', userId: 'hospital-b-admin', role: 'admin', org: 'hospital-b' },
} satisfies Record<string, CallerInfo>;

export type Caller = keyof typeof CALLERS;

/** The grantee of the consent `objects.own.consent` names. */
export const OWN_CONSENT_GRANTEE = 'doc-user';

export interface TargetInfo {
  title: string;
  patientId: string;
  org: Org;
  erased: boolean;
}

export const TARGETS = {
  own: { title: "pat-s's", patientId: 'pat-s', org: 'hospital-a', erased: false },
  sameOrg: { title: "pat-o's (Hospital A, no consents)", patientId: 'pat-o', org: 'hospital-a', erased: false },
  otherOrg: { title: "pat-b's (Hospital B, no consents)", patientId: 'pat-b', org: 'hospital-b', erased: false },
  erased: { title: "erased pat-e's", patientId: 'pat-e', org: 'hospital-a', erased: true },
} satisfies Record<string, TargetInfo>;

export type Target = keyof typeof TARGETS;

/** The ids a target patient's objects got. */
export interface TargetObjects {
  report: string;
  lab: string;
  dicom: string;
  /** A consent of the patient (for pat-s: doc-user's; for the others: one to doc-g). */
  consent: string;
  /** Objects that exist only as ids once the patient is erased (pat-e only). */
  request?: string;
  session?: string;
  device?: string;
}

const UPLOADER: Record<Org, string> = { 'hospital-a': 'doc-up', 'hospital-b': 'doc-bup' };
/** Practitioners that are never callers: they ask for access (doc-r), break glass (doc-e, doc-eb) or receive consents (doc-g). */
const EXTRA_PRACTITIONERS: [string, Org][] = [['doc-up', 'hospital-a'], ['doc-bup', 'hospital-b'], ['doc-r', 'hospital-a'], ['doc-e', 'hospital-a'], ['doc-eb', 'hospital-b'], ['doc-g', 'hospital-a']];
/** How long the expiring consent lives before the matrix runs. */
const EXPIRING_MS = 4000;

export class RelationWorld {
  readonly objects = {} as Record<Target, TargetObjects>;
  /** The device of pat-s whose credential is the `device` caller's, and a device per other target. */
  readonly devices = {} as Record<Target, string>;
  private readonly tokens = new Map<string, string>();
  private deviceToken = '';
  private seq = 0;

  private constructor(readonly h: GatewayHarness) {}

  static async create(h: GatewayHarness): Promise<RelationWorld> {
    const w = new RelationWorld(h);
    for (const t of Object.values(TARGETS)) await h.register(t.patientId, 'patient', t.org);
    for (const c of Object.values(CALLERS) as CallerInfo[]) {
      if (c.role === 'practitioner') await h.register(c.userId!, 'practitioner', c.org);
    }
    for (const [id, org] of EXTRA_PRACTITIONERS) await h.register(id, 'practitioner', org);
    for (const id of [...new Set([...Object.values(CALLERS).map((c: CallerInfo) => c.userId), 'pat-e', 'doc-up', 'doc-bup', 'doc-r', 'doc-e', 'doc-eb'])]) {
      if (id) w.tokens.set(id, await h.token(id));
    }
    // Consents that cover categories come before the uploads, so the grantee's hospital gets its key at upload.
    const consentOf = (grantee: object, scope: object, purposes: string[], expiresAt = inADay()) =>
      w.as('pat-s').post('/v1/patients/pat-s/consents', { grantee, scope, purposes, expiresAt }).expect(201).then((r) => r.body.consentId as string);
    const userConsent = await consentOf({ kind: 'user', userId: 'doc-user' }, { categories: ALL }, ['TREAT']);
    await consentOf({ kind: 'org', org: 'HospitalBMSP' }, { categories: ALL }, ['TREAT']);
    await consentOf({ kind: 'user', userId: 'doc-cat' }, { categories: ['report'] }, ['TREAT']);
    await consentOf({ kind: 'user', userId: 'doc-purpose' }, { categories: ALL }, ['HRESCH']);
    const revoked = await consentOf({ kind: 'user', userId: 'doc-revoked' }, { categories: ALL }, ['TREAT']);
    const expiring = Date.now() + EXPIRING_MS;
    await consentOf({ kind: 'user', userId: 'doc-expired' }, { categories: ALL }, ['TREAT'], new Date(expiring).toISOString());
    for (const target of Object.keys(TARGETS) as Target[]) w.objects[target] = await w.uploadThree(TARGETS[target]);
    w.objects.own.consent = userConsent;
    await consentOf({ kind: 'user', userId: 'doc-rec' }, { recordIds: [w.objects.own.lab] }, ['TREAT']);
    await w.as('pat-s').delete(`/v1/consents/${revoked}`).expect(200);
    await w.as('doc-glass').post('/v1/patients/pat-s/emergency-access', { reasonCode: 'UNCONSCIOUS' }).expect(201);
    for (const t of ['sameOrg', 'otherOrg', 'erased'] as Target[]) {
      const { patientId } = TARGETS[t];
      w.objects[t].consent = (await w.as(patientId).post(`/v1/patients/${patientId}/consents`, aConsentFor('doc-g')).expect(201)).body.consentId;
    }
    const device = await w.registerDevice('pat-s', 'hospital-a');
    w.devices.own = device.deviceId;
    w.deviceToken = device.token;
    w.devices.sameOrg = (await w.registerDevice('pat-o', 'hospital-a')).deviceId;
    w.devices.otherOrg = (await w.registerDevice('pat-b', 'hospital-b')).deviceId;
    // pat-e gets one of everything an id can name, then is erased by its home admin.
    w.devices.erased = (await w.registerDevice('pat-e', 'hospital-a')).deviceId;
    w.objects.erased.device = w.devices.erased;
    w.objects.erased.request = (await w.as('doc-r').post('/v1/patients/pat-e/access-requests', anAccessRequest()).expect(201)).body.requestId;
    w.objects.erased.session = (await w.as('doc-e').post('/v1/patients/pat-e/emergency-access', { reasonCode: 'UNCONSCIOUS' }).expect(201)).body.sessionId;
    await eraseAndWait(w.as('hospital-a-admin'), 'pat-e');
    const wait = expiring - Date.now() + 250;
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    return w;
  }

  /** A supertest client for a caller (or any user id with a token), with the caller's credential. */
  client(caller: Caller | string) {
    const info = (CALLERS as Record<string, CallerInfo>)[caller];
    const auth = info
      ? info.device ? `Bearer ${this.deviceToken}` : info.userId ? `Bearer ${this.tokenOf(info.userId)}` : caller === 'garbage' ? `Bearer ${GARBAGE_TOKEN}` : undefined
      : `Bearer ${this.tokenOf(caller)}`;
    return clientWith(this.h.app, auth);
  }

  /** A client for a registered user id. */
  as(userId: string) {
    return this.client(userId);
  }

  /**
   * A new patient of the target's hospital, with a token, for cases that would change the target for the
   * cases after them (erasure, break-glass). The caller that is the target's own patient acts as it.
   */
  async standIn(target: Target): Promise<string> {
    const { org } = TARGETS[target];
    const id = `pat-new-${++this.seq}`;
    await this.h.register(id, 'patient', org);
    this.tokens.set(id, await this.h.token(id));
    return id;
  }

  /** A new consent of the target patient for doc-g (cases that revoke it). */
  async freshConsent(target: Target): Promise<string> {
    if (TARGETS[target].erased) return this.objects.erased.consent;
    const { patientId } = TARGETS[target];
    return (await this.as(patientId).post(`/v1/patients/${patientId}/consents`, aConsentFor('doc-g')).expect(201)).body.consentId;
  }

  /** A new pending request of doc-r on the target patient (cases that approve or deny it). */
  async freshRequest(target: Target): Promise<string> {
    if (TARGETS[target].erased) return this.objects.erased.request!;
    return (await this.as('doc-r').post(`/v1/patients/${TARGETS[target].patientId}/access-requests`, anAccessRequest()).expect(201)).body.requestId;
  }

  /** A new unreviewed break-glass session on the target patient, by a practitioner of its hospital. */
  async freshSession(target: Target): Promise<string> {
    if (TARGETS[target].erased) return this.objects.erased.session!;
    const { patientId, org } = TARGETS[target];
    const doctor = org === 'hospital-a' ? 'doc-e' : 'doc-eb';
    return (await this.as(doctor).post(`/v1/patients/${patientId}/emergency-access`, { reasonCode: 'UNCONSCIOUS' }).expect(201)).body.sessionId;
  }

  /** A new device of the target patient, registered by its home admin (cases that revoke it). */
  async freshDevice(target: Target): Promise<string> {
    if (TARGETS[target].erased) return this.objects.erased.device!;
    const { patientId, org } = TARGETS[target];
    return (await this.registerDevice(patientId, org)).deviceId;
  }

  /** The id of a user's newest notification (pat-s: the break-glass session opened on its records). */
  async notificationOf(userId: string): Promise<string> {
    const res = await this.as(userId).get('/v1/me/notifications?pageSize=1').expect(200);
    const id = res.body.notifications[0]?.notificationId as string | undefined;
    if (!id) throw new Error(`${userId} has no notification`);
    return id;
  }

  /** Remembers a token for a user id (a stand-in's). */
  tokenOf(userId: string): string {
    const token = this.tokens.get(userId);
    if (!token) throw new Error(`no token for ${userId}`);
    return token;
  }

  private async registerDevice(patientId: string, org: Org): Promise<{ deviceId: string; token: string }> {
    const res = await this.as(`${org}-admin`).post('/v1/devices', { patientId }).expect(201);
    return { deviceId: res.body.deviceId, token: res.body.token };
  }

  private async uploadThree(t: TargetInfo): Promise<TargetObjects> {
    const doctor = this.as(UPLOADER[t.org]);
    const report = (await doctor.upload(t.patientId, { category: 'report' }).expect(201)).body.recordId;
    const lab = (await doctor.upload(t.patientId, { category: 'lab-result', title: 'Blood count' }).expect(201)).body.recordId;
    const dicom = (
      await doctor
        .post(`/v1/patients/${t.patientId}/records`)
        .field('title', 'CT')
        .field('category', 'imaging')
        .field('mediaType', 'application/dicom')
        .attach('file', aDicomFile(), { filename: 'ct.dcm', contentType: 'application/dicom' })
        .expect(201)
    ).body.recordId;
    return { report, lab, dicom, consent: '' };
  }
}

function inADay(): string {
  return new Date(Date.now() + 86_400_000).toISOString();
}

function aConsentFor(userId: string): object {
  return { grantee: { kind: 'user', userId }, scope: { categories: ['report'] }, purposes: ['TREAT'], expiresAt: inADay() };
}

function anAccessRequest(): object {
  return { purpose: 'TREAT', scope: { categories: ['report'] }, reason: 'follow-up' };
}
