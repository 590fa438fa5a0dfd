/** Small factories for chaincode tests: two hospitals, their admins, patients and doctors. */
import { FakeLedger } from './fake-ledger.js';

export const A = 'HospitalAMSP';
export const B = 'HospitalBMSP';
export const PUBLIC_JWK = JSON.stringify({ kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' });
export const SHA = 'a'.repeat(64);
export const CID = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy';

/** A syntactically valid compact JWE (the chaincode stores it, never opens it). */
export function aJwe(tag = 'x'): string {
  return `eyJhbGciOiJFQ0RILUVTK0EyNTZLVyJ9.${tag}.iv.ct.tag`;
}

/** The transient `record` of CreateRecord. */
export function aRecordInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { title: 'Discharge letter', category: 'report', mediaType: 'application/pdf', size: 62300, sha256: SHA, cid: CID, wrappedKeys: { [A]: aJwe('a') }, ...overrides };
}

/** What a submitted transaction answers for what it creates or changes: an opaque id (and a time). */
export interface Created {
  id: string;
  at?: string;
}

export const IN_A_DAY = () => new Date(Date.parse('2026-01-02T00:00:00.000Z')).toISOString();

/**
 * Hospital A (admin-a, doc-a, doc-a2, pat-1) and Hospital B (admin-b, doc-b, pat-2) registered on a fresh ledger.
 * `createRecord` uploads as `doc-up` of Hospital A unless told otherwise: the author of a record may read it in
 * the treatment window, so the readers of a test are not its authors unless the test says so.
 */
export async function aConsortium() {
  const ledger = new FakeLedger();
  await ledger.submit('registry:RegisterOrg', ['hospital-a', PUBLIC_JWK, 'admin-a'], { msp: A });
  await ledger.submit('registry:RegisterOrg', ['hospital-b', PUBLIC_JWK, 'admin-b'], { msp: B });
  await ledger.submit('registry:RegisterUser', ['admin-a', 'pat-1', 'patient'], { msp: A });
  await ledger.submit('registry:RegisterUser', ['admin-a', 'doc-a', 'practitioner'], { msp: A });
  await ledger.submit('registry:RegisterUser', ['admin-a', 'doc-a2', 'practitioner'], { msp: A });
  await ledger.submit('registry:RegisterUser', ['admin-a', 'doc-up', 'practitioner'], { msp: A });
  await ledger.submit('registry:RegisterUser', ['admin-b', 'doc-b', 'practitioner'], { msp: B });
  await ledger.submit('registry:RegisterUser', ['admin-b', 'pat-2', 'patient'], { msp: B });

  const createRecord = async (overrides: Record<string, unknown> = {}, patient = 'pat-1', doctor = 'doc-up', msp = A) =>
    (await ledger.submit<{ id: string }>('records:CreateRecord', [doctor, patient], { msp, transient: { record: aRecordInput(overrides) } })).id;

  const grant = async (consent: Record<string, unknown>, patient = 'pat-1', msp = A) => {
    const created = await ledger.submit<Created>('consents:GrantConsent', [patient], {
      msp,
      transient: { consent: { purposes: ['TREAT'], expiresAt: IN_A_DAY(), ...consent } },
    });
    return { consentId: created.id };
  };

  const access = (actor: string, msp: string, recordId: string, purpose = 'TREAT') =>
    ledger.submit<{ eventId: string; outcome: string; reason?: string }>('access:Access', [actor, recordId, purpose], { msp });

  return { ledger, createRecord, grant, access };
}

export type Consortium = Awaited<ReturnType<typeof aConsortium>>;

/** Erases a patient the way the gateway does: BeginErasure, pages of ErasureKeys -> EraseKeys, then ErasePatient. */
export async function eraseAll(ledger: FakeLedger, actorId: string, patientId: string, msp: string, pageSize = 3): Promise<Created> {
  await ledger.submit('erasure:BeginErasure', [actorId, patientId], { msp });
  for (;;) {
    const { keys } = await ledger.evaluate<{ keys: string[] }>('erasure:ErasureKeys', [actorId, patientId, String(pageSize)], { msp });
    if (keys.length === 0) break;
    await ledger.submit('erasure:EraseKeys', [actorId, patientId], { msp, transient: { erase: { keys } } });
  }
  return ledger.submit<Created>('erasure:ErasePatient', [actorId, patientId], { msp });
}
