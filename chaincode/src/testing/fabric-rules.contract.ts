/**
 * The peer rules the CareLedger chaincode relies on, as one suite that every model of a peer runs: `FakeLedger`
 * in the chaincode's unit tests and the gateway's embedded ledger (the embedded profile). A rule that one model
 * drops or bends fails here, so the chaincode's tests and the embedded profile cannot drift apart; the real
 * peers hold the chaincode to the same rules in `npm run test:network`. The rules are Fabric 2.5's (its
 * documentation and its transaction manager, lockbased_txmgr).
 */
import { createHash } from 'node:crypto';
import { ProbeContract } from './fabric-rules-probe.js';

export interface ProbeCall {
  /** Values of the transient map, as UTF-8 text. */
  transient?: Record<string, string>;
  /** Which of the two orgs speaks (default the first). */
  as?: 'first' | 'second';
}

/** A peer model with the probe contract installed (as `probe`), and how to dispose of it. */
export interface ProbePeer {
  /** Runs `probe:<fn>` and commits its writes when it succeeds; resolves with its answer as text. */
  submit(fn: string, args: string[], call?: ProbeCall): Promise<string>;
  /** Runs `probe:<fn>` without committing; resolves with its answer as text. */
  evaluate(fn: string, args: string[], call?: ProbeCall): Promise<string>;
  close(): Promise<void>;
}

/** The contracts a model installs for this suite. */
export const PROBE_CONTRACTS = [ProbeContract] as const;

const SHARED = 'probeShared';
const OTHER = 'probeOther';

