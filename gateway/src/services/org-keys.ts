import { wrapDataKey } from '../crypto/data-key.js';
import type { KeyService, PublicJwk } from '../ports/key-service.js';
import type { ChaincodeClient } from '../ledger-client/chaincode-client.js';

/** How long a fetched org public key is used before it is read from the registry again. */
export const ORG_KEY_TTL_MS = 60_000;

/**
 * The consortium orgs' registered public keys (registry:GetOrg), and data-key wrapping for them: the one
 * place the gateway learns whom it encrypts to. A key is cached for `ttlMs`, so an org's RotateOrgKey
 * reaches every gateway within that time; until then a data key may still be wrapped with the org's
 * previous key, which that org keeps (key files hold every key by kid) and can still unwrap.
 */
export class OrgKeys {
  private readonly cache = new Map<string, { jwk: PublicJwk; until: number }>();

  constructor(
    private readonly chaincode: ChaincodeClient,
    /** This gateway's own KeyService: the own org's copy of a patient's data key goes in its patient custody. */
    private readonly custody: KeyService | undefined,
    private readonly ttlMs = ORG_KEY_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** The registered public key of `mspId`, read from the registry as `asOrg`. */
  async publicKey(asOrg: string, mspId: string): Promise<PublicJwk> {
    const cached = this.cache.get(mspId);
    if (cached && cached.until > this.now()) return cached.jwk;
    const jwk = JSON.parse((await this.chaincode.getOrg(asOrg, mspId)).publicJwk) as PublicJwk;
    this.cache.set(mspId, { jwk, until: this.now() + this.ttlMs });
    return jwk;
  }

  /**
   * `dataKey` wrapped for each org: MSP id -> compact JWE. With a `patientId`, the copy for `asOrg` itself
   * is wrapped under that patient's key in this gateway's KeyService (erasure destroys it); the other orgs'
   * copies are wrapped with their registered public keys (transit copies).
   */
  async wrapFor(asOrg: string, orgs: readonly string[], dataKey: Uint8Array, patientId?: string): Promise<Record<string, string>> {
    const wrapped: Record<string, string> = {};
    for (const org of orgs) {
      if (patientId !== undefined && org === asOrg) {
        if (!this.custody) throw new Error('OrgKeys needs the KeyService to wrap in patient custody');
        wrapped[org] = await this.custody.wrapForPatient(asOrg, patientId, dataKey);
      } else {
        wrapped[org] = await wrapDataKey(dataKey, await this.publicKey(asOrg, org));
      }
    }
    return wrapped;
  }
}
