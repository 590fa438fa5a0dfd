/**
 * `npm run projection:rebuild`: drops the permission store and rebuilds it from the ledger's events
 * (embedded profile; stop the gateway first — the data dir is locked while it runs).
 */
process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'CRITICAL';

const { loadConfig } = await import('../config.js');
const { createLogger } = await import('../logger.js');
const { openEmbeddedGateway } = await import('../embedded-gateway.js');

const config = loadConfig();
const log = createLogger(config.logLevel);
const gateway = await openEmbeddedGateway(config, log, { follow: false });
try {
  const applied = await gateway.projector.rebuild();
  process.stdout.write(`permission store rebuilt from ${applied} ledger events (${config.dataDir})\n`);
} finally {
  await gateway.close();
}
