import { A, aConsortium, aRecordInput } from '../testing/scenario.js';

const CT = { modality: 'CT', studyDate: '2024-03-15', bodyPart: 'CHEST', studyDescription: 'CT thorax', seriesDescription: 'Axial 1mm', sopClassUid: '1.2.840.10008.5.1.4.1.1.2', numberOfFrames: 3 };

function aDicomInput(imaging: unknown = CT, overrides: Record<string, unknown> = {}) {
  return { record: aRecordInput({ category: 'imaging', mediaType: 'application/dicom', imaging, ...overrides }) };
}

type Page = { records: { recordId: string; imaging?: { modality?: string } }[]; bookmark: string };

describe('RecordContract: DICOM imaging metadata', () => {
  it('keeps the DICOM header fields of an application/dicom record as private metadata', async () => {
    const { ledger } = await aConsortium();
    const { id } = await ledger.submit<{ id: string }>('records:CreateRecord', ['doc-a', 'pat-1'], { msp: A, transient: aDicomInput() });
    await expect(ledger.evaluate('records:GetRecord', ['pat-1', id], { msp: A })).resolves.toMatchObject({ imaging: CT });
    expect(ledger.keys('').map((k) => JSON.stringify(ledger.read('', k))).join()).not.toContain('CT thorax');
  });

  it.each([
    ['imaging', { ...CT, patientName: 'Doe^John' }],
    ['imaging', {}],
    ['imaging', 'CT'],
    ['imaging.modality', { modality: 'ct' }],
    ['imaging.bodyPart', { bodyPart: 'A VERY LONG BODY PART NAME' }],
    ['imaging.studyDate', { studyDate: '20240315' }],
    ['imaging.studyDate', { studyDate: '2024-02-30' }],
    ['imaging.studyDescription', { studyDescription: 'x'.repeat(65) }],
    ['imaging.seriesDescription', { seriesDescription: '' }],
    ['imaging.sopClassUid', { sopClassUid: '1.2.abc' }],
    ['imaging.numberOfFrames', { numberOfFrames: 0 }],
  ])('refuses imaging metadata that is not what a DICOM header keeps: %s %j', async (field, imaging) => {
    const { ledger } = await aConsortium();
    await expect(ledger.submit('records:CreateRecord', ['doc-a', 'pat-1'], { msp: A, transient: aDicomInput(imaging) })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      field,
    });
  });

  it('refuses imaging metadata on a record that is not application/dicom', async () => {
    const { ledger } = await aConsortium();
    const transient = aDicomInput(CT, { mediaType: 'application/pdf' });
    await expect(ledger.submit('records:CreateRecord', ['doc-a', 'pat-1'], { msp: A, transient })).rejects.toMatchObject({ field: 'imaging' });
  });

  it('searches by modality, by DICOM-ness and by category, over what the caller may see only', async () => {
    const { ledger, createRecord, grant } = await aConsortium();
    const create = async (imaging?: unknown) =>
      (await ledger.submit<{ id: string }>('records:CreateRecord', ['doc-a', 'pat-1'], { msp: A, transient: imaging ? aDicomInput(imaging) : { record: aRecordInput() } })).id;
    const ct = await create(CT);
    const mr = await create({ ...CT, modality: 'MR' });
    const report = await create();
    await createRecord({ category: 'imaging' });
    const search = async (filter: object, actor = 'pat-1') =>
      (await ledger.evaluate<Page>('records:SearchRecords', [actor, 'pat-1', JSON.stringify(filter), '', ''], { msp: A })).records.map((r) => r.recordId);
    expect(await search({ modality: 'CT' })).toEqual([ct]);
    expect((await search({ imaging: true })).sort()).toEqual([ct, mr].sort());
    expect(await search({ imaging: false, category: 'report' })).toEqual([report]);
    await grant({ grantee: { kind: 'user', userId: 'doc-a2' }, scope: { recordIds: [mr] } });
    expect(await search({ imaging: true }, 'doc-a2')).toEqual([mr]);
    expect(await search({ modality: 'CT' }, 'doc-a2')).toEqual([]);
  });

  it.each([
    ['filter', 'not json'],
    ['filter', '[1]'],
    ['filter', '{"patientName":"x"}'],
    ['filter.category', '{"category":"gossip"}'],
    ['filter.modality', '{"modality":"c t?"}'],
    ['filter.imaging', '{"imaging":"yes"}'],
  ])('refuses a malformed search filter: %s %s', async (field, filter) => {
    const { ledger } = await aConsortium();
    await expect(ledger.evaluate('records:SearchRecords', ['pat-1', 'pat-1', filter, '', ''], { msp: A })).rejects.toMatchObject({ field });
  });

  it('an empty filter lists every visible record', async () => {
    const { ledger, createRecord } = await aConsortium();
    await createRecord();
    const page = await ledger.evaluate<Page>('records:SearchRecords', ['pat-1', 'pat-1', '', '', ''], { msp: A });
    expect(page.records).toHaveLength(1);
  });
});
