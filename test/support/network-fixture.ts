/**
 * What the network-profile tests need from the running development network (`npm run network:up`): its
 * connection profile, fresh chaincode namespaces, and Firebase Auth emulator ID tokens for any user id.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { emulatorIdToken as idTokenFrom } from '../../gateway/src/adapters/firebase-auth/emulator-id-token.js';
import { connectionFileFromEnv, readNetworkConnection, type NetworkConnection } from '../../gateway/src/network-connection.js';

const run = promisify(execFile);

/** The connection profile the tests use (the network's, unless CARELEDGER_NETWORK_CONNECTION names another). */
export const CONNECTION_FILE = connectionFileFromEnv();

let connection: Promise<NetworkConnection> | undefined;

/** The running network's connection profile; fails with what to do when the network is not up. */
export function networkConnection(): Promise<NetworkConnection> {
  connection ??= readNetworkConnection(CONNECTION_FILE).catch((error: unknown) => {
    connection = undefined;
    throw new Error(`the network is not up (${error instanceof Error ? error.message : String(error)}): run npm run network:up first`);
  });
  return connection;
}

let namespaces = 0;

/** A name no other test, worker or earlier run on this network has used. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${++namespaces}-${randomBytes(3).toString('hex')}`;
}

/**
 * Commits the deployed chaincode under a fresh name (network/define-chaincode.sh, ~1 s): an empty ledger
 * namespace on the real channel, so that a test's fixed ids (pat-1, hospital-a-admin) never meet another
 * test's on the shared network.
 */
export async function freshChaincodeNamespace(): Promise<string> {
  await networkConnection();
  const name = uniqueName('t');
  try {
    await run('bash', [path.resolve('network/define-chaincode.sh'), name], { timeout: 60_000 });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`could not define chaincode namespace ${name}: ${stderr.trim() || String(error)}`);
  }
  return name;
}

/** `host:port` of the network's Firebase Auth emulator. */
export async function authEmulatorHost(): Promise<string> {
  const host = (await networkConnection()).auth?.emulatorHost;
  if (!host) throw new Error(`${CONNECTION_FILE} names no Firebase Auth emulator: restart the network (npm run network:down && npm run network:up)`);
  return host;
}

/** An ID token for `uid` from the network's Firebase Auth emulator (gateway/src/adapters/firebase-auth/emulator-id-token.ts). */
export async function emulatorIdToken(uid: string): Promise<string> {
  return idTokenFrom(await authEmulatorHost(), uid);
}
