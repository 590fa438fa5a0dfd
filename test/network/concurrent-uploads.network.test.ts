/**
 * A busy patient on the real network: 32 uploads for one patient at once, then 32 reads of that patient's records
 * at once. Every upload and every read writes only its own keys (no per-patient document), so all of them
 * succeed — no 409, no 500 — and exactly the uploads that answered 201 are the patient's records, each read
 * returning its own bytes and each read recorded in the access log.
 */
import { createHash } from 'node:crypto';
import { GatewayHarness, someBytes } from '../support/gateway-harness.js';

const N = 32;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('a busy patient: 32 concurrent uploads and 32 concurrent reads for one patient', () => {
  let h: GatewayHarness;
  afterAll(() => h?.close());

  it('all succeed, the records are exactly the uploads, every read returns its bytes and is logged', async () => {
    h = await GatewayHarness.start();
    const { patient, doctor } = await h.aCareTeam();
    const files = Array.from({ length: N }, (_, i) => someBytes(20_000, i + 1));
    const uploads = await Promise.all(files.map((file, i) => doctor.upload('pat-1', file, { title: `Upload ${i}` })));
    process.stdout.write(`concurrent-uploads: upload statuses ${JSON.stringify(uploads.map((r) => r.status).sort())}\n`);
    expect(uploads.map((r) => r.status)).toEqual(Array(N).fill(201));
    const created = uploads.map((r) => (r.body as { recordId: string }).recordId);

    const listed: string[] = [];
    let bookmark = '';
    do {
      const page = (await patient.get(`/v1/patients/pat-1/records?pageSize=10${bookmark ? `&bookmark=${bookmark}` : ''}`).expect(200)).body as {
        records: { recordId: string }[];
        bookmark?: string;
      };
      listed.push(...page.records.map((r) => r.recordId));
      bookmark = page.bookmark ?? '';
    } while (bookmark);
    expect([...listed].sort()).toEqual([...created].sort());

    const reads = await Promise.all(
      created.map((recordId) =>
        patient
          .get(`/v1/records/${recordId}/content?purpose=PATRQT`)
          .buffer(true)
          .parse((res, done) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => done(null, Buffer.concat(chunks)));
          }),
      ),
    );
    process.stdout.write(`concurrent-uploads: read statuses ${JSON.stringify(reads.map((r) => r.status).sort())}\n`);
    expect(reads.map((r) => r.status)).toEqual(Array(N).fill(200));
    expect(reads.map((r) => sha256(r.body as Buffer))).toEqual(files.map(sha256));

    const logged: string[] = [];
    bookmark = '';
    do {
      const page = (await patient.get(`/v1/patients/pat-1/access-log?pageSize=50${bookmark ? `&bookmark=${bookmark}` : ''}`).expect(200)).body as {
        events: { recordId: string; outcome: string }[];
        bookmark?: string;
      };
      logged.push(...page.events.filter((e) => e.outcome === 'GRANTED').map((e) => e.recordId));
      bookmark = page.bookmark ?? '';
    } while (bookmark);
    expect([...logged].sort()).toEqual([...created].sort());
  }, 600_000);
});
