/** What the gateway says about signing in (`GET /portal-config.json`). */
export type SignInConfig =
  | { kind: 'development' }
  | { kind: 'firebase'; apiKey: string; projectId: string; authDomain?: string; emulatorUrl?: string };

/** Reads the portal settings the gateway serves next to index.html. */
export async function loadPortalConfig(): Promise<{ signIn: SignInConfig }> {
  const response = await fetch('/portal-config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`portal settings: HTTP ${response.status}`);
  return (await response.json()) as { signIn: SignInConfig };
}
