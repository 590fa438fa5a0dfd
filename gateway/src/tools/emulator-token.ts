/**
 * `npm run token:emulator -- <userId>`: prints a Firebase Auth emulator ID token for a user id, for curl,
 * Postman's network environments and benchmarks on the development network (`npm run network:up`). The
 * emulator is the one named by FIREBASE_AUTH_EMULATOR_HOST, else by the connection profile
 * (CARELEDGER_NETWORK_CONNECTION, default network/.state/connection.json). The token lasts an hour.
 */
import { emulatorIdToken } from '../adapters/firebase-auth/emulator-id-token.js';
import { connectionFileFromEnv, readNetworkConnection } from '../network-connection.js';

const userId = process.argv[2];
if (!userId || process.argv.length > 3) {
  process.stderr.write('usage: npm run token:emulator -- <userId>\n');
  process.exit(2);
}
try {
  const host = process.env.FIREBASE_AUTH_EMULATOR_HOST || (await readNetworkConnection(connectionFileFromEnv())).auth?.emulatorHost;
  if (!host) throw new Error('the connection profile names no Firebase Auth emulator');
  process.stdout.write(`${await emulatorIdToken(host, userId)}\n`);
} catch (error) {
  process.stderr.write(`no token: ${error instanceof Error ? error.message : String(error)} (is the network up? npm run network:up)\n`);
  process.exit(1);
}
