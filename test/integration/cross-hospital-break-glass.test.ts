/**
 * Break-glass across hospitals (both profiles): a practitioner of Hospital B opens emergency access on a patient
 * of Hospital A; A's gateway releases the data keys to B by itself, B reads (flagged in every access event), A's
 * admin reviews (which ends the session) and the keys leave B's collection again. Two gateways and a stopped home
 * gateway: test/network/cross-hospital-break-glass.network.test.ts.
 */
import { GatewayHarness, binary, someBytes } from '../support/gateway-harness.js';
import { itEmbeddedOnly } from '../support/test-profile.js';

type Session = { sessionId: string; actorOrg: string; patientOrg: string; expiresAt: string; uses: number; keysReleasedAt?: string; keysWithdrawnAt?: string; endedAt?: string };
type Client = Awaited<ReturnType<GatewayHarness['as']>>;

/** Polls a session as `who` until `done` holds (the home gateway acts on committed events, a moment later). */
async function waitForSession(who: Client, sessionId: string, done: (s: Session) => boolean, timeoutMs = 20_000): Promise<Session> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await who.get(`/v1/emergency-access/${sessionId}`).expect(200);
    if (done(body as Session)) return body as Session;
    if (Date.now() > deadline) throw new Error(`session ${sessionId} did not get there in ${timeoutMs} ms: ${JSON.stringify(body)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("break-glass across hospitals: Hospital B's practitioner, Hospital A's patient", () => {
  let h: GatewayHarness;
  let team: Awaited<ReturnType<GatewayHarness['aCareTeam']>>;
  const content = someBytes(5_000, 41);
  let recordId: string;

  beforeAll(async () => {
    h = await GatewayHarness.start({ env: { CARELEDGER_EMERGENCY_SWEEP_SECONDS: '1' } });
    team = await h.aCareTeam();
    recordId = (await team.doctor.upload('pat-1', content).expect(201)).body.recordId;
  }, 60_000);

  afterAll(async () => {
    await h?.close();
  });

  it("opens with a coded reason and the configured window; A's gateway releases the keys, B reads, every event is flagged; A's review ends it and withdraws the keys", async () => {
    const { body: opened } = await team.otherHospital.post('/v1/patients/pat-1/emergency-access', { reasonCode: 'UNCONSCIOUS' }).expect(201);
    expect(opened).toMatchObject({ actorId: 'doc-b', actorOrg: 'HospitalBMSP', patientOrg: 'HospitalAMSP', reasonCode: 'UNCONSCIOUS' });
    // The channel's window (4 h by default), from the transaction time.
    expect(Date.parse(opened.expiresAt) - Date.parse(opened.openedAt)).toBe(4 * 3_600_000);
    // No staff of A acts: its gateway wraps the keys for B once the session is committed.
    await waitForSession(team.otherHospital, opened.sessionId, (s) => s.keysReleasedAt !== undefined);

    const read = await team.otherHospital.get(`/v1/records/${recordId}/content?purpose=ETREAT`).buffer(true).parse(binary).expect(200);
    expect(Buffer.compare(read.body as Buffer, content)).toBe(0);
    await team.otherHospital.get(`/v1/records/${recordId}/content?purpose=TREAT`).buffer(true).parse(binary).expect(200);
    // A record A adds while the session is open is wrapped for B at upload.
    const later = someBytes(3_000, 43);
    const { body: added } = await team.doctor.upload('pat-1', later, { category: 'lab-result', title: 'Lab result' }).expect(201);
    const readLater = await team.otherHospital.get(`/v1/records/${added.recordId}/content?purpose=ETREAT`).buffer(true).parse(binary).expect(200);
    expect(Buffer.compare(readLater.body as Buffer, later)).toBe(0);

    // The patient sees each read, flagged BREAK_GLASS with the session, by B's practitioner.
    const { body: log } = await team.patient.get('/v1/patients/pat-1/access-log').expect(200);
    const byB = (log.events as { actorId: string; actorOrg: string; outcome: string; emergencySessionId?: string }[]).filter((e) => e.actorId === 'doc-b');
    expect(byB).toHaveLength(3);
    expect(byB.every((e) => e.outcome === 'BREAK_GLASS' && e.emergencySessionId === opened.sessionId && e.actorOrg === 'HospitalBMSP')).toBe(true);

    // A's admin reviews it like a local session; B's admin does not see it.
    const { body: queue } = await team.adminA.get('/v1/emergency-access?reviewed=false').expect(200);
    expect((queue as Session[]).map((s) => s.sessionId)).toContain(opened.sessionId);
    const { body: queueB } = await team.adminB.get('/v1/emergency-access?reviewed=false').expect(200);
    expect((queueB as Session[]).map((s) => s.sessionId)).not.toContain(opened.sessionId);
    await team.adminB.post(`/v1/emergency-access/${opened.sessionId}/review`).expect(403);
    const { body: reviewed } = await team.adminA.post(`/v1/emergency-access/${opened.sessionId}/review`).expect(200);
    expect(reviewed).toMatchObject({ reviewedBy: 'hospital-a-admin', endedAt: expect.any(String), uses: 3 });

    // The review ended the session: refused and recorded, and A's gateway took the keys back.
    await team.otherHospital.get(`/v1/records/${recordId}/content?purpose=ETREAT`).expect(403);
    await waitForSession(team.otherHospital, opened.sessionId, (s) => s.keysWithdrawnAt !== undefined);
  });

  it('an admin cannot break the glass, and an unknown reason code is refused', async () => {
    await team.adminB.post('/v1/patients/pat-1/emergency-access', { reasonCode: 'UNCONSCIOUS' }).expect(403);
    await team.otherHospital.post('/v1/patients/pat-1/emergency-access', { reasonCode: 'CURIOUS' }).expect(400);
  });

  itEmbeddedOnly(
    "when the window passes, A's gateway withdraws the keys by itself and B's read is refused",
    'moves the ledger clock',
    async () => {
      await h.register('pat-2', 'patient');
      const other = (await team.doctor.upload('pat-2', someBytes(2_000, 42)).expect(201)).body.recordId;
      const { body: opened } = await team.otherHospital.post('/v1/patients/pat-2/emergency-access', { reasonCode: 'LIFE_THREATENING' }).expect(201);
      await waitForSession(team.otherHospital, opened.sessionId, (s) => s.keysReleasedAt !== undefined);
      await team.otherHospital.get(`/v1/records/${other}/content?purpose=ETREAT`).expect(200);
      h.clock.advance(4 * 3_600_000 + 1_000);
      await waitForSession(team.otherHospital, opened.sessionId, (s) => s.keysWithdrawnAt !== undefined);
      // The records left Hospital B's share with their keys: its peers hold nothing of them any more.
      await team.otherHospital.get(`/v1/records/${other}/content?purpose=ETREAT`).expect(404);
    },
    30_000,
  );
});
