import type { Consent as LedgerConsent } from '@careledger/chaincode';
import type { Consent, Organization, Practitioner, Reference } from '@medplum/fhirtypes';
import { CATEGORY_TYPES } from './document-reference.js';
import { byIdentifier, coding, concept, fhirId, patientRef, purposeCoding, ref, SYSTEM } from './systems.js';

/**
 * A patient's consent as FHIR R4 Consent: privacy scope, the patient, an opt-in policy rule, and one
 * `permit` provision naming the grantee (`actor`, role IRCP), the purposes (HL7 v3 ActReason), the period
 * until expiry, the actions (`access`, plus `collect` for a consent with the contribution right), and the scope:
 * records as `data` (DocumentReference instances) or categories as `code`.
 * Revoked or expired consents are `inactive` (`now` decides expiry, as the chaincode does with tx time).
 */
export function toConsent(consent: LedgerConsent, now: Date): Consent {
  const inForce = consent.status === 'ACTIVE' && now.getTime() < Date.parse(consent.expiresAt);
  const grantee: Reference<Practitioner | Organization> = consent.grantee.kind === 'user' ? byIdentifier('Practitioner', SYSTEM.userId, consent.grantee.userId) : byIdentifier('Organization', SYSTEM.mspId, consent.grantee.org);
  return {
    resourceType: 'Consent',
    id: fhirId(consent.consentId),
    identifier: [{ system: SYSTEM.consentId, value: consent.consentId }],
    status: inForce ? 'active' : 'inactive',
    scope: concept(SYSTEM.consentScope, 'patient-privacy', 'Privacy Consent'),
    category: [concept(SYSTEM.loinc, '59284-0', 'Patient Consent')],
    patient: patientRef(consent.patientId),
    dateTime: consent.createdAt,
    performer: [patientRef(consent.patientId)],
    organization: [byIdentifier('Organization', SYSTEM.mspId, consent.patientOrg)],
    policyRule: concept(SYSTEM.actCode, 'OPTIN', 'opt-in'),
    provision: {
      type: 'permit',
      period: { start: consent.createdAt, end: consent.expiresAt },
      actor: [{ role: concept(SYSTEM.participationType, 'IRCP', 'information recipient'), reference: grantee }],
      action: [
        concept('http://terminology.hl7.org/CodeSystem/consentaction', 'access', 'Access'),
        ...(consent.contribute ? [concept('http://terminology.hl7.org/CodeSystem/consentaction', 'collect', 'Collect')] : []),
      ],
      purpose: consent.purposes.map(purposeCoding),
      ...(consent.scope.recordIds ? { data: consent.scope.recordIds.map((id) => ({ meaning: 'instance' as const, reference: ref('DocumentReference', id) })) } : {}),
      ...(consent.scope.categories
        ? { code: consent.scope.categories.map((c) => ({ coding: [coding(SYSTEM.category, c), coding(SYSTEM.loinc, CATEGORY_TYPES[c].code, CATEGORY_TYPES[c].display)] })) }
        : {}),
    },
  };
}
