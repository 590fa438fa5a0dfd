import { randomUUID } from 'node:crypto';
import { initializeApp, type Credential } from 'firebase-admin/app';
import type { Auth } from 'firebase-admin/auth';

/** Which Firebase project {@link createFirebaseAuth} verifies tokens for. */
export interface CreateFirebaseAuthOptions {
  /** The Firebase project: ID tokens must name it as audience and issuer. */
  projectId: string;
  /** Credential for the revocation check's Auth API call; default: application default credentials. */
  credential?: Credential;
}

/**
 * A firebase-admin Auth in its own named app (never the global default app). firebase-admin has no per-app
 * emulator setting: it reads `FIREBASE_AUTH_EMULATOR_HOST` here, once, which is why `FirebaseAuthenticator`
 * refuses an emulated Auth unless told otherwise. Creating it makes no network call.
 */
export async function createFirebaseAuth(options: CreateFirebaseAuthOptions): Promise<Auth> {
  if (typeof options.projectId !== 'string' || options.projectId === '') {
    throw new TypeError('projectId must be a non-empty string');
  }
  const app = initializeApp(
    {
      projectId: options.projectId,
      ...(options.credential === undefined ? {} : { credential: options.credential }),
    },
    `careledger-auth-${randomUUID()}`,
  );
  // Loaded on first use: firebase-admin/auth require()s jose, which is ESM-only. Node allows that, but jest's
  // ESM runtime refuses it ("require(esm) in a cycle") when jose is also in the test's static import graph
  // (the dev authenticator, this folder's authenticator): a dynamic import keeps every graph loadable.
  const { getAuth } = await import('firebase-admin/auth');
  return getAuth(app);
}
