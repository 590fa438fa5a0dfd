import contractApi, { Context } from 'fabric-contract-api';
import { SealedArgsContract } from '../ledger/sealed-contract.js';
import { AuthorWindowVote, ConfigVote, Created, Org, User } from '../model.js';
import { KEY } from '../ledger/collections.js';
import { ChaincodeError, invalid } from '../ledger/errors.js';
import { findOrg, findOwnUser, findUser, putUser, registeredOrgs, requireActor } from '../ledger/actors.js';
import { TxState } from '../ledger/state.js';
import { MAX_AUTHOR_WINDOW_DAYS, MAX_EMERGENCY_HOURS, readConfig, type ChannelConfig } from '../ledger/config.js';
import { checkId, checkRole } from '../ledger/validate.js';

const { Info, Returns, Transaction } = contractApi;

/**
 * The org and user registry. Every other contract reads the actor's role and home org from here; the
 * home org of a new user is always the submitting MSP, and its entry goes into that org's directory (see
 * ledger/actors.ts): only that org's peers can endorse it.
 */
@Info({ title: 'RegistryContract', description: 'Orgs, their wrapping keys, and users with roles' })
export class RegistryContract extends SealedArgsContract {
  constructor() {
    super('registry');
  }

  /** The submitting org registers itself, its public wrapping key (JWK) and its first admin. Once. */
  @Transaction()
  @Returns('Org')
  async RegisterOrg(ctx: Context, name: string, publicJwk: string, adminUserId: string): Promise<Org> {
    const state = new TxState(ctx);
    checkId('name', name);
    checkId('adminUserId', adminUserId);
    const jwk = parsePublicJwk(publicJwk);
    if (await findOrg(state, state.mspId)) throw new ChaincodeError('ALREADY_EXISTS', 'this org is registered');
    if ((await findOwnUser(state, state.mspId, adminUserId)) || (await findUser(state, adminUserId))) throw new ChaincodeError('ALREADY_EXISTS', 'the user id is taken');
    const at = state.now().toISOString();
    const org: Org = { mspId: state.mspId, name, publicJwk: JSON.stringify(jwk), registeredAt: at };
    const admin: User = { userId: adminUserId, role: 'admin', homeOrg: state.mspId, status: 'ACTIVE', registeredAt: at };
    await state.putListed(state.mspId, KEY.org, [], org);
    // The public marker only lists the org; one another member wrote first (it can) is left as it is.
    if (!(await state.getPublic<{ mspId: string }>(KEY.org, [state.mspId]))) await state.putPublic(KEY.org, [state.mspId], { mspId: state.mspId }, state.mspId);
    await putUser(state, admin);
    state.emit('OrgRegistered', { mspId: state.mspId });
    return org;
  }

  /** An admin replaces the org's public wrapping key (existing wrapped keys stay readable by the old key). */
  @Transaction()
  @Returns('Org')
  async RotateOrgKey(ctx: Context, actorId: string, publicJwk: string): Promise<Org> {
    const state = new TxState(ctx);
    await requireActor(state, actorId, ['admin']);
    const jwk = parsePublicJwk(publicJwk);
    const org = await requireOrg(state, state.mspId);
    const updated: Org = { ...org, publicJwk: JSON.stringify(jwk) };
    await state.putListed(state.mspId, KEY.org, [], updated);
    state.emit('OrgKeyRotated', { mspId: state.mspId });
    return updated;
  }

  @Transaction(false)
  @Returns('Org')
  async GetOrg(ctx: Context, mspId: string): Promise<Org> {
    return requireOrg(new TxState(ctx), checkId('mspId', mspId));
  }

  @Transaction(false)
  @Returns('Org[]')
  async ListOrgs(ctx: Context): Promise<Org[]> {
    return registeredOrgs(new TxState(ctx));
  }

  /**
   * An org admin registers a patient, practitioner or admin whose home org is the admin's org. Answers the
   * transaction id and time only (a submit's answer is in every org's blocks); read the user with GetUser.
   */
  @Transaction()
  @Returns('Created')
  async RegisterUser(ctx: Context, actorId: string, userId: string, role: string): Promise<Created> {
    const state = new TxState(ctx);
    await requireActor(state, actorId, ['admin']);
    checkId('userId', userId);
    const checkedRole = checkRole('role', role);
    if ((await findOwnUser(state, state.mspId, userId)) || (await findUser(state, userId))) throw new ChaincodeError('ALREADY_EXISTS', 'the user id is taken');
    const user: User = { userId, role: checkedRole, homeOrg: state.mspId, status: 'ACTIVE', registeredAt: state.now().toISOString() };
    await putUser(state, user);
    state.emit('UserRegistered', {});
    return { id: ctx.stub.getTxID(), at: user.registeredAt };
  }

