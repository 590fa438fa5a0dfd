import type { Context } from 'fabric-contract-api';
import { KeyEndorsementPolicy } from 'fabric-shim';
import { checkedTxTime } from './endorser-clock.js';
import { invalid } from './errors.js';
import { marshal, unmarshal } from './marshal.js';
import { directoryCollection, orgCollection, viewOf } from './collections.js';
import type { EventIds, EventName } from './events.js';

const KEY_WRAPPED = 'wrappedKey';

/**
 * Typed access to one transaction's state. Every write goes through `marshal` (sorted keys). Keys in an org's
 * own collection, its shares and its directory are guarded by that collection's endorsement policy (the org's
 * peers); public keys that belong to an org get a key-level endorsement policy naming the owner org. A key-level
 * policy would override the collection's, so private keys never get one.
 */
export class TxState {
  constructor(private readonly ctx: Context) {}

  /** The submitting org. */
  get mspId(): string {
    return this.ctx.clientIdentity.getMSPID();
  }

  private txTime?: Date;

  /** The transaction time (the only time chaincode decides by), checked against the endorser's clock. */
  now(): Date {
    this.txTime ??= checkedTxTime(this.ctx.stub);
    return new Date(this.txTime);
  }

  /** An id for something this transaction creates: a prefix plus the tx id (unique, deterministic). */
  newId(prefix: string): string {
    return `${prefix}_${this.ctx.stub.getTxID().slice(0, 32)}`;
  }

  key(type: string, attrs: string[]): string {
    return this.ctx.stub.createCompositeKey(type, attrs);
  }

  async getPublic<T>(type: string, attrs: string[]): Promise<T | undefined> {
    return unmarshal<T>(await this.ctx.stub.getState(this.key(type, attrs)));
  }

  async putPublic(type: string, attrs: string[], value: unknown, ownerOrg: string): Promise<void> {
    const key = this.key(type, attrs);
    await this.ctx.stub.putState(key, marshal(value));
    await this.ctx.stub.setStateValidationParameter(key, endorsementFor(ownerOrg));
  }

  /**
   * Writes a channel-wide public value that only a majority of `orgs` may change: its key-level policy needs
   * endorsements from more than half of them, so no single member can rewrite it, even with its own peer.
   */
  async putPublicByMajority(type: string, attrs: string[], value: unknown, orgs: string[]): Promise<void> {
    const key = this.key(type, attrs);
    await this.ctx.stub.putState(key, marshal(value));
    await this.ctx.stub.setStateValidationParameter(key, majorityOf(orgs));
  }

  /** Every public value under a partial composite key, in key order. */
  async listPublic<T>(type: string, attrs: string[]): Promise<T[]> {
    const out: T[] = [];
    for await (const kv of this.ctx.stub.getStateByPartialCompositeKey(type, attrs)) {
      const value = unmarshal<T>(kv.value);
      if (value !== undefined) out.push(value);
    }
    return out;
  }

  /** Where the submitting org reads the data of a patient of `homeOrg` (its own collection, or its share). */
  viewOf(homeOrg: string): string {
    return viewOf(homeOrg, this.mspId);
  }

  /** A value of a private collection (org collection or share: Fabric checks that the submitting org is a member). */
  async get<T>(collection: string, type: string, attrs: string[]): Promise<T | undefined> {
    return unmarshal<T>(await this.ctx.stub.getPrivateData(collection, this.key(type, attrs)));
  }

  /**
   * Writes to an org collection or a share: it commits only if the org the collection belongs to (the home org,
   * for a share) endorsed it. Another org may write blind to an org collection (its reader's access event).
   */
  async put(collection: string, type: string, attrs: string[], value: unknown): Promise<void> {
    await this.ctx.stub.putPrivateData(collection, this.key(type, attrs), marshal(value));
  }

  /** Whether a collection holds the key; answered on any org's peer (hash only, no member check). */
  async has(collection: string, type: string, attrs: string[]): Promise<boolean> {
    return (await this.hash(collection, type, attrs)) !== undefined;
  }

  /** The SHA-256 (hex) of a private value, or undefined; answered on any org's peer (no member check). */
  async hash(collection: string, type: string, attrs: string[]): Promise<string | undefined> {
    const hash = await this.ctx.stub.getPrivateDataHash(collection, this.key(type, attrs));
    return hash && hash.length > 0 ? Buffer.from(hash).toString('hex') : undefined;
  }

  async remove(collection: string, type: string, attrs: string[]): Promise<void> {
    await this.ctx.stub.deletePrivateData(collection, this.key(type, attrs));
  }

  /** Removes value and hash from every peer (GDPR erasure). */
  async purge(collection: string, type: string, attrs: string[]): Promise<void> {
    await this.ctx.stub.purgePrivateData(collection, this.key(type, attrs));
  }

  /** Every value under a partial composite key of a private collection, in key order (evaluate only). */
  async list<T>(collection: string, type: string, attrs: string[]): Promise<T[]> {
    const out: T[] = [];
    for await (const kv of this.ctx.stub.getPrivateDataByPartialCompositeKey(collection, type, attrs)) {
      const value = unmarshal<T>(kv.value);
      if (value !== undefined) out.push(value);
    }
    return out;
  }

