import { CATEGORIES, isCategory, isPurpose, type Category, type ConsentScope, type Grantee, type Purpose } from '@careledger/chaincode/rules';
import { badInput } from '../app-error.js';
import { CATEGORY_TYPES } from './document-reference.js';
import { fhirId, fromFhirId, SYSTEM } from './systems.js';

/** The grant a posted FHIR Consent asks for, in the terms of the JSON grant (`POST /v1/patients/{patientId}/consents`). */
export interface ConsentGrant {
  /** The patient who grants: only that patient may post it. */
  patientId: string;
  grantee: Grantee;
  scope: ConsentScope;
  purposes: Purpose[];
  expiresAt: string;
  /** `provision.action` collect: the contribution right. */
  contribute?: boolean;
  /** The MSP id `Consent.organization` names, when it names one (the view writes the patient's home org). */
  organization?: string;
  /**
   * The FHIR element a field of the grant came from, for the errors the grant itself raises later
   * (`expiresAt` → `Consent.provision.period.end`, `scope.recordIds[2]` → `Consent.provision.data[2].reference`, …).
   */
  elementOf(field: string): string;
}

const CONSENT_ACTION = 'http://terminology.hl7.org/CodeSystem/consentaction';
/** The ids of the ledger registry (the same pattern as the JSON paths' `Id`). */
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$/;
/** A FHIR dateTime with a time must carry a zone; the grant needs an instant. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** Elements of Consent the mapper reads, or ignores because the server sets them; anything else is refused. */
const CONSENT_ELEMENTS = new Set(['resourceType', 'id', 'meta', 'text', 'language', 'identifier', 'status', 'scope', 'category', 'patient', 'dateTime', 'performer', 'organization', 'policyRule', 'provision']);
const PROVISION_ELEMENTS = new Set(['id', 'type', 'period', 'actor', 'action', 'purpose', 'data', 'code', 'class']);
/** Elements a posted Consent may carry but that no grant can hold (a policy, a source document, a verification...). */
const UNREPRESENTABLE: Record<string, string> = {
  policy: 'a policy (URL or authority) cannot be stored; the consent is the grant itself',
  sourceAttachment: 'a source document cannot be stored with a consent',
  sourceReference: 'a source document cannot be stored with a consent',
  verification: 'verifications cannot be stored with a consent',
  extension: 'extensions cannot be stored with a consent',
  modifierExtension: 'modifier extensions cannot be stored with a consent',
  implicitRules: 'implicit rules cannot be honoured',
  contained: 'contained resources cannot be stored with a consent',
  provision: 'nested provisions cannot be represented: a grant is one permit',
  securityLabel: 'security labels cannot be represented in a grant',
  dataPeriod: 'a data period cannot be represented: a grant covers records or categories',
};

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function refuse(path: string, detail: string): never {
  throw badInput(path, `${path}: ${detail}`);
}

function object(value: unknown, path: string): Json {
  if (!isObject(value)) refuse(path, 'must be a JSON object');
  return value;
}

function list(value: unknown, path: string, required: boolean): unknown[] {
  if (value === undefined) {
    if (required) refuse(path, 'is required');
    return [];
  }
  if (!Array.isArray(value)) refuse(path, 'must be a JSON array');
  if (required && value.length === 0) refuse(path, 'must not be empty');
  return value;
}

/** A Coding or CodeableConcept whose one coding has exactly this system and code. */
function isCoding(value: unknown, system: string, code: string): boolean {
  return isObject(value) && value.system === system && value.code === code;
}

function conceptHas(value: unknown, system: string, code: string): boolean {
  return isObject(value) && Array.isArray(value.coding) && value.coding.length > 0 && value.coding.every((c) => isCoding(c, system, code));
}

function anId(value: string, path: string): string {
  if (!ID.test(value)) refuse(path, "must name an id of 3-64 letters, digits, '.', '_' or '-'");
  return value;
}

/**
 * The id a reference names, in the two forms the Consent view writes: literal (`Type/id`, our id with `_`
 * written `-`) and logical (`identifier` of `system`, the exact id). When both are present they must agree.
 */
