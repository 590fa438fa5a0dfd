import { randomUUID } from 'node:crypto';
import { initializeApp, type Credential } from 'firebase-admin/app';
import { getFirestore, type Firestore } from 'firebase-admin/firestore';

/** Which Firestore {@link createFirestore} connects to. */
export interface CreateFirestoreOptions {
  /** The Firebase / Google Cloud project. */
  projectId: string;
  /**
   * `host:port` of a Firestore emulator. Without it the client talks to Google's Firestore with the given
   * credential (or application default credentials). `FIRESTORE_EMULATOR_HOST`, when set, wins over both.
   */
  emulatorHost?: string;
  /** Service-account or other firebase-admin credential; default: application default credentials. */
  credential?: Credential;
}

/**
 * A Firestore client in its own named firebase-admin app (never the global default app), so that several
 * clients (tests, projects) can live in one process. Creating it makes no network call.
 */
export function createFirestore(options: CreateFirestoreOptions): Firestore {
  if (typeof options.projectId !== 'string' || options.projectId === '') {
    throw new TypeError('projectId must be a non-empty string');
  }
  const app = initializeApp(
    {
      projectId: options.projectId,
      ...(options.credential === undefined ? {} : { credential: options.credential }),
    },
    `careledger-firestore-${randomUUID()}`,
  );
  const firestore = getFirestore(app);
  if (options.emulatorHost !== undefined) {
    // ssl: false also makes the client send the emulator's admin token ("Bearer owner").
    firestore.settings({ host: options.emulatorHost, ssl: false });
  }
  return firestore;
}
