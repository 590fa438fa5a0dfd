import { useSyncExternalStore } from 'react';

/** Who is signed in: the token and the registry entry it maps to. */
export interface Session {
  token: string;
  userId: string;
  role: 'patient' | 'practitioner' | 'admin';
  homeOrg: string;
  /** How the user signed in (development tokens or Firebase). */
  method: 'development' | 'firebase';
}

// sessionStorage only: the token dies with the tab and is never written to localStorage.
const KEY = 'careledger.session';
const listeners = new Set<() => void>();
let cached: Session | null | undefined;

function read(): Session | null {
  if (cached === undefined) {
    try {
      const raw = sessionStorage.getItem(KEY);
      cached = raw ? (JSON.parse(raw) as Session) : null;
    } catch {
      cached = null;
    }
  }
  return cached;
}

/** The current bearer token, if anyone is signed in. */
export function currentToken(): string | undefined {
  return read()?.token;
}

/** Replaces the session (null signs out) and tells every subscriber. */
export function setSession(session: Session | null): void {
  cached = session;
  if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
  else sessionStorage.removeItem(KEY);
  for (const listener of listeners) listener();
}

/** Updates the token only (a refreshed Firebase ID token). */
export function setToken(token: string): void {
  const session = read();
  if (session) setSession({ ...session, token });
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The session as React state. */
export function useSession(): Session | null {
  return useSyncExternalStore(subscribe, read, () => null);
}
