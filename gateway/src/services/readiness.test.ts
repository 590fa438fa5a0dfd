import { loadConfig } from '../config.js';
import type { Authenticator } from '../ports/authenticator.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { KeyService } from '../ports/key-service.js';
import type { Ledger } from '../ports/ledger.js';
import type { PermissionStore } from '../ports/permission-store.js';
import { buildServices } from '../build-services.js';

const never = (): Promise<void> => new Promise(() => undefined);
const ok = async (): Promise<void> => undefined;
const silent = { info() {}, warn() {}, error() {} };

/** Services over adapters whose readiness probes hang, fail or answer as told. */
function servicesWith(ready: { ledger: () => Promise<void>; blobs: () => Promise<void>; permissions: () => Promise<void>; keys: () => Promise<void>; auth: () => Promise<void> }) {
  const config = loadConfig({ CARELEDGER_READY_TIMEOUT_MS: '300' });
  const { services } = buildServices({
    config,
    log: silent,
    ledger: { ready: ready.ledger } as unknown as Ledger,
    blobs: { ready: ready.blobs } as unknown as BlobStore,
    permissions: { ready: ready.permissions } as unknown as PermissionStore,
    keys: { ready: ready.keys } as unknown as KeyService,
    authenticator: { ready: ready.auth, verify: never } as unknown as Authenticator,
  });
  return services;
}

describe('readiness: every adapter asked at once, each within the readiness deadline', () => {
  it('answers within the deadline when every adapter hangs, naming each unavailable', async () => {
    const services = servicesWith({ ledger: never, blobs: never, permissions: never, keys: never, auth: never });
    const started = Date.now();
    const checks = await services.readiness();
    // Five hung probes one after the other would take 5 × 300 ms.
    expect(Date.now() - started).toBeLessThan(900);
    expect(checks).toEqual({ ledger: 'unavailable', blobStore: 'unavailable', permissionStore: 'unavailable', keyService: 'unavailable', authenticator: 'unavailable' });
  });

  it("tells each adapter's state apart: one hung, one failing, the others ok", async () => {
    const services = servicesWith({ ledger: ok, blobs: never, permissions: () => Promise.reject(new Error('down')), keys: ok, auth: ok });
    expect(await services.readiness()).toEqual({ ledger: 'ok', blobStore: 'unavailable', permissionStore: 'unavailable', keyService: 'ok', authenticator: 'ok' });
  });
});
