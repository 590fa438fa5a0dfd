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
import { strings } from '../i18n/strings';
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

/** A refused sign-in, in words a user understands (the SDK's own messages read "Firebase: Error (auth/…)"). */
export class SignInError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'SignInError';
  }
}

function plainWords(code: string): string {
  switch (code) {
    case 'auth/invalid-credential':
    case 'auth/invalid-login-credentials':
    case 'auth/wrong-password':
    case 'auth/user-not-found':
    case 'auth/invalid-email':
      // One message for an unknown email and a wrong password: the form does not tell which accounts exist.
      return strings.signIn.wrongCredentials;
    case 'auth/user-disabled':
      return strings.signIn.accountDisabled;
    case 'auth/too-many-requests':
      return strings.signIn.tooManyAttempts;
    case 'auth/network-request-failed':
    case 'auth/timeout':
      return strings.signIn.serviceUnreachable;
    default:
      return strings.signIn.otherFailure(code);
  }
}

/** Signs in with email and password and returns the Firebase ID token the gateway verifies. */
export async function firebaseSignIn(
  config: Extract<SignInConfig, { kind: 'firebase' }>,
  email: string,
  password: string,
): Promise<string> {
  try {
    const credential = await signInWithEmailAndPassword(authFor(config), email, password);
    return await credential.user.getIdToken();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('auth/')) throw new SignInError(plainWords(code), code);
    throw error;
  }
}

/** Signs out of Firebase too (the portal's own session is cleared by the caller). */
export async function firebaseSignOut(): Promise<void> {
  if (auth) await signOut(auth);
}
