import type { RecordMeta } from '@careledger/chaincode';
import type { Category } from '@careledger/chaincode/rules';
import type { Device, DocumentReference, Organization, Practitioner, Reference } from '@medplum/fhirtypes';
import { byIdentifier, coding, concept, EXTENSION, fhirId, patientRef, ref, SYSTEM } from './systems.js';

/** The LOINC document type (DocumentReference.type) of each record category. */
export const CATEGORY_TYPES: Record<Category, { code: string; display: string }> = {
  report: { code: '47045-0', display: 'Study report' },
  prescription: { code: '57833-6', display: 'Prescription for medication' },
  imaging: { code: '18748-4', display: 'Diagnostic imaging study' },
  'lab-result': { code: '11502-2', display: 'Laboratory report' },
  'discharge-summary': { code: '18842-5', display: 'Discharge summary' },
  'device-observations': { code: '8716-3', display: 'Vital signs' },
  other: { code: '34109-9', display: 'Note' },
};

// FHIR's unsignedInt: a larger size is left out rather than wrapped.
const MAX_UNSIGNED_INT = 2 ** 31 - 1;

/** Who made a record: the uploading practitioner, or the device that posted the batch. */
export function authorOf(record: RecordMeta): Reference<Device | Practitioner> {
  return record.batch ? byIdentifier('Device', SYSTEM.deviceId, record.batch.deviceId) : byIdentifier('Practitioner', SYSTEM.userId, record.createdBy);
}

/**
 * A record as a FHIR R4 DocumentReference: category and LOINC type, the pseudonymous patient, the
 * attachment's media type, size, title, creation, where to fetch it (`contentUrl`) and its plaintext
 * SHA-256 (extension, see {@link EXTENSION.attachmentSha256}). Never the CID or a key. A DICOM record
 * points to its ImagingStudy view.
 */
export function toDocumentReference(record: RecordMeta, contentUrl: string): DocumentReference {
  const type = CATEGORY_TYPES[record.category];
  return {
    resourceType: 'DocumentReference',
    id: fhirId(record.recordId),
    meta: { security: [coding(SYSTEM.confidentiality, 'R', 'restricted')] },
    identifier: [{ system: SYSTEM.recordId, value: record.recordId }],
    status: 'current',
    type: concept(SYSTEM.loinc, type.code, type.display),
    category: [concept(SYSTEM.category, record.category)],
    subject: patientRef(record.patientId),
    date: record.createdAt,
    // A contributed record names the contributing hospital as a second author.
    author: [authorOf(record), ...(record.contributorOrg ? [byIdentifier<Organization>('Organization', SYSTEM.mspId, record.contributorOrg)] : [])],
    description: record.title,
    content: [
      {
        attachment: {
          extension: [{ url: EXTENSION.attachmentSha256, valueBase64Binary: Buffer.from(record.sha256, 'hex').toString('base64') }],
          contentType: record.mediaType,
          url: contentUrl,
          ...(record.size <= MAX_UNSIGNED_INT ? { size: record.size } : {}),
          title: record.title,
          creation: record.createdAt,
        },
      },
    ],
    ...(record.imaging ? { context: { related: [ref('ImagingStudy', record.recordId)] } } : {}),
  };
}

/** The plaintext SHA-256 (hex) a DocumentReference carries, if any. */
export function sha256Of(doc: DocumentReference): string | undefined {
  const ext = doc.content[0]?.attachment.extension?.find((e) => e.url === EXTENSION.attachmentSha256);
  return ext?.valueBase64Binary ? Buffer.from(ext.valueBase64Binary, 'base64').toString('hex') : undefined;
}