function referenced(value: unknown, path: string, type: string, system: string): string | undefined {
  const reference = object(value, path);
  for (const key of Object.keys(reference)) {
    if (!['reference', 'type', 'identifier', 'display'].includes(key)) refuse(`${path}.${key}`, 'is not supported in a reference here');
  }
  if (reference.type !== undefined && reference.type !== type) return undefined;
  let literal: string | undefined;
  if (reference.reference !== undefined) {
    const match = typeof reference.reference === 'string' ? /^([A-Za-z]+)\/([A-Za-z0-9._-]{1,64})$/.exec(reference.reference) : null;
    if (!match) refuse(`${path}.reference`, `must be a relative reference ${type}/{id}`);
    if (match[1] !== type) return undefined;
    literal = anId(fromFhirId(match[2]!), `${path}.reference`);
  }
  let logical: string | undefined;
  if (reference.identifier !== undefined) {
    const identifier = object(reference.identifier, `${path}.identifier`);
    if (identifier.system !== system || typeof identifier.value !== 'string') refuse(`${path}.identifier`, `must be an identifier of system ${system}`);
    logical = anId(identifier.value, `${path}.identifier.value`);
  }
  if (literal !== undefined && logical !== undefined && fhirId(literal) !== fhirId(logical)) refuse(path, 'reference and identifier name different ids');
  if (logical === undefined && literal === undefined) refuse(path, `must have a reference ${type}/{id} or an identifier`);
  return logical ?? literal;
}

/** What the view writes for the Consent itself, checked where a client sends it (the server sets it otherwise). */
function checkFixedElements(consent: Json, patientId: string): string | undefined {
  if (consent.scope !== undefined && !conceptHas(consent.scope, SYSTEM.consentScope, 'patient-privacy')) {
    refuse('Consent.scope', `must be ${SYSTEM.consentScope}#patient-privacy`);
  }
  list(consent.category, 'Consent.category', false).forEach((c, i) => {
    if (!conceptHas(c, SYSTEM.loinc, '59284-0')) refuse(`Consent.category[${i}]`, `must be ${SYSTEM.loinc}#59284-0 (patient consent)`);
  });
  if (consent.policyRule !== undefined && !conceptHas(consent.policyRule, SYSTEM.actCode, 'OPTIN')) {
    refuse('Consent.policyRule', `must be ${SYSTEM.actCode}#OPTIN`);
  }
  list(consent.identifier, 'Consent.identifier', false).forEach((id, i) => {
    if (!isObject(id) || id.system !== SYSTEM.consentId) refuse(`Consent.identifier[${i}]`, `only an identifier of system ${SYSTEM.consentId} (ignored: the ledger assigns it) is accepted`);
  });
  list(consent.performer, 'Consent.performer', false).forEach((p, i) => {
    if (referenced(p, `Consent.performer[${i}]`, 'Patient', SYSTEM.userId) !== patientId) refuse(`Consent.performer[${i}]`, 'must be the patient (only the patient grants)');
  });
  const orgs = list(consent.organization, 'Consent.organization', false);
  if (orgs.length > 1) refuse('Consent.organization', 'must name one organization (the patient’s home)');
  if (orgs.length === 0) return undefined;
  const org = object(orgs[0], 'Consent.organization[0]');
  if (org.reference !== undefined || !isObject(org.identifier) || org.identifier.system !== SYSTEM.mspId || typeof org.identifier.value !== 'string' || (org.type !== undefined && org.type !== 'Organization')) {
    refuse('Consent.organization[0]', `must be an Organization by identifier of system ${SYSTEM.mspId}`);
  }
  return org.identifier.value;
}

function grantee(actors: unknown[]): Grantee {
  if (actors.length !== 1) refuse('Consent.provision.actor', 'must name exactly one grantee');
  const path = 'Consent.provision.actor[0]';
  const actor = object(actors[0], path);
  for (const key of Object.keys(actor)) if (!['role', 'reference'].includes(key)) refuse(`${path}.${key}`, 'is not supported');
  if (!conceptHas(actor.role, SYSTEM.participationType, 'IRCP')) refuse(`${path}.role`, `must be ${SYSTEM.participationType}#IRCP (information recipient)`);
  const user = referenced(actor.reference, `${path}.reference`, 'Practitioner', SYSTEM.userId);
  if (user !== undefined) return { kind: 'user', userId: user };
  const org = referenced(actor.reference, `${path}.reference`, 'Organization', SYSTEM.mspId);
  if (org !== undefined) return { kind: 'org', org };
  return refuse(`${path}.reference`, 'must be a Practitioner or an Organization');
}

