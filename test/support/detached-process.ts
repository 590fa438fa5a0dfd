import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A child process started in its own process group, with the tail of its output kept for error messages. */
export interface DetachedProcess {
  pid: number;
  /** Resolves with the exit code (or signal) of the group leader. */
  exited: Promise<string>;
  /** Whether the group leader has exited. */
  hasExited(): boolean;
  /** The last few KiB of stdout and stderr. */
  output(): string;
  /**
   * Sends `signal` to the whole group and waits until no process of the group is left, then SIGKILLs what
   * remains after `graceMs`. Launchers (a shell script starting java, the firebase CLI starting emulators)
   * leave their children running when only the leader is killed.
   */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

const OUTPUT_TAIL = 8 * 1024;

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP port assigned');
  return address.port;
}

/** Starts `command` detached (setsid: a new session and process group), output piped into a bounded tail. */
export function startDetached(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): DetachedProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exitedFlag = false;
  const exited = new Promise<string>((resolve) => {
    child.once('error', (err) => {
      exitedFlag = true;
      keep(Buffer.from(`\n[spawn error] ${err.message}\n`));
      resolve(`spawn error: ${err.message}`);
    });
    child.once('exit', (code, signal) => {
      exitedFlag = true;
      resolve(signal === null ? `exit code ${String(code)}` : `signal ${signal}`);
    });
  });
  const pid = child.pid;
  if (pid === undefined) {
    // spawn failed synchronously (e.g. ENOENT); 'error' follows and fills `exited`.
    return {
      pid: -1,
      exited,
      hasExited: () => true,
      output: () => tail,
      stop: async () => {
        await exited;
      },
    };
  }

  const groupAlive = (): boolean => {
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is already gone.
    }
  };

  let stopping: Promise<void> | undefined;
  const stop = (signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> => {
    stopping ??= (async () => {
      signalGroup(signal);
      const deadline = Date.now() + graceMs;
      while (groupAlive() && Date.now() < deadline) await sleep(50);
      if (groupAlive()) {
        signalGroup('SIGKILL');
        while (groupAlive()) await sleep(50);
      }
      await exited;
      child.stdout.destroy();
      child.stderr.destroy();
    })();
    return stopping;
  };

  return { pid, exited, hasExited: () => exitedFlag, output: () => tail, stop };
}

/**
 * Polls `url` until it answers with a 2xx status. Throws (with the process's output) when the process exits
 * first or `timeoutMs` passes; the caller stops the process.
 */
export async function waitForHttp(
  url: string,
  proc: DetachedProcess,
  what: string,
  timeoutMs: number,
  method: 'GET' | 'POST' = 'GET',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.hasExited()) {
      throw new Error(`${what} exited before it answered (${await proc.exited}):\n${proc.output()}`);
    }
    try {
      const response = await fetch(url, { method, signal: AbortSignal.timeout(1000) });
      await response.body?.cancel();
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      throw new Error(`${what} did not answer at ${url} within ${timeoutMs} ms:\n${proc.output()}`);
    }
    await sleep(100);
  }
}

/** Polls until nothing accepts connections on `url` (the port is free for the next test run). */
export async function waitUntilClosed(url: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(500) });
      await response.body?.cancel();
    } catch {
      return;
    }
    await sleep(100);
  }
  throw new Error(`${url} still answers after the emulator was stopped`);
}
