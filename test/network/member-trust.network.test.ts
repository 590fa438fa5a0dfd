/**
 * Members that do not trust each other, on the real network. Hospital B uses what it holds anyway — its own
 * client identity, its own peer's signing key — without any gateway and without any consent:
 * - it pulls blocks with private data from Hospital A's peer and from its own (`getBlockAndPrivateDataEvents`)
 *   and must not receive Hospital A's own collection (A's patients' records, consents, events, data keys,
 *   receipts), nor any implicit collection; of the share A keeps for it, only the consent naming its doctor, the
 *   record that consent covers with its key, and its doctor's own access events — nothing of the other record;
 * - it forges write sets for every kind of key that belongs to Hospital A or its patients (a user in A's
 *   directory, A's entry, a record, consent, event, working set, data key and erasure receipt in A's collection,
 *   a consent, record and working set in the share A keeps for B), endorsed by its own peer alone, and every one
 *   commits INVALID.
 */
import { GatewayHarness, someBytes } from '../support/gateway-harness.js';
import { LedgerInspector, type PrivateWrite } from '../support/ledger-inspector.js';
import { uniqueName } from '../support/network-fixture.js';
import { compositeKey, WriteForger } from '../support/write-forger.js';
import { eraseAndWait } from '../support/erasure.js';

const A = 'HospitalAMSP';
const B = 'HospitalBMSP';
/** The collections Hospital B is a member of: its own, the shares between A and B, and every org's directory. */
const B_MEMBER_OF = new Set([`org_${B}`, `share_${A}_${B}`, `share_${B}_${A}`, `dir_${A}`, `dir_${B}`]);
/** Fabric's validation code for a write set its endorsements do not satisfy. */
const ENDORSEMENT_POLICY_FAILURE = 10;
const VALID = 0;

const text = (w: PrivateWrite) => Buffer.from(w.value).toString('latin1');

