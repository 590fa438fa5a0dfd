/**
 * What the network-profile benchmarks need from the development network (`npm run network:up`): its
 * connection profile, the network gateway of one org as a child process (`node gateway/dist/main.js --org …`,
 * RSS sampled from /proc), Firebase Auth emulator ID tokens, users registered through that gateway, and a raw
 * @hyperledger/fabric-gateway client that signs with the same org identity the gateway uses.
 */
import { createPrivateKey, randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { connect, hash, signers } from '@hyperledger/fabric-gateway';
import { emulatorIdToken as idTokenFrom } from '../../gateway/dist/adapters/firebase-auth/emulator-id-token.js';
import { connectionFileFromEnv } from '../../gateway/dist/network-connection.js';
import { call, json, spawnGateway } from './gateway-process.mjs';

export const CONNECTION_FILE = connectionFileFromEnv();

/** The running network's connection profile (network/README.md "Connection profile"). */
export async function networkConnection() {
  try {
    return JSON.parse(await readFile(CONNECTION_FILE, 'utf8'));
  } catch (error) {
    throw new Error(`the network is not up (${error.message}): run npm run network:up first`);
  }
}

/** The org of the profile by registry name or MSP id. */
export function organizationOf(connection, org) {
  const found = Object.values(connection.organizations).find((o) => o.name === org || o.mspId === org);
  if (!found) throw new Error(`the connection profile has no org ${org}`);
  return found;
}

/** An ID token for `uid` from the network's Firebase Auth emulator (gateway/src/adapters/firebase-auth/emulator-id-token.ts). */
export async function emulatorIdToken(connection, uid) {
  const host = connection.auth?.emulatorHost;
  if (!host) throw new Error('the connection profile names no Firebase Auth emulator');
  return idTokenFrom(host, uid);
}

/**
 * Starts `node gateway/dist/main.js --org <org>` with the Auth emulator accepted, on a free port, and
 * resolves once it serves. The data dir (the org's key-encryption key) is kept between runs on purpose:
 * the org is registered on the ledger with the first one's public key, and a gateway with another key
 * refuses to start (default `.data/bench-network/<org>`, BENCH_DATA_DIR).
 */
export async function startNetworkGateway(org = 'hospital-a', env = {}) {
  const dataDir = path.resolve(process.env.BENCH_DATA_DIR ?? path.join('.data', 'bench-network', org));
  await mkdir(dataDir, { recursive: true });
  const gateway = await spawnGateway(['--org', org], { CARELEDGER_AUTH_EMULATOR: 'true', CARELEDGER_DATA_DIR: dataDir, CARELEDGER_NETWORK_CONNECTION: CONNECTION_FILE, ...env });
  return { ...gateway, dataDir };
}

/** A patient and a practitioner of Hospital A registered through the gateway, with emulator ID tokens. */
export async function networkCareTeam(connection, port, prefix = 'bench') {
  const tag = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const team = { patient: `${prefix}-p-${tag}`, doctor: `${prefix}-d-${tag}` };
  await registerUsers(port, await emulatorIdToken(connection, 'hospital-a-admin'), { [team.patient]: 'patient', [team.doctor]: 'practitioner' });
  return { ...team, patientToken: await emulatorIdToken(connection, team.patient), doctorToken: await emulatorIdToken(connection, team.doctor) };
}

/** A JSON request through the gateway; throws unless the status is `expect`. */
export async function request(port, method, urlPath, token, body, expect = 201) {
  const headers = { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
  const res = await call(port, { method, path: urlPath, headers }, body === undefined ? undefined : JSON.stringify(body));
  const answer = await json(res);
  if (res.statusCode !== expect) throw new Error(`${method} ${urlPath}: ${res.statusCode} ${JSON.stringify(answer)}`);
  return answer;
}

/** Registers users (id -> role) through the gateway as the org's admin, `concurrency` at a time. */
export async function registerUsers(port, adminToken, users, concurrency = 4) {
  const queue = Object.entries(users);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await request(port, 'POST', '/v1/users', adminToken, { userId: next[0], role: next[1] });
    }),
  );
}

/**
 * A raw fabric-gateway client of one org: what FabricLedger does for a submit (proposal with the transient
 * map and endorsing orgs named, endorse, submit, commit status), without the gateway around it.
 */
export async function rawFabric(connection, org = 'HospitalAMSP') {
  const o = organizationOf(connection, org);
  const [tlsRoot, cert, key] = await Promise.all([readFile(o.tlsCaCertPath), readFile(o.clientCertPath), readFile(o.clientKeyPath)]);
  const client = new grpc.Client(o.peerEndpoint, grpc.credentials.createSsl(tlsRoot), { 'grpc.ssl_target_name_override': o.peerHostAlias });
  const gateway = connect({
    client,
    identity: { mspId: o.mspId, credentials: cert },
    signer: signers.newPrivateKeySigner(createPrivateKey(key)),
    hash: hash.sha256,
    evaluateOptions: () => ({ deadline: Date.now() + 5_000 }),
    endorseOptions: () => ({ deadline: Date.now() + 15_000 }),
    submitOptions: () => ({ deadline: Date.now() + 5_000 }),
    commitStatusOptions: () => ({ deadline: Date.now() + 60_000 }),
  });
  const contract = gateway.getNetwork(connection.channel).getContract(process.env.CARELEDGER_CHAINCODE ?? connection.chaincode);
  const encoder = new TextEncoder();
  return {
    mspId: o.mspId,
    /** Submits and waits for the commit; resolves with the parsed result, rejects when it did not commit VALID. */
    async submit(name, args, transient, endorsingOrgs) {
      const proposal = contract.newProposal(name, {
        arguments: args,
        transientData: transient && Object.fromEntries(Object.entries(transient).map(([k, v]) => [k, encoder.encode(JSON.stringify(v))])),
        endorsingOrganizations: endorsingOrgs,
      });
      const transaction = await proposal.endorse();
      const commit = await transaction.submit();
      const status = await commit.getStatus();
      if (!status.successful) throw new Error(`${name}: transaction ${status.transactionId} did not commit (validation code ${status.code})`);
      const text = Buffer.from(transaction.getResult()).toString('utf8');
      return text === '' ? undefined : JSON.parse(text);
    },
    async evaluate(name, args) {
      const text = Buffer.from(await contract.evaluate(name, { arguments: args })).toString('utf8');
      return text === '' ? undefined : JSON.parse(text);
    },
    close() {
      gateway.close();
      client.close();
    },
  };
}
