import type { Actor } from '../rules/consent.js';
import type { Role } from '../rules/vocabulary.js';
import type { Org, User } from '../model.js';
import { KEY } from './collections.js';
import { ChaincodeError } from './errors.js';
import type { TxState } from './state.js';
import { checkId } from './validate.js';

/**
 * The registry lives in the orgs' directories (one private collection per org, read by every member, written
 * only with that org's endorsement): a user of org X and X's own entry (name, public wrapping key) are in X's
 * directory, so no other member can create or change them, not even by signing a write set with its own peer.
 * Public world state keeps only a marker per org (its MSP id) so that a transaction can list the orgs.
 */

/** The MSP ids of the orgs that have a public marker, in key order (the directory entry is the authority). */
export async function markedOrgs(state: TxState): Promise<string[]> {
  return (await state.listPublic<{ mspId: string }>(KEY.org, [])).map((o) => o.mspId);
}

/**
 * An org's directory entry, or undefined. A marker forged for an org the channel has no directory for (its
 * collection is not defined) reads as not registered.
 */
export async function findOrg(state: TxState, mspId: string): Promise<Org | undefined> {
  try {
    return await state.getListed<Org>(mspId, KEY.org, []);
  } catch {
    return undefined;
  }
}

/** Every registered org (marker and directory entry), in MSP id order. */
export async function registeredOrgs(state: TxState): Promise<Org[]> {
  const out: Org[] = [];
  for (const mspId of await markedOrgs(state)) {
    const org = await findOrg(state, mspId);
    if (org) out.push(org);
  }
  return out;
}

/** A user of one org, from that org's directory. */
export async function findOwnUser(state: TxState, org: string, userId: string): Promise<User | undefined> {
  try {
    return await state.getListed<User>(org, KEY.user, [userId]);
  } catch {
    return undefined;
  }
}

/**
 * A user by id, from whichever registered org's directory holds it. An id two orgs registered (a race, or one
 * taken on purpose) resolves to no one: it cannot be told which org it belongs to.
 */
export async function findUser(state: TxState, userId: string): Promise<User | undefined> {
  const found: User[] = [];
  for (const org of await markedOrgs(state)) {
    const user = await findOwnUser(state, org, userId);
    if (user && user.homeOrg === org) found.push(user);
  }
  if (found.length > 1) throw new ChaincodeError('CONFLICT', 'two orgs registered this user id');
  return found[0];
}

/** Writes a user into its home org's directory (the transaction then needs that org's endorsement). */
export async function putUser(state: TxState, user: User): Promise<void> {
  await state.putListed(user.homeOrg, KEY.user, [user.userId], user);
}

/**
 * Loads the user a transaction acts for from the submitting org's own directory: an org can only speak for its
 * own users, and no other org can have put a user there. Roles never come from the caller.
 */
export async function requireActor(state: TxState, actorId: string, roles?: readonly Role[], options: { whileErasing?: boolean } = {}): Promise<Actor> {
  checkId('actorId', actorId);
  const user = await findOwnUser(state, state.mspId, actorId);
  if (!user) {
    if (await findUser(state, actorId)) throw new ChaincodeError('WRONG_ORG', 'an org can only act for its own users');
    throw new ChaincodeError('USER_NOT_FOUND', 'the acting user is not registered');
  }
  if (user.homeOrg !== state.mspId) throw new ChaincodeError('WRONG_ORG', 'an org can only act for its own users');
  if (user.status === 'ERASING' && !options.whileErasing) throw beingErased();
  if (user.status === 'ERASED') throw new ChaincodeError('PATIENT_ERASED', 'the acting user was erased');
  if (roles && !roles.includes(user.role)) {
    throw new ChaincodeError('WRONG_ROLE', `this action needs the role ${roles.join(' or ')}`);
  }
  return { userId: user.userId, org: user.homeOrg, role: user.role };
}

/**
 * Loads a patient (not erased, and not being erased) by id. Every transaction about a patient reads the
 * patient's directory entry through here, so the first transaction of an erasure (which marks it ERASING)
 * also invalidates any concurrent one endorsed before it.
 */
export async function requirePatient(state: TxState, patientId: string, options: { whileErasing?: boolean } = {}): Promise<User> {
  checkId('patientId', patientId);
  const user = await findUser(state, patientId);
  if (!user || user.role !== 'patient') throw new ChaincodeError('USER_NOT_FOUND', 'no such patient');
  if (user.status === 'ERASING' && !options.whileErasing) throw beingErased();
  if (user.status === 'ERASED') throw new ChaincodeError('PATIENT_ERASED', 'the patient was erased');
  return user;
}

/** The home org of a patient (whatever its status), from the directories. */
export async function homeOrgOf(state: TxState, patientId: string): Promise<string> {
  const user = await findUser(state, patientId);
  if (!user) throw new ChaincodeError('USER_NOT_FOUND', 'no such patient');
  return user.homeOrg;
}

function beingErased(): ChaincodeError {
  return new ChaincodeError('PATIENT_BEING_ERASED', "the patient's erasure has begun");
}

/** The patient themself, or an admin of the patient's home org. */
export function isPatientOrHomeAdmin(actor: Actor, patient: User): boolean {
  return actor.userId === patient.userId || (actor.role === 'admin' && actor.org === patient.homeOrg);
}
