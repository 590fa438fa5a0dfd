// The Interoperability requests of the collection (FHIR views, patient export, devices and observations),
// kept apart from build-collection.mjs, which imports them. Same helpers, passed in.

/** Three readings of a pulse oximeter, in the past. */
const READINGS = [
  { code: '8867-4', time: '2025-06-01T08:00:00Z', value: 72, unit: '/min' },
  { code: '59408-5', time: '2025-06-01T08:00:00Z', value: 97, unit: '%' },
  { code: '8867-4', time: '2025-06-01T08:01:00Z', value: 75, unit: '/min' },
];

/**
 * A FHIR R4 Consent of the journey's patient for the journey's doctor: lab results, for treatment, until 2099.
 * `provision` overrides elements of its one provision.
 */
function fhirConsent(provision = {}) {
  return {
    resourceType: 'Consent',
    status: 'active',
    patient: { reference: 'Patient/{{patientId}}' },
    provision: {
      type: 'permit',
      period: { end: '2099-01-01T00:00:00Z' },
      actor: [{ role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }] }, reference: { reference: 'Practitioner/{{doctorId}}' } }],
      action: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentaction', code: 'access' }] }],
      purpose: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'TREAT' }],
      class: [{ system: 'https://careledger.dev/fhir/CodeSystem/record-category', code: 'lab-result' }],
      ...provision,
    },
  };
}

/**
 * The journey's step before erasure: the patient's device, its observations, the FHIR views and the export,
 * with the journey's patient (who still has records, consents and an access log).
 */
