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
