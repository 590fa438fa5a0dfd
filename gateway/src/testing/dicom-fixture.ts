/**
 * DICOM Part 10 files made in the tests with dcmjs: a CT image with a patient's name, id and birth date in
 * its header (what must never leave the encrypted file) and a few frames of pixel data.
 */
import dcmjs from 'dcmjs';

/** Direct identifiers the fixture carries; tests look for them everywhere outside the decrypted file. */
export const DICOM_PATIENT = { name: 'Quixleworth^Zebadiah', id: 'MRN-7781-QX', birthDate: '19410203' };

export const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';

export interface DicomOptions {
  modality?: string;
  studyDate?: string;
  bodyPart?: string;
  studyDescription?: string;
  seriesDescription?: string;
  frames?: number;
  /** Bytes of pixel data (default 4 KiB). */
  pixelBytes?: number;
  /** Bytes of a private element before the pixel data, to push the header past a chunk (default none). */
  padding?: number;
}

/** A DICOM Part 10 file (explicit VR little endian). */
export function aDicomFile(options: DicomOptions = {}): Buffer {
  const { DicomDict, DicomMetaDictionary } = dcmjs.data;
  const sopInstance = '1.2.826.0.1.3680043.8.498.1';
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: CT_IMAGE_STORAGE,
    MediaStorageSOPInstanceUID: sopInstance,
    TransferSyntaxUID: '1.2.840.10008.1.2.1',
    ImplementationClassUID: '1.2.826.0.1.3680043.8.498.2',
  };
  const frames = options.frames ?? 3;
  const pixels = new Uint8Array(options.pixelBytes ?? 4096).map((_, i) => (i * 7) % 251);
  const dataset: Record<string, unknown> = {
    SOPClassUID: CT_IMAGE_STORAGE,
    SOPInstanceUID: sopInstance,
    PatientName: DICOM_PATIENT.name,
    PatientID: DICOM_PATIENT.id,
    PatientBirthDate: DICOM_PATIENT.birthDate,
    PatientSex: 'M',
    InstitutionName: 'Quixleworth Memorial',
    ReferringPhysicianName: 'Dr^Quixleworth',
    AccessionNumber: 'ACC-QX-99',
    StudyInstanceUID: '1.2.826.0.1.3680043.8.498.3',
    SeriesInstanceUID: '1.2.826.0.1.3680043.8.498.4',
    Modality: options.modality ?? 'CT',
    StudyDate: options.studyDate ?? '20240315',
    BodyPartExamined: options.bodyPart ?? 'CHEST',
    StudyDescription: options.studyDescription ?? 'CT thorax with contrast',
    SeriesDescription: options.seriesDescription ?? 'Axial 1mm',
    NumberOfFrames: String(frames),
    Rows: 16,
    Columns: 16,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    BitsAllocated: 8,
    BitsStored: 8,
    HighBit: 7,
    PixelRepresentation: 0,
    ...(options.padding ? { ImageComments: 'x'.repeat(Math.min(options.padding, 10_240)) } : {}),
    PixelData: [pixels.buffer],
    _vrMap: { PixelData: 'OB' },
  };
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  return Buffer.from(dict.write());
}

/** Every place a direct identifier of the fixture shows up in `text` (empty: none). */
export function identifiersIn(text: string | Buffer): string[] {
  const haystack = Buffer.isBuffer(text) ? text.toString('latin1') : text;
  const needles = [DICOM_PATIENT.name, 'Quixleworth', 'Zebadiah', DICOM_PATIENT.id, DICOM_PATIENT.birthDate, '1941-02-03', 'ACC-QX-99'];
  return needles.filter((n) => haystack.includes(n));
}
