import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

/** Where `npm run network:up` writes the connection profile (relative to the repository root). */
export const DEFAULT_CONNECTION_FILE = 'network/.state/connection.json';

/** The connection profile's absolute path: CARELEDGER_NETWORK_CONNECTION, else the default. */
export function connectionFileFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.CARELEDGER_NETWORK_CONNECTION ?? DEFAULT_CONNECTION_FILE);
}

const organization = z.object({
  name: z.string().min(1),
  mspId: z.string().min(1),
  peerEndpoint: z.string().min(1),
  peerHostAlias: z.string().min(1),
  tlsCaCertPath: z.string().min(1),
  clientCertPath: z.string().min(1),
  clientKeyPath: z.string().min(1),
});

const schema = z.object({
  channel: z.string().min(1),
  chaincode: z.string().min(1),
  organizations: z.record(z.string(), organization),
  kubo: z.object({ apiUrl: z.string().min(1) }),
  firestore: z.object({ projectId: z.string().min(1), emulatorHost: z.string().min(1).optional() }),
  auth: z.object({ projectId: z.string().min(1), emulatorHost: z.string().min(1).optional() }).optional(),
});

/** One org of the connection profile: its peer and the client identity the org's gateway signs with. */
export type NetworkOrganization = z.infer<typeof organization>;

/**
 * The connection profile `npm run network:up` writes to `network/.state/connection.json` (format in
 * network/README.md): channel, chaincode, each org's peer and client identity, Kubo and the emulators.
 * Only the fields the gateway uses are checked; the admin identities in the file are never read here.
 */
export type NetworkConnection = z.infer<typeof schema>;

/** Reads and validates a connection profile; the message names the file and what is wrong with it. */
export async function readNetworkConnection(file: string): Promise<NetworkConnection> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`no network connection profile at ${file}: start the network (npm run network:up) or set CARELEDGER_NETWORK_CONNECTION`);
    }
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`the network connection profile ${file} is not JSON`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`the network connection profile ${file} is not usable: ${problems}`);
  }
  return parsed.data;
}

/** The org of the profile with that registry name (`hospital-a`) or MSP id; throws naming the known ones. */
export function organizationOf(connection: NetworkConnection, org: string): NetworkOrganization {
  const found = Object.values(connection.organizations).find((o) => o.name === org || o.mspId === org);
  if (!found) {
    const known = Object.values(connection.organizations).map((o) => o.name).join(', ');
    throw new Error(`the network connection profile has no org '${org}' (it has: ${known})`);
  }
  return found;
}
