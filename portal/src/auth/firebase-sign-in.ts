import { initializeApp } from 'firebase/app';
import {
  connectAuthEmulator,
  initializeAuth,
  inMemoryPersistence,
  onIdTokenChanged,
  signInWithEmailAndPassword,
  signOut,
  type Auth,
} from 'firebase/auth';
import type { SignInConfig } from './portal-config';
import { setToken } from './session';

let auth: Auth | undefined;

function authFor(config: Extract<SignInConfig, { kind: 'firebase' }>): Auth {
  if (!auth) {
    const app = initializeApp({
      apiKey: config.apiKey,
      projectId: config.projectId,
      authDomain: config.authDomain,
    });
    // In memory only: the SDK's default keeps the user in IndexedDB, which outlives the tab.
    auth = initializeAuth(app, { persistence: inMemoryPersistence });
    if (config.emulatorUrl) connectAuthEmulator(auth, config.emulatorUrl, { disableWarnings: true });
    // The SDK refreshes the hour-long ID token; the session follows it.
    onIdTokenChanged(auth, (user) => {
      if (user) void user.getIdToken().then(setToken);
    });
  }
  return auth;
}

/** Signs in with email and password and returns the Firebase ID token the gateway verifies. */
export async function firebaseSignIn(
  config: Extract<SignInConfig, { kind: 'firebase' }>,
  email: string,
  password: string,
): Promise<string> {
  const credential = await signInWithEmailAndPassword(authFor(config), email, password);
  return credential.user.getIdToken();
}

/** Signs out of Firebase too (the portal's own session is cleared by the caller). */
export async function firebaseSignOut(): Promise<void> {
  if (auth) await signOut(auth);
}
