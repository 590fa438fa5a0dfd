import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { Readable } from 'node:stream';
import { create, type KuboRPCClient } from 'kubo-rpc-client';
import { CID } from 'multiformats/cid';
import type { AbortOptions } from '../../ports/abort.js';
import { BlobNotFoundError, type AddResult, type BlobStore } from '../../ports/blob-store.js';
import { DependencyUnavailableError, withDeadline, withIdleDeadline } from '../../ports/dependency.js';
import type { ReplicaStore } from '../../ports/replica-store.js';

/**
 * The name of the pins this store keeps as replicas of other hospitals' blobs. Blobs the node holds as its own
 * (pinned by `add`) carry no name, and nothing that handles replicas ever unpins them.
 */
export const REPLICA_PIN_NAME = 'careledger-replica';

/**
 * The add options that give the same CIDs as the embedded UnixFS store (docs/DECISIONS.md#both-blob-stores-give-the-same-cids):
 * CIDv1, raw leaves, fixed 256 KiB chunks, balanced DAG (Kubo's default layout, 174 links).
 */
export const KUBO_ADD_OPTIONS = { cidVersion: 1, rawLeaves: true, chunker: 'size-262144', pin: true } as const;

export interface KuboBlobStoreOptions {
  /** Kubo's RPC API, e.g. `http://127.0.0.1:5001/api/v0` (loopback only: the RPC API is admin access). */
  url: string;
  /** Run the garbage collector after a removal so that unpinned blocks really leave the disk (default true). */
  gcOnRemove?: boolean;
  /**
   * Deadline of each call, ms (default 10 000). For `add` and `cat` it bounds each wait for Kubo to take or give
   * bytes (a large file may stream for minutes); a Kubo that stalls longer fails the call with a
   * {@link DependencyUnavailableError} and the HTTP request to it is aborted.
   */
  timeoutMs?: number;
  /**
   * Read a blob this node does not hold from its swarm peers (bitswap) and keep a pinned replica (default false).
   * On in the consortium topology, where each hospital's node is in a private swarm with the others'; off where
   * one node serves a hospital alone, so that a blob it does not hold is simply not found.
   */
  readFromSwarm?: boolean;
  /**
   * With `readFromSwarm`, when every peer the node keeps (Kubo's Peering list) is connected: how long one of them
   * may take to hand over a blob's root block before the blob counts as held by none of them, i.e. not found
   * (ms, default 3 000; a connected peer that holds it answers in milliseconds). When a kept peer is not
   * connected it may be the holder, so the read is tried and fails on the idle deadline (unavailable) instead.
   */
  swarmProbeMs?: number;
  /** Deadline of fetching and pinning a whole replica from the swarm (ms, default 300 000). */
  replicaTimeoutMs?: number;
}

/**
 * The BlobStore port on a Kubo node through kubo-rpc-client: streamed add and cat, pins as the source of truth,
 * a deadline on every call. An add pins only after Kubo has answered with the CID, so an add that Kubo finishes
 * after the gateway gave up (a Kubo that hung and resumed) leaves unpinned blocks that the next gc removes, never a
 * pin nobody knows of. Between that add and its pin the blocks are held by nothing, and Kubo's gc would remove
 * them; so this store never runs a gc while one of its adds is between the two (see {@link AddGcGate}).
 */
export class KuboBlobStore implements BlobStore, ReplicaStore {
  private readonly ipfs: KuboRPCClient;
  private readonly gate = new AddGcGate();
  private readonly gcOnRemove: boolean;
  private readonly readFromSwarm: boolean;
  private readonly url: string;
  private readonly timeoutMs: number;
  private readonly swarmProbeMs: number;
  private readonly replicaTimeoutMs: number;

