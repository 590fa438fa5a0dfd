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
