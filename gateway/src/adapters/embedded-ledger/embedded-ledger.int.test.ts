import { createHash, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LedgerError } from '../../ports/ledger-error.js';
import type { LedgerEvent } from '../../ports/ledger.js';
import { EmbeddedLedger } from './embedded-ledger.js';
import { describeFabricRules, type ProbeCall } from '../../../../chaincode/src/testing/fabric-rules.contract.js';
import { ProbeContract } from '../../../../chaincode/src/testing/fabric-rules-probe.js';

const ORG1 = 'Org1MSP';
const ORG2 = 'Org2MSP';
const IMPLICIT = '_implicit_org_Org1MSP';

let dataDir: string;
let clock: Date;
let ledger: EmbeddedLedger;

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');
const bytes = (value: string): Uint8Array => new Uint8Array(Buffer.from(value, 'utf8'));
const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

const openLedger = (options: { revealUnknownErrors?: boolean } = {}): Promise<EmbeddedLedger> =>
  EmbeddedLedger.open({ dataDir, contracts: [ProbeContract], orgs: [ORG1, ORG2], now: () => clock, ...options });

const submit = (fn: string, args: string[] = [], transient?: Record<string, Uint8Array>, mspId = ORG1) =>
  ledger.submit(mspId, { name: `probe:${fn}`, args, transient });

const evaluate = async (fn: string, args: string[] = [], transient?: Record<string, Uint8Array>, mspId = ORG1): Promise<string> =>
  text(await ledger.evaluate(mspId, { name: `probe:${fn}`, args, transient }));

async function refusal(promise: Promise<unknown>): Promise<LedgerError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(error instanceof LedgerError)) throw new Error(`expected a LedgerError, got ${String(error)}`);
  return error;
}

async function collect(events: AsyncIterable<LedgerEvent>, count: number): Promise<LedgerEvent[]> {
  const found: LedgerEvent[] = [];
  if (count === 0) return found;
  for await (const event of events) {
    found.push(event);
    if (found.length === count) break;
  }
  return found;
}

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'careledger-embedded-'));
  clock = new Date('2031-05-06T07:08:09.123Z');
  ledger = await openLedger();
});

afterEach(async () => {
  await ledger.close();
  await rm(dataDir, { recursive: true, force: true });
});

