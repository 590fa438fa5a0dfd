/** Who a verified bearer token speaks for. Roles and org come from the ledger registry, not from here. */
export interface AuthenticatedSubject {
  userId: string;
}

/** Verifies bearer tokens (dev issuer on the embedded profile, Firebase Auth on the network profile). */
export interface Authenticator {
  /** Throws when the token is missing, malformed, expired or not signed by the trusted issuer. */
  verify(token: string): Promise<AuthenticatedSubject>;
  ready(): Promise<void>;
}

/** Why a token was refused: safe to log and to count, never the token or its claims. */
export type AuthFailure = 'missing' | 'malformed' | 'expired' | 'invalid';

/** A refused bearer token (the HTTP layer answers 401). Carries no token contents, not even as a cause. */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  readonly code = 'UNAUTHENTICATED';
  constructor(readonly reason: AuthFailure) {
    super(`bearer token refused: ${reason}`);
  }
}
