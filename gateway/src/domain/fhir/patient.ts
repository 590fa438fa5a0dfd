import type { User } from '@careledger/chaincode';
import type { Patient } from '@medplum/fhirtypes';
import { byIdentifier, coding, fhirId, SYSTEM } from './systems.js';

/**
 * A patient as the pseudonymous FHIR R4 Patient the ledger can give: the registry id, whether active, and
 * the managing (home) org. No name, birth date or address exists anywhere outside the encrypted files.
 */
export function toPatient(user: User): Patient {
  return {
    resourceType: 'Patient',
    id: fhirId(user.userId),
    meta: { security: [coding(SYSTEM.observationValue, 'PSEUDED', 'pseudonymized')] },
    identifier: [{ system: SYSTEM.userId, value: user.userId }],
    active: user.status === 'ACTIVE',
    managingOrganization: byIdentifier('Organization', SYSTEM.mspId, user.homeOrg),
  };
}
