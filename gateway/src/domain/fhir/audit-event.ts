import type { AccessEvent } from '@careledger/chaincode';
import type { AuditEvent, AuditEventEntity } from '@medplum/fhirtypes';
import { byIdentifier, coding, concept, fhirId, patientRef, purposeCoding, ref, SYSTEM } from './systems.js';

const OUTCOMES: Record<AccessEvent['outcome'], AuditEvent['outcome']> = {
  GRANTED: '0',
  BREAK_GLASS: '0',
  DENIED: '4',
  INTEGRITY_VIOLATION: '8',
  // The read was allowed but delivered nothing (blob missing, store down): a minor failure.
  FAILED: '4',
};

/**
 * An access-log entry as FHIR R4 AuditEvent: a RESTful read (`rest`/`read`; an attempt to contribute a record:
 * `create`, action C) with its outcome (0 success,
 * 4 denied or failed, 8 integrity violation), the purpose of use (HL7 v3 ActReason; break-glass adds BTG), the
 * reading user as requesting agent, the reader's org as observer, and the record and the patient as
 * entities (plus the consent or break-glass session that allowed it).
 */
export function toAuditEvent(event: AccessEvent): AuditEvent {
  const breakGlass = event.outcome === 'BREAK_GLASS';
  const contribution = event.action === 'CONTRIBUTE';
  const entities: AuditEventEntity[] = [
    // A refused contribution names no record.
    ...(event.recordId
      ? [
          {
            what: { ...ref('DocumentReference', event.recordId), identifier: { system: SYSTEM.recordId, value: event.recordId } },
            type: coding(SYSTEM.auditEntityType, '2', 'System Object'),
            role: coding(SYSTEM.objectRole, '3', 'Report'),
          },
        ]
      : []),
    { what: patientRef(event.patientId), type: coding(SYSTEM.auditEntityType, '1', 'Person'), role: coding(SYSTEM.objectRole, '1', 'Patient') },
  ];
  if (event.consentId && event.consentId !== 'self') {
    entities.push({ what: ref('Consent', event.consentId), type: coding(SYSTEM.auditEntityType, '2', 'System Object') });
  }
  if (event.emergencySessionId) {
    entities.push({ type: coding(SYSTEM.auditEntityType, '4', 'Other'), detail: [{ type: 'emergencySessionId', valueString: event.emergencySessionId }] });
  }
  return {
    resourceType: 'AuditEvent',
    id: fhirId(event.eventId),
    ...(breakGlass ? { meta: { security: [coding(SYSTEM.actReason, 'BTG', 'Break the glass')] } } : {}),
    type: coding(SYSTEM.auditEventType, 'rest', 'RESTful Operation'),
    subtype: [contribution ? coding(SYSTEM.restfulInteraction, 'create', 'create') : coding(SYSTEM.restfulInteraction, 'read', 'read')],
    action: contribution ? 'C' : 'R',
    recorded: event.at,
    outcome: OUTCOMES[event.outcome],
    ...(event.reason || breakGlass ? { outcomeDesc: event.reason ?? 'BREAK_GLASS' } : {}),
    purposeOfEvent: [{ coding: [purposeCoding(event.purpose)] }, ...(breakGlass ? [concept(SYSTEM.actReason, 'BTG', 'Break the glass')] : [])],
    agent: [
      {
        // The registry knows the reader's role, the log does not: the patient reading their own record is the Patient.
        who: event.actorId === event.patientId ? patientRef(event.patientId) : { identifier: { system: SYSTEM.userId, value: event.actorId } },
        requestor: true,
        purposeOfUse: [{ coding: [purposeCoding(event.purpose)] }],
      },
    ],
    source: {
      site: 'CareLedger',
      observer: byIdentifier('Organization', SYSTEM.mspId, event.actorOrg),
      type: [coding(SYSTEM.securitySourceType, '4', 'Application Server')],
    },
    entity: entities,
  };
}
