/**
 * Starts a private, offline Kubo node (the binary `network/install.sh` builds) in a temp repo, API on a
 * free loopback port. Rejects (never skips) when the binary is missing: build it with `npm run network:install`.
 */
import { execFile } from 'node:child_process';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, startDetached, waitForHttp } from './detached-process.js';

const run = promisify(execFile);
export const IPFS_BIN = path.resolve('network/.bin/ipfs');

export interface KuboDaemon {
  apiUrl: string;
  repo: string;
  /** The daemon's process group (it leads its own): SIGSTOP/SIGCONT it to make Kubo hang and resume. */
  pid: number;
  stop(): Promise<void>;
}

export async function startKubo(): Promise<KuboDaemon> {
  await access(IPFS_BIN).catch(() => {
    throw new Error(`no Kubo binary at ${IPFS_BIN}: run npm run network:install`);
  });
  const repo = await mkdtemp(path.join(tmpdir(), 'careledger-kubo-'));
  const env = { ...process.env, IPFS_PATH: repo };
  await run(IPFS_BIN, ['init', '--profile=test,randomports'], { env });
  const port = await freePort();
  await run(IPFS_BIN, ['config', 'Addresses.API', `/ip4/127.0.0.1/tcp/${port}`], { env });
  await run(IPFS_BIN, ['config', 'Addresses.Gateway', '/ip4/127.0.0.1/tcp/0'], { env });
  await run(IPFS_BIN, ['bootstrap', 'rm', '--all'], { env });
  const proc = startDetached(IPFS_BIN, ['daemon', '--offline'], { env });
  const apiUrl = `http://127.0.0.1:${port}/api/v0`;
  try {
    await waitForHttp(`http://127.0.0.1:${port}/api/v0/version`, proc, 'Kubo', 30_000, 'POST');
  } catch (err) {
    await proc.stop('SIGKILL');
    await rm(repo, { recursive: true, force: true });
    throw err;
  }
  return {
    apiUrl,
    repo,
    pid: proc.pid,
    stop: async () => {
      await proc.stop('SIGTERM', 5000);
      await rm(repo, { recursive: true, force: true });
    },
  };
}

/** One node of a private swarm the test started: its API and its peer id. */
export interface SwarmNode extends KuboDaemon {
  peerId: string;
}

/**
 * Starts `count` Kubo nodes on loopback in a private swarm, as the consortium runs them: one swarm key (generated
 * here), LIBP2P_FORCE_PNET=1, no bootstrap, no DHT (Routing none), each node peering with the others only.
 * Resolves once every node is connected to every other.
 */
export async function startKuboSwarm(count: number): Promise<{ nodes: SwarmNode[]; stop(): Promise<void> }> {
  await access(IPFS_BIN).catch(() => {
    throw new Error(`no Kubo binary at ${IPFS_BIN}: run npm run network:install`);
  });
  const { randomBytes } = await import('node:crypto');
  const { writeFile } = await import('node:fs/promises');
  const swarmKey = `/key/swarm/psk/1.0.0/\n/base16/\n${randomBytes(32).toString('hex')}\n`;
  const prepared: { repo: string; env: NodeJS.ProcessEnv; apiPort: number; swarmPort: number; peerId: string }[] = [];
  const started: SwarmNode[] = [];
  const stop = async () => {
    await Promise.all(started.map((n) => n.stop()));
    await Promise.all(prepared.map((p) => rm(p.repo, { recursive: true, force: true })));
  };
  try {
    for (let i = 0; i < count; i++) {
      const repo = await mkdtemp(path.join(tmpdir(), 'careledger-swarm-'));
      const env = { ...process.env, IPFS_PATH: repo, LIBP2P_FORCE_PNET: '1', IPFS_TELEMETRY: 'off' };
      await run(IPFS_BIN, ['init', '--profile=test'], { env });
      const [apiPort, swarmPort] = [await freePort(), await freePort()];
      await run(IPFS_BIN, ['config', 'Addresses.API', `/ip4/127.0.0.1/tcp/${apiPort}`], { env });
      await run(IPFS_BIN, ['config', 'Addresses.Gateway', '/ip4/127.0.0.1/tcp/0'], { env });
      await run(IPFS_BIN, ['config', '--json', 'Addresses.Swarm', JSON.stringify([`/ip4/127.0.0.1/tcp/${swarmPort}`])], { env });
      await run(IPFS_BIN, ['config', 'Routing.Type', 'none'], { env });
      await run(IPFS_BIN, ['bootstrap', 'rm', '--all'], { env });
      await writeFile(path.join(repo, 'swarm.key'), swarmKey, { mode: 0o600 });
      const peerId = (await run(IPFS_BIN, ['config', 'Identity.PeerID'], { env })).stdout.trim();
      prepared.push({ repo, env, apiPort, swarmPort, peerId });
    }
    for (const node of prepared) {
      const others = prepared.filter((o) => o !== node).map((o) => ({ ID: o.peerId, Addrs: [`/ip4/127.0.0.1/tcp/${o.swarmPort}`] }));
      await run(IPFS_BIN, ['config', '--json', 'Peering.Peers', JSON.stringify(others)], { env: node.env });
    }
    for (const node of prepared) {
      const proc = startDetached(IPFS_BIN, ['daemon', '--migrate=false'], { env: node.env });
      started.push({
        apiUrl: `http://127.0.0.1:${node.apiPort}/api/v0`,
        repo: node.repo,
        pid: proc.pid,
        peerId: node.peerId,
        stop: () => proc.stop('SIGTERM', 5000),
      });
      await waitForHttp(`http://127.0.0.1:${node.apiPort}/api/v0/version`, proc, 'Kubo', 30_000, 'POST');
    }
    const deadline = Date.now() + 30_000;
    for (const node of started) {
      for (;;) {
        const res = await fetch(`${node.apiUrl}/swarm/peers`, { method: 'POST' });
        const peers = ((await res.json()) as { Peers: { Peer: string }[] | null }).Peers ?? [];
        if (started.every((o) => o === node || peers.some((p) => p.Peer === o.peerId))) break;
        if (Date.now() > deadline) throw new Error('the Kubo nodes of the test swarm did not connect to each other');
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { nodes: started, stop };
}