  /**
   * Values of a private collection under a partial composite key, in key order, strictly after the key whose
   * trailing attributes are `after` (from the start when empty), at most `limit`. A private range read: for
   * evaluated transactions only (Fabric refuses every write of a transaction that ran one). The peer streams
   * the range, so a page costs what it returns, whatever lies beyond it.
   */
  async range<T>(collection: string, type: string, attrs: string[], after: string[], limit: number): Promise<{ key: string[]; value: T }[]> {
    const prefix = this.key(type, attrs);
    const start = after.length > 0 ? `${this.key(type, [...attrs, ...after])}\u0001` : prefix;
    const out: { key: string[]; value: T }[] = [];
    if (limit <= 0) return out;
    // Leaving the loop early closes the peer's iterator (the shim's async iterator does it on return).
    for await (const kv of this.ctx.stub.getPrivateDataByRange(collection, start, `${prefix}\u{10FFFF}`)) {
      const value = unmarshal<T>(kv.value);
      if (value === undefined) continue;
      out.push({ key: this.ctx.stub.splitCompositeKey(kv.key).attributes.slice(attrs.length), value });
      if (out.length >= limit) break;
    }
    return out;
  }

  /** A value in an org's own collection (readable only by that org's clients, on its own peers). */
  async getOwn<T>(org: string, type: string, attrs: string[]): Promise<T | undefined> {
    return this.get<T>(orgCollection(org), type, attrs);
  }

  /** Writes to an org's own collection: it commits only if that org's peers endorsed it. */
  async putOwn(org: string, type: string, attrs: string[], value: unknown): Promise<void> {
    await this.put(orgCollection(org), type, attrs, value);
  }

  /** A value in an org's directory (every member org reads it). */
  async getListed<T>(org: string, type: string, attrs: string[]): Promise<T | undefined> {
    return unmarshal<T>(await this.ctx.stub.getPrivateData(directoryCollection(org), this.key(type, attrs)));
  }

  /** Writes to an org's directory: it commits only if that org's peers endorsed it. */
  async putListed(org: string, type: string, attrs: string[], value: unknown): Promise<void> {
    await this.ctx.stub.putPrivateData(directoryCollection(org), this.key(type, attrs), marshal(value));
  }

  /** Removes a value of an org's directory from every peer (value and hash). */
  async purgeListed(org: string, type: string, attrs: string[]): Promise<void> {
    await this.ctx.stub.purgePrivateData(directoryCollection(org), this.key(type, attrs));
  }

  /**
   * A record's data key wrapped for `org`: the home org's copy in its own collection, another org's copy in the
   * share the home org keeps for it.
   */
  async putWrappedKey(homeOrg: string, org: string, recordId: string, value: unknown): Promise<void> {
    await this.put(viewOf(homeOrg, org), KEY_WRAPPED, [recordId], value);
  }

  async getWrappedKey<T>(homeOrg: string, org: string, recordId: string): Promise<T | undefined> {
    return this.get<T>(viewOf(homeOrg, org), KEY_WRAPPED, [recordId]);
  }

  /** Whether org holds a wrapped key for the record; answered on any org's peer (hash only). */
  async hasWrappedKey(homeOrg: string, org: string, recordId: string): Promise<boolean> {
    return this.has(viewOf(homeOrg, org), KEY_WRAPPED, [recordId]);
  }

  /** History of a public key: tx id, time, value, delete flag. */
  async history<T>(type: string, attrs: string[]): Promise<{ txId: string; timestamp: string; value?: T; isDelete: boolean }[]> {
    const out: { txId: string; timestamp: string; value?: T; isDelete: boolean }[] = [];
    for await (const mod of this.ctx.stub.getHistoryForKey(this.key(type, attrs))) {
      const seconds = Number(mod.timestamp.seconds);
      const millis = seconds * 1000 + Math.floor(mod.timestamp.nanos / 1e6);
      out.push({ txId: mod.txId, timestamp: new Date(millis).toISOString(), value: unmarshal<T>(mod.value), isDelete: mod.isDelete });
    }
    return out;
  }

  /**
   * Reads a JSON value from the transient map. Private inputs arrive only this way: arguments are
   * written into blocks where no purge reaches them.
   */
  transient<T>(name: string): T {
    const bytes = this.ctx.stub.getTransient().get(name);
    if (!bytes || bytes.length === 0) throw invalid(name, `transient field '${name}' is required`);
    try {
      return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
    } catch {
      throw invalid(name, `transient field '${name}' is not JSON`);
    }
  }

  /** Like {@link transient} but undefined when absent. */
  optionalTransient<T>(name: string): T | undefined {
    const bytes = this.ctx.stub.getTransient().get(name);
    return bytes && bytes.length > 0 ? this.transient<T>(name) : undefined;
  }

  /** The transaction's one event: a type and its catalogued opaque ids (events are public in every org's blocks). */
  emit<N extends EventName>(name: N, ids: EventIds<N>): void {
    this.ctx.stub.setEvent(name, marshal(ids));
  }
}

/** A key-level policy met by the peers of any majority of `orgs` (fabric-shim builds only all-of policies). */
export function majorityOf(orgs: string[]): Uint8Array {
  const policy = new KeyEndorsementPolicy();
  policy.addOrgs('MEMBER', ...orgs);
  // getPolicy() serialises this envelope with N = every org; a majority is the same envelope with a smaller N.
  const envelope = (policy as unknown as { _getPolicyFromMspId(): PolicyEnvelope })._getPolicyFromMspId();
  envelope.getRule().getNOutOf().setN(Math.floor(orgs.length / 2) + 1);
  return envelope.serializeBinary();
}

interface PolicyEnvelope {
  getRule(): { getNOutOf(): { setN(n: number): void } };
  serializeBinary(): Uint8Array;
}

function endorsementFor(org: string): Uint8Array {
  const policy = new KeyEndorsementPolicy();
  policy.addOrgs('MEMBER', org);
  return policy.getPolicy();
}