  /** An admin changes the role of another user of the same org (nobody changes their own role); answers the transaction id. */
  @Transaction()
  @Returns('Created')
  async SetUserRole(ctx: Context, actorId: string, userId: string, role: string): Promise<Created> {
    const state = new TxState(ctx);
    await requireActor(state, actorId, ['admin']);
    checkId('userId', userId);
    const checkedRole = checkRole('role', role);
    if (userId === actorId) throw new ChaincodeError('FORBIDDEN', 'nobody can change their own role');
    const user = (await findOwnUser(state, state.mspId, userId)) ?? (await findUser(state, userId));
    if (!user) throw new ChaincodeError('USER_NOT_FOUND', 'no such user');
    if (user.homeOrg !== state.mspId) throw new ChaincodeError('WRONG_ORG', 'an org can only act for its own users');
    if (user.status !== 'ACTIVE') throw new ChaincodeError('PATIENT_ERASED', 'the user was erased');
    if (user.role === 'patient' || checkedRole === 'patient') {
      throw new ChaincodeError('FORBIDDEN', 'a patient stays a patient; register a new user instead');
    }
    const updated: User = { ...user, role: checkedRole };
    await putUser(state, updated);
    state.emit('UserRoleChanged', {});
    return { id: ctx.stub.getTxID(), at: state.now().toISOString() };
  }

  @Transaction(false)
  @Returns('User')
  async GetUser(ctx: Context, userId: string): Promise<User> {
    const user = await findUser(new TxState(ctx), checkId('userId', userId));
    if (!user) throw new ChaincodeError('USER_NOT_FOUND', 'no such user');
    return user;
  }

  /**
   * The submitting org's admin votes for the channel config (the break-glass window in hours, 1-24). The
   * value changes once a majority of the registered orgs voted for it, and the config key then carries a
   * majority key-level policy: no single org sets or changes the windows the chaincode judges reads by.
   */
  @Transaction()
  @Returns('ConfigVote')
  async Configure(ctx: Context, actorId: string, emergencyHours: string): Promise<ConfigVote> {
    const state = new TxState(ctx);
    await requireActor(state, actorId, ['admin']);
    const hours = Number(emergencyHours);
    if (!Number.isInteger(hours) || hours < 1 || hours > MAX_EMERGENCY_HOURS) {
      throw invalid('emergencyHours', `emergencyHours must be an integer from 1 to ${MAX_EMERGENCY_HOURS}`);
    }
    const vote = await voteFor(state, 'emergencyHours', hours);
    return { emergencyHours: vote.inForce, proposed: hours, votes: vote.votes, needed: vote.needed };
  }

  /**
   * The submitting org's admin votes for the author's treatment window (days, 1-365): how long the practitioner
   * who added a record may still read it without a consent. Changes by majority, like `Configure`.
   */
  @Transaction()
  @Returns('AuthorWindowVote')
  async ConfigureAuthorWindow(ctx: Context, actorId: string, authorWindowDays: string): Promise<AuthorWindowVote> {
    const state = new TxState(ctx);
    await requireActor(state, actorId, ['admin']);
    const days = Number(authorWindowDays);
    if (!Number.isInteger(days) || days < 1 || days > MAX_AUTHOR_WINDOW_DAYS) {
      throw invalid('authorWindowDays', `authorWindowDays must be an integer from 1 to ${MAX_AUTHOR_WINDOW_DAYS}`);
    }
    const vote = await voteFor(state, 'authorWindowDays', days);
    return { authorWindowDays: vote.inForce, proposed: days, votes: vote.votes, needed: vote.needed };
  }
}

/**
 * Records the submitting org's vote for one channel setting and applies the value once a majority of the
 * registered orgs voted for it. The break-glass window's votes keep their first key layout (`configVote~MSP`);
 * other settings vote under `configVote~MSP~setting`.
 */
async function voteFor(state: TxState, setting: keyof ChannelConfig, value: number): Promise<{ inForce: number; votes: number; needed: number }> {
  const voteKey = (org: string) => (setting === 'emergencyHours' ? [org] : [org, setting]);
  await state.putPublic(KEY.configVote, voteKey(state.mspId), { [setting]: value, at: state.now().toISOString() }, state.mspId);
  const orgs = (await registeredOrgs(state)).map((o) => o.mspId);
  const others = await Promise.all(orgs.filter((o) => o !== state.mspId).map((o) => state.getPublic<Partial<ChannelConfig>>(KEY.configVote, voteKey(o))));
  const votes = 1 + others.filter((v) => v?.[setting] === value).length;
  const needed = Math.floor(orgs.length / 2) + 1;
  const config = await readConfig(state);
  if (votes >= needed && config[setting] !== value) {
    await state.putPublicByMajority(KEY.config, [], { ...config, [setting]: value }, orgs);
    return { inForce: value, votes, needed };
  }
  return { inForce: config[setting], votes, needed };
}

async function requireOrg(state: TxState, mspId: string): Promise<Org> {
  const org = await findOrg(state, mspId);
  if (!org) throw new ChaincodeError('ORG_NOT_REGISTERED', 'no such org');
  return org;
}

/** A public JWK: an object with `kty` and without private members. */
function parsePublicJwk(text: string): Record<string, unknown> {
  let jwk: unknown;
  try {
    jwk = JSON.parse(text);
  } catch {
    throw invalid('publicJwk', 'publicJwk must be a JSON object');
  }
  if (!jwk || typeof jwk !== 'object' || typeof (jwk as { kty?: unknown }).kty !== 'string') {
    throw invalid('publicJwk', 'publicJwk must be a JWK with kty');
  }
  if (['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'].some((m) => m in (jwk as object))) {
    throw invalid('publicJwk', 'publicJwk must not contain private key material');
  }
  return jwk as Record<string, unknown>;
}
