import { AppError } from '../domain/app-error.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { KeyService } from '../ports/key-service.js';
import type { PermissionStore } from '../ports/permission-store.js';
import type { ChaincodeClient } from '../ledger-client/chaincode-client.js';
import { ErasureService } from './erasure-service.js';
import { StorageReclaim } from './storage-reclaim.js';

const silent = { info() {}, warn() {}, error() {} };
const admin = { userId: 'admin-a', org: 'HospitalAMSP', role: 'admin' as const };

/** An erasure over fakes that log every step in order. */
function anErasure(options: { erase?: () => Promise<unknown>; plan?: () => Promise<unknown>; keyExists?: boolean } = {}) {
  const steps: string[] = [];
  const chaincode = {
    erasurePlan: options.plan ?? (async () => ({ patientId: 'pat-1', cids: ['cid-1', 'cid-2'] })),
    listOrgs: async () => [{ mspId: 'HospitalAMSP' }, { mspId: 'HospitalBMSP' }],
    erasePatient: async () => {
      steps.push('ledger purge');
      return (options.erase ?? (async () => ({ id: 'era_1' })))();
    },
    getUser: async () => ({ userId: 'pat-1', homeOrg: 'HospitalAMSP', role: 'patient', status: 'ERASED' }),
  } as unknown as ChaincodeClient;
  const keys = {
    destroyPatientKey: async (org: string, patientId: string) => {
      steps.push(`destroy key ${org} ${patientId}`);
      return options.keyExists ?? true;
    },
  } as unknown as KeyService;
  const blobs = { remove: async (cid: string) => void steps.push(`remove ${cid}`) } as unknown as BlobStore;
  const store = { deletePatient: async () => void steps.push('projection') } as unknown as PermissionStore;
  const reclaim = new StorageReclaim([{ name: 'ledger', reclaim: async () => void steps.push('compact') }], 1_000, silent);
  return { steps, service: new ErasureService(chaincode, blobs, store, keys, reclaim, silent) };
}

describe('ErasureService', () => {
  it("purges the ledger first, then destroys the patient's key, removes the blobs and the projection, then compacts", async () => {
    const { steps, service } = anErasure();

    await service.erase(admin, 'pat-1');

    expect(steps).toEqual(['ledger purge', 'destroy key HospitalAMSP pat-1', 'remove cid-1', 'remove cid-2', 'projection', 'compact']);
  });

  it('keeps the key when the ledger refuses the erasure (the records stay readable)', async () => {
    const { steps, service } = anErasure({ erase: () => Promise.reject(new AppError('FORBIDDEN', 'no')) });

    await expect(service.erase(admin, 'pat-1')).rejects.toMatchObject({ code: 'FORBIDDEN' });

    expect(steps).toEqual(['ledger purge']);
  });

  it("finishes the shredding when the home admin asks again for a patient whose key outlived the erasure", async () => {
    const { steps, service } = anErasure({ plan: () => Promise.reject(new AppError('PATIENT_ERASED', 'erased')) });

    await expect(service.erase(admin, 'pat-1')).rejects.toMatchObject({ code: 'PATIENT_ERASED' });

    expect(steps).toEqual(['destroy key HospitalAMSP pat-1', 'compact']);
  });

  it("does nothing on such a retry by another org's admin", async () => {
    const { steps, service } = anErasure({ plan: () => Promise.reject(new AppError('PATIENT_ERASED', 'erased')) });

    await expect(service.erase({ ...admin, userId: 'admin-b', org: 'HospitalBMSP' }, 'pat-1')).rejects.toMatchObject({ code: 'PATIENT_ERASED' });

    expect(steps).toEqual([]);
  });
});