export function journeyInteroperability({ folder, request, expect, carry, s }) {
  const fhirOk = (resourceType) => s`
    ${expect.status(200)}
    pm.test('application/fhir+json', () => pm.expect(pm.response.headers.get('Content-Type')).to.include('application/fhir+json'));
    pm.test('a ${resourceType}', () => pm.expect(pm.response.json().resourceType).to.eql('${resourceType}'));
  `;
  return folder(
    '15 Interoperability',
    "The home admin registers the patient's pulse oximeter; it posts a batch with its own credential; the patient reads the observations, the FHIR views and the export.",
    [
      request('Admin registers a device for the patient', {
        route: 'POST /v1/devices',
        as: 'admin',
        json: `{\n  "patientId": "{{patientId}}"\n}`,
        test: s`
        ${expect.status(201)}
        pm.test('a device credential for this patient', () => {
          const body = pm.response.json();
          pm.expect(body).to.include({ patientId: pm.variables.get('patientId'), tokenType: 'Bearer' });
          pm.expect(body.token).to.be.a('string');
        });
        ${carry('deviceId', 'pm.response.json().deviceId')}
        ${carry('deviceToken', 'pm.response.json().token')}
      `,
      }),
      request('The device posts a batch of vital signs', {
        route: 'POST /v1/devices/{{deviceId}}/observations',
        as: 'device',
        json: { readings: READINGS },
        test: s`
        ${expect.status(201)}
        pm.test('stored and anchored', () => {
          const body = pm.response.json();
          pm.expect(body.readings).to.eql(3);
          pm.expect(body.sha256).to.match(/^[0-9a-f]{64}$/);
        });
        ${carry('batchId', 'pm.response.json().batchId')}
      `,
      }),
      request('The patient reads the heart rates as FHIR Observations', {
        route: 'GET /v1/patients/{{patientId}}/observations?purpose=PATRQT&code=8867-4',
        as: 'patient',
        test: s`
        ${fhirOk('Bundle')}
        pm.test('two heart rates', () => {
          const bundle = pm.response.json();
          pm.expect(bundle.total).to.eql(2);
          pm.expect(bundle.entry.map((e) => e.resource.valueQuantity.value)).to.eql([72, 75]);
        });
      `,
      }),
      request('The patient as FHIR Patient (pseudonymous)', {
        route: 'GET /v1/fhir/Patient/{{patientId}}',
        as: 'patient',
        test: s`
        ${fhirOk('Patient')}
        pm.test('no name', () => pm.expect(pm.response.json().name).to.be.undefined);
      `,
      }),
      request('The report as FHIR DocumentReference', {
        route: 'GET /v1/fhir/DocumentReference/{{recordId}}',
        as: 'patient',
        test: s`
        ${fhirOk('DocumentReference')}
        pm.test('the SHA-256 of the fixture', () => {
          const ext = pm.response.json().content[0].attachment.extension[0];
          pm.expect(CryptoJS.enc.Base64.parse(ext.valueBase64Binary).toString()).to.eql(pm.variables.get('fixtureSha256'));
        });
      `,
      }),
      request('The patient searches DocumentReferences', {
        route: 'GET /v1/fhir/DocumentReference?patient={{patientId}}',
        as: 'patient',
        test: s`
        ${fhirOk('Bundle')}
        pm.test('the report and the batch', () => pm.expect(pm.response.json().entry.length).to.eql(2));
      `,
      }),
      request('The report is no DICOM study: 404', {
        route: 'GET /v1/fhir/ImagingStudy/{{recordId}}',
        as: 'patient',
        test: expect.outcome(404, 'NOT_FOUND'),
      }),
      request('The patient searches CT studies', {
        route: 'GET /v1/fhir/ImagingStudy?patient={{patientId}}&modality=CT',
        as: 'patient',
        test: s`
        ${fhirOk('Bundle')}
        pm.test('none (no entry, total 0)', () => pm.expect(pm.response.json().entry).to.eql(undefined));
      `,
      }),
      request('The revoked consent as FHIR Consent', {
        route: 'GET /v1/fhir/Consent/{{consentId}}',
        as: 'patient',
        test: s`
        ${fhirOk('Consent')}
        pm.test('inactive, purposes from HL7 v3 ActReason', () => {
          const consent = pm.response.json();
          pm.expect(consent.status).to.eql('inactive');
          pm.expect(consent.provision.purpose[0].system).to.eql('http://terminology.hl7.org/CodeSystem/v3-ActReason');
        });
      `,
      }),
      request('The patient searches Consents', {
        route: 'GET /v1/fhir/Consent?patient={{patientId}}',
        as: 'patient',
        test: fhirOk('Bundle'),
      }),
      request('The patient grants the doctor lab results as a FHIR Consent', {
        route: 'POST /v1/fhir/Consent',
        as: 'patient',
        mediaType: 'application/fhir+json',
        json: fhirConsent(),
        test: s`
        ${expect.status(201)}
        pm.test('application/fhir+json', () => pm.expect(pm.response.headers.get('Content-Type')).to.include('application/fhir+json'));
        pm.test('the stored consent as the Consent view renders it', () => {
          const consent = pm.response.json();
          pm.expect(consent).to.include({ resourceType: 'Consent', status: 'active' });
          pm.expect(consent.provision.actor[0].reference.identifier.value).to.eql(pm.variables.get('doctorId'));
          pm.expect(consent.provision.code[0].coding[0].code).to.eql('lab-result');
        });
        ${carry('fhirConsentId', 'pm.response.json().id')}
      `,
      }),
      request('The FHIR Consent reads back the same', {
        route: 'GET /v1/fhir/Consent/{{fhirConsentId}}',
        as: 'patient',
        test: s`
        ${fhirOk('Consent')}
        pm.test('active, for the doctor', () => pm.expect(pm.response.json().provision.actor[0].reference.identifier.value).to.eql(pm.variables.get('doctorId')));
      `,
      }),
      request('The doctor cannot grant for the patient: 403', {
        route: 'POST /v1/fhir/Consent',
        as: 'doctor',
        mediaType: 'application/fhir+json',
        json: fhirConsent(),
        test: expect.outcome(403, 'FORBIDDEN'),
      }),
      request('The access log as FHIR AuditEvents', {
        route: 'GET /v1/fhir/AuditEvent?patient={{patientId}}',
        as: 'patient',
        test: s`
        ${fhirOk('Bundle')}
        pm.test('granted and denied reads', () => {
          const outcomes = pm.response.json().entry.map((e) => e.resource.outcome);
          pm.expect(outcomes).to.include('0');
          pm.expect(outcomes).to.include('4');
        });
      `,
      }),
      request('The patient exports everything as a FHIR Bundle', {
        route: 'GET /v1/patients/{{patientId}}/export',
        as: 'patient',
        test: s`
        ${fhirOk('Bundle')}
        pm.test('a collection with the Patient, the records, the consents and the access log', () => {
          const bundle = pm.response.json();
          pm.expect(bundle.type).to.eql('collection');
          const types = bundle.entry.map((e) => e.resource.resourceType);
          ['Patient', 'DocumentReference', 'Consent', 'AuditEvent'].forEach((t) => pm.expect(types).to.include(t));
        });
      `,
      }),
      request('The patient exports everything as a ZIP', {
        route: 'GET /v1/patients/{{patientId}}/export?format=zip',
        as: 'patient',
        test: s`
        ${expect.status(200)}
        pm.test('a ZIP download', () => {
          pm.expect(pm.response.headers.get('Content-Type')).to.eql('application/zip');
          pm.expect(pm.response.headers.get('Content-Disposition')).to.include('attachment');
        });
      `,
      }),
      request('The admin revokes the device', {
        route: 'DELETE /v1/devices/{{deviceId}}',
        as: 'admin',
        test: s`
        ${expect.status(200)}
        pm.test('revoked', () => pm.expect(pm.response.json().status).to.eql('REVOKED'));
      `,
      }),
      request('The revoked device posts: 403', {
        route: 'POST /v1/devices/{{deviceId}}/observations',
        as: 'device',
        json: { readings: READINGS.slice(0, 1) },
        test: expect.problem(403, 'FORBIDDEN'),
      }),
    ],
  );
}

