import type { Actor } from '../rules/consent.js';
import type { Role } from '../rules/vocabulary.js';
import type { User } from '../model.js';
import { KEY } from './collections.js';
import { ChaincodeError } from './errors.js';
import type { TxState } from './state.js';
import { checkId } from './validate.js';

/**
 * Loads the user a transaction acts for from the registry and checks that the submitting org is the
 * user's home org: an org can only speak for its own users. Roles never come from the caller.
 */
export async function requireActor(state: TxState, actorId: string, roles?: readonly Role[]): Promise<Actor> {
  checkId('actorId', actorId);
  const user = await state.getPublic<User>(KEY.user, [actorId]);
  if (!user) throw new ChaincodeError('USER_NOT_FOUND', 'the acting user is not registered');
  if (user.homeOrg !== state.mspId) throw new ChaincodeError('WRONG_ORG', 'an org can only act for its own users');
  if (user.status !== 'ACTIVE') throw new ChaincodeError('PATIENT_ERASED', 'the acting user was erased');
  if (roles && !roles.includes(user.role)) {
    throw new ChaincodeError('WRONG_ROLE', `this action needs the role ${roles.join(' or ')}`);
  }
  return { userId: user.userId, org: user.homeOrg, role: user.role };
}

/** Loads a patient (not erased) by id. */
export async function requirePatient(state: TxState, patientId: string): Promise<User> {
  checkId('patientId', patientId);
  const user = await state.getPublic<User>(KEY.user, [patientId]);
  if (!user || user.role !== 'patient') throw new ChaincodeError('USER_NOT_FOUND', 'no such patient');
  if (user.status !== 'ACTIVE') throw new ChaincodeError('PATIENT_ERASED', 'the patient was erased');
  return user;
}

/** The patient themself, or an admin of the patient's home org. */
export function isPatientOrHomeAdmin(actor: Actor, patient: User): boolean {
  return actor.userId === patient.userId || (actor.role === 'admin' && actor.org === patient.homeOrg);
}
