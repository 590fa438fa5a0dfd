import type { Observation } from '@medplum/fhirtypes';
import type { Reading } from '../observation-batch.js';
import { VITAL_SIGNS } from '../vital-signs.js';
import { byIdentifier, concept, fhirId, patientRef, ref, SYSTEM } from './systems.js';

/** Where a reading came from: the batch record, its patient and device, and the reading's place in it. */
export interface ReadingSource {
  recordId: string;
  patientId: string;
  deviceId: string;
  index: number;
}

/**
 * A device reading as a FHIR R4 vital-signs Observation: LOINC code, effective time, UCUM quantity, the
 * patient, the device, and the batch (DocumentReference) it was derived from.
 */
export function toObservation(reading: Reading, source: ReadingSource): Observation {
  return {
    resourceType: 'Observation',
    id: `${fhirId(source.recordId)}-${source.index}`,
    identifier: [{ system: SYSTEM.recordId, value: `${source.recordId}#${source.index}` }],
    status: 'final',
    category: [concept(SYSTEM.observationCategory, 'vital-signs', 'Vital Signs')],
    code: concept(SYSTEM.loinc, reading.code, VITAL_SIGNS[reading.code]?.display),
    subject: patientRef(source.patientId),
    effectiveDateTime: reading.time,
    valueQuantity: { value: reading.value, unit: reading.unit, system: SYSTEM.ucum, code: reading.unit },
    device: byIdentifier('Device', SYSTEM.deviceId, source.deviceId),
    derivedFrom: [ref('DocumentReference', source.recordId)],
  };
}