function purposes(values: unknown[]): Purpose[] {
  return values.map((p, i) => {
    const path = `Consent.provision.purpose[${i}]`;
    if (!isObject(p) || p.system !== SYSTEM.actReason) refuse(`${path}.system`, `must be ${SYSTEM.actReason}`);
    if (!isPurpose(p.code)) refuse(`${path}.code`, 'must be one of TREAT, ETREAT, HPAYMT, HRESCH, PATRQT');
    return p.code;
  });
}

/** The actions: `access` is required; `collect` adds the contribution right. Answers whether collect is there. */
function actions(values: unknown[]): boolean {
  let access = false;
  let collect = false;
  values.forEach((a, i) => {
    const path = `Consent.provision.action[${i}]`;
    if (conceptHas(a, CONSENT_ACTION, 'access')) access = true;
    else if (conceptHas(a, CONSENT_ACTION, 'collect')) collect = true;
    else refuse(path, `must be ${CONSENT_ACTION}#access or #collect`);
  });
  if (!access) refuse('Consent.provision.action', `must hold ${CONSENT_ACTION}#access (a grantee who adds records also reads under the consent)`);
  return collect;
}

/** The category of a scope entry: `provision.code` as the view writes it (ours plus the matching LOINC), or `provision.class`. */
function categoryOfCode(value: unknown, path: string): Category {
  const codings = list(isObject(value) ? value.coding : undefined, `${path}.coding`, true);
  const ours = codings.filter((c) => isObject(c) && c.system === SYSTEM.category);
  if (ours.length !== 1 || !isObject(ours[0]) || !isCategory(ours[0].code)) refuse(`${path}.coding`, `must hold one code of ${SYSTEM.category} (${CATEGORIES.join(', ')})`);
  const category = ours[0].code;
  codings.forEach((c, j) => {
    if (c === ours[0]) return;
    if (!isCoding(c, SYSTEM.loinc, CATEGORY_TYPES[category].code)) refuse(`${path}.coding[${j}]`, 'must be the LOINC code of the same category or left out');
  });
  return category;
}

function categoryOfClass(value: unknown, path: string): Category {
  if (!isObject(value) || value.system !== SYSTEM.category || !isCategory(value.code)) refuse(path, `must be a code of ${SYSTEM.category} (${CATEGORIES.join(', ')})`);
  return value.code;
}

/**
 * Maps a posted FHIR R4 Consent to the grant the JSON path makes, refusing (400 naming the element, by its
 * FHIRPath) whatever a grant cannot hold. It reads what the Consent view writes, so a stored consent's view
 * posted back asks for the same grant: the patient (`patient`), one `permit` provision with one grantee
 * (`actor`, role IRCP: a Practitioner by user id or an Organization by MSP id), `purpose` (ActReason),
 * `period.end` as the expiry (a `start` may not lie in the future: a grant holds from when it is made),
 * `action` access (plus collect for the contribution right), and the scope as `data` (DocumentReference instances) or as categories (`code` or `class`).
 * Ids, meta, text, dateTime and the consent identifier are the server's: they are ignored.
 */
