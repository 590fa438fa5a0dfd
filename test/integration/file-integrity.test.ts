import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { AppError } from '../../gateway/src/domain/app-error.js';
import type { Ledger } from '../../gateway/src/ports/ledger.js';
import { GatewayHarness, binary, someBytes } from '../support/gateway-harness.js';
import { TEST_PROFILE, itEmbeddedOnly } from '../support/test-profile.js';

/** Every block file of the embedded blob store, largest first. */
async function blockFiles(h: GatewayHarness): Promise<string[]> {
  const root = path.join(h.config.dataDir, 'blobs', 'blocks');
  const out: { file: string; size: number }[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.name.endsWith('.data')) out.push({ file: full, size: (await stat(full)).size });
    }
  };
  await walk(root);
  return out.sort((a, b) => b.size - a.size).map((f) => f.file);
}

async function eventually<T>(probe: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  for (let i = 0; i < 50; i++) {
    const value = await probe();
    if (ok(value)) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  return probe();
}

describe(`file integrity on the ${TEST_PROFILE} profile`, () => {
  let h: GatewayHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  itEmbeddedOnly('a flipped byte in a stored ciphertext block aborts the read and is recorded as an integrity violation', 'edits the embedded blockstore on disk', async () => {
    h = await GatewayHarness.start();
    const { patient, doctor } = await h.aCareTeam();
    const { body: rec } = await doctor.upload('pat-1', someBytes(600_000)).expect(201);
    const [leaf] = await blockFiles(h);
    const bytes = await readFile(leaf);
    bytes[1000] ^= 0x01;
    await writeFile(leaf, bytes);

    const outcome = await patient
      .get(`/v1/records/${rec.recordId}/content?purpose=PATRQT`)
      .buffer(true)
      .parse(binary)
      .then(
        (res) => ({ complete: Buffer.compare(res.body as Buffer, someBytes(600_000)) === 0 }),
        () => ({ complete: false }),
      );
    expect(outcome.complete).toBe(false);

    const log = await eventually(
      () => patient.get('/v1/patients/pat-1/access-log'),
      (res) => res.body.events.some((e: { outcome: string }) => e.outcome === 'INTEGRITY_VIOLATION'),
    );
    expect(log.body.events.map((e: { outcome: string }) => e.outcome)).toEqual(['GRANTED', 'INTEGRITY_VIOLATION']);

    const verify = await patient.post(`/v1/records/${rec.recordId}/verify`, { purpose: 'PATRQT' }).expect(200);
    expect(verify.body.verified).toBe(false);
  });

  itEmbeddedOnly('tells the patient of the integrity violation on their record, and the home hospital\'s systems, with ids only', 'edits the embedded blockstore on disk', async () => {
    h = await GatewayHarness.start();
    const { patient, doctor, adminA } = await h.aCareTeam();
    const received: string[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8'))).on('end', () => {
        received.push(body);
        res.end();
      });
    }).listen(0, '127.0.0.1');
    try {
      await new Promise((resolve) => receiver.once('listening', resolve));
      await adminA.post('/v1/webhooks', { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/` }).expect(201);
      const { body: rec } = await doctor.upload('pat-1', someBytes(600_000)).expect(201);
      const [leaf] = await blockFiles(h);
      const bytes = await readFile(leaf);
      bytes[1000] ^= 0x01;
      await writeFile(leaf, bytes);
      await patient.get(`/v1/records/${rec.recordId}/content?purpose=PATRQT`).buffer(true).parse(binary).catch(() => undefined);

      const listed = await eventually(
        () => patient.get('/v1/me/notifications'),
        (res) => res.body.notifications.some((n: { kind: string }) => n.kind === 'INTEGRITY_VIOLATION'),
      );
      const notice = listed.body.notifications.find((n: { kind: string }) => n.kind === 'INTEGRITY_VIOLATION');
      const log = await patient.get('/v1/patients/pat-1/access-log').expect(200);
      const violation = log.body.events.find((e: { outcome: string }) => e.outcome === 'INTEGRITY_VIOLATION');
      expect(notice).toEqual({ notificationId: expect.any(String), kind: 'INTEGRITY_VIOLATION', occurredAt: violation.at, recordId: rec.recordId, eventId: violation.eventId, seq: expect.any(String) });
      // The doctor who uploaded it is not the one told.
      expect((await doctor.get('/v1/me/notifications').expect(200)).body.notifications).toEqual([]);
      const hooked = await eventually(
        async () => received.map((b) => JSON.parse(b) as { event: string; ids: Record<string, string> }),
        (events) => events.some((e) => e.event === 'IntegrityViolationRecorded'),
      );
      expect(hooked.find((e) => e.event === 'IntegrityViolationRecorded')?.ids).toEqual({ eventId: violation.eventId });
    } finally {
      receiver.closeAllConnections();
      await new Promise((resolve) => receiver.close(resolve));
    }
  });

  itEmbeddedOnly('a missing blob answers 502 CONTENT_MISSING before the first byte, and the log shows the read failed', 'edits the embedded blockstore on disk', async () => {
    h = await GatewayHarness.start();
    const { patient, doctor } = await h.aCareTeam();
    const { body: rec } = await doctor.upload('pat-1', someBytes(300_000)).expect(201);
    for (const file of await blockFiles(h)) await rm(file);

    const res = await patient.get(`/v1/records/${rec.recordId}/content?purpose=PATRQT`).expect(502);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'CONTENT_MISSING', requestId: expect.any(String) });

    const log = await patient.get('/v1/patients/pat-1/access-log').expect(200);
    const [granted, failed] = log.body.events as { eventId: string; outcome: string; reason?: string; decisionEventId?: string }[];
    expect(log.body.events).toHaveLength(2);
    expect(granted.outcome).toBe('GRANTED');
    expect(failed).toMatchObject({ outcome: 'FAILED', reason: 'CONTENT_MISSING', decisionEventId: granted.eventId });
  });

  itEmbeddedOnly('a revocation that lands between the decision and the key release: 403 CONSENT_REVOKED, and the log says DENIED', 'injects a ledger failure', async () => {
    let beforeRelease: (() => Promise<unknown>) | undefined;
    const revokeBeforeRelease = (ledger: Ledger): Ledger => ({
      submit: (msp, req) => ledger.submit(msp, req),
      evaluate: async (msp, req) => {
        if (req.name === 'access:ReleaseKey' && beforeRelease) {
          const hook = beforeRelease;
          beforeRelease = undefined;
          await hook();
        }
        return ledger.evaluate(msp, req);
      },
      events: (from, o) => ledger.events(from, o),
      ready: () => ledger.ready(),
      close: () => ledger.close(),
    });
    h = await GatewayHarness.start({ wrapLedger: revokeBeforeRelease });
    const { patient, doctor, colleague } = await h.aCareTeam();
    const { body: rec } = await colleague.upload('pat-1', someBytes(10_000)).expect(201);
    const grant = { grantee: { kind: 'user', userId: 'doc-a' }, scope: { recordIds: [rec.recordId] }, purposes: ['TREAT'], expiresAt: new Date(Date.now() + 86_400_000).toISOString() };
    const { body: consent } = await patient.post('/v1/patients/pat-1/consents', grant).expect(201);
    beforeRelease = () => patient.delete(`/v1/consents/${consent.consentId}`).expect(200);

    const res = await doctor.get(`/v1/records/${rec.recordId}/content?purpose=TREAT`).expect(403);
    expect(res.body.code).toBe('CONSENT_REVOKED');

    const log = await patient.get('/v1/patients/pat-1/access-log').expect(200);
    const events = log.body.events as { eventId: string; actorId: string; outcome: string; reason?: string; decisionEventId?: string }[];
    const [granted, final] = events.filter((e) => e.actorId === 'doc-a');
    expect(granted.outcome).toBe('GRANTED');
    expect(final).toMatchObject({ outcome: 'DENIED', reason: 'CONSENT_REVOKED', decisionEventId: granted.eventId });
  });

  it('verify answers verified for an intact record', async () => {
    h = await GatewayHarness.start();
    const { patient, doctor } = await h.aCareTeam();
    const { body: rec } = await doctor.upload('pat-1', someBytes(100_000)).expect(201);
    const res = await patient.post(`/v1/records/${rec.recordId}/verify`, { purpose: 'PATRQT' }).expect(200);
    expect(res.body).toMatchObject({ recordId: rec.recordId, verified: true, sha256: rec.sha256 });
  });

  itEmbeddedOnly('when the ledger refuses the record, the blob is removed and no record exists', 'injects a ledger failure', async () => {
    const refuseCreate = (ledger: Ledger): Ledger => ({
      submit: (msp, req) => (req.name === 'records:CreateRecord' ? Promise.reject(new AppError('UNAVAILABLE', 'ledger down')) : ledger.submit(msp, req)),
      evaluate: (msp, req) => ledger.evaluate(msp, req),
      events: (from, o) => ledger.events(from, o),
      ready: () => ledger.ready(),
      close: () => ledger.close(),
    });
    h = await GatewayHarness.start({ wrapLedger: refuseCreate });
    const { patient, doctor } = await h.aCareTeam();
    const res = await doctor.upload('pat-1', someBytes(700_000)).expect(503);
    expect(res.body.code).toBe('UNAVAILABLE');
    expect(await blockFiles(h)).toEqual([]);
    const list = await patient.get('/v1/patients/pat-1/records').expect(200);
    expect(list.body.records).toEqual([]);
  });

  it('a retried upload with the same Idempotency-Key creates one record', async () => {
    h = await GatewayHarness.start();
    const { patient, doctor } = await h.aCareTeam();
    const file = someBytes(50_000);
    const first = await doctor.upload('pat-1', file, {}, { 'Idempotency-Key': 'upload-42' }).expect(201);
    const again = await doctor.upload('pat-1', file, {}, { 'Idempotency-Key': 'upload-42' }).expect(201);
    expect(again.body.recordId).toBe(first.body.recordId);
    const other = await doctor.upload('pat-1', file, {}, { 'Idempotency-Key': 'upload-43' }).expect(201);
    expect(other.body.recordId).not.toBe(first.body.recordId);
    const list = await patient.get('/v1/patients/pat-1/records').expect(200);
    expect(list.body.records).toHaveLength(2);
  });

  it('refuses a file over the size limit with 413 and keeps nothing', async () => {
    h = await GatewayHarness.start({ env: { CARELEDGER_MAX_UPLOAD_BYTES: '100000' } });
    const { patient, doctor } = await h.aCareTeam();
    const res = await doctor.upload('pat-1', someBytes(300_000)).expect(413);
    expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await blockFiles(h)).toEqual([]);
    expect((await patient.get('/v1/patients/pat-1/records').expect(200)).body.records).toEqual([]);
  });
});
