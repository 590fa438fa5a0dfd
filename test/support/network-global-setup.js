/**
 * Before `npm run test:network`: fails at once, with what to do, when the development network is not up
 * (instead of every suite timing out on its own).
 */
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

const file = path.resolve(process.env.CARELEDGER_NETWORK_CONNECTION ?? 'network/.state/connection.json');

function reachable(hostPort) {
  const [host, port] = hostPort.replace(/^https?:\/\//, '').replace(/\/.*$/, '').split(':');
  return new Promise((resolve) => {
    const socket = net.connect({ host, port: Number(port), timeout: 3000 });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

export default async function networkGlobalSetup() {
  let connection;
  try {
    connection = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    throw new Error(`\n\n  The network is not up (no ${file}).\n  Start it first: npm run network:up   (then npm run test:network; npm run network:down when done)\n`);
  }
  const endpoints = {
    ...Object.fromEntries(Object.values(connection.organizations ?? {}).map((o) => [`peer of ${o.mspId}`, o.peerEndpoint])),
    'Kubo RPC API': connection.kubo?.apiUrl,
    'Firestore emulator': connection.firestore?.emulatorHost,
    'Firebase Auth emulator': connection.auth?.emulatorHost,
  };
  const down = [];
  for (const [name, endpoint] of Object.entries(endpoints)) {
    if (!endpoint || !(await reachable(endpoint))) down.push(`${name} (${endpoint ?? 'not in the connection profile'})`);
  }
  if (down.length > 0) {
    throw new Error(`\n\n  The network is not fully up; not answering: ${down.join(', ')}.\n  Restart it: npm run network:down && npm run network:up\n`);
  }
}
