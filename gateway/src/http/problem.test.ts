import request from 'supertest';
import { CiphertextError } from '../crypto/ciphertext-error.js';
import { DataKeyError } from '../crypto/data-key-error.js';
import { LocalKeyError } from '../adapters/local-keys/local-key-error.js';
import { AppError } from '../domain/app-error.js';
import { AuthError } from '../ports/authenticator.js';
import { BlobNotFoundError } from '../ports/blob-store.js';
import { DependencyUnavailableError } from '../ports/dependency.js';
import { LedgerError } from '../ports/ledger-error.js';
import { createApp } from './app.js';
import type { GatewayServices } from './gateway-services.js';

const P = 'https://careledger.dev/problems/';

/** An app whose every authenticated request meets `error` (thrown where an adapter's error would surface). */
function appThatThrows(error: unknown) {
  const services = {
    profile: 'embedded',
    authenticator: { verify: () => Promise.reject(error), ready: async () => undefined },
    readiness: async () => ({}),
  } as unknown as GatewayServices;
  const logged: object[] = [];
  const log = { info() {}, warn() {}, error: (o: object) => void logged.push(o) };
  return { app: createApp(services, { openapi: {}, corsOrigins: [], jsonLimit: '100kb', log }), logged };
}

async function problemFor(error: unknown) {
  const { app } = appThatThrows(error);
  const res = await request(app).get('/v1/me').set('Authorization', 'Bearer abc.def.ghi').set('X-Request-Id', 'req-1');
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  return { status: res.status, body: res.body as Record<string, unknown> };
}

describe('problem+json at the edge: every error a port or adapter raises has a problem type', () => {
  it.each<[string, unknown, number, string, string, string | undefined]>([
    ['a ledger that did not answer in time', new DependencyUnavailableError('ledger', 'timeout', { timeoutMs: 8000 }), 503, 'UNAVAILABLE', `${P}ledger-unavailable`, 'ledger'],
    ['a blob store that cannot be reached', new DependencyUnavailableError('blob-store', 'unreachable'), 503, 'UNAVAILABLE', `${P}blob-store-unavailable`, 'blob-store'],
    ['a permission store that did not answer', new DependencyUnavailableError('permission-store', 'timeout', { timeoutMs: 5000 }), 503, 'UNAVAILABLE', `${P}permission-store-unavailable`, 'permission-store'],
    ['Firebase Auth that did not answer', new DependencyUnavailableError('auth', 'timeout', { timeoutMs: 5000 }), 503, 'UNAVAILABLE', `${P}auth-unavailable`, 'auth'],
    ['a LedgerError UNAVAILABLE (peer down)', new LedgerError({ code: 'UNAVAILABLE', detail: 'the ledger is unavailable' }), 503, 'UNAVAILABLE', `${P}ledger-unavailable`, 'ledger'],
    ['a LedgerError CONFLICT (lost to a concurrent write after the retries)', new LedgerError({ code: 'CONFLICT', detail: 'a concurrent change to the same data won; try again' }), 409, 'CONFLICT', `${P}conflict`, undefined],
    ['a LedgerError with a refusal code', new LedgerError({ code: 'CONSENT_REVOKED', detail: 'revoked' }), 403, 'CONSENT_REVOKED', `${P}consent-revoked`, undefined],
    ['a blob the store does not hold', new BlobNotFoundError(), 502, 'CONTENT_MISSING', `${P}content-missing`, undefined],
    ['a ciphertext that fails authentication', new CiphertextError('CIPHERTEXT_CORRUPT', 'segment 3 failed authentication'), 502, 'INTEGRITY_VIOLATION', `${P}integrity-violation`, undefined],
    ['a truncated ciphertext', new CiphertextError('CIPHERTEXT_TRUNCATED', 'ends early'), 502, 'INTEGRITY_VIOLATION', `${P}integrity-violation`, undefined],
    ['a data key that does not unwrap', new DataKeyError('DATA_KEY_UNWRAP_FAILED', 'wrapped data key does not decrypt with this key'), 502, 'KEY_UNUSABLE', `${P}key-unusable`, undefined],
    ['a data key for another recipient', new DataKeyError('DATA_KEY_WRONG_RECIPIENT', 'not for a key of HospitalAMSP'), 502, 'KEY_UNUSABLE', `${P}key-unusable`, undefined],
    ['a data key under a patient key that was destroyed', new DataKeyError('DATA_KEY_DESTROYED', 'no patient key pk_123'), 502, 'KEY_UNUSABLE', `${P}key-unusable`, undefined],
    ['an org whose registered key cannot wrap', new DataKeyError('DATA_KEY_INVALID_RECIPIENT', 'not P-256'), 502, 'KEY_UNUSABLE', `${P}key-unusable`, undefined],
    ['a key service asked for an org it holds no key of', new LocalKeyError('KEY_ORG_UNKNOWN', 'no key-encryption key for org HospitalCMSP'), 403, 'WRONG_ORG', `${P}wrong-org`, undefined],
    ['a key file that became unusable', new LocalKeyError('KEY_FILE_INVALID', 'key file /secret/kek.json is not usable'), 503, 'UNAVAILABLE', `${P}key-service-unavailable`, 'key-service'],
    ['a refused token', new AuthError('expired'), 401, 'UNAUTHENTICATED', `${P}unauthenticated`, undefined],
  ])('%s', async (_what, error, status, code, type, dependency) => {
    const { status: got, body } = await problemFor(error);
    expect({ status: got, code: body.code, type: body.type, dependency: body.dependency, requestId: body.requestId }).toEqual({ status, code, type, dependency, requestId: 'req-1' });
    // The adapter's own words (file names, org ids, segment numbers) stay in the log.
    expect(body.detail).not.toMatch(/secret|HospitalCMSP|segment 3|P-256/);
  });

  it.each([
    ['a bug (TypeError)', new TypeError("Cannot read properties of undefined (reading 'patientId')")],
    ['a LedgerError INTERNAL (the chaincode failed without a code)', new LedgerError({ code: 'INTERNAL', detail: 'chaincode said pat-0001 …' })],
    ['an AppError INTERNAL', new AppError('INTERNAL', 'the ledger failed')],
  ])('answers a bare 500 that carries the request id and nothing about %s', async (_what, error) => {
    const { status, body } = await problemFor(error);
    expect(status).toBe(500);
    expect(body).toEqual({ type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'an unexpected error occurred', code: 'INTERNAL', requestId: 'req-1' });
  });

  it('logs what a 500 was, for the operator', async () => {
    const error = new TypeError('boom');
    const { app, logged } = appThatThrows(error);
    await request(app).get('/v1/me').set('Authorization', 'Bearer abc.def.ghi').expect(500);
    expect(logged).toEqual([expect.objectContaining({ err: error })]);
  });
});
