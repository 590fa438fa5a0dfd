import type { RecordMeta } from '@careledger/chaincode';
import type { ImagingStudy, ImagingStudySeries, ImagingStudySeriesInstance } from '@medplum/fhirtypes';
import { coding, EXTENSION, fhirId, patientRef, SYSTEM } from './systems.js';

/**
 * A stable, pseudonymous DICOM UID for a record (`2.25.<decimal of 128 bits>` per ISO/IEC 9834-8, from the
 * record id's hex). The file's own Study/Series/SOP Instance UIDs stay in the encrypted file: they can
 * identify a patient across systems.
 */
export function pseudonymousUid(recordId: string, part: 1 | 2 | 3): string {
  const hex = recordId.replace(/[^0-9a-f]/gi, '').slice(-31).padStart(31, '0');
  return `2.25.${BigInt(`0x${part.toString(16)}${hex}`).toString(10)}`;
}

/**
 * A DICOM record as an ImagingStudy: modality, study date, description and one series (body part,
 * description) of one instance (SOP class, number of frames). Its identifier is the record id, the same
 * as the DocumentReference through which the file is fetched.
 */
export function toImagingStudy(record: RecordMeta): ImagingStudy {
  const img = record.imaging ?? {};
  const modality = img.modality ? coding(SYSTEM.dicom, img.modality) : undefined;
  const instance: ImagingStudySeriesInstance | undefined = img.sopClassUid
    ? {
        uid: pseudonymousUid(record.recordId, 3),
        sopClass: coding(SYSTEM.uri, `urn:oid:${img.sopClassUid}`),
        number: 1,
        ...(img.numberOfFrames ? { extension: [{ url: EXTENSION.numberOfFrames, valueInteger: img.numberOfFrames }] } : {}),
      }
    : undefined;
  // R4 requires a series' modality: without one the study has no series element.
  const series: ImagingStudySeries | undefined = modality
    ? {
        uid: pseudonymousUid(record.recordId, 2),
        number: 1,
        modality,
        ...(img.seriesDescription ? { description: img.seriesDescription } : {}),
        numberOfInstances: 1,
        ...(img.bodyPart ? { bodySite: { display: img.bodyPart } } : {}),
        ...(instance ? { instance: [instance] } : {}),
      }
    : undefined;
  return {
    resourceType: 'ImagingStudy',
    id: fhirId(record.recordId),
    identifier: [
      { system: SYSTEM.recordId, value: record.recordId },
      { system: SYSTEM.uri, value: `urn:oid:${pseudonymousUid(record.recordId, 1)}` },
    ],
    status: 'available',
    ...(modality ? { modality: [modality] } : {}),
    subject: patientRef(record.patientId),
    ...(img.studyDate ? { started: img.studyDate } : {}),
    numberOfSeries: 1,
    numberOfInstances: 1,
    ...(img.studyDescription ? { description: img.studyDescription } : {}),
    ...(series ? { series: [series] } : {}),
  };
}
