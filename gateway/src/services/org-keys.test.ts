import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { newDataKey, recipientKeyId, unwrapDataKey, wrappedKeyId } from '../crypto/data-key.js';
import type { KeyService, PublicJwk } from '../ports/key-service.js';
import type { ChaincodeClient } from '../ledger-client/chaincode-client.js';
import { OrgKeys } from './org-keys.js';

function orgKeyPair(): { publicJwk: PublicJwk; privateKey: KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { publicJwk: publicKey.export({ format: 'jwk' }) as PublicJwk, privateKey };
}

/** A registry with one org whose key can be rotated; counts GetOrg reads. */
function registry() {
  let current = orgKeyPair();
  const reads: string[] = [];
  const chaincode = {
    async getOrg(asOrg: string, mspId: string) {
      reads.push(`${asOrg}->${mspId}`);
      return { mspId, name: 'b', publicJwk: JSON.stringify(current.publicJwk), status: 'ACTIVE' };
    },
  } as unknown as ChaincodeClient;
  return { chaincode, reads, current: () => current, rotate: () => (current = orgKeyPair()) };
}

describe('OrgKeys', () => {
  it('wraps a data key that only the named org unwraps', async () => {
    const reg = registry();
    const dataKey = newDataKey();
    const wrapped = await new OrgKeys(reg.chaincode, undefined).wrapFor('HospitalAMSP', ['HospitalBMSP'], dataKey);
    expect(Object.keys(wrapped)).toEqual(['HospitalBMSP']);
    expect(await unwrapDataKey(wrapped.HospitalBMSP!, reg.current().privateKey)).toEqual(dataKey);
    await expect(unwrapDataKey(wrapped.HospitalBMSP!, orgKeyPair().privateKey)).rejects.toThrow();
  });

  it('reads an org key from the registry once per TTL and sees a rotation after it', async () => {
    const reg = registry();
    let now = 1_000;
    const keys = new OrgKeys(reg.chaincode, undefined, 60_000, () => now);
    const before = await recipientKeyId(reg.current().publicJwk);
    expect(wrappedKeyId((await keys.wrapFor('HospitalAMSP', ['HospitalBMSP'], newDataKey())).HospitalBMSP!)).toBe(before);

    reg.rotate();
    now += 59_999;
    // Within the TTL the previous key is still used (its org keeps it and can still unwrap).
    expect(wrappedKeyId((await keys.wrapFor('HospitalAMSP', ['HospitalBMSP'], newDataKey())).HospitalBMSP!)).toBe(before);
    expect(reg.reads).toEqual(['HospitalAMSP->HospitalBMSP']);

    now += 2;
    const after = await keys.wrapFor('HospitalAMSP', ['HospitalBMSP'], newDataKey());
    expect(wrappedKeyId(after.HospitalBMSP!)).toBe(await recipientKeyId(reg.current().publicJwk));
    expect(wrappedKeyId(after.HospitalBMSP!)).not.toBe(before);
    expect(reg.reads).toHaveLength(2);
  });

  it("puts the own org's copy in the patient's custody and wraps the others with their public keys", async () => {
    const reg = registry();
    const custody = {
      wrapForPatient: async (org: string, patientId: string) => `custody:${org}:${patientId}`,
    } as unknown as KeyService;
    const dataKey = newDataKey();

    const wrapped = await new OrgKeys(reg.chaincode, custody).wrapFor('HospitalAMSP', ['HospitalAMSP', 'HospitalBMSP'], dataKey, 'pat-1');

    expect(wrapped.HospitalAMSP).toBe('custody:HospitalAMSP:pat-1');
    expect(Buffer.from(await unwrapDataKey(wrapped.HospitalBMSP!, reg.current().privateKey)).equals(Buffer.from(dataKey))).toBe(true);
  });
});
