/**
 * `npm run keys:migrate [-- --admin <userId>]`: moves every data key the gateway's org(s) wrapped before
 * patient keys existed into patient custody, so that erasure shreds those records too. Runs on the configured
 * profile (stop the gateway first on the embedded profile: the data dir is locked while it runs). Safe to run
 * again: keys already in patient custody are left alone. The acting user is each org's seeded admin unless
 * `--admin` names another admin of the (single) org.
 */
process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'CRITICAL';

const { parseArgs } = await import('node:util');
const { loadConfig } = await import('../config.js');
const { createLogger } = await import('../logger.js');
const { seedAdminId } = await import('../services/registry-service.js');

const { values } = parseArgs({ options: { admin: { type: 'string' } } });
const config = loadConfig();
const log = createLogger(config.logLevel);
const gateway =
  config.profile === 'network'
    ? await (await import('../network-gateway.js')).openNetworkGateway(config, log, { follow: false })
    : await (await import('../embedded-gateway.js')).openEmbeddedGateway(config, log, { follow: false });
try {
  if (values.admin && config.orgs.length !== 1) throw new Error('--admin needs a gateway for a single org (CARELEDGER_ORG)');
  for (const org of config.orgs) {
    const admin = { userId: values.admin ?? seedAdminId(org), org: org.mspId, role: 'admin' as const };
    const { examined, rewrapped } = await gateway.custody.migrate(admin);
    process.stdout.write(`${org.name}: ${rewrapped} of ${examined} data keys moved into patient custody\n`);
  }
  // The replaced copies (wrapped with the org's key) leave the stores this gateway runs.
  const unfinished = await gateway.reclaim();
  if (unfinished.length > 0) process.stdout.write(`not compacted in time: ${unfinished.join(', ')}\n`);
} finally {
  await gateway.close();
}
