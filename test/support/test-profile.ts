/**
 * Which profile the cross-component suites run on: `embedded` (default, `npm test`) or `network`
 * (`CARELEDGER_TEST_PROFILE=network`, `npm run test:network`: real Fabric peers, Kubo, Firestore and Firebase
 * Auth emulators). The same suites run on both; the few cases that need something only the embedded
 * profile has are declared with the helpers below, which name the reason in the test's title and do not
 * register the case at all on the network profile (it is neither run nor reported as skipped).
 */
export type TestProfile = 'embedded' | 'network';

export const TEST_PROFILE: TestProfile = process.env.CARELEDGER_TEST_PROFILE === 'network' ? 'network' : 'embedded';

export const onNetwork = TEST_PROFILE === 'network';

/** Why a case needs the embedded profile: said in its title. */
export type EmbeddedOnlyReason =
  | 'moves the ledger clock'
  | 'edits the embedded blockstore on disk'
  | 'reads the embedded stores on disk'
  | 'injects a ledger failure'
  | 'injects a blob-store failure'
  | 'runs the embedded gateway process with dev tokens'
  | 'records what the gateway submits';

const title = (name: string, why: EmbeddedOnlyReason) => `${name} [embedded only: ${why}]`;

/** A describe block that exists only on the embedded profile. */
export function describeEmbeddedOnly(name: string, why: EmbeddedOnlyReason, body: () => void): void {
  if (!onNetwork) describe(title(name, why), body);
}

/** A test that exists only on the embedded profile. */
export function itEmbeddedOnly(name: string, why: EmbeddedOnlyReason, body: () => Promise<unknown>, timeout?: number): void {
  if (!onNetwork) it(title(name, why), body, timeout);
}
