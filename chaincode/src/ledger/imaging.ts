import type { ImagingMeta, StoredRecord } from '../model.js';
import { isCategory, type Category } from '../rules/vocabulary.js';
import { invalid } from './errors.js';
import { checkText } from './validate.js';

/** The only DICOM fields a record keeps (never a name, id, birth date or other direct identifier). */
export const IMAGING_FIELDS = ['modality', 'studyDate', 'bodyPart', 'studyDescription', 'seriesDescription', 'sopClassUid', 'numberOfFrames'] as const;

const CODE_STRING = /^[A-Z0-9_ ]{1,16}$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const UID = /^[0-9]+(\.[0-9]+)*$/;

/** A DICOM code string (CS: upper-case letters, digits, space, underscore; 16 at most), e.g. a modality. */
export function checkCodeString(field: string, value: unknown): string {
  if (typeof value !== 'string' || !CODE_STRING.test(value)) throw invalid(field, `${field} must be a DICOM code string (A-Z, 0-9, space, _; 1-16)`);
  return value;
}

/**
 * The imaging metadata of an `application/dicom` record: an object of {@link IMAGING_FIELDS} only, each
 * in its DICOM form (descriptions are LO, 64 characters at most). Anything else is refused, so nothing
 * the header carries besides these fields can reach the ledger.
 */
export function checkImaging(field: string, value: unknown, mediaType: string): ImagingMeta {
  if (mediaType !== 'application/dicom') throw invalid(field, `${field} is kept for application/dicom records only`);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid(field, `${field} must be an object`);
  const input = value as Record<string, unknown>;
  const unknown = Object.keys(input).filter((k) => !(IMAGING_FIELDS as readonly string[]).includes(k));
  if (unknown.length > 0) throw invalid(field, `${field} keeps only ${IMAGING_FIELDS.join(', ')}`);
  const out: ImagingMeta = {};
  if (input.modality !== undefined) out.modality = checkCodeString(`${field}.modality`, input.modality);
  if (input.bodyPart !== undefined) out.bodyPart = checkCodeString(`${field}.bodyPart`, input.bodyPart);
  if (input.studyDate !== undefined) out.studyDate = checkDate(`${field}.studyDate`, input.studyDate);
  if (input.studyDescription !== undefined) out.studyDescription = checkText(`${field}.studyDescription`, input.studyDescription, 64);
  if (input.seriesDescription !== undefined) out.seriesDescription = checkText(`${field}.seriesDescription`, input.seriesDescription, 64);
  if (input.sopClassUid !== undefined) {
    if (typeof input.sopClassUid !== 'string' || input.sopClassUid.length > 64 || !UID.test(input.sopClassUid)) {
      throw invalid(`${field}.sopClassUid`, `${field}.sopClassUid must be a DICOM UID`);
    }
    out.sopClassUid = input.sopClassUid;
  }
  if (input.numberOfFrames !== undefined) {
    const n = input.numberOfFrames;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1 || n > 2 ** 31 - 1) {
      throw invalid(`${field}.numberOfFrames`, `${field}.numberOfFrames must be a positive integer`);
    }
    out.numberOfFrames = n;
  }
  if (Object.keys(out).length === 0) throw invalid(field, `${field} must hold at least one field`);
  return out;
}

function checkDate(field: string, value: unknown): string {
  const m = typeof value === 'string' ? DATE.exec(value) : null;
  const date = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  if (!m || !date || date.getUTCMonth() !== Number(m[2]) - 1 || date.getUTCDate() !== Number(m[3])) {
    throw invalid(field, `${field} must be a date YYYY-MM-DD`);
  }
  return value as string;
}

/** A record list filter: a category, a modality (DICOM records of it), or only DICOM records. */
export interface RecordFilter {
  category?: Category;
  modality?: string;
  imaging?: boolean;
}

/** Parses the JSON filter of `SearchRecords`. */
export function checkFilter(field: string, text: string): RecordFilter {
  let value: unknown;
  try {
    value = text === '' ? {} : JSON.parse(text);
  } catch {
    throw invalid(field, `${field} must be a JSON object`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid(field, `${field} must be a JSON object`);
  const input = value as Record<string, unknown>;
  if (Object.keys(input).some((k) => !['category', 'modality', 'imaging'].includes(k))) throw invalid(field, `${field} takes category, modality and imaging`);
  const out: RecordFilter = {};
  if (input.category !== undefined) {
    if (!isCategory(input.category)) throw invalid(`${field}.category`, 'category is not one of the known categories');
    out.category = input.category;
  }
  if (input.modality !== undefined) out.modality = checkCodeString(`${field}.modality`, input.modality);
  if (input.imaging !== undefined) {
    if (typeof input.imaging !== 'boolean') throw invalid(`${field}.imaging`, `${field}.imaging must be a boolean`);
    out.imaging = input.imaging;
  }
  return out;
}

/** Whether a record passes a filter. */
export function matchesFilter(record: StoredRecord, filter: RecordFilter): boolean {
  if (filter.category && record.category !== filter.category) return false;
  if (filter.modality && record.imaging?.modality !== filter.modality) return false;
  if (filter.imaging !== undefined && Boolean(record.imaging) !== filter.imaging) return false;
  return true;
}