/** `describe`s the rules for a model; `open` gives a fresh, empty peer with the probe contract and two orgs. */
export function describeFabricRules(name: string, open: () => Promise<ProbePeer>): void {
  describe(`${name} follows the peer rules the chaincode relies on`, () => {
    let peer: ProbePeer;
    beforeEach(async () => {
      peer = await open();
    });
    afterEach(async () => {
      await peer.close();
    });

    describe('world state', () => {
      it('serves a committed value to later reads', async () => {
        await peer.submit('Put', ['k', 'v']);
        expect(await peer.evaluate('Get', ['k'])).toBe('v');
      });

      it('does not show a transaction its own writes', async () => {
        expect(await peer.submit('PutThenGet', ['fresh', 'new'])).toBe('');
        await peer.submit('Put', ['k', 'old']);
        expect(await peer.submit('PutThenGet', ['k', 'new'])).toBe('old');
        expect(await peer.evaluate('Get', ['k'])).toBe('new');
      });

      it('writes nothing for a transaction that fails', async () => {
        await peer.submit('Put', ['k', 'kept']);
        await expect(peer.submit('PutThenRefuse', ['k', 'lost'])).rejects.toThrow();
        expect(await peer.evaluate('Get', ['k'])).toBe('kept');
      });

      it('never writes on evaluate', async () => {
        await peer.evaluate('Put', ['k', 'v']);
        expect(await peer.evaluate('Get', ['k'])).toBe('');
      });

      it('reads a deleted key as missing', async () => {
        await peer.submit('Put', ['k', 'v']);
        await peer.submit('Delete', ['k']);
        expect(await peer.evaluate('Get', ['k'])).toBe('');
      });
    });

    describe('private data', () => {
      it('stores a value from the transient map; another org reads its SHA-256 hash', async () => {
        await peer.submit('PutPrivate', [SHARED, 'k'], { transient: { value: 'secret' } });
        expect(await peer.evaluate('GetPrivate', [SHARED, 'k'])).toBe('secret');
        expect(await peer.evaluate('PrivateHash', [SHARED, 'k'], { as: 'second' })).toBe(createHash('sha256').update('secret').digest('hex'));
      });

      it('removes value and hash on purge and on delete', async () => {
        await peer.submit('PutPrivate', [SHARED, 'purged'], { transient: { value: 'a' } });
        await peer.submit('PutPrivate', [SHARED, 'deleted'], { transient: { value: 'b' } });
        await peer.submit('PurgePrivate', [SHARED, 'purged']);
        await peer.submit('DeletePrivate', [SHARED, 'deleted']);
        for (const key of ['purged', 'deleted']) {
          expect(await peer.evaluate('GetPrivate', [SHARED, key])).toBe('');
          expect(await peer.evaluate('PrivateHash', [SHARED, key])).toBe('');
        }
      });

      it('finds entries by partial composite key: that prefix, that collection, in key order', async () => {
        await peer.submit('PutIndexed', [SHARED, 'p1', 'r2'], { transient: { value: 'b' } });
        await peer.submit('PutIndexed', [SHARED, 'p1', 'r1'], { transient: { value: 'a' } });
        await peer.submit('PutIndexed', [SHARED, 'p2', 'r1'], { transient: { value: 'c' } });
        await peer.submit('PutIndexed', [OTHER, 'p1', 'r9'], { transient: { value: 'elsewhere' } });
        expect(JSON.parse(await peer.evaluate('ListIndexed', [SHARED, 'p1']))).toEqual(['p1/r1=a', 'p1/r2=b']);
      });

      it('pages a patient by key range: after a key, in UTF-8 byte order, only that patient, stopping at the limit', async () => {
        for (const r of ['r3', 'r1', 'r2', 'r10', 'ré']) await peer.submit('PutIndexed', [SHARED, 'p1', r], { transient: { value: r } });
        await peer.submit('PutIndexed', [SHARED, 'p10', 'r0'], { transient: { value: 'other' } });
        await peer.submit('PutIndexed', [SHARED, 'p2', 'r0'], { transient: { value: 'other' } });
        expect(JSON.parse(await peer.evaluate('PageIndexed', [SHARED, 'p1', '', '9']))).toEqual(['p1/r1', 'p1/r10', 'p1/r2', 'p1/r3', 'p1/ré']);
        expect(JSON.parse(await peer.evaluate('PageIndexed', [SHARED, 'p1', 'r10', '2']))).toEqual(['p1/r2', 'p1/r3']);
        expect(JSON.parse(await peer.evaluate('PageIndexed', [SHARED, 'p1', 'r3', '9']))).toEqual(['p1/ré']);
        expect(JSON.parse(await peer.evaluate('PageIndexed', [SHARED, 'p1', 'ré', '9']))).toEqual([]);
      });
    });

    describe("member-only collections (the network's collection config)", () => {
      const mspOf = (as: 'first' | 'second') => peer.evaluate('Msp', [], { as });

      it("an org's own collection: any org writes to it, only that org reads it", async () => {
        const second = await mspOf('second');
        await peer.submit('PutPrivate', [`org_${second}`, 'k'], { transient: { value: 'for the second org' } });
        expect(await peer.evaluate('GetPrivate', [`org_${second}`, 'k'], { as: 'second' })).toBe('for the second org');
        await expect(peer.evaluate('GetPrivate', [`org_${second}`, 'k'])).rejects.toThrow();
        await expect(peer.evaluate('ListIndexed', [`org_${second}`, 'p1'])).rejects.toThrow();
        expect(await peer.evaluate('PrivateHash', [`org_${second}`, 'k'])).toBe(createHash('sha256').update('for the second org').digest('hex'));
      });

      it("an org's directory: every org reads it, only that org writes it", async () => {
        const first = await mspOf('first');
        await peer.submit('PutPrivate', [`dir_${first}`, 'k'], { transient: { value: 'listed' } });
        expect(await peer.evaluate('GetPrivate', [`dir_${first}`, 'k'], { as: 'second' })).toBe('listed');
        await expect(peer.submit('PutPrivate', [`dir_${first}`, 'k'], { transient: { value: 'forged' }, as: 'second' })).rejects.toThrow();
        await expect(peer.submit('DeletePrivate', [`dir_${first}`, 'k'], { as: 'second' })).rejects.toThrow();
        expect(await peer.evaluate('GetPrivate', [`dir_${first}`, 'k'])).toBe('listed');
      });
    });

    describe('queries and writes in one transaction', () => {
      it('refuses writes after a range query on private data (private ranges are not re-checked at validation)', async () => {
        await expect(peer.submit('ScanPrivateThenPut', [SHARED, 'k'])).rejects.toThrow();
        expect(await peer.evaluate('Get', ['k'])).toBe('');
      });

      it('refuses a range query on private data after a write', async () => {
        await expect(peer.submit('PutThenScanPrivate', [SHARED, 'k'])).rejects.toThrow();
        expect(await peer.evaluate('Get', ['k'])).toBe('');
      });

      it('allows writes after a range query on public state', async () => {
        await peer.submit('ScanPublicThenPut', ['k']);
        expect(await peer.evaluate('Get', ['k'])).toBe('x');
      });
    });

    describe('history and validation parameters', () => {
      it('lists the committed writes and deletes of a public key, newest first, and not those of keys it prefixes', async () => {
        await peer.submit('Put', ['k', 'v1']);
        await peer.submit('Put', ['k2', 'other']);
        await peer.submit('Put', ['k', 'v2']);
        await peer.submit('Delete', ['k']);
        const history = JSON.parse(await peer.evaluate('History', ['k'])) as { value: string; isDelete: boolean }[];
        expect(history.map(({ value, isDelete }) => ({ value, isDelete }))).toEqual([
          { value: '', isDelete: true },
          { value: 'v2', isDelete: false },
          { value: 'v1', isDelete: false },
        ]);
      });

      it('sets validation parameters on public and private keys, keeps them when the value changes and drops them with the key', async () => {
        await peer.submit('Put', ['k', 'x']);
        await peer.submit('PutPrivate', [SHARED, 'p'], { transient: { value: 'c' } });
        await peer.submit('Endorse', ['', 'k', 'Org2MSP,Org1MSP']);
        await peer.submit('Endorse', [SHARED, 'p', 'Org1MSP']);
        expect(await peer.evaluate('Endorsers', ['', 'k'])).toBe('Org1MSP,Org2MSP');
        expect(await peer.evaluate('Endorsers', [SHARED, 'p'])).toBe('Org1MSP');

        await peer.submit('Put', ['k', 'y']);
        expect(await peer.evaluate('Endorsers', ['', 'k'])).toBe('Org1MSP,Org2MSP');
        await peer.submit('Delete', ['k']);
        await peer.submit('Put', ['k', 'z']);
        expect(await peer.evaluate('Endorsers', ['', 'k'])).toBe('');
      });
    });
  });
}
