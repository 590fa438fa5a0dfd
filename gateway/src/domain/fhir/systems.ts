/**
 * Code systems, identifier systems and extensions of CareLedger's FHIR R4 views. HL7 and LOINC systems are
 * the standard ones; the `careledger.dev` ones name our own pseudonymous ids and record categories.
 */
import type { CodeableConcept, Coding, Patient, Reference, Resource } from '@medplum/fhirtypes';

export const SYSTEM = {
  /** Pseudonymous user ids (patients, practitioners, admins) of the ledger registry. */
  userId: 'https://careledger.dev/fhir/sid/user-id',
  recordId: 'https://careledger.dev/fhir/sid/record-id',
  consentId: 'https://careledger.dev/fhir/sid/consent-id',
  accessEventId: 'https://careledger.dev/fhir/sid/access-event-id',
  deviceId: 'https://careledger.dev/fhir/sid/device-id',
  /** Consortium member orgs by Fabric MSP id. */
  mspId: 'https://careledger.dev/fhir/sid/msp-id',
  category: 'https://careledger.dev/fhir/CodeSystem/record-category',
  loinc: 'http://loinc.org',
  ucum: 'http://unitsofmeasure.org',
  actReason: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
  actCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  confidentiality: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality',
  observationValue: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue',
  participationType: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
  consentScope: 'http://terminology.hl7.org/CodeSystem/consentscope',
  auditEventType: 'http://terminology.hl7.org/CodeSystem/audit-event-type',
  restfulInteraction: 'http://hl7.org/fhir/restful-interaction',
  auditEntityType: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
  objectRole: 'http://terminology.hl7.org/CodeSystem/object-role',
  securitySourceType: 'http://terminology.hl7.org/CodeSystem/security-source-type',
  observationCategory: 'http://terminology.hl7.org/CodeSystem/observation-category',
  dicom: 'http://dicom.nema.org/resources/ontology/DCM',
  /** OIDs as URIs (`urn:oid:…`), for DICOM SOP class UIDs. */
  uri: 'urn:ietf:rfc:3986',
} as const;

export const EXTENSION = {
  /**
   * SHA-256 of the attachment's plaintext, base64 (the form `Attachment.hash` has for SHA-1). We anchor
   * SHA-256 on the ledger and check it on every read; SHA-1 is collision-broken, so `Attachment.hash` is left empty.
   */
  attachmentSha256: 'https://careledger.dev/fhir/StructureDefinition/attachment-sha256',
  /** DICOM (0028,0008) Number of Frames of an ImagingStudy instance (R4 has no element for it). */
  numberOfFrames: 'https://careledger.dev/fhir/StructureDefinition/number-of-frames',
} as const;

/**
 * Our ids as FHIR resource ids (`[A-Za-z0-9\-.]{1,64}`): `_` becomes `-`. Ledger-made ids (`rec_<hex>`)
 * map one to one; the exact id is always in the resource's `identifier` too.
 */
export function fhirId(id: string): string {
  return id.replaceAll('_', '-');
}

// Ledger ids are `<prefix>_<32 hex>`; their FHIR ids use `-` (FHIR ids have no `_`). Both forms are accepted.
const LEDGER_ID = /^(rec|con|evt|dev)-([0-9a-f]{32})$/;

/** Our id from a FHIR resource id (or our own id, unchanged). */
export function fromFhirId(id: string): string {
  const m = LEDGER_ID.exec(id);
  return m ? `${m[1]}_${m[2]}` : id;
}

export function coding(system: string, code: string, display?: string): Coding {
  return display ? { system, code, display } : { system, code };
}

export function concept(system: string, code: string, display?: string): CodeableConcept {
  return { coding: [coding(system, code, display)] };
}

/** A logical reference by identifier (the target need not be a resource this gateway serves). */
export function byIdentifier<T extends Resource = Resource>(type: T['resourceType'], system: string, value: string): Reference<T> {
  return { type, identifier: { system, value } };
}

/** A literal reference `Type/id` to a resource of this gateway. */
export function ref<T extends Resource = Resource>(type: T['resourceType'], id: string): Reference<T> {
  return { reference: `${type}/${fhirId(id)}` };
}

/** A patient reference: literal (the Patient view exists) with the exact pseudonymous id as identifier. */
export function patientRef(patientId: string): Reference<Patient> {
  return { ...ref('Patient', patientId), identifier: { system: SYSTEM.userId, value: patientId } };
}

/** HL7 v3 ActReason displays of our purposes of use. */
export const PURPOSE_DISPLAY: Record<string, string> = {
  TREAT: 'treatment',
  ETREAT: 'Emergency Treatment',
  HPAYMT: 'healthcare payment',
  HRESCH: 'healthcare research',
  PATRQT: 'patient requested',
};

export function purposeCoding(purpose: string): Coding {
  return coding(SYSTEM.actReason, purpose, PURPOSE_DISPLAY[purpose]);
}
