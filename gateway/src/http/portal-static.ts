import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Router } from 'express';
import { AppError } from '../domain/app-error.js';

/** How the portal signs users in: what `GET /portal-config.json` answers. */
export type PortalSignIn =
  | { kind: 'development' }
  | {
      kind: 'firebase';
      /** The Firebase web config the JS SDK needs (the API key of a web app is public by design). */
      apiKey: string;
      projectId: string;
      authDomain?: string;
      /** The Auth emulator's URL (tests and local networks), e.g. http://127.0.0.1:9099. */
      emulatorUrl?: string;
    };

/** What the gateway needs to serve the built portal. */
export interface PortalOptions {
  /** The folder `npm run build` writes the portal to (portal/dist). */
  distDir: string;
  signIn: PortalSignIn;
}

/** Hosts the portal's scripts may call besides its own origin (Firebase Auth endpoints or the emulator). */
function connectSources(signIn: PortalSignIn): string[] {
  if (signIn.kind !== 'firebase') return [];
  if (signIn.emulatorUrl) return [new URL(signIn.emulatorUrl).origin];
  return ['https://identitytoolkit.googleapis.com', 'https://securetoken.googleapis.com'];
}

/**
 * The portal's Content-Security-Policy: scripts only from the gateway's own files (no inline script, no
 * eval), workers and images also from blob: (the DICOM viewer decodes in a worker and draws to a canvas).
 * Styles allow inline attributes because the component library sets CSS variables on elements.
 */
export function portalContentSecurityPolicy(signIn: PortalSignIn): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "script-src-attr 'none'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self' ${connectSources(signIn).join(' ')}`.trim(),
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * Serves the built portal at `/`: `index.html` is revalidated on every load (`no-cache`) so a new build is
 * seen at once, the content-hashed files under `/assets/` are cached for a year (`immutable`), except the
 * viewer's decoder workers under `/assets/workers/`, whose names carry no hash. Everything
 * it answers carries the portal's CSP. Unknown files fall through to the API's 404 problem.
 */
export function portalRouter(options: PortalOptions): Router {
  const router = express.Router();
  const csp = portalContentSecurityPolicy(options.signIn);
  const index = path.join(options.distDir, 'index.html');
  router.use((_req, res, next) => {
    res.setHeader('Content-Security-Policy', csp);
    next();
  });
  router.get('/portal-config.json', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ signIn: options.signIn });
  });
  router.get(['/', '/index.html'], (_req, res, next) => {
    if (!existsSync(index)) {
      next(new AppError('UNAVAILABLE', 'the portal is not built: run npm run build'));
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index, { dotfiles: 'deny' }, (error) => error && next(error));
  });
  // The DICOM viewer's decoder workers keep their published names: revalidated like index.html.
  router.use(
    '/assets/workers',
    express.static(path.join(options.distDir, 'assets', 'workers'), {
      index: false,
      dotfiles: 'deny',
      setHeaders: (res) => res.setHeader('Cache-Control', 'no-cache'),
    }),
  );
  router.use(
    '/assets',
    express.static(path.join(options.distDir, 'assets'), {
      index: false,
      immutable: true,
      maxAge: '365d',
      dotfiles: 'deny',
    }),
  );
  return router;
}
