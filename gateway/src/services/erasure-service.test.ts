import { AppError } from '../domain/app-error.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { KeyService } from '../ports/key-service.js';
import type { PermissionStore } from '../ports/permission-store.js';
import type { ChaincodeClient } from '../ledger-client/chaincode-client.js';
import { ErasureService } from './erasure-service.js';
import { StorageReclaim } from './storage-reclaim.js';

const silent = { info() {}, warn() {}, error() {} };
const admin = { userId: 'admin-a', org: 'HospitalAMSP', role: 'admin' as const };

/** Two pages of keys (the first with two records), as the ledger hands them out until they are purged. */
const PAGES = [
  { keys: ['["record","pat-1","r1"]', '["record","pat-1","r2"]'], cids: ['cid-1', 'cid-2'] },
  { keys: ['["event","pat-1","t","e1"]'], cids: [] },
];

/** An erasure over fakes that log every step in order; `failPage` makes that EraseKeys fail once. */
function anErasure(options: { begin?: () => Promise<unknown>; failPage?: number; keyExists?: boolean } = {}) {
  const steps: string[] = [];
  let purged = 0;
  let failures = options.failPage === undefined ? 0 : 1;
  const chaincode = {
    beginErasure: async () => {
      steps.push('mark');
      return (options.begin ?? (async () => ({ id: 'tx' })))();
    },
    erasureKeys: async () => ({ patientId: 'pat-1', ...(PAGES[purged] ?? { keys: [], cids: [] }) }),
    eraseKeys: async (_actor: unknown, _patient: string, keys: string[]) => {
      if (purged === options.failPage && failures-- > 0) throw new AppError('UNAVAILABLE', 'peer down');
      steps.push(`purge ${keys.length}`);
      purged++;
      return { id: 'tx' };
    },
    finishErasure: async () => void steps.push('ledger erased'),
    erasureStatus: async () => ({ patientId: 'pat-1', state: 'ERASING', erasureId: 'era_1', startedAt: 't0', pages: purged, records: 0, events: 0, keys: 0 }),
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
  it('marks the patient first, then per page removes the blobs and purges the keys, then ends the erasure, destroys the key, the projection, compacts', async () => {
    const { steps, service } = anErasure();

    const started = await service.start(admin, 'pat-1');
    expect(started).toMatchObject({ state: 'ERASING', running: true, finished: false });
    expect(steps[0]).toBe('mark');
    await service.settled('pat-1');

    expect(steps).toEqual([
      'mark',
      'remove cid-1',
      'remove cid-2',
      'purge 2',
      'purge 1',
      'ledger erased',
      'destroy key HospitalAMSP pat-1',
      'projection',
      'compact',
    ]);
  });

  it('keeps the key when the ledger refuses the erasure (the records stay readable)', async () => {
    const { steps, service } = anErasure({ begin: () => Promise.reject(new AppError('FORBIDDEN', 'no')) });

    await expect(service.start(admin, 'pat-1')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await service.settled('pat-1');

    expect(steps).toEqual(['mark']);
  });

  it('stops at a failed page, keeps the key, says why; the next request resumes with what is left', async () => {
    const { steps, service } = anErasure({ failPage: 1 });

    await service.start(admin, 'pat-1');
    await service.settled('pat-1');
    expect(steps).toEqual(['mark', 'remove cid-1', 'remove cid-2', 'purge 2']);
    await expect(service.status(admin, 'pat-1')).resolves.toMatchObject({ state: 'ERASING', running: false, pages: 1, error: 'UNAVAILABLE' });

    await service.start(admin, 'pat-1');
    await service.settled('pat-1');
    expect(steps.slice(4)).toEqual(['mark', 'purge 1', 'ledger erased', 'destroy key HospitalAMSP pat-1', 'projection', 'compact']);
  });

  it('a shutdown stops the erasure after its current transaction', async () => {
    const { steps, service } = anErasure();
    await service.start(admin, 'pat-1');
    await service.close();
    expect(steps).not.toContain('ledger erased');
    expect(steps).not.toContain('destroy key HospitalAMSP pat-1');
    await expect(service.start(admin, 'pat-1')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('finishes the shredding when the home admin asks again for a patient whose key outlived the erasure', async () => {
    const { steps, service } = anErasure({ begin: () => Promise.reject(new AppError('PATIENT_ERASED', 'erased')) });

    await expect(service.start(admin, 'pat-1')).rejects.toMatchObject({ code: 'PATIENT_ERASED' });

    expect(steps).toEqual(['mark', 'destroy key HospitalAMSP pat-1', 'projection', 'compact']);
  });

  it("does nothing on such a retry by another org's admin", async () => {
    const { steps, service } = anErasure({ begin: () => Promise.reject(new AppError('PATIENT_ERASED', 'erased')) });

    await expect(service.start({ ...admin, userId: 'admin-b', org: 'HospitalBMSP' }, 'pat-1')).rejects.toMatchObject({ code: 'PATIENT_ERASED' });

    expect(steps).toEqual(['mark']);
  });
});
