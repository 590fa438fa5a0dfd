import type { User } from '@careledger/chaincode';
import { isRole } from '@careledger/chaincode/rules';
import type { OrgConfig } from '../config.js';
import { AppError, badInput } from '../domain/app-error.js';
import type { KeyService } from '../ports/key-service.js';
import type { ChaincodeClient } from '../ledger-client/chaincode-client.js';
import type { Logger } from '../ports/logger.js';
import type { ActorRef } from '../domain/actors.js';

/** The admin user id a seeded org starts with (the dev issuer's contract: `hospital-a-admin`). */
export function seedAdminId(org: OrgConfig): string {
  return `${org.name}-admin`;
}

/** The registry as the gateway uses it: who is acting, registering users, first-start seeding. */
export class RegistryService {
  constructor(
    private readonly chaincode: ChaincodeClient,
    private readonly keys: KeyService,
    private readonly orgs: OrgConfig[],
    private readonly log: Logger,
  ) {}

  /** Registers every configured org that the ledger does not know yet, with its public key and admin. */
  async seed(): Promise<void> {
    for (const org of this.orgs) {
      try {
        await this.chaincode.getOrg(org.mspId, org.mspId);
      } catch (error) {
        if (!(error instanceof AppError) || error.code !== 'ORG_NOT_REGISTERED') throw error;
        await this.chaincode.registerOrg(org.mspId, org.name, await this.keys.publicKey(org.mspId), seedAdminId(org));
        this.log.info({ org: org.name, admin: seedAdminId(org) }, 'org registered on first start');
      }
    }
  }

  /**
   * The acting user from the ledger registry (never from the request). Refuses erased users (and users being
   * erased), except for the erasure's own routes, and users of orgs this gateway does not speak for.
   */
  async resolveActor(userId: string, options: { erasure?: boolean } = {}): Promise<ActorRef> {
    const user = await this.chaincode.getUser(this.orgs[0].mspId, userId).catch((error) => {
      if (error instanceof AppError && error.code === 'USER_NOT_FOUND') throw new AppError('UNAUTHENTICATED', 'the token names no registered user');
      throw error;
    });
    // A patient's own erasure stays reachable while it runs and after it ended (its status); nothing else.
    if (user.status !== 'ACTIVE' && !options.erasure) throw new AppError('UNAUTHENTICATED', 'the user was erased');
    if (!this.orgs.some((o) => o.mspId === user.homeOrg)) throw new AppError('WRONG_ORG', "this gateway does not serve the user's org");
    return { userId: user.userId, org: user.homeOrg, role: user.role };
  }

  /**
   * Whether a user id is registered and not erased (the dev issuer answers 404 otherwise). A patient being
   * erased still gets a token: it opens their erasure's status and nothing else.
   */
  async exists(userId: string): Promise<boolean> {
    try {
      return (await this.chaincode.getUser(this.orgs[0].mspId, userId)).status !== 'ERASED';
    } catch (error) {
      if (error instanceof AppError && error.code === 'USER_NOT_FOUND') return false;
      throw error;
    }
  }

  register(actor: ActorRef, userId: string, role: string): Promise<User> {
    if (!isRole(role)) throw badInput('role', 'role must be patient, practitioner or admin');
    return this.chaincode.registerUser(actor, userId, role);
  }

  get(actor: ActorRef, userId: string): Promise<User> {
    return this.chaincode.getUser(actor.org, userId);
  }
}
