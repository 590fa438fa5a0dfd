/**
 * Many uploads for one patient at once on the real network: writes that keep losing to the others after the
 * gateway's retries answer 409 CONFLICT (send again), never 500; whatever answered 201 is a record, and nothing
 * else is. (409s remain possible until writes for one patient stop colliding on shared keys.)
 */
import { GatewayHarness, someBytes } from '../support/gateway-harness.js';

describe('16 concurrent uploads for one patient', () => {
  let h: GatewayHarness;
  afterAll(() => h?.close());

  it('answer 201 or 409 CONFLICT, never 500, and exactly the 201s become records', async () => {
    h = await GatewayHarness.start();
    const { patient, doctor } = await h.aCareTeam();
    const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => doctor.upload('pat-1', someBytes(20_000, i + 1), { title: `Upload ${i}` })));
    const statuses = answers.map((r) => r.status);
    process.stdout.write(`concurrent-uploads: statuses ${JSON.stringify(statuses.sort())}\n`);

    expect(statuses.filter((s) => s !== 201 && s !== 409)).toEqual([]);
    for (const r of answers.filter((a) => a.status === 409)) expect(r.body).toMatchObject({ code: 'CONFLICT', type: 'https://careledger.dev/problems/conflict' });
    const created = answers.filter((r) => r.status === 201).map((r) => (r.body as { recordId: string }).recordId);
    expect(created.length).toBeGreaterThan(0);

    const listed = ((await patient.get('/v1/patients/pat-1/records?pageSize=50').expect(200)).body as { records: { recordId: string }[] }).records.map((r) => r.recordId);
    expect(listed.sort()).toEqual(created.sort());
  }, 300_000);
});
