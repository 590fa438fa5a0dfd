/**
 * A 256 MiB upload, download and ZIP export through the real gateway process (built `gateway/dist`, run by
 * `npm test` after `npm run build`), with the process's RSS sampled from /proc: memory must stay flat.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describeEmbeddedOnly } from '../support/test-profile.js';

const MiB = 1024 * 1024;
const SIZE = Number(process.env.LARGE_FILE_MIB ?? 256) * MiB;
const MAX_RSS_GROWTH = 96 * MiB;

function pattern(size: number): { stream: Readable; digest: () => string } {
  const hash = createHash('sha256');
  const block = Buffer.alloc(MiB);
  for (let i = 0; i < MiB; i++) block[i] = (i * 31 + 7) % 251;
  let sent = 0;
  const stream = new Readable({
    read() {
      if (sent >= size) return void this.push(null);
      const chunk = block.subarray(0, Math.min(MiB, size - sent));
      // Vary each MiB so blocks are not all identical (dedup would hide memory use).
      chunk.writeUInt32BE(sent / MiB, 0);
      hash.update(chunk);
      sent += chunk.length;
      this.push(Buffer.from(chunk));
    },
  });
  return { stream, digest: () => hash.digest('hex') };
}

async function rss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

function call(port: number, options: http.RequestOptions, body?: Readable | string): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, ...options }, resolve);
    req.on('error', reject);
    if (body instanceof Readable) body.pipe(req);
    else req.end(body);
  });
}

async function json(res: http.IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of res) text += chunk;
  return JSON.parse(text) as Record<string, unknown>;
}

describeEmbeddedOnly('a 256 MiB file through the gateway process', 'runs the embedded gateway process with dev tokens', () => {
  let child: ChildProcess;
  let dataDir: string;
  let port = 0;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'careledger-large-'));
    child = spawn(process.execPath, ['gateway/dist/main.js'], {
      env: { ...process.env, NODE_OPTIONS: '', CARELEDGER_PORT: '0', CARELEDGER_DATA_DIR: dataDir, CARELEDGER_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /API\s+http:\/\/127\.0\.0\.1:(\d+)\/v1/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (code) => reject(new Error(`gateway exited with ${code}`)));
    });
  }, 30_000);

  afterAll(async () => {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await rm(dataDir, { recursive: true, force: true });
  });

  it('uploads and downloads 256 MiB with RSS growth under 96 MiB', async () => {
    const token = async (userId: string) => (await json(await call(port, { method: 'POST', path: '/v1/dev/tokens', headers: { 'content-type': 'application/json' } }, JSON.stringify({ userId })))).token as string;
    const admin = await token('hospital-a-admin');
    for (const [userId, role] of [['pat-big', 'patient'], ['doc-big', 'practitioner']]) {
      const res = await call(port, { method: 'POST', path: '/v1/users', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` } }, JSON.stringify({ userId, role }));
      expect(res.statusCode).toBe(201);
      res.resume();
    }
    const doctor = await token('doc-big');
    const patient = await token('pat-big');

    const upload = async (size: number) => {
      const boundary = 'careledger-boundary';
      const head = `--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nScan\r\n--${boundary}\r\nContent-Disposition: form-data; name="category"\r\n\r\nimaging\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="scan.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`;
      const tail = `\r\n--${boundary}--\r\n`;
      const file = pattern(size);
      const body = Readable.from(
        (async function* () {
          yield Buffer.from(head);
          for await (const chunk of file.stream) yield chunk as Buffer;
          yield Buffer.from(tail);
        })(),
      );
      const res = await call(port, { method: 'POST', path: '/v1/patients/pat-big/records', headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, authorization: `Bearer ${doctor}` } }, body);
      const result = await json(res);
      expect(res.statusCode).toBe(201);
      expect(result.sha256).toBe(file.digest());
      return result.recordId as string;
    };
    const download = async (recordId: string) => {
      const res = await call(port, { method: 'GET', path: `/v1/records/${recordId}/content?purpose=PATRQT`, headers: { authorization: `Bearer ${patient}` } });
      expect(res.statusCode).toBe(200);
      const hash = createHash('sha256');
      let bytes = 0;
      for await (const chunk of res) {
        hash.update(chunk as Buffer);
        bytes += (chunk as Buffer).length;
      }
      return { bytes, sha256: hash.digest('hex') };
    };

    const exportZip = async () => {
      const res = await call(port, { method: 'GET', path: '/v1/patients/pat-big/export?format=zip', headers: { authorization: `Bearer ${patient}` } });
      expect(res.statusCode).toBe(200);
      let tail = Buffer.alloc(0);
      for await (const chunk of res) tail = Buffer.concat([tail, chunk as Buffer]).subarray(-22);
      // A complete ZIP ends with its end-of-central-directory record (no comment).
      return { complete: tail.readUInt32LE(0) === 0x06054b50 };
    };

    // Warm up (JIT, pools, caches), then take the baseline.
    await download(await upload(4 * MiB));
    await new Promise((r) => setTimeout(r, 300));
    const baseline = await rss(child.pid!);
    let peak = baseline;
    const sampler = setInterval(() => {
      rss(child.pid!).then((v) => (peak = Math.max(peak, v)), () => undefined);
    }, 50);
    try {
      const t0 = process.hrtime.bigint();
      const recordId = await upload(SIZE);
      const t1 = process.hrtime.bigint();
      const got = await download(recordId);
      const t2 = process.hrtime.bigint();
      expect(got.bytes).toBe(SIZE);
      // The patient's ZIP export streams the same file (decrypted, verified, deflated) in the same flat memory.
      const exported = await exportZip();
      const t3 = process.hrtime.bigint();
      expect(exported.complete).toBe(true);
      const mbps = (ns: bigint) => (SIZE / MiB / (Number(ns) / 1e9)).toFixed(1);
      process.stdout.write(
        `large-file: upload ${mbps(t1 - t0)} MiB/s, download ${mbps(t2 - t1)} MiB/s, ZIP export ${mbps(t3 - t2)} MiB/s, RSS baseline ${(baseline / MiB).toFixed(0)} MiB, peak ${(peak / MiB).toFixed(0)} MiB, growth ${((peak - baseline) / MiB).toFixed(1)} MiB\n`,
      );
    } finally {
      clearInterval(sampler);
    }
    expect(peak - baseline).toBeLessThan(MAX_RSS_GROWTH);
  }, 180_000);
});
