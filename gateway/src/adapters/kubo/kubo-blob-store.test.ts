import http from 'node:http';
import net from 'node:net';
import { BlobNotFoundError } from '../../ports/blob-store.js';
import { DependencyUnavailableError } from '../../ports/dependency.js';
import { AddGcGate, KuboBlobStore } from './kubo-blob-store.js';

const CID = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku';

/**
 * What a stopped Kubo looks like from the gateway (SIGSTOP: the port still accepts, nothing is read or
 * answered): a TCP server that accepts connections and never reads or writes.
 */
async function aHungKubo(): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.pause();
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function* bytes(total: number, chunk = 64 * 1024): AsyncGenerator<Uint8Array> {
  for (let sent = 0; sent < total; sent += chunk) yield new Uint8Array(Math.min(chunk, total - sent)).fill(7);
}

/** How long `work` took to fail, and with what. */
async function failure(work: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  const error = await work().then(
    () => undefined,
    (e: unknown) => e,
  );
  return { error, ms: Date.now() - started };
}

describe('KuboBlobStore against a Kubo that accepts connections and never answers', () => {
  let kubo: Awaited<ReturnType<typeof aHungKubo>>;
  beforeEach(async () => {
    kubo = await aHungKubo();
  });
  afterEach(() => kubo.close());

  const store = () => new KuboBlobStore({ url: kubo.url, timeoutMs: 300 });

  it.each<[string, (s: KuboBlobStore) => Promise<unknown>]>([
    ['ready', (s) => s.ready()],
    ['has', (s) => s.has(CID)],
    ['remove', (s) => s.remove(CID)],
    ['cat', async (s) => {
      for await (const _ of s.cat(CID)) break;
    }],
    ['add of a small file (the whole body sent, no answer)', (s) => s.add(bytes(10_000))],
    ['add of a large file (Kubo stops reading)', (s) => s.add(bytes(64 * 1024 * 1024))],
  ])('%s fails with the blob store named within the deadline', async (_what, call) => {
    const { error, ms } = await failure(() => call(store()));
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(error).toMatchObject({ dependency: 'blob-store', reason: 'timeout' });
    expect(kubo.connections()).toBeGreaterThan(0);
    expect(ms).toBeLessThan(3_000);
  });

  it('stops reading the source of a failed add, so the upload pipeline feeding it fails instead of waiting', async () => {
    let pulled = 0;
    let finished = false;
    async function* counted() {
      try {
        for await (const chunk of bytes(256 * 1024 * 1024)) {
          pulled += chunk.length;
          yield chunk;
        }
      } finally {
        finished = true;
      }
    }
    await failure(() => store().add(counted()));
    // The source is closed as the failed request is torn down (a tick or two later).
    for (let i = 0; i < 50 && !finished; i++) await new Promise((r) => setTimeout(r, 10));
    expect(finished).toBe(true);
    expect(pulled).toBeLessThan(64 * 1024 * 1024);
  });

  it("gives the caller's abort precedence over the deadline", async () => {
    const caller = new AbortController();
    setTimeout(() => caller.abort(new Error('client went away')), 50);
    const { error, ms } = await failure(() => store().add(bytes(10_000), { signal: caller.signal }));
    expect(error).toMatchObject({ message: 'client went away' });
    expect(ms).toBeLessThan(300);
  });

  it('calls a refused connection unreachable', async () => {
    await kubo.close();
    const { error } = await failure(() => store().ready());
    expect(error).toMatchObject({ name: 'DependencyUnavailableError', dependency: 'blob-store', reason: 'unreachable' });
  });
});