export function fromConsent(body: unknown, now: Date): ConsentGrant {
  const consent = object(body, 'Consent');
  if (consent.resourceType !== 'Consent') refuse('Consent.resourceType', 'must be Consent');
  for (const key of Object.keys(consent)) {
    if (key in UNREPRESENTABLE && key !== 'provision') refuse(`Consent.${key}`, UNREPRESENTABLE[key]!);
    if (!CONSENT_ELEMENTS.has(key)) refuse(`Consent.${key}`, 'is not an element a grant can hold');
  }
  if (consent.status !== 'active') refuse('Consent.status', 'must be active (a grant is in force once made)');
  const patientId = referenced(consent.patient, 'Consent.patient', 'Patient', SYSTEM.userId);
  if (patientId === undefined) refuse('Consent.patient', 'must be a Patient');
  const organization = checkFixedElements(consent, patientId);

  if (Array.isArray(consent.provision)) refuse('Consent.provision', 'must be one provision');
  const provision = object(consent.provision, 'Consent.provision');
  for (const key of Object.keys(provision)) {
    if (key in UNREPRESENTABLE) refuse(`Consent.provision.${key}`, UNREPRESENTABLE[key]!);
    if (!PROVISION_ELEMENTS.has(key)) refuse(`Consent.provision.${key}`, 'is not an element a grant can hold');
  }
  if (provision.type !== 'permit') refuse('Consent.provision.type', 'must be permit (a grant allows; a deny cannot be stored)');

  const period = object(provision.period, 'Consent.provision.period');
  for (const key of Object.keys(period)) if (!['start', 'end'].includes(key)) refuse(`Consent.provision.period.${key}`, 'is not supported');
  if (period.end === undefined) refuse('Consent.provision.period.end', 'is required: a grant has an expiry');
  if (typeof period.end !== 'string' || !INSTANT.test(period.end) || Number.isNaN(Date.parse(period.end))) {
    refuse('Consent.provision.period.end', 'must be a dateTime with a time and a zone');
  }
  if (period.start !== undefined) {
    if (typeof period.start !== 'string' || Number.isNaN(Date.parse(period.start))) refuse('Consent.provision.period.start', 'must be a dateTime');
    if (Date.parse(period.start) > now.getTime()) refuse('Consent.provision.period.start', 'must not lie in the future: a grant holds from when it is made');
  }

  const grant = grantee(list(provision.actor, 'Consent.provision.actor', true));
  const purposeList = purposes(list(provision.purpose, 'Consent.provision.purpose', true));
  const contribute = actions(list(provision.action, 'Consent.provision.action', true));

  const data = list(provision.data, 'Consent.provision.data', false);
  const codes = list(provision.code, 'Consent.provision.code', false);
  const classes = list(provision.class, 'Consent.provision.class', false);
  if (data.length > 0 && codes.length + classes.length > 0) refuse('Consent.provision', 'must scope records (data) or categories (code, class), not both');
  if (data.length + codes.length + classes.length === 0) refuse('Consent.provision', 'must scope records (data) or categories (code, class)');
  // Where each scope item came from, to name it in errors the grant raises later.
  const sources: string[] = [];
  let scope: ConsentScope;
  if (data.length > 0) {
    scope = {
      recordIds: data.map((d, i) => {
        const path = `Consent.provision.data[${i}]`;
        const item = object(d, path);
        for (const key of Object.keys(item)) if (!['meaning', 'reference'].includes(key)) refuse(`${path}.${key}`, 'is not supported');
        if (item.meaning !== 'instance') refuse(`${path}.meaning`, 'must be instance (a grant covers the records themselves)');
        const recordId = referenced(item.reference, `${path}.reference`, 'DocumentReference', SYSTEM.recordId);
        if (recordId === undefined) refuse(`${path}.reference`, 'must be a DocumentReference');
        sources.push(`${path}.reference`);
        return recordId;
      }),
    };
  } else {
    const fromCodes = codes.map((c, i) => {
      sources.push(`Consent.provision.code[${i}]`);
      return categoryOfCode(c, `Consent.provision.code[${i}]`);
    });
    const fromClasses = classes.map((c, i) => {
      sources.push(`Consent.provision.class[${i}]`);
      return categoryOfClass(c, `Consent.provision.class[${i}]`);
    });
    scope = { categories: [...fromCodes, ...fromClasses] };
  }

  return {
    patientId,
    grantee: grant,
    scope,
    purposes: purposeList,
    expiresAt: period.end,
    ...(contribute ? { contribute } : {}),
    ...(organization !== undefined ? { organization } : {}),
    elementOf: (field) => elementOf(field, sources),
  };
}

/** The FHIR element of a field of the JSON grant. */
function elementOf(field: string, sources: string[]): string {
  const item = /^scope\.(recordIds|categories)\[(\d+)\]/.exec(field);
  if (item) return sources[Number(item[2])] ?? 'Consent.provision';
  if (field === 'expiresAt') return 'Consent.provision.period.end';
  if (field.startsWith('grantee')) return 'Consent.provision.actor[0].reference';
  const purpose = /^purposes(\[\d+\])?/.exec(field);
  if (purpose) return `Consent.provision.purpose${purpose[1] ?? ''}`;
  if (field.startsWith('scope')) return 'Consent.provision';
  if (field === 'patientId') return 'Consent.patient';
  if (field === 'contribute') return 'Consent.provision.action';
  return 'Consent';
}
