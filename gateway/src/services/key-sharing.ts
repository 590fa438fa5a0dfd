import type { ConsentScope } from '@careledger/chaincode/rules';
import { wrapDataKey } from '../crypto/data-key.js';
import type { KeyService } from '../ports/key-service.js';
import type { ChaincodeClient } from '../ledger-client/chaincode-client.js';
import type { OrgKeys } from './org-keys.js';
import type { ActorRef } from '../domain/actors.js';

/**
 * Re-wraps the home org's data keys for another org, on the patient's own gateway: the home org's
 * wrapped keys come from its own peer (KeysForScope), are unwrapped with the home KEK and wrapped with
 * the target org's registered public key. Plain data keys never leave this process.
 */
export class KeySharing {
  constructor(
    private readonly chaincode: ChaincodeClient,
    private readonly keys: KeyService,
    private readonly orgKeys: OrgKeys,
  ) {}

  async rewrap(patient: ActorRef, scope: ConsentScope, targetOrg: string): Promise<Record<string, string>> {
    if (targetOrg === patient.org) return {};
    const shared = await this.chaincode.keysForScope(patient, scope);
    const target = await this.orgKeys.publicKey(patient.org, targetOrg);
    const out: Record<string, string> = {};
    for (const { recordId, wrappedKey } of shared) {
      const dataKey = await this.keys.unwrap(patient.org, wrappedKey);
      out[recordId] = await wrapDataKey(dataKey, target);
      dataKey.fill(0);
    }
    return out;
  }
}