describe('AddGcGate', () => {
  /** A promise with its resolver, to hold a step open. */
  function held() {
    let release!: () => void;
    const promise = new Promise<void>((resolve) => (release = resolve));
    return { promise, release };
  }

  it('a gc waits for the adds in flight, and adds that arrive during a gc wait for it', async () => {
    const gate = new AddGcGate();
    const steps: string[] = [];
    const firstAdd = held();
    const gcWork = held();
    const a = gate.add(async () => {
      steps.push('add 1 starts');
      await firstAdd.promise;
      steps.push('add 1 pinned');
    });
    const gc = gate.gc(async () => {
      steps.push('gc starts');
      await gcWork.promise;
      steps.push('gc ends');
    });
    const b = gate.add(async () => void steps.push('add 2 starts'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(steps).toEqual(['add 1 starts']);
    firstAdd.release();
    await a;
    await new Promise((resolve) => setImmediate(resolve));
    expect(steps).toEqual(['add 1 starts', 'add 1 pinned', 'gc starts']);
    gcWork.release();
    await Promise.all([gc, b]);
    expect(steps).toEqual(['add 1 starts', 'add 1 pinned', 'gc starts', 'gc ends', 'add 2 starts']);
  });

  it('a failing add or gc does not keep the gate closed', async () => {
    const gate = new AddGcGate();
    await expect(gate.add(async () => Promise.reject(new Error('add failed')))).rejects.toThrow('add failed');
    await expect(gate.gc(async () => Promise.reject(new Error('gc failed')))).rejects.toThrow('gc failed');
    await expect(gate.add(async () => 'ok')).resolves.toBe('ok');
    await expect(gate.gc(async () => 'collected')).resolves.toBe('collected');
  });
});

const PEER_IDS = ['12D3KooWLos9Wmq3ag3VoP9TPzpL9bFwMFNC6UNt1DRXW1Lkr8J3', '12D3KooWGRApaUTDMUuQY2hMeTjFTEyWZodZc6NTS9uLttDgKR2b'];

/**
 * A Kubo RPC API that holds no pin and serves `content` for any cid through `cat` (as a node does when a swarm peer
 * has the blocks), with `peers` swarm peers; it records which commands it was asked.
 */
async function aKuboWithoutThePin(peers: number, content: Buffer): Promise<{ url: string; calls: string[]; close: () => Promise<void> }> {
  const calls: string[] = [];
  const server = http.createServer((req, res) => {
    const command = new URL(req.url ?? '/', 'http://kubo').pathname.replace('/api/v0/', '');
    calls.push(command);
    req.resume();
    const json = (status: number, body: object) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (command === 'pin/ls') return json(500, { Message: `path '${CID}' is not pinned`, Code: 0, Type: 'error' });
    if (command === 'swarm/peers') {
      return json(200, { Peers: PEER_IDS.slice(0, peers).map((Peer, i) => ({ Addr: `/ip4/10.0.0.${i + 1}/tcp/4001`, Peer, Latency: '', Muxer: '', Direction: 0 })) });
    }
    if (command === 'swarm/peering/ls') return json(200, { Peers: null });
    if (command === 'block/stat') return json(200, { Key: CID, Size: content.length });
    if (command === 'cat') return res.writeHead(200, { 'content-type': 'text/plain' }).end(content);
    if (command === 'pin/add') return json(200, { Pins: [CID] });
    return json(404, { Message: `unexpected ${command}` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { url: `http://127.0.0.1:${port}`, calls, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('KuboBlobStore reading a blob its node does not hold', () => {
  const read = async (s: KuboBlobStore) => {
    const chunks: Uint8Array[] = [];
    for await (const chunk of s.cat(CID)) chunks.push(chunk);
    return Buffer.concat(chunks);
  };

  it('with no swarm peer to fetch it from: not found, and nothing is fetched or pinned', async () => {
    const kubo = await aKuboWithoutThePin(0, Buffer.from('never served'));
    try {
      await expect(read(new KuboBlobStore({ url: kubo.url, timeoutMs: 2_000, readFromSwarm: true }))).rejects.toBeInstanceOf(BlobNotFoundError);
      expect(kubo.calls).not.toContain('cat');
      expect(kubo.calls).not.toContain('pin/add');
    } finally {
      await kubo.close();
    }
  });

  it('with swarm peers but without swarm reads (a node that serves its hospital alone): not found, nothing fetched', async () => {
    const kubo = await aKuboWithoutThePin(2, Buffer.from('never served'));
    try {
      await expect(read(new KuboBlobStore({ url: kubo.url, timeoutMs: 2_000 }))).rejects.toBeInstanceOf(BlobNotFoundError);
      expect(kubo.calls).not.toContain('cat');
    } finally {
      await kubo.close();
    }
  });

  it('with swarm peers: fetched through the node (bitswap), then pinned there as a replica', async () => {
    const content = Buffer.from('a record another hospital holds');
    const kubo = await aKuboWithoutThePin(2, content);
    try {
      expect(await read(new KuboBlobStore({ url: kubo.url, timeoutMs: 2_000, readFromSwarm: true }))).toEqual(content);
      expect(kubo.calls.indexOf('pin/add')).toBeGreaterThan(kubo.calls.indexOf('cat'));
    } finally {
      await kubo.close();
    }
  });
});

describe('KuboBlobStore.replicate', () => {
  /** A Kubo that holds no pin and answers pin/add with a stream of progress counts (repeated on a timer). */
  async function aPinningKubo(counts: number[], thenPins: boolean): Promise<{ url: string; close: () => Promise<void> }> {
    const server = http.createServer((req, res) => {
      const command = new URL(req.url ?? '/', 'http://kubo').pathname.replace('/api/v0/', '');
      req.resume();
      if (command === 'pin/ls') return res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ Message: `path '${CID}' is not pinned` }));
      if (command !== 'pin/add') return res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json' });
      let i = 0;
      const timer = setInterval(() => {
        if (i < counts.length) return void res.write(`${JSON.stringify({ Progress: counts[i++] })}\n`);
        if (thenPins) {
          clearInterval(timer);
          return void res.end(`${JSON.stringify({ Pins: [CID], Progress: counts.at(-1) })}\n`);
        }
        res.write(`${JSON.stringify({ Progress: counts.at(-1) ?? 0 })}\n`);
      }, 50);
      res.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
  }

  it('pins a blob whose blocks keep arriving, however long the whole takes', async () => {
    const kubo = await aPinningKubo([1, 2, 3, 4, 5, 6, 7, 8], true);
    try {
      await expect(new KuboBlobStore({ url: kubo.url, timeoutMs: 200 }).replicate(CID)).resolves.toBe('pinned');
    } finally {
      await kubo.close();
    }
  });

  it('fails within the call deadline once no new block arrives, though Kubo repeats its count', async () => {
    const kubo = await aPinningKubo([1, 2], false);
    try {
      const { error, ms } = await failure(() => new KuboBlobStore({ url: kubo.url, timeoutMs: 300 }).replicate(CID));
      expect(error).toMatchObject({ name: 'DependencyUnavailableError', dependency: 'blob-store', reason: 'timeout' });
      expect(ms).toBeLessThan(2_000);
    } finally {
      await kubo.close();
    }
  });
});
