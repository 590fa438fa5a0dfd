import type { Device } from '../model.js';
import { KEY } from './collections.js';
import { listIndexed } from './patient-index.js';
import type { TxState } from './state.js';

/** Erasure: removes every device of the patient (value and hash) from every peer. */
export async function purgeDevices(state: TxState, patientId: string): Promise<void> {
  // From the patient's index: a private range query would forbid the erasure's writes on a real peer.
  for (const d of await listIndexed<Device>(state, 'devices', patientId)) {
    await state.purgeShared(KEY.device, [patientId, d.deviceId]);
    await state.purgeShared(KEY.deviceRef, [d.deviceId]);
  }
}
