// Silence the shim's per-transaction error logging before the chaincode loads: its messages can quote
// private transient input (measured in the embedded ledger's tests).
process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'CRITICAL';
process.env.SCARF_ANALYTICS ??= 'false';

import { readFile } from 'node:fs/promises';
import { loadConfig } from './config.js';
import { createLogger } from './logger.js';

/** Wires the configured profile, serves the API, and shuts down cleanly on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  if (config.profile !== 'embedded') throw new Error("the network profile is not wired yet: use CARELEDGER_PROFILE=embedded");
  // Imported after the env above is set: fabric-contract-api reads its log level at load time.
  const { openEmbeddedGateway } = await import('./embedded-gateway.js');
  const { createApp } = await import('./http/app.js');
  const openapi = JSON.parse(await readFile(new URL('../../openapi/openapi.json', import.meta.url), 'utf8')) as object;
  const gateway = await openEmbeddedGateway(config, log);
  const app = createApp(gateway.services, { openapi, corsOrigins: config.corsOrigins, jsonLimit: config.jsonLimit, log });
  const server = app.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const base = `http://${config.host}:${port}`;
    log.info({ profile: config.profile, dataDir: config.dataDir }, 'CareLedger gateway ready');
    process.stdout.write(
      [
        '',
        `  CareLedger gateway (${config.profile} profile)`,
        `  API         ${base}/v1`,
        `  Swagger UI  ${base}/docs`,
        `  Data dir    ${config.dataDir}`,
        `  Get a token curl -s -X POST ${base}/v1/dev/tokens -H 'Content-Type: application/json' -d '{"userId":"hospital-a-admin"}'`,
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
