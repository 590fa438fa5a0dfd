import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort, startDetached, waitForHttp, waitUntilClosed } from './detached-process.js';

/** A running Firebase Auth emulator: `host` (`127.0.0.1:<port>`) is the value for `FIREBASE_AUTH_EMULATOR_HOST`. */
export interface FirebaseAuthEmulator {
  host: string;
  projectId: string;
  /** Milliseconds from spawn until the emulator answered HTTP. */
  startupMs: number;
  /** Stops the CLI and its emulators (the whole process group), waits until the port is free, removes the temp dir. */
  stop(): Promise<void>;
}

/** A demo- project: the CLI runs it offline, without credentials, and refuses to reach real services for it. */
export const AUTH_EMULATOR_PROJECT = 'demo-careledger';

/** Firebase's emulator accepts any API key; clients still have to send one. */
export const AUTH_EMULATOR_API_KEY = 'fake-api-key';

const START_TIMEOUT_MS = 90_000;

/** The firebase CLI's entry script from the firebase-tools devDependency. */
async function firebaseCli(): Promise<string> {
  let packageJson: string;
  try {
    packageJson = createRequire(import.meta.url).resolve('firebase-tools/package.json');
  } catch {
    throw new Error('firebase-tools is not installed: run npm ci at the repository root');
  }
  const cli = join(dirname(packageJson), 'lib', 'bin', 'firebase.js');
  await access(cli);
  return cli;
}

/**
 * Starts the Firebase Auth emulator (firebase-tools, offline) in a temp dir with a generated firebase.json
 * (auth only, UI off, single project, hub and logging on free ports too), in its own process group, and
 * resolves once it answers. Rejects (never skips) when it cannot start: the caller's test must fail.
 */
export async function startFirebaseAuthEmulator(): Promise<FirebaseAuthEmulator> {
  const cli = await firebaseCli();
  const dir = await mkdtemp(join(tmpdir(), 'careledger-auth-emulator-'));
  const [authPort, hubPort, loggingPort] = [await freePort(), await freePort(), await freePort()];
  const host = `127.0.0.1:${authPort}`;
  const config = {
    emulators: {
      auth: { host: '127.0.0.1', port: authPort },
      hub: { host: '127.0.0.1', port: hubPort },
      logging: { host: '127.0.0.1', port: loggingPort },
      ui: { enabled: false },
      singleProjectMode: true,
    },
  };
  await writeFile(join(dir, 'firebase.json'), `${JSON.stringify(config, null, 2)}\n`);

  const started = performance.now();
  const proc = startDetached(
    // The Node running the tests (Node 24 from the `node` devDependency) also runs the CLI.
    process.execPath,
    [cli, 'emulators:start', '--only', 'auth', '--project', AUTH_EMULATOR_PROJECT, '--non-interactive'],
    {
      cwd: dir,
      env: {
        ...process.env,
        // The CLI writes its hub locator file under TMPDIR and its settings under XDG_CONFIG_HOME: keep both
        // in the temp dir. CI / NO_UPDATE_NOTIFIER stop the update check and the message-of-the-day fetch.
        TMPDIR: dir,
        XDG_CONFIG_HOME: join(dir, 'config'),
        CI: 'true',
        NO_UPDATE_NOTIFIER: '1',
        FIREBASE_AUTH_EMULATOR_HOST: '',
      },
    },
  );
  const cleanUp = async (signal: NodeJS.Signals): Promise<void> => {
    await proc.stop(signal);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForHttp(`http://${host}/`, proc, 'Firebase Auth emulator', START_TIMEOUT_MS);
  } catch (err) {
    await cleanUp('SIGKILL');
    throw err;
  }
  const startupMs = Math.round(performance.now() - started);
  return {
    host,
    projectId: AUTH_EMULATOR_PROJECT,
    startupMs,
    stop: async () => {
      // SIGINT is the CLI's orderly shutdown (it stops each emulator and removes its locator file).
      await cleanUp('SIGINT');
      await waitUntilClosed(`http://${host}/`);
    },
  };
}

/** An account made through the emulator's REST API, with a fresh ID token. */
export interface EmulatorUser {
  uid: string;
  idToken: string;
}

/** Creates an email/password account on the emulator (`accounts:signUp`) and returns its uid and ID token. */
export async function signUpOnEmulator(host: string, email: string, password: string): Promise<EmulatorUser> {
  const body = await identityToolkit(host, 'accounts:signUp', { email, password, returnSecureToken: true });
  return { uid: String(body.localId), idToken: String(body.idToken) };
}

/** Signs an existing account in (`accounts:signInWithPassword`) and returns a fresh ID token. */
export async function signInOnEmulator(host: string, email: string, password: string): Promise<EmulatorUser> {
  const body = await identityToolkit(host, 'accounts:signInWithPassword', {
    email,
    password,
    returnSecureToken: true,
  });
  return { uid: String(body.localId), idToken: String(body.idToken) };
}

async function identityToolkit(
  host: string,
  method: string,
  payload: object,
): Promise<Record<string, unknown>> {
  const response = await fetch(
    `http://${host}/identitytoolkit.googleapis.com/v1/${method}?key=${AUTH_EMULATOR_API_KEY}`,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) },
  );
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok)
    throw new Error(`${method} failed with HTTP ${response.status}: ${JSON.stringify(body.error)}`);
  return body;
}