describe('a member that does not trust the others', () => {
  let h: GatewayHarness | undefined;
  const inspectors: LedgerInspector[] = [];
  let forger: WriteForger | undefined;
  afterAll(async () => {
    for (const i of inspectors) i.close();
    forger?.close();
    await h?.close();
  });

  async function inspector(org: string, peerOf: string): Promise<LedgerInspector> {
    const i = await LedgerInspector.connect(org, peerOf);
    inspectors.push(i);
    return i;
  }

  it("receives from no peer Hospital A's own collection or an implicit one, and of its own only what a consent gave it", async () => {
    h = await GatewayHarness.start();
    const [bFromA, bFromB, aFromA] = await Promise.all([inspector('hospital-b', 'hospital-a'), inspector('hospital-b', 'hospital-b'), inspector('hospital-a', 'hospital-a')]);
    const [patientId, doctorId, otherId] = ['pat', 'doc', 'docb'].map((p) => uniqueName(`trust-${p}`));
    const start = await aFromA.height();
    await h.register(patientId, 'patient');
    await h.register(doctorId, 'practitioner');
    await h.register(otherId, 'practitioner', 'hospital-b');
    const [patient, doctor, other, adminA] = await Promise.all([patientId, doctorId, otherId, 'hospital-a-admin'].map((u) => h!.as(u)));
    const title = uniqueName('Discharge letter');
    const { body: shared } = await doctor.upload(patientId, someBytes(3_000, 21), { title, category: 'report' }).expect(201);
    const { body: notShared } = await doctor.upload(patientId, someBytes(3_000, 22), { title, category: 'lab-result' }).expect(201);
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const { body: consent } = await patient
      .post(`/v1/patients/${patientId}/consents`, { grantee: { kind: 'user', userId: otherId }, scope: { recordIds: [shared.recordId] }, purposes: ['TREAT'], expiresAt })
      .expect(201);
    await other.get(`/v1/records/${shared.recordId}/content?purpose=TREAT`).expect(200);
    await patient.delete(`/v1/consents/${consent.consentId}`).expect(200);
    const beforeErasure = await aFromA.height();
    // Read what the peers deliver before the erasure: a purge removes the values from the delivery of past blocks too.
    const ours = (writes: PrivateWrite[]) => writes.filter((w) => w.namespace === h!.chaincode);
    const pull = (from: bigint, to: bigint) => Promise.all([bFromA, bFromB, aFromA].map(async (i) => ours(await i.privateWrites(from, to))));
    const [fromA, fromB, homeView] = await pull(start, beforeErasure);
    await eraseAndWait(adminA, patientId);
    const [erasureFromA, erasureFromB, erasureHome] = await pull(beforeErasure, await aFromA.height());

    // Hospital A's own client does receive its collection: both records with their home keys, the receipt.
    expect(homeView.some((w) => w.collection === `org_${A}` && w.key.includes(shared.recordId))).toBe(true);
    expect(homeView.some((w) => w.collection === `org_${A}` && w.key.includes(notShared.recordId))).toBe(true);
    expect(erasureHome.some((w) => w.collection === `org_${A}` && w.key.includes('erasure'))).toBe(true);
    // Hospital B, asking either peer, receives none of it, and nothing of a collection it is not a member of.
    for (const writes of [fromA, fromB, erasureFromA, erasureFromB]) {
      expect(writes.length).toBeGreaterThan(0);
      expect([...new Set(writes.map((w) => w.collection))].filter((c) => !B_MEMBER_OF.has(c))).toEqual([]);
    }
    // Of the share A keeps for it: the consented record with its key (written by the grant), taken back by the
    // revocation, and the consent; nothing anywhere names the record no consent covered.
    const share = [...fromA, ...fromB].filter((w) => w.collection === `share_${A}_${B}`);
    expect(share.some((w) => w.key.includes('wrappedKey') && w.key.includes(shared.recordId) && !w.isDelete)).toBe(true);
    expect(share.some((w) => w.key.includes('wrappedKey') && w.key.includes(shared.recordId) && w.isDelete)).toBe(true);
    expect(share.some((w) => w.key.includes('consent') && text(w).includes(consent.consentId))).toBe(true);
    const all = [...fromA, ...fromB, ...erasureFromA, ...erasureFromB];
    expect(all.filter((w) => w.key.includes(notShared.recordId) || text(w).includes(notShared.recordId))).toEqual([]);
    // The directories name users by their pseudonymous id and role only: no title, no content hash.
    const directory = [...fromA, ...fromB].filter((w) => w.collection.startsWith('dir_'));
    expect(directory.some((w) => text(w).includes(patientId))).toBe(true);
    expect(directory.filter((w) => text(w).includes(title) || text(w).includes(shared.sha256 as string))).toEqual([]);
  });

  it('cannot create or change a key that belongs to Hospital A by endorsing a write set with its own peer alone', async () => {
    h ??= await GatewayHarness.start();
    const harness = h;
    const patientId = uniqueName('trust-forged-pat');
    await harness.register(patientId, 'patient');
    const adminA = await harness.as('hospital-a-admin');
    forger = await WriteForger.connect('hospital-b');
    const json = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');
    const at = new Date().toISOString();
    const intruder = uniqueName('intruder');

    // Control: the forging works. A new public key is guarded by the chaincode-level policy only (any one org).
    const control = await forger.forge(harness.chaincode, [{ collection: '', key: compositeKey('forgery-control', [intruder]), value: json({ at }) }]);
    expect(control).toBe(VALID);

    const forgeries: Record<string, Parameters<WriteForger['forge']>[1]> = {
      "a new admin in A's directory": [{ collection: `dir_${A}`, key: compositeKey('user', [intruder]), value: json({ userId: intruder, role: 'admin', homeOrg: A, status: 'ACTIVE', registeredAt: at }) }],
      "an A patient's entry changed (made an admin)": [{ collection: `dir_${A}`, key: compositeKey('user', [patientId]), value: json({ userId: patientId, role: 'admin', homeOrg: A, status: 'ACTIVE', registeredAt: at }) }],
      "A's entry with B's wrapping key": [{ collection: `dir_${A}`, key: compositeKey('org', []), value: json({ mspId: A, name: 'hospital-a', publicJwk: '{"kty":"EC"}', registeredAt: at }) }],
      "a data key in A's collection": [{ collection: `org_${A}`, key: compositeKey('wrappedKey', [`rec_${intruder}`]), value: json({ recordId: `rec_${intruder}`, patientId, jwe: 'x.y.z' }) }],
      "an erasure receipt in A's collection": [{ collection: `org_${A}`, key: compositeKey('erasure', [`era_${intruder}`]), value: json({ erasureId: `era_${intruder}`, patientId, at }) }],
      "a record of an A patient in A's collection": [
        { collection: `org_${A}`, key: compositeKey('record', [patientId, `rec_${intruder}`]), value: json({ recordId: `rec_${intruder}`, patientId, title: 'forged', category: 'report' }) },
        { collection: `org_${A}`, key: compositeKey('recordRef', [`rec_${intruder}`]), value: json({ patientId }) },
      ],
      "a consent of an A patient in A's collection": [{ collection: `org_${A}`, key: compositeKey('consent', [patientId, `con_${intruder}`]), value: json({ consentId: `con_${intruder}`, patientId }) }],
      "an access event in an A patient's log": [{ collection: `org_${A}`, key: compositeKey('event', [patientId, at, `evt_${intruder}`]), value: json({ eventId: `evt_${intruder}`, patientId }) }],
      "an A patient's working set": [{ collection: `org_${A}`, key: compositeKey('workingSet', [patientId]), value: json({ consents: [], sessions: [] }) }],
      "a consent for B in the share A keeps for B": [
        { collection: `share_${A}_${B}`, key: compositeKey('consent', [patientId, `con_${intruder}`]), value: json({ consentId: `con_${intruder}`, patientId, granteeOrg: B }) },
      ],
      "a working set giving B access, in the share A keeps for B": [
        { collection: `share_${A}_${B}`, key: compositeKey('workingSet', [patientId]), value: json({ consents: [{ consentId: `con_${intruder}`, granteeOrg: B }], sessions: [] }) },
      ],
      "a record and its key in the share A keeps for B": [
        { collection: `share_${A}_${B}`, key: compositeKey('recordRef', [`rec_${intruder}`]), value: json({ patientId }) },
        { collection: `share_${A}_${B}`, key: compositeKey('wrappedKey', [`rec_${intruder}`]), value: json({ recordId: `rec_${intruder}`, patientId, jwe: 'x.y.z' }) },
      ],
    };
    const codes: Record<string, number> = {};
    for (const [what, writes] of Object.entries(forgeries)) codes[what] = await forger.forge(harness.chaincode, writes);
    expect(codes).toEqual(Object.fromEntries(Object.keys(forgeries).map((k) => [k, ENDORSEMENT_POLICY_FAILURE])));

    // Hospital A's chaincode knows neither the forged admin nor a changed patient.
    await adminA.get(`/v1/users/${intruder}`).expect(404);
    const { body: still } = await adminA.get(`/v1/users/${patientId}`).expect(200);
    expect(still).toMatchObject({ role: 'patient', homeOrg: A });
  });
});
