import express, { type Express } from 'express';
import helmet from 'helmet';
import swaggerUi from 'swagger-ui-express';
import { RegisterRoutes } from '../generated/routes.js';
import { AppError } from '../domain/app-error.js';
import type { GatewayServices } from './gateway-services.js';
import { methodNotAllowed, type OpenApiPaths } from './method-not-allowed.js';
import { notFound, problemHandler, requestId } from './problem.js';
import { portalRouter, type PortalOptions } from './portal-static.js';

/** What the app needs besides the services. */
export interface AppOptions {
  /** The OpenAPI document served at /openapi.json and by Swagger UI at /docs. */
  openapi: object;
  /** Origins allowed by CORS; empty = no CORS headers. */
  corsOrigins: string[];
  /** Limit of JSON bodies (uploads are streamed and limited separately). */
  jsonLimit: string;
  /** Limit of a device's observation batch (10,000 readings are about 0.8 MB); default 4mb. */
  batchJsonLimit?: string;
  /** Base of absolute URLs in FHIR answers (CARELEDGER_PUBLIC_URL); default `http://localhost:<local port>`. */
  publicUrl?: string;
  log: { error(o: object, m?: string): void; warn(o: object, m?: string): void; info(o: object, m?: string): void };
  /** The built web portal, served at `/`; none = the API only. */
  portal?: PortalOptions;
}

/** Builds the express app for any set of services (main wires a profile; tests wire what they need). */
export function createApp(services: GatewayServices, options: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.locals.services = services;
  app.locals.publicUrl = options.publicUrl?.replace(/\/+$/, '');
  app.use(requestId);
  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    // The route template, not the URL: one log line per request without ids or query values.
    res.on('finish', () =>
      options.log.info(
        { requestId: res.locals.requestId, method: req.method, route: req.route?.path ?? 'unmatched', status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 },
        'request',
      ),
    );
    next();
  });
  // Swagger UI needs inline scripts and styles; everything else gets helmet's strict defaults.
  app.use('/docs', helmet({ contentSecurityPolicy: false }));
  app.use(/^(?!\/docs).*/, helmet());
  app.use(cors(options.corsOrigins));
  app.use(knownMediaTypes);
  // A device batch may be larger than other bodies; parsed first, the general parser then leaves it alone.
  app.use('/v1/devices/:deviceId/observations', express.json({ limit: options.batchJsonLimit ?? '4mb', type: ['application/json', 'application/*+json'] }));
  app.use(express.json({ limit: options.jsonLimit, type: ['application/json', 'application/*+json'] }));
  app.get('/openapi.json', (_req, res) => {
    res.json(options.openapi);
  });
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(options.openapi, { customSiteTitle: 'CareLedger API' }));
  if (options.portal) app.use(portalRouter(options.portal));
  RegisterRoutes(app);
  app.use(methodNotAllowed(options.openapi as OpenApiPaths));
  app.use(notFound);
  app.use(problemHandler(options.log));
  return app;
}

function cors(origins: string[]): express.RequestHandler {
  return (req, res, next) => {
    const origin = req.header('origin');
    if (origin && origins.includes(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, Idempotency-Key, X-Request-Id');
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, DELETE, OPTIONS');
      res.setHeader('Access-Control-Expose-Headers', 'X-Request-Id, X-Access-Event, X-Access-Outcome, Digest');
      if (req.method === 'OPTIONS') {
        res.status(204).end();
        return;
      }
    }
    next();
  };
}

/**
 * Bodies are JSON, or multipart/form-data for uploads: anything else (text/plain, a form, no type) is
 * 415 rather than an empty body that fails validation with a misleading "required"
 * (docs/DECISIONS.md#only-json-and-multipart-request-bodies).
 */
const knownMediaTypes: express.RequestHandler = (req, _res, next) => {
  const kind = req.is(['application/json', 'application/*+json', 'multipart/form-data']);
  if (kind === null || kind || req.headers['content-length'] === '0') {
    next();
    return;
  }
  next(new AppError('UNSUPPORTED_MEDIA_TYPE', 'request bodies are application/json (uploads: multipart/form-data)'));
};