/** The contract of the new paths: their refusals, on the second patient (who has no token of their own). */
export function interoperability({ folder, request, expect, carry, s, NO_TOKEN }) {
  return folder(
    'Interoperability',
    'FHIR R4 views, the patient export, devices and their observation batches: refusals and malformed input.',
    [
      request('Admin registers a device for the second patient', {
        route: 'POST /v1/devices',
        as: 'admin',
        json: `{\n  "patientId": "{{patient2Id}}"\n}`,
        test: s`
        ${expect.status(201)}
        ${carry('device2Id', 'pm.response.json().deviceId')}
        ${carry('deviceToken', 'pm.response.json().token')}
      `,
      }),
      request('A doctor cannot register devices: 403', {
        route: 'POST /v1/devices',
        as: 'doctor',
        json: `{\n  "patientId": "{{patient2Id}}"\n}`,
        test: expect.problem(403, 'WRONG_ROLE'),
      }),
      request('A device without patientId: 400', {
        route: 'POST /v1/devices',
        as: 'admin',
        json: {},
        test: expect.problem(400, 'INVALID_ARGUMENT', 'patientId'),
      }),
      request('The device posts for another patient: 403', {
        route: 'POST /v1/devices/{{device2Id}}/observations',
        as: 'device',
        json: `{\n  "patientId": "{{patientId}}",\n  "readings": ${JSON.stringify(READINGS.slice(0, 1))}\n}`,
        test: expect.problem(403, 'FORBIDDEN'),
      }),
      request('A reading with an unknown unit: 400', {
        route: 'POST /v1/devices/{{device2Id}}/observations',
        as: 'device',
        json: { readings: [{ ...READINGS[0], unit: 'bpm' }] },
        test: expect.problem(400, 'INVALID_ARGUMENT', 'readings[0].unit'),
      }),
      request('A user token posts no batch: 401', {
        route: 'POST /v1/devices/{{device2Id}}/observations',
        as: 'admin',
        json: { readings: READINGS.slice(0, 1) },
        test: expect.unauthenticated(),
      }),
      request('A device credential reads nothing: 401', {
        route: 'GET /v1/patients/{{patient2Id}}/records',
        as: 'device',
        test: expect.unauthenticated(),
      }),
      request('A doctor cannot revoke devices: 403', {
        route: 'DELETE /v1/devices/{{device2Id}}',
        as: 'doctor',
        test: expect.problem(403, 'WRONG_ROLE'),
      }),
      request('Observations without a purpose: 400', {
        route: 'GET /v1/patients/{{patient2Id}}/observations',
        as: 'doctor',
        test: expect.problem(400, 'INVALID_ARGUMENT', 'purpose'),
      }),
      request('A doctor without consent sees no observations', {
        route: 'GET /v1/patients/{{patient2Id}}/observations?purpose=TREAT',
        as: 'doctor',
        test: s`
        ${expect.status(200)}
        pm.test('an empty searchset', () => pm.expect(pm.response.json()).to.include({ resourceType: 'Bundle', type: 'searchset', total: 0 }));
      `,
      }),
      // The doctor uploaded this record and still opens it as its author; an admin reads no record's metadata.
      request('An admin (no consent): the record is not found (404)', {
        route: 'GET /v1/fhir/DocumentReference/{{record2Id}}',
        as: 'admin',
        test: expect.outcome(404, 'RECORD_NOT_FOUND'),
      }),
      // Malformed input is refused before who may grant is looked at (as on the JSON path): the doctor gets the 400.
      request('A FHIR Consent with a deny provision: 400 naming the element', {
        route: 'POST /v1/fhir/Consent',
        as: 'doctor',
        mediaType: 'application/fhir+json',
        json: fhirConsent({ type: 'deny' }),
        test: expect.outcome(400, 'INVALID_ARGUMENT', 'Consent.provision.type'),
      }),
      // collect (the contribution right) comes with access: a grantee who adds records also reads under the consent.
      request('A FHIR Consent asking for collect without access: 400 naming the action', {
        route: 'POST /v1/fhir/Consent',
        as: 'doctor',
        mediaType: 'application/fhir+json',
        json: fhirConsent({ action: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentaction', code: 'collect' }] }] }),
        test: expect.outcome(400, 'INVALID_ARGUMENT', 'Consent.provision.action'),
      }),
      request('A FHIR search without patient: 400', {
        route: 'GET /v1/fhir/DocumentReference',
        as: 'doctor',
        test: expect.outcome(400, 'INVALID_ARGUMENT', 'patient'),
      }),
      request('The home admin reads the AuditEvents', {
        route: 'GET /v1/fhir/AuditEvent?patient={{patient2Id}}&_count=1',
        as: 'admin',
        test: s`
        ${expect.status(200)}
        pm.test('a searchset page with a next link', () => {
          const bundle = pm.response.json();
          pm.expect(bundle.entry.length).to.eql(1);
          pm.expect(bundle.link.map((l) => l.relation)).to.include('next');
        });
      `,
      }),
      request('A doctor cannot read the AuditEvents: 403', {
        route: 'GET /v1/fhir/AuditEvent?patient={{patient2Id}}',
        as: 'doctor',
        test: expect.outcome(403, 'FORBIDDEN'),
      }),
      request('The home admin cannot export the patient: 403', {
        route: 'GET /v1/patients/{{patient2Id}}/export',
        as: 'admin',
        test: expect.problem(403, 'FORBIDDEN'),
      }),
      request(`${NO_TOKEN} (FHIR)`, {
        route: 'GET /v1/fhir/Patient/{{patient2Id}}',
        as: null,
        test: expect.outcome(401, 'UNAUTHENTICATED'),
      }),
    ],
  );
}