  constructor(options: KuboBlobStoreOptions) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.swarmProbeMs = options.swarmProbeMs ?? 3_000;
    this.replicaTimeoutMs = options.replicaTimeoutMs ?? 300_000;
    this.ipfs = create({ url: options.url });
    // kubo-rpc-client adds /api/v0 to a bare host URL; the direct add call must do the same.
    const base = options.url.replace(/\/+$/, '');
    this.url = base.endsWith('/api/v0') ? base : `${base}/api/v0`;
    this.gcOnRemove = options.gcOnRemove ?? true;
    this.readFromSwarm = options.readFromSwarm ?? false;
  }

  /**
   * Streams the bytes to Kubo's `add` as a chunked multipart request, then pins the root. (kubo-rpc-client's `add`
   * buffers the whole body first — measured 1.5 GiB RSS for a 1 GiB upload — so this one call goes over HTTP
   * directly.) The deadline runs only while Kubo holds things up: while a chunk waits for Kubo to take it, and from
   * the end of the body to Kubo's answer; a slow source does not count.
   */
  add(source: AsyncIterable<Uint8Array>, options: AbortOptions = {}): Promise<AddResult> {
    return this.gate.add(() => this.addAndPin(source, options));
  }

  private async addAndPin(source: AsyncIterable<Uint8Array>, options: AbortOptions): Promise<AddResult> {
    let bytes = 0;
    let sourceError: unknown;
    const stall = new StallTimer(this.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, stall.signal]) : stall.signal;
    const boundary = `careledger-${randomUUID()}`;
    const body = Readable.from(
      (async function* () {
        yield Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="blob"\r\nContent-Type: application/octet-stream\r\n\r\n`);
        try {
          for await (const chunk of source) {
            bytes += chunk.length;
            stall.arm();
            yield chunk;
            stall.disarm();
          }
        } catch (error) {
          sourceError = error;
          throw error;
        }
        yield Buffer.from(`\r\n--${boundary}--\r\n`);
        // The body is complete: now Kubo must answer.
        stall.arm();
      })(),
    );
    // Pinned below, once the CID is known (see the class comment).
    const query = new URLSearchParams({ 'cid-version': '1', 'raw-leaves': 'true', chunker: KUBO_ADD_OPTIONS.chunker, pin: 'false', progress: 'false', 'stream-channels': 'true' });
    const url = new URL(`${this.url}/add?${query}`);
    let cid: string;
    try {
      const text = await new Promise<string>((resolve, reject) => {
        const req = http.request(url, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, signal }, (res) => {
          let out = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (out += d));
          res.on('end', () => (res.statusCode === 200 ? resolve(out) : reject(new Error(`Kubo add answered ${res.statusCode}`))));
          res.on('error', reject);
        });
        req.on('error', reject);
        body.on('error', (e) => req.destroy(e));
        body.pipe(req);
      });
      // One JSON object per line; the last names the file's root.
      const last = JSON.parse(text.trim().split('\n').pop() ?? '{}') as { Hash?: string };
      if (!last.Hash) throw new Error('Kubo add answered no CID');
      cid = CID.parse(last.Hash).toString();
    } catch (error) {
      // Stop reading the source: whoever feeds it sees the failure instead of waiting forever.
      body.destroy();
      if (sourceError !== undefined) throw sourceError;
      if (options.signal?.aborted) throw options.signal.reason;
      throw unavailable(error, stall.signal.aborted, this.timeoutMs);
    } finally {
      stall.disarm();
    }
    await this.call((s) => this.ipfs.pin.add(CID.parse(cid), { signal: s }), options.signal);
    return { cid, size: bytes };
  }

  /**
   * Streams a blob. One this node holds (pinned) is read from its own store. One it does not hold is fetched from
   * the node's swarm peers over bitswap (another hospital's node in a private swarm) and, once read to the end,
   * pinned here as a replica (only with `readFromSwarm`; the replica keeper drops it again when the hospital's
   * access ends). Without it a blob not held here is not found. With it, a blob no connected peer hands over
   * within the probe deadline is not found, unless a kept peer is not connected: then the read is tried and fails
   * on the idle deadline (unavailable), since that peer may hold it.
   */
  async *cat(cid: string, options: AbortOptions = {}): AsyncIterable<Uint8Array> {
    const held = await this.has(cid, options);
    if (!held && !(this.readFromSwarm && (await this.swarmMayHold(cid, options)))) throw new BlobNotFoundError();
    const stop = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
    try {
      yield* withIdleDeadline('blob-store', this.timeoutMs, this.ipfs.cat(CID.parse(cid), { signal }), (reason) => stop.abort(reason));
    } catch (error) {
      if (error instanceof DependencyUnavailableError || options.signal?.aborted) throw error;
      throw unavailable(error, false, this.timeoutMs);
    }
    if (!held) {
      // Every block is local now; the pin only keeps them. The content is already delivered, so a failed pin
      // costs the replica, not the read: the next read fetches it again.
      // A replica pin: whoever keeps replicas in step with access drops it again when the access ends.
      await this.call((s) => this.rpc('pin/add', [['arg', cid], ['name', REPLICA_PIN_NAME]], s), options.signal).catch(() => undefined);
    }
  }

  /**
   * Whether a swarm peer may serve a blob this node does not hold. When a peer the node keeps (Peering) is not
   * connected, it may be the holder: try the read. Otherwise, with no peer connected, none may; and when peers are
   * connected, one of them must hand over the root block within the probe deadline, else none holds it.
   */
  private async swarmMayHold(cid: string, options: AbortOptions): Promise<boolean> {
    const { connected, kept } = await this.call(async (signal) => {
      const peers = await this.ipfs.swarm.peers({ signal });
      const peering = (await this.rpc('swarm/peering/ls', [], signal)) as { Peers?: { ID: string }[] | null };
      return { connected: new Set(peers.map((p) => p.peer.toString())), kept: (peering.Peers ?? []).map((p) => p.ID) };
    }, options.signal);
    // A kept peer that is not connected may be the holder (a hospital whose node is down): try, and fail as unavailable.
    if (kept.some((id) => !connected.has(id))) return true;
    if (connected.size === 0) return false;
    try {
      await withDeadline('blob-store', this.swarmProbeMs, (signal) => this.rpc('block/stat', [['arg', cid]], signal), options.signal);
      return true;
    } catch (error) {
      if (options.signal?.aborted) throw error;
      if (error instanceof DependencyUnavailableError && error.reason === 'timeout') return false;
      throw unavailable(error, false, this.timeoutMs);
    }
  }

  /**
   * Fetches a blob from the swarm and pins it here as a replica. The fetch may take long for a large blob, so the
   * call deadline bounds each wait for progress (Kubo reports the blocks fetched so far), and the replica deadline
   * the whole. A blob this node holds as its own (pinned by `add`) is left as it is: answers `own`.
   */
  async replicate(cid: string, options: AbortOptions = {}): Promise<'pinned' | 'own'> {
    const name = await this.pinName(cid, options);
    if (name === REPLICA_PIN_NAME) return 'pinned';
    if (name !== undefined) return 'own';
    const stall = new StallTimer(this.timeoutMs);
    const whole = AbortSignal.timeout(this.replicaTimeoutMs);
    const signal = AbortSignal.any([stall.signal, whole, ...(options.signal ? [options.signal] : [])]);
    try {
      stall.arm();
      const query = new URLSearchParams([['arg', cid], ['name', REPLICA_PIN_NAME], ['progress', 'true']]);
      const res = await fetch(`${this.url}/pin/add?${query}`, { method: 'POST', signal });
      // One JSON object per line: progress counts, then the pins. Kubo repeats the count of blocks fetched so far
      // on a timer: only a higher count is progress.
      let partial = '';
      let lastLine = '{}';
      let fetched = 0;
      for await (const chunk of res.body ?? []) {
        const lines = (partial + Buffer.from(chunk as Uint8Array).toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines.filter((l) => l.trim() !== '')) {
          lastLine = line;
          const progress = (JSON.parse(line) as { Progress?: number }).Progress;
          if (progress !== undefined && progress > fetched) {
            fetched = progress;
            stall.arm();
          }
        }
      }
      const last = JSON.parse(partial.trim() || lastLine) as { Pins?: string[]; Message?: string };
      if (!res.ok || !last.Pins) throw new Error(`Kubo pin/add: ${last.Message ?? res.status}`);
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (stall.signal.aborted) throw stall.signal.reason as DependencyUnavailableError;
      throw unavailable(error, whole.aborted, whole.aborted ? this.replicaTimeoutMs : this.timeoutMs);
    } finally {
      stall.disarm();
    }
    return 'pinned';
  }

  /** Unpins a replica; a blob this node holds as its own, or does not hold, is left alone. Idempotent. */
  async dropReplica(cid: string, options: AbortOptions = {}): Promise<void> {
    if ((await this.pinName(cid, options)) !== REPLICA_PIN_NAME) return;
    await this.call((signal) => this.rpc('pin/rm', [['arg', cid]], signal), options.signal);
  }

  /** The CIDs this node keeps as replicas. */
  async replicas(options: AbortOptions = {}): Promise<string[]> {
    const answer = (await this.call((signal) => this.rpc('pin/ls', [['type', 'recursive'], ['names', 'true']], signal), options.signal)) as {
      Keys?: Record<string, { Name?: string }>;
    };
    return Object.entries(answer.Keys ?? {})
      .filter(([, pin]) => pin.Name === REPLICA_PIN_NAME)
      .map(([cid]) => cid);
  }

  /** The name of the recursive pin of `cid` ('' for an unnamed one), or undefined when it is not pinned. */
  private async pinName(cid: string, options: AbortOptions): Promise<string | undefined> {
    const answer = await this.call(async (signal) => {
      try {
        return (await this.rpc('pin/ls', [['arg', cid], ['type', 'recursive'], ['names', 'true']], signal)) as { Keys?: Record<string, { Name?: string }> };
      } catch (error) {
        if (error instanceof Error && /not pinned/i.test(error.message)) return {};
        throw error;
      }
    }, options.signal);
    const pins = Object.values(answer.Keys ?? {});
    return pins.length === 0 ? undefined : (pins[0]!.Name ?? '');
  }

  /** One Kubo RPC command answering one JSON object (Kubo's error answers throw with Kubo's message). */
  private async rpc(command: string, params: [string, string][], signal: AbortSignal): Promise<unknown> {
    const res = await fetch(`${this.url}/${command}?${new URLSearchParams(params)}`, { method: 'POST', signal });
    const text = await res.text();
    const body = (text ? JSON.parse(text) : {}) as { Message?: string };
    if (!res.ok) throw new Error(`Kubo ${command}: ${body.Message ?? res.status}`);
    return body;
  }

  /** Pinned here (a block that only lingers in the repo is not "held"). */
  async has(cid: string, options: AbortOptions = {}): Promise<boolean> {
    let parsed: CID;
    try {
      parsed = CID.parse(cid);
    } catch {
      return false;
    }
    return this.call(async (signal) => {
      try {
        for await (const pin of this.ipfs.pin.ls({ paths: [parsed], signal })) {
          if (pin.cid.toString() === cid) return true;
        }
        return false;
      } catch (error) {
        if (error instanceof Error && /not pinned|is not pinned/i.test(error.message)) return false;
        throw error;
      }
    }, options.signal);
  }

  async remove(cid: string, options: AbortOptions = {}): Promise<void> {
    if (!(await this.has(cid, options))) return;
    await this.call((signal) => this.ipfs.pin.rm(CID.parse(cid), { signal }), options.signal);
    if (this.gcOnRemove) await this.gate.gc(() => this.call((signal) => this.collectGarbage(signal), options.signal));
  }

  /** One Kubo call within the deadline; Kubo's own failures (refused connection, error answers) are UNAVAILABLE. */
  private async call<T>(work: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    try {
      return await withDeadline('blob-store', this.timeoutMs, work, signal);
    } catch (error) {
      if (error instanceof DependencyUnavailableError || signal?.aborted) throw error;
      throw unavailable(error, false, this.timeoutMs);
    }
  }

  /** Kubo's garbage collector (`repo/gc`): blocks no pin holds leave the node's block store. */
  reclaim(options: AbortOptions = {}): Promise<void> {
    return this.gate.gc(() => this.collectGarbage(options.signal));
  }

  private async collectGarbage(signal?: AbortSignal): Promise<void> {
    for await (const _ of this.ipfs.repo.gc({ signal })) {
      // drain: gc streams the removed blocks
    }
  }

  async ready(): Promise<void> {
    await this.call((signal) => this.ipfs.id({ signal }));
  }

  async close(): Promise<void> {
    // HTTP client: nothing to close.
  }
}

/** Kubo did not answer in time, or failed: the blob store is unavailable (the cause goes to the log only). */
function unavailable(error: unknown, timedOut: boolean, timeoutMs: number): DependencyUnavailableError {
  if (error instanceof DependencyUnavailableError) return error;
  return new DependencyUnavailableError('blob-store', timedOut ? 'timeout' : 'unreachable', { timeoutMs, cause: error });
}

/** Aborts its signal when armed for longer than `ms` without being disarmed. */
class StallTimer {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  readonly signal = this.controller.signal;

  constructor(private readonly ms: number) {}

  arm(): void {
    this.disarm();
    this.timer = setTimeout(() => this.controller.abort(new DependencyUnavailableError('blob-store', 'timeout', { timeoutMs: this.ms })), this.ms);
  }

  disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * Keeps this store's adds and garbage collections apart: a gc waits until no add is between its add and its
 * pin, and adds that arrive while a gc runs wait for it to end. (Within one gateway process; gateways that share
 * one Kubo node can still race, and the loser's pin then fails as UNAVAILABLE and its upload is refused.)
 */
export class AddGcGate {
  private adds = 0;
  private running: Promise<void> | undefined;
  private drained: (() => void) | undefined;

  async add<T>(work: () => Promise<T>): Promise<T> {
    while (this.running) await this.running;
    this.adds++;
    try {
      return await work();
    } finally {
      if (--this.adds === 0) this.drained?.();
    }
  }

  async gc<T>(work: () => Promise<T>): Promise<T> {
    while (this.running) await this.running;
    let done!: () => void;
    this.running = new Promise<void>((resolve) => (done = resolve));
    try {
      if (this.adds > 0) await new Promise<void>((resolve) => (this.drained = resolve));
      this.drained = undefined;
      return await work();
    } finally {
      this.running = undefined;
      done();
    }
  }
}
