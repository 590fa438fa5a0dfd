import type { EmergencySession } from '../model.js';
import { KEY } from './collections.js';
import type { TxState } from './state.js';

/** Stores a break-glass session and the reference from its id to its patient. */
export async function putSession(state: TxState, session: EmergencySession): Promise<void> {
  await state.putShared(KEY.emergency, [session.patientId, session.sessionId], session, session.patientOrg);
  await state.putShared(KEY.emergencyRef, [session.sessionId], { patientId: session.patientId }, session.patientOrg);
}