describeFabricRules('EmbeddedLedger', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'careledger-rules-'));
  const peer = await EmbeddedLedger.open({ dataDir: dir, contracts: [ProbeContract], orgs: [ORG1, ORG2] });
  const run = async (commit: boolean, fn: string, args: string[], call: ProbeCall = {}): Promise<string> => {
    const request = { name: `probe:${fn}`, args, transient: Object.fromEntries(Object.entries(call.transient ?? {}).map(([k, v]) => [k, bytes(v)])) };
    const org = call.as === 'second' ? ORG2 : ORG1;
    return text(commit ? (await peer.submit(org, request)).payload : await peer.evaluate(org, request));
  };
  return {
    submit: (fn, args, call) => run(true, fn, args, call),
    evaluate: (fn, args, call) => run(false, fn, args, call),
    close: async () => {
      await peer.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe('EmbeddedLedger', () => {
  describe('identity and proposal', () => {
    it('gives the chaincode the caller MSP id, its X.509 identity, the transient map, the tx id and the time from now()', async () => {
      const seen = JSON.parse(await evaluate('Whoami', [], { note: bytes('hello') }, ORG2)) as Record<string, unknown>;

      expect(seen).toMatchObject({
        mspId: ORG2,
        id: 'x509::/O=Org2MSP/OU=client/CN=gateway.Org2MSP::/O=Org2MSP/CN=ca.Org2MSP',
        channel: 'careledger',
        date: '2031-05-06T07:08:09.123Z',
        seconds: Math.floor(clock.getTime() / 1000),
        nanos: 123_000_000,
        transient: { note: 'hello' },
      });
      expect(seen.txId).toMatch(/^[0-9a-f]{64}$/);
    });

    it('returns the tx id the chaincode saw', async () => {
      const result = await submit('Whoami');

      expect(JSON.parse(text(result.payload))).toMatchObject({ txId: result.txId });
    });

    it('issues each org a certificate that parses and chains to its CA', async () => {
      const seen = JSON.parse(await evaluate('Whoami')) as { id: string };
      const stored = JSON.parse(await readFile(join(dataDir, 'msp', `${ORG1}.json`), 'utf8')) as Record<string, string>;
      const cert = new X509Certificate(stored.certificate ?? '');

      expect(cert.verify(new X509Certificate(stored.caCertificate ?? '').publicKey)).toBe(true);
      expect(seen.id).toContain('CN=gateway.Org1MSP');
    });

    it('keeps each org key file readable by its owner only', async () => {
      const { mode } = await stat(join(dataDir, 'msp', `${ORG1}.json`));

      expect(mode & 0o777).toBe(0o600);
    });

    it('refuses to sign as an org it holds no identity for', async () => {
      const error = await refusal(ledger.submit('Org3MSP', { name: 'probe:Put', args: ['k', 'v'] }));

      expect(error.code).toBe('FORBIDDEN');
    });
  });

  describe('world state', () => {
    it('writes nothing for a refused transaction and reports its code and tx id', async () => {
      const height = ledger.height;

      const error = await refusal(submit('PutThenRefuse', ['k', 'v']));

      expect(error).toMatchObject({ name: 'LedgerError', code: 'CONFLICT', detail: 'refused on purpose' });
      expect(error.txId).toMatch(/^[0-9a-f]{64}$/);
      expect(await evaluate('Get', ['k'])).toBe('');
      expect(ledger.height).toBe(height);
    });

    it('numbers each committed submit as the next block', async () => {
      await submit('Put', ['a', '1']);
      await submit('Put', ['b', '2']);

      expect(ledger.height).toBe(2n);
    });

    it('runs concurrent submits one at a time, so read-modify-write loses nothing', async () => {
      const results = await Promise.all(Array.from({ length: 20 }, () => submit('Increment', ['counter'])));

      expect(await evaluate('Get', ['counter'])).toBe('20');
      expect(new Set(results.map((r) => text(r.payload))).size).toBe(20);
    });

    it('drops a queued transaction whose signal aborts before it starts', async () => {
      const controller = new AbortController();
      const first = submit('Increment', ['counter']);
      const second = ledger.submit(ORG1, { name: 'probe:Increment', args: ['counter'], signal: controller.signal });
      controller.abort();

      await expect(second).rejects.toMatchObject({ name: 'AbortError' });
      await first;
      expect(await evaluate('Get', ['counter'])).toBe('1');
    });
  });

  describe('range queries', () => {
    it('iterates a range larger than one batch in key order', async () => {
      await submit('PutMany', ['r', '250']);

      const keys = JSON.parse(await evaluate('Range', ['r', 's'])) as string[];

      expect(keys).toHaveLength(250);
      expect(keys[0]).toBe('r0000');
      expect(keys[249]).toBe('r0249');
    });

    it('orders keys by their UTF-8 bytes and leaves composite keys out of an open range', async () => {
      await submit('Put', ['\u{1F600}', 'emoji']);
      await submit('Put', ['\uFFFD', 'replacement']);
      await submit('PutIndexed', ['', 'p1', 'r1']);

      expect(JSON.parse(await evaluate('Range', ['', '']))).toEqual(['\uFFFD', '\u{1F600}']);
    });

    it('pages a public range with a bookmark', async () => {
      await submit('PutMany', ['p', '5']);

      const page1 = JSON.parse(await evaluate('Page', ['p', 'q', '2', '']));
      const page2 = JSON.parse(await evaluate('Page', ['p', 'q', '2', page1.bookmark]));
      const page3 = JSON.parse(await evaluate('Page', ['p', 'q', '2', page2.bookmark]));

      expect(page1).toEqual({ keys: ['p0000', 'p0001'], bookmark: 'p0002', count: 2 });
      expect(page2).toEqual({ keys: ['p0002', 'p0003'], bookmark: 'p0004', count: 2 });
      expect(page3).toEqual({ keys: ['p0004'], bookmark: '', count: 1 });
    });

    it('refuses writes after a paginated query, as Fabric does', async () => {
      const error = await refusal(submit('PageThenPut', ['k']));

      expect(error.code).toBe('INTERNAL');
      expect(await evaluate('Get', ['k'])).toBe('');
    });

    it('fails a rich query loudly: it needs CouchDB', async () => {
      const error = await refusal(ledger.evaluate(ORG1, { name: 'probe:Rich', args: ['{"selector":{}}'] }));

      expect(error.code).toBe('NOT_IMPLEMENTED');
      expect(error.detail).toContain('CouchDB');
    });

    it('fails chaincode-to-chaincode calls loudly', async () => {
      expect((await refusal(submit('CallOther'))).code).toBe('NOT_IMPLEMENTED');
    });
  });

  describe('errors', () => {
    it('withholds the message of a failure without a code: it may quote private input', async () => {
      const error = await refusal(submit('Crash', [], { value: bytes('secret-diagnosis') }));

      expect(error.code).toBe('INTERNAL');
      expect(`${error.message} ${error.detail}`).not.toContain('secret');
    });

    it('reveals that message when asked to, for chaincode development', async () => {
      await ledger.close();
      ledger = await openLedger({ revealUnknownErrors: true });

      const error = await refusal(submit('Crash', [], { value: bytes('not json') }));

      expect(error.detail).toContain('JSON');
    });
  });

  describe('lifecycle', () => {
    it('keeps state, hashes, history, height and identities across close and reopen', async () => {
      const whoBefore = JSON.parse(await evaluate('Whoami')) as { id: string };
      await submit('Put', ['k', 'v']);
      await submit('PutPrivate', [IMPLICIT, 'p'], { value: bytes('secret') });
      await ledger.close();

      ledger = await openLedger();

      expect(await evaluate('Get', ['k'])).toBe('v');
      expect(await evaluate('PrivateHash', [IMPLICIT, 'p'])).toBe(sha256('secret'));
      expect(JSON.parse(await evaluate('History', ['k']))).toHaveLength(1);
      expect(ledger.height).toBe(2n);
      expect((JSON.parse(await evaluate('Whoami')) as { id: string }).id).toBe(whoBefore.id);
    });

    it('is ready while open and refuses calls once closed', async () => {
      await expect(ledger.ready()).resolves.toBeUndefined();
      await ledger.close();

      await expect(ledger.ready()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      expect((await refusal(submit('Put', ['k', 'v']))).code).toBe('UNAVAILABLE');
    });
  });

  describe('events', () => {
    it('persists one event per committed submit (the last one set) with its block and tx id', async () => {
      const a = await submit('Emit', ['a', 'payload-a']);
      await refusal(submit('PutThenRefuse', ['k', 'v']));
      await submit('Put', ['quiet', '1']);
      const b = await submit('Emit', ['b', 'payload-b']);

      const events = await collect(ledger.events(undefined), 2);

      expect(events.map((e) => [e.blockNumber, e.txId, e.eventName, text(e.payload)])).toEqual([
        [1n, a.txId, 'a', 'payload-a'],
        [3n, b.txId, 'b', 'payload-b'],
      ]);
    });

    it('replays from a checkpoint (exclusive), then streams new events until aborted', async () => {
      await submit('Emit', ['a', '1']);
      await submit('Emit', ['b', '2']);
      const controller = new AbortController();
      const stream = ledger.events({ blockNumber: 1n }, { signal: controller.signal })[Symbol.asyncIterator]();

      const replayed = await stream.next();
      const waiting = stream.next();
      await submit('Emit', ['c', '3']);
      const live = await waiting;
      const afterAbort = stream.next();
      controller.abort();

      expect(replayed.value?.eventName).toBe('b');
      expect(live.value?.eventName).toBe('c');
      expect(await afterAbort).toEqual({ done: true, value: undefined });
    });

    it('replays events across a reopen and ends live streams on close', async () => {
      await submit('Emit', ['a', '1']);
      await ledger.close();
      ledger = await openLedger();
      const stream = ledger.events({ blockNumber: 0n })[Symbol.asyncIterator]();

      const replayed = await stream.next();
      const waiting = stream.next();
      await ledger.close();

      expect(replayed.value?.eventName).toBe('a');
      expect(await waiting).toEqual({ done: true, value: undefined });
    });
  });
});
