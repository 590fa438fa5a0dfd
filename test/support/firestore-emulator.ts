import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, startDetached, waitForHttp, waitUntilClosed } from './detached-process.js';

/** A running Firestore emulator: `host` is `127.0.0.1:<port>`, the value for `FIRESTORE_EMULATOR_HOST`. */
export interface FirestoreEmulator {
  host: string;
  /** Milliseconds from spawn until the emulator answered HTTP. */
  startupMs: number;
  /** Stops the launcher and its java process (the whole process group) and waits until the port is free. */
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 60_000;

/** The Google Cloud CLI's installation root (works offline). */
async function gcloudSdkRoot(): Promise<string> {
  const { stdout } = await promisify(execFile)('gcloud', ['info', '--format=value(installation.sdk_root)'], {
    timeout: 30_000,
    env: { ...process.env, CLOUDSDK_CORE_DISABLE_PROMPTS: '1' },
  });
  const root = stdout.trim();
  if (root === '') throw new Error('gcloud info printed no installation.sdk_root');
  return root;
}

/**
 * Starts the Cloud Firestore emulator from the Google Cloud CLI on a free port of 127.0.0.1, in its own
 * process group, and resolves once it answers. Rejects (never skips) when it cannot start: the caller's
 * test must fail. Each call is a fresh, empty emulator.
 */
export async function startFirestoreEmulator(): Promise<FirestoreEmulator> {
  const launcher = join(
    await gcloudSdkRoot(),
    'platform',
    'cloud-firestore-emulator',
    'cloud_firestore_emulator',
  );
  await access(launcher).catch(() => {
    throw new Error(
      `Firestore emulator not installed at ${launcher} (gcloud component cloud-firestore-emulator)`,
    );
  });
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const started = performance.now();
  const proc = startDetached(launcher, ['--host=127.0.0.1', `--port=${port}`]);
  try {
    await waitForHttp(`http://${host}/`, proc, 'Firestore emulator', START_TIMEOUT_MS);
  } catch (err) {
    await proc.stop('SIGKILL');
    throw err;
  }
  const startupMs = Math.round(performance.now() - started);
  return {
    host,
    startupMs,
    stop: async () => {
      await proc.stop('SIGTERM');
      await waitUntilClosed(`http://${host}/`);
    },
  };
}
