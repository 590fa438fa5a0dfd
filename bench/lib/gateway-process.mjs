/**
 * Runs the built gateway (`gateway/dist/main.js`) as a child process on a free port, samples its RSS from
 * /proc, and offers the few HTTP calls the benchmarks need.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';

export const MiB = 1024 * 1024;

/** The embedded gateway on a free port with a fresh data dir (removed on stop). */
export async function startGateway(env = {}) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'careledger-bench-'));
  const gateway = await spawnGateway([], { CARELEDGER_DATA_DIR: dataDir, ...env });
  return {
    ...gateway,
    dataDir,
    async stop() {
      await gateway.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * `node gateway/dist/main.js ...args` on a free port (CARELEDGER_PORT=0): resolves once it prints its API
 * address, with its port and its RSS (current, and the peak sampled every 50 ms since the last resetPeak).
 */
export async function spawnGateway(args, env) {
  const child = spawn(process.execPath, ['gateway/dist/main.js', ...args], {
    env: { ...process.env, CARELEDGER_PORT: '0', CARELEDGER_LOG_LEVEL: 'error', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /API\s+http:\/\/127\.0\.0\.1:(\d+)\/v1/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`gateway/dist/main.js ${args.join(' ')} exited with ${code}`)));
  });
  // Log lines that report a retried ledger submit (logged at info level by the network profile).
  let retries = 0;
  let partial = '';
  child.stdout.on('data', (d) => {
    const lines = (partial + d).split('\n');
    partial = lines.pop();
    retries += lines.filter((l) => l.includes('ledger submit retried')).length;
  });
  let peak = 0;
  const sampler = setInterval(() => rss(child.pid).then((v) => (peak = Math.max(peak, v)), () => {}), 50);
  return {
    port,
    pid: child.pid,
    rss: () => rss(child.pid),
    resetPeak: async () => (peak = await rss(child.pid)),
    peak: () => peak,
    /** Retried ledger submits the gateway logged so far (needs CARELEDGER_LOG_LEVEL=info). */
    retries: () => retries,
    async stop() {
      clearInterval(sampler);
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

async function rss(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

export function call(port, options, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, agent: false, ...options }, resolve);
    req.on('error', reject);
    if (body instanceof Readable) body.pipe(req);
    else req.end(body);
  });
}

export async function json(res) {
  let text = '';
  for await (const chunk of res) text += chunk;
  return JSON.parse(text);
}

/** A deterministic stream of `size` bytes (each MiB differs). */
export function pattern(size) {
  const block = Buffer.alloc(MiB);
  for (let i = 0; i < MiB; i++) block[i] = (i * 31 + 7) % 251;
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= size) return void this.push(null);
      const chunk = Buffer.from(block.subarray(0, Math.min(MiB, size - sent)));
      // A counter in every 256 KiB chunk: no two IPFS blocks are equal, like ciphertext (duplicate blocks
      // hit blockstore-fs's slow path for concurrent identical writes and would flatter the gateway).
      for (let at = 0; at + 4 <= chunk.length; at += 262_144) chunk.writeUInt32BE(((sent + at) / 262_144) >>> 0, at);
      sent += chunk.length;
      this.push(chunk);
    },
  });
}

/** Registers a patient and a practitioner of Hospital A and returns their tokens. */
export async function aCareTeam(port, suffix = String(Date.now())) {
  const token = async (userId) =>
    (await json(await call(port, { method: 'POST', path: '/v1/dev/tokens', headers: { 'content-type': 'application/json' } }, JSON.stringify({ userId })))).token;
  const admin = await token('hospital-a-admin');
  const ids = { patient: `pat-${suffix}`, doctor: `doc-${suffix}` };
  for (const [userId, role] of [[ids.patient, 'patient'], [ids.doctor, 'practitioner']]) {
    const res = await call(port, { method: 'POST', path: '/v1/users', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` } }, JSON.stringify({ userId, role }));
    res.resume();
  }
  return { ...ids, patientToken: await token(ids.patient), doctorToken: await token(ids.doctor) };
}

/** Streams a multipart upload of `size` pattern bytes; resolves with the record. */
export async function upload(port, team, size, category = 'imaging') {
  const boundary = 'careledger-bench';
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nBench\r\n--${boundary}\r\nContent-Disposition: form-data; name="category"\r\n\r\n${category}\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="b.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  const body = Readable.from(
    (async function* () {
      yield Buffer.from(head);
      for await (const chunk of pattern(size)) yield chunk;
      yield Buffer.from(`\r\n--${boundary}--\r\n`);
    })(),
  );
  const res = await call(port, { method: 'POST', path: `/v1/patients/${team.patient}/records`, headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, authorization: `Bearer ${team.doctorToken}` } }, body);
  const record = await json(res);
  if (res.statusCode !== 201) throw new Error(`upload failed: ${res.statusCode} ${JSON.stringify(record)}`);
  return record;
}

/** Downloads a record's content as the patient; resolves with bytes and SHA-256. */
export async function download(port, team, recordId) {
  const res = await call(port, { method: 'GET', path: `/v1/records/${recordId}/content?purpose=PATRQT`, headers: { authorization: `Bearer ${team.patientToken}` } });
  if (res.statusCode !== 200) throw new Error(`download failed: ${res.statusCode}`);
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of res) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** Times an async function in ms. */
export async function timed(fn) {
  const t0 = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, value };
}

/**
 * `POST /v1/patients/{id}/erasure` (202: the patient is marked as being erased), then its status every
 * `pollMs` until finished; resolves with the final status, the time to the 202 and to the end, and the status
 * seen at each poll (`onStatus`).
 */
export async function eraseAndWait(port, patientId, token, { pollMs = 20, onStatus } = {}) {
  const headers = { authorization: `Bearer ${token}` };
  const path = `/v1/patients/${patientId}/erasure`;
  const t0 = process.hrtime.bigint();
  const since = () => Number(process.hrtime.bigint() - t0) / 1e6;
  const res = await call(port, { method: 'POST', path, headers });
  let status = await json(res);
  if (res.statusCode !== 202) throw new Error(`erasure: ${res.statusCode} ${JSON.stringify(status)}`);
  const acceptedMs = since();
  while (!status.finished) {
    if (!status.running && status.error) throw new Error(`erasure stopped: ${JSON.stringify(status)}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    const poll = await call(port, { method: 'GET', path, headers });
    status = await json(poll);
    if (poll.statusCode !== 200) throw new Error(`erasure status: ${poll.statusCode} ${JSON.stringify(status)}`);
    onStatus?.(status, since());
  }
  return { status, acceptedMs, totalMs: since() };
}

