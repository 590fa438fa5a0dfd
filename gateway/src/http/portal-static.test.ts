import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import helmet from 'helmet';
import request from 'supertest';
import { notFound, problemHandler, requestId } from './problem.js';
import { portalContentSecurityPolicy, portalRouter, type PortalSignIn } from './portal-static.js';

const silent = { error() {}, warn() {} };
let dist: string;

function appWith(signIn: PortalSignIn = { kind: 'development' }, distDir = dist): express.Express {
  const app = express();
  app.use(requestId);
  app.use(helmet());
  app.use(portalRouter({ distDir, signIn }));
  app.get('/v1/ping', (_req, res) => {
    res.json({ ok: true });
  });
  app.use(notFound);
  app.use(problemHandler(silent));
  return app;
}

beforeAll(async () => {
  dist = await mkdtemp(path.join(tmpdir(), 'portal-dist-'));
  await mkdir(path.join(dist, 'assets', 'workers'), { recursive: true });
  await writeFile(
    path.join(dist, 'index.html'),
    '<!doctype html><title>CareLedger</title><script type="module" src="/assets/index-abc123.js"></script>',
  );
  await writeFile(path.join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
  await writeFile(
    path.join(dist, 'assets', 'workers', 'jpegbaseline.worker.min.js'),
    'self.onmessage=()=>{}',
  );
});
afterAll(() => rm(dist, { recursive: true, force: true }));

describe('portal static files', () => {
  it('serves index.html at / revalidated on every load', async () => {
    const res = await request(appWith()).get('/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.text).toContain('<title>CareLedger</title>');
  });

  it('caches content-hashed assets for a year as immutable', async () => {
    const res = await request(appWith()).get('/assets/index-abc123.js');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('revalidates the viewer decoder workers, whose names carry no hash', async () => {
    const res = await request(appWith()).get('/assets/workers/jpegbaseline.worker.min.js');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it('sends a CSP that allows no inline or foreign script on every portal response', async () => {
    for (const url of ['/', '/assets/index-abc123.js', '/portal-config.json']) {
      const csp = (await request(appWith()).get(url)).headers['content-security-policy'] as string;
      const scriptSrc = csp.split('; ').find((d) => d.startsWith('script-src '));
      expect(scriptSrc).toBe("script-src 'self'");
      expect(csp).toContain("script-src-attr 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-eval');
    }
  });

  it('answers an unknown asset with the API 404 problem, not index.html', async () => {
    const res = await request(appWith()).get('/assets/nope.js');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('leaves API paths to the API', async () => {
    const res = await request(appWith()).get('/v1/ping');
    expect(res.body).toEqual({ ok: true });
  });

  it('refuses to serve files outside the build folder', async () => {
    const res = await request(appWith()).get('/assets/..%2f..%2fetc%2fpasswd');
    expect([400, 403, 404]).toContain(res.status);
    expect(res.text).not.toContain('root:');
  });

  it('says how users sign in: development tokens on the embedded profile', async () => {
    const res = await request(appWith()).get('/portal-config.json');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({ signIn: { kind: 'development' } });
  });

  it('lets the Firebase SDK reach only the Auth emulator when one is configured', async () => {
    const signIn: PortalSignIn = {
      kind: 'firebase',
      apiKey: 'emulator-api-key',
      projectId: 'demo-careledger',
      emulatorUrl: 'http://127.0.0.1:9099',
    };
    expect(portalContentSecurityPolicy(signIn)).toContain("connect-src 'self' http://127.0.0.1:9099;");
    expect((await request(appWith(signIn)).get('/portal-config.json')).body.signIn).toEqual(signIn);
  });

  it('answers 503 with a hint when the portal has not been built', async () => {
    const res = await request(appWith({ kind: 'development' }, path.join(dist, 'missing'))).get('/');
    expect(res.status).toBe(503);
    expect(res.body.detail).toContain('npm run build');
  });
});
