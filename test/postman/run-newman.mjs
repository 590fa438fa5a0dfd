#!/usr/bin/env node
// Runs the Postman collection with newman (reporters: cli + junit at postman/results/junit.xml).
//
//   node test/postman/run-newman.mjs
//       starts the built embedded gateway (gateway/dist/main.js) on a free port with a fresh data dir, runs the
//       collection with postman/embedded.postman_environment.json (baseUrl overridden), stops the gateway
//       whatever happens (SIGTERM, SIGKILL after 5 s) and removes the data dir. Needs `npm run build` first.
//
//   node test/postman/run-newman.mjs --base-url URL [--environment FILE]
//   node test/postman/run-newman.mjs --environment FILE
//       runs against a gateway that is already running (e.g. the network profile) and starts nothing; the
//       environment defaults to the embedded one; --base-url overrides the environment's baseUrl.
//
// Exits 1 on any failed assertion, request error or run error, 2 on bad arguments.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import newman from 'newman';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const postmanDir = path.join(root, 'postman');
const collectionFile = path.join(postmanDir, 'careledger.postman_collection.json');
const resultsDir = path.join(postmanDir, 'results');
const junitFile = path.join(resultsDir, 'junit.xml');
const gatewayLogFile = path.join(resultsDir, 'gateway.log');
const gatewayMain = path.join(root, 'gateway/dist/main.js');
const STARTUP_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;

function usage(message) {
  console.error(
    `run-newman: ${message}\nusage: node test/postman/run-newman.mjs [--base-url URL] [--environment FILE]`,
  );
  process.exit(2);
}

let args;
try {
  args = parseArgs({
    options: { 'base-url': { type: 'string' }, environment: { type: 'string' } },
    strict: true,
  }).values;
} catch (error) {
  usage(error.message);
}
const external = args['base-url'] !== undefined || args.environment !== undefined;
const environmentFile = path.resolve(
  args.environment ?? path.join(postmanDir, 'embedded.postman_environment.json'),
);
if (!existsSync(environmentFile)) usage(`no environment file ${environmentFile}`);
if (args['base-url'] !== undefined && !/^https?:\/\/[^/]+/.test(args['base-url']))
  usage(`--base-url must be an http(s) URL, got ${args['base-url']}`);

/** Starts the embedded gateway; resolves with its base URL (without /v1) once it prints its API line. */
async function startGateway(dataDir) {
  if (!existsSync(gatewayMain))
    throw new Error(`${path.relative(root, gatewayMain)} is missing: run \`npm run build\` first`);
  const log = createWriteStream(gatewayLogFile);
  const child = spawn(process.execPath, [gatewayMain], {
    cwd: root,
    env: {
      ...process.env,
      CARELEDGER_PROFILE: 'embedded',
      CARELEDGER_PORT: '0',
      CARELEDGER_HOST: '127.0.0.1',
      CARELEDGER_DATA_DIR: dataDir,
      CARELEDGER_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  child.stderr.pipe(log, { end: false });
  const baseUrl = await new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () =>
        reject(
          new Error(
            `the gateway printed no API line within ${STARTUP_TIMEOUT_MS / 1000} s (see ${path.relative(root, gatewayLogFile)})`,
          ),
        ),
      STARTUP_TIMEOUT_MS,
    );
    child.stdout.on('data', (chunk) => {
      log.write(chunk);
      seen += chunk.toString('utf8');
      const match = /^\s*API\s+(http:\/\/127\.0\.0\.1:\d+)\/v1\s*$/m.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(
        new Error(
          `the gateway exited before listening (code ${code}, signal ${signal}); see ${path.relative(root, gatewayLogFile)}`,
        ),
      );
    });
  });
  return { child, exited, baseUrl, log };
}

/** SIGTERM, then SIGKILL after the grace period; resolves when the process is gone. */
async function stopGateway({ child, exited, log }) {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      console.error(`run-newman: the gateway ignored SIGTERM for ${STOP_GRACE_MS / 1000} s: SIGKILL`);
      child.kill('SIGKILL');
    }, STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }
  await new Promise((resolve) => log.end(resolve));
}

function runNewman(baseUrl) {
  const environment = JSON.parse(readFileSync(environmentFile, 'utf8'));
  return new Promise((resolve, reject) => {
    newman.run(
      {
        collection: JSON.parse(readFileSync(collectionFile, 'utf8')),
        environment,
        envVar: baseUrl ? [{ key: 'baseUrl', value: baseUrl }] : [],
        workingDir: postmanDir,
        insecureFileRead: false,
        reporters: ['cli', 'junit'],
        reporter: { junit: { export: junitFile } },
        timeoutRequest: 120_000,
        color: process.stdout.isTTY ? 'on' : 'off',
      },
      (error, summary) => (error ? reject(error) : resolve(summary)),
    );
  });
}

mkdirSync(resultsDir, { recursive: true });
const started = Date.now();
let gateway;
let dataDir;
let exitCode = 1;
// Ctrl-C / a CI timeout: still stop the gateway and remove the data dir (the finally below runs).
let interrupted = false;
const onSignal = (signal) => {
  if (interrupted) return;
  interrupted = true;
  console.error(`run-newman: ${signal}: stopping`);
  void cleanup().finally(() => process.exit(130));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

let cleaned;
function cleanup() {
  cleaned ??= (async () => {
    if (gateway)
      await stopGateway(gateway).catch((error) =>
        console.error(`run-newman: stopping the gateway: ${error.message}`),
      );
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  })();
  return cleaned;
}

try {
  let baseUrl = args['base-url']?.replace(/\/+$/, '');
  if (!external) {
    dataDir = await mkdtemp(path.join(tmpdir(), 'careledger-postman-'));
    gateway = await startGateway(dataDir);
    baseUrl = gateway.baseUrl;
    console.log(`run-newman: embedded gateway at ${baseUrl} (data dir ${dataDir})`);
  } else {
    console.log(
      `run-newman: against ${baseUrl ?? "the environment's baseUrl"} with ${path.relative(root, environmentFile)}`,
    );
  }
  const summary = await runNewman(baseUrl);
  const { stats, failures, error } = summary.run;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `run-newman: ${stats.requests.total} requests (${stats.requests.failed} failed), ` +
      `${stats.assertions.total} assertions (${stats.assertions.failed} failed), ` +
      `${stats.testScripts.failed + stats.prerequestScripts.failed} script errors, ${failures.length} failures, ${seconds} s; junit: ${path.relative(root, junitFile)}`,
  );
  if (error) console.error(`run-newman: run error: ${error.message ?? error}`);
  exitCode = failures.length === 0 && !error && stats.requests.total > 0 ? 0 : 1;
  if (exitCode !== 0 && gateway)
    console.error(`run-newman: gateway output in ${path.relative(root, gatewayLogFile)}`);
} catch (error) {
  console.error(`run-newman: ${error instanceof Error ? error.message : String(error)}`);
  exitCode = 1;
} finally {
  await cleanup();
}
// Newman may leave sockets open (keep-alive): exit explicitly.
process.exit(exitCode);
