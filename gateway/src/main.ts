// Silence the shim's per-transaction error logging before the chaincode loads: its messages can quote
// private transient input (measured in the embedded ledger's tests).
process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'CRITICAL';
process.env.SCARF_ANALYTICS ??= 'false';

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from './config.js';
import { createLogger } from './logger.js';
import type { PortalSignIn } from './http/portal-static.js';

/**
 * Command-line options override their variables: `--org hospital-a` selects the org (and with it the network
 * profile), `--profile network|embedded` the profile.
 */
function environment(argv: string[]): NodeJS.ProcessEnv {
  const { values } = parseArgs({ args: argv, options: { org: { type: 'string' }, profile: { type: 'string' } }, strict: true });
  return {
    ...process.env,
    ...(values.org === undefined ? {} : { CARELEDGER_ORG: values.org, CARELEDGER_PROFILE: values.profile ?? 'network' }),
    ...(values.profile === undefined ? {} : { CARELEDGER_PROFILE: values.profile }),
  };
}

/** What the banner says about tokens. */
function tokenHint(config: Config, base: string): string {
  if (config.profile === 'embedded') {
    return `  Get a token curl -s -X POST ${base}/v1/dev/tokens -H 'Content-Type: application/json' -d '{"userId":"hospital-a-admin"}'`;
  }
  const emulator = process.env.FIREBASE_AUTH_EMULATOR_HOST;
  return emulator && config.network?.authEmulator
    ? `  Tokens      Firebase Auth EMULATOR at ${emulator} (unsigned tokens: development only; see README "Tokens on the network profile")`
    : '  Tokens      Firebase Auth ID tokens (Authorization: Bearer <ID token>; uid = registry user id)';
}

/**
 * How the portal signs users in: development tokens on the embedded profile, Firebase Authentication (email
 * and password) on the network profile — against the Auth emulator when the gateway accepts its tokens.
 */
async function portalSignIn(config: Config): Promise<PortalSignIn> {
  if (!config.network) return { kind: 'development' };
  const { readNetworkConnection } = await import('./network-connection.js');
  const connection = await readNetworkConnection(config.network.connectionFile);
  const projectId = config.network.firebaseProject ?? connection.firestore.projectId;
  const emulatorHost = config.network.authEmulator ? (process.env.FIREBASE_AUTH_EMULATOR_HOST ?? connection.auth?.emulatorHost) : undefined;
  return {
    kind: 'firebase',
    projectId,
    // The emulator takes any API key; a real project's web API key is public by design.
    apiKey: config.network.firebaseWebApiKey ?? (emulatorHost ? 'emulator-api-key' : ''),
    ...(emulatorHost ? { emulatorUrl: `http://${emulatorHost}` } : {}),
  };
}

/** Wires the configured profile, serves the API, and shuts down cleanly on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const config = loadConfig(environment(process.argv.slice(2)));
  const log = createLogger(config.logLevel);
  // Imported after the env above is set: fabric-contract-api reads its log level at load time.
  const { createApp } = await import('./http/app.js');
  const openapi = JSON.parse(await readFile(new URL('../../openapi/openapi.json', import.meta.url), 'utf8')) as object;
  const gateway =
    config.profile === 'network'
      ? await (await import('./network-gateway.js')).openNetworkGateway(config, log)
      : await (await import('./embedded-gateway.js')).openEmbeddedGateway(config, log);
  const portal = { distDir: fileURLToPath(new URL('../../portal/dist', import.meta.url)), signIn: await portalSignIn(config) };
  const app = createApp(gateway.services, { openapi, corsOrigins: config.corsOrigins, jsonLimit: config.jsonLimit, publicUrl: config.publicUrl, log, portal });
  const server = app.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const base = `http://${config.host}:${port}`;
    const org = config.network ? ` for ${config.orgs.map((o) => `${o.name} (${o.mspId})`).join(', ') || config.network.org}` : '';
    log.info({ profile: config.profile, org: config.network?.org, dataDir: config.dataDir }, 'CareLedger gateway ready');
    process.stdout.write(
      [
        '',
        `  CareLedger gateway (${config.profile} profile${org})`,
        `  Portal      ${base}/`,
        `  API         ${base}/v1`,
        `  Swagger UI  ${base}/docs`,
        `  Data dir    ${config.dataDir}`,
        ...(config.network ? [`  Network     ${config.network.connectionFile}`] : []),
        tokenHint(config, base),
        '',
      ].join('\n') + '\n',
    );
  });
  // Uploads may take minutes; the request timeout must not cut them.
  server.requestTimeout = 0;
  const stop = async () => {
    log.info({}, 'shutting down');
    server.close();
    await gateway.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  process.stderr.write(`careledger: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
